"""The Fund council approves the result in a real browser (§7.4, D14): Debian's Chromium driven by Playwright
against a real gunicorn, on each store. The store is prepared with the contest played to round 3's close on
2 December 2024 (a frozen clock); the server then runs on the system clock, so the decision of 9 December 2024 is
neither in the future nor before the result. The council signs in with its token, reads the result, enters the
decision and confirms; the page then shows the sealed state, and the API agrees. Screenshots go to
test-artifacts/pages/<store>/ (gitignored)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from api.app import create_app
from contest.clock import FrozenClock
from contest.service import ContestService
from contest.store import EventStore
from domain.actors import system_actor
from tests.conftest import SECRETS, START, STORES
from tests.support import ROOT
from tests.support.browser import chromium
from tests.support.council import play_to_close
from tests.support.live import call, gunicorn, live_store

pytestmark = pytest.mark.slow



def prepare(store_url: str) -> str:
    """The 2024 contest played to round 3's close (tests/support/council.py); returns a council token."""
    clock = FrozenClock(START)
    svc = ContestService(EventStore(store_url), clock, SECRETS)
    try:
        svc.init_from_preset("2024", actor=system_actor("test"))
        actor = system_actor("test")
        tokens = {"secretariat": svc.issue_token("secretariat", actor=actor)[0],
                  "council": svc.issue_token("council", actor=actor, name="Padome")[0]}
        client = create_app(svc, {"TESTING": True}).test_client()
        play_to_close(client, svc, clock, tokens)
        return tokens["council"]
    finally:
        svc.close()


@pytest.fixture(params=STORES)
def live(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[dict[str, str]]:
    """A real gunicorn over a prepared store of each kind: {"base", "token", "shots"}."""
    with live_store(request, tmp_path) as url:
        shots = ROOT / "test-artifacts" / "pages" / request.param
        shots.mkdir(parents=True, exist_ok=True)
        token = prepare(url)
        with gunicorn(url, tmp_path, workers=2) as (base, _log):
            yield {"base": base, "token": token, "shots": str(shots)}


@pytest.fixture
def browser() -> Iterator[Browser]:
    with chromium() as b:  # tests/support/browser.py: Debian's Chromium, headless
        yield b


def test_the_council_signs_in_approves_and_sees_the_sealed_contest(browser: Browser, live: dict[str, str]) -> None:
    context = browser.new_context(base_url=live["base"], locale="lv-LV", viewport={"width": 1100, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    shots = Path(live["shots"])
    try:
        page.goto("/padome")
        page.get_by_label("Piekļuves atslēga").fill(live["token"])
        page.get_by_role("button", name="Pieteikties").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Fonda padome: rezultātu apstiprināšana")
        expect(page.locator("#winner")).to_contain_text("Ieskaitīto vērtējumu vidējā vērtība: 4,40")
        expect(page.locator("#seats tr[data-seat=vpd]")).to_contain_text("vērtējumus neieskaita")
        digest = page.locator("#pending-digest").inner_text()
        assert re.fullmatch(r"[0-9a-f]{64}", digest)
        page.screenshot(path=str(shots / "council-finished.png"), full_page=True)

        page.get_by_label("Fonda padomes lēmuma numurs").fill("Nr. 12")
        page.get_by_label("Fonda padomes lēmuma datums").fill("2024-12-09")
        page.get_by_label("Apliecinu, ka Fonda padomes lēmums apstiprina šo rezultātu").check()
        page.get_by_role("button", name="Apstiprināt rezultātu").click()

        sealed = page.locator("#sealed")
        expect(page.get_by_role("status")).to_contain_text("Apstiprināts: konkurss ir noslēgts.")
        expect(sealed).to_contain_text("Apstiprināts un noslēgts")
        expect(page.locator("#decision")).to_have_text("Fonda padomes 2024. gada 9. decembra lēmums Nr. 12")
        expect(page.locator("#approved-digest")).to_have_text(digest)
        expect(page.get_by_role("button", name="Apstiprināt rezultātu")).to_have_count(0)
        expect(page.locator("#report-link")).to_have_attribute("href", "/api/contests/2024/result.html")
        page.screenshot(path=str(shots / "council-sealed.png"), full_page=True)
        page.set_viewport_size({"width": 390, "height": 844})  # a phone
        assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scrolling
        page.screenshot(path=str(shots / "council-sealed-phone.png"), full_page=False)

        status, contest = call("GET", live["base"] + "/api/contests/2024")
        assert status == 200 and contest["stage"] == "sealed"
        status, result = call("GET", live["base"] + "/api/contests/2024/result")
        assert result["approved"] and result["approval"]["digest"] == digest
        assert result["approval"]["decision_number"] == "Nr. 12"
    finally:
        context.close()
    assert not errors, f"the browser reported errors: {errors}"
