"""Every public page in a real browser, in Latvian and English, on a phone (390 px) and a desktop (1280 px), for a
2024 contest played to the council's approval (on SQLite): each answers 200 in its language, has no English
left on the Latvian page, does not scroll sideways on a phone, and is saved as a screenshot in
test-artifacts/public/<store>/ (gitignored; CI keeps them)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from api.app import create_app
from contest.clock import FrozenClock
from contest.service import ContestService
from contest.store import EventStore
from domain.actors import system_actor
from tests.conftest import SECRETS, START
from tests.support import ROOT
from tests.support.browser import chromium
from tests.support.live import gunicorn, live_store
from tests.support.pages import not_latvian
from tests.support.round3 import play_contest

pytestmark = pytest.mark.slow

PAGES = ["/", "/balsot", "/balsot/parbaudit", "/rezultati", "/rezultati/balsojums", "/rezultati/{code}",
         "/rezultati/2-karta", "/rezultati/3-karta", "/rezultati/gala-rezultati", "/privatums", "/kontrolpunkti",
         "/arhivs"]
WIDTHS = {"phone": 390, "desktop": 1280}


def prepare(store_url: str) -> str:
    """The 2024 contest played to the council's approval (tests/support/round3.py play_contest); returns the code
    of a municipality of round 2, whose explanation page is shown."""
    clock = FrozenClock(START)
    svc = ContestService(EventStore(store_url), clock, SECRETS)
    try:
        svc.init_from_preset("2024", actor=system_actor("test"))
        client = create_app(svc, {"TESTING": True}).test_client()
        tokens = {role: svc.issue_token(role, actor=system_actor("test"), name=role)[0]
                  for role in ("secretariat", "council")}
        play_contest(svc, clock, client, tokens)
        return svc.contest(2024).round1["advancing"][0]
    finally:
        svc.close()


@pytest.fixture(scope="module", params=["sqlite"])  # the pages, not the store: both stores render them in
# tests/e2e/test_pages_browser.py and the integration tests; CI time is better spent there
def live(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    tmp = tmp_path_factory.mktemp(f"public-{request.param}")
    with live_store(request, tmp) as url:
        shots = ROOT / "test-artifacts" / "public" / request.param
        shots.mkdir(parents=True, exist_ok=True)
        code = prepare(url)
        with gunicorn(url, tmp, workers=2) as (base, _log):
            yield {"base": base, "code": code, "shots": str(shots)}


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as b:
        yield b


@pytest.mark.parametrize("language", ["lv", "en"])
@pytest.mark.parametrize("device", list(WIDTHS))
def test_every_public_page_in_both_languages_on_a_phone_and_a_desktop(browser: Browser, live: dict[str, str],
                                                                      language: str, device: str) -> None:
    context = browser.new_context(base_url=live["base"], viewport={"width": WIDTHS[device], "height": 900})
    page = context.new_page()
    problems = []
    try:
        for path in PAGES:
            path = path.format(code=live["code"])
            response = page.goto(f"{path}?lang={language}")
            assert response is not None and response.status == 200, (path, response and response.status)
            assert page.get_attribute("html", "lang") == language, path
            if language == "lv":
                problems += [f"{path}: {t}" for t in not_latvian(page.content())]
            overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
            if overflow > 1:
                problems.append(f"{path}: {overflow}px wider than the {device}'s screen")
            name = (path.strip("/").replace("/", "-") or "home") + f"-{language}-{WIDTHS[device]}"
            page.screenshot(path=str(Path(live["shots"]) / f"{name}.png"), full_page=True)
    finally:
        context.close()
    assert problems == []
