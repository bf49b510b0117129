"""The municipality's pages in a real browser: Debian's Chromium driven by Playwright against a real gunicorn, on
each store. Rīga signs in with its token, saves two sections of the questionnaire (a number typed the Latvian way,
an option, by mouse and by keyboard), and a bad value is refused in Latvian at its field with nothing stored; on a
phone the section needs no sideways scrolling (§4.2, Annex).

Screenshots go to test-artifacts/pages/<store>/ (gitignored)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from contest.clock import SystemClock
from contest.service import ContestService
from contest.store import EventStore
from domain.actors import system_actor
from tests.conftest import SECRETS, STORES
from tests.support import ROOT
from tests.support.browser import chromium
from tests.support.helpers import SEC, bearer
from tests.support.live import call, gunicorn, live_store

pytestmark = pytest.mark.slow



@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as b:  # tests/support/browser.py: Debian's Chromium, headless
        yield b


def prepare(store_url: str) -> dict[str, str]:
    """The 2024 contest with round 1 open; Rīga's token and a secretariat token."""
    svc = ContestService(EventStore(store_url), SystemClock(), SECRETS)
    try:
        svc.init_from_preset("2024", actor=system_actor("test"))
        svc.open_round1(2024, actor=SEC)
        return {"municipality": svc.issue_token("municipality", actor=system_actor("test"), municipality="LV-RIX",
                                                year=2024)[0],
                "secretariat": svc.issue_token("secretariat", actor=system_actor("test"), name="Anna")[0]}
    finally:
        svc.close()


@pytest.fixture(params=STORES)
def live(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[dict[str, str]]:
    with live_store(request, tmp_path) as url:
        shots = ROOT / "test-artifacts" / "pages" / request.param
        shots.mkdir(parents=True, exist_ok=True)
        tokens = prepare(url)
        with gunicorn(url, tmp_path, workers=2) as (base, _log):
            yield {"base": base, "shots": str(shots), **tokens}


@pytest.fixture
def page(browser: Browser, live: dict[str, str]) -> Iterator[Page]:
    context = browser.new_context(base_url=live["base"], locale="lv-LV", viewport={"width": 1100, "height": 900})
    p = context.new_page()
    p.set_default_timeout(15_000)
    errors: list[str] = []
    refusal = re.compile(r"status of (401|409|422) ")  # a page that refuses says so with its status, on purpose
    p.on("console", lambda m: errors.append(m.text) if m.type == "error" and not refusal.search(m.text) else None)
    p.on("pageerror", lambda e: errors.append(str(e)))
    try:
        yield p
    finally:
        context.close()
    assert not errors, f"the browser reported errors: {errors}"


def field(page: Page, question_id: str, suffix: str = "") -> Locator:
    return page.locator(f'[id="q-{question_id}{suffix}"]')


def test_a_municipality_saves_two_sections_and_sees_an_error_at_its_field(page: Page, live: dict[str, str]) -> None:
    page.goto("/pasvaldiba")
    page.get_by_label("Piekļuves atslēga").fill(live["municipality"])
    page.get_by_role("button", name="Pieteikties").click()
    expect(page.get_by_role("heading", name="1. kārtas anketa")).to_be_visible()
    expect(page.locator("#section-2")).to_contain_text("Atbildēts uz 0 no 11 jautājumiem")

    page.get_by_role("link", name="2. Atbalsts ģimenes pieaugumam").click()
    page.get_by_label("Vienreizējā pabalsta apmērs, piedzimstot pirmajam bērnam").fill("1 500")
    expect(field(page, "s2.m1.q2", "-unit")).to_have_text("mēneši")
    page.get_by_label("Tikai bērnam", exact=True).check()
    page.get_by_role("button", name="Saglabāt šo sadaļu").click()
    expect(page.get_by_role("status")).to_contain_text("Saglabātas 2 šīs sadaļas atbildes.")
    expect(field(page, "s2.m1.q1")).to_have_value("1\u00a0500")

    page.get_by_role("link", name="Nākamā sadaļa").click()  # section 3, saved from the keyboard
    expect(page.get_by_role("heading", name="3. Ēdināšana")).to_be_visible()
    field(page, "s3.m1.q1").focus()
    page.keyboard.type("2,5")
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("Saglabāta 1 šīs sadaļas atbilde.")
    page.set_viewport_size({"width": 390, "height": 844})  # a phone: no sideways scrolling
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.screenshot(path=str(Path(live["shots"]) / "municipality-section.png"), full_page=False)

    field(page, "s3.m1.q2").fill("abc")  # a bad value: refused at its field, in Latvian, nothing stored
    field(page, "s3.m1.q1").fill("3")
    page.get_by_role("button", name="Saglabāt šo sadaļu").click()
    expect(page.locator("#error-summary")).to_be_focused()
    expect(field(page, "s3.m1.q2", "-error")).to_have_text("Ievadiet skaitli ar cipariem, piemēram, 12,5 vai 1 500.")
    expect(field(page, "s3.m1.q2")).to_have_attribute("aria-invalid", "true")
    expect(field(page, "s3.m1.q2")).to_have_value("abc")
    page.locator("#error-summary a").first.click()
    expect(field(page, "s3.m1.q2")).to_be_focused()
    page.screenshot(path=str(Path(live["shots"]) / "municipality-error.png"), full_page=False)

    status, body = call("GET", live["base"] + "/api/contests/2024/submissions/LV-RIX",
                        headers=bearer(live["secretariat"]))
    assert status == 200 and body["saves"] == 2
    assert body["answers"] == {"s2.m1.q1": 1500, "s2.m1.q3": "child_only", "s3.m1.q1": 2.5}
    page.goto("/pasvaldiba")
    expect(page.locator("#section-3")).to_contain_text("Atbildēts uz 1 no 18 jautājumiem")
