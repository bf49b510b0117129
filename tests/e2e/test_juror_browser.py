"""The jury's ballot in a real browser (Debian's Chromium driven by Playwright) against a real gunicorn, on each
store: a jury seat signs in with its token, drafts its round-2 ballot and finds the draft again, submits it with a
0 left without a justification and is refused at that field in Latvian (§4.6.4), writes it and submits; the
ballot is then in the store as an event (Ballot.Cast, through the API's standings), and the page fits a phone.

Screenshots go to test-artifacts/pages/<store>/ (gitignored), as tests/e2e/test_pages_browser.py's.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from contest.clock import SystemClock
from contest.seeding import generate_answers
from contest.service import ContestService
from contest.store import EventStore
from domain.actors import Actor, system_actor
from tests.conftest import SECRETS, STORES
from tests.support import ROOT
from tests.support.browser import chromium
from tests.support.helpers import SEC, bearer
from tests.support.live import call, gunicorn, live_store

pytestmark = pytest.mark.slow

WHY = "Mazāk atbalsta ģimenēm ar bērniem nekā citās pašvaldībās"


def prepare(store_url: str) -> dict[str, object]:
    """The 2024 contest in round 2 (round 1 played with seeded answers and closed); a token for seat lm."""
    svc = ContestService(EventStore(store_url), SystemClock(), SECRETS)
    try:
        svc.init_from_preset("2024", actor=system_actor("test"))
        svc.open_round1(2024, actor=SEC)
        contest = svc.contest(2024)
        codes = [m.code for m in contest.municipalities]
        for code, given in generate_answers(contest.questionnaire, codes, seed=2024).items():
            if given:
                svc.round1.save_answers(2024, code, given, actor=Actor("municipality", code, municipality=code))
        svc.round1.close(2024, actor=SEC)
        contest = svc.contest(2024)
        token = svc.issue_token("juror", actor=system_actor("test"), seat="lm", year=2024)[0]
        return {"token": token, "round2": contest.round2_municipalities,
                "names": {m.code: m.name for m in contest.municipalities}}
    finally:
        svc.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as b:  # tests/support/browser.py: Debian's Chromium, headless
        yield b


@pytest.fixture(scope="module", params=STORES)
def live(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, object]]:
    tmp = tmp_path_factory.mktemp(f"juror-{request.param}")
    with live_store(request, tmp) as url:
        shots = ROOT / "test-artifacts" / "pages" / request.param
        shots.mkdir(parents=True, exist_ok=True)
        prepared = prepare(url)
        with gunicorn(url, tmp, workers=2) as (base, _log):
            yield {**prepared, "base": base, "shots": str(shots)}


@pytest.fixture
def page(browser: Browser, live: dict[str, object]) -> Iterator[Page]:
    context = browser.new_context(base_url=str(live["base"]), locale="lv-LV", viewport={"width": 1100, "height": 900})
    p = context.new_page()
    p.set_default_timeout(15_000)
    errors: list[str] = []
    refusal = re.compile(r"status of (401|409|422) ")  # a refused form says so with its status, on purpose
    p.on("console", lambda m: errors.append(m.text) if m.type == "error" and not refusal.search(m.text) else None)
    p.on("pageerror", lambda e: errors.append(str(e)))
    try:
        yield p
    finally:
        context.close()
    assert not errors, f"the browser reported errors: {errors}"


def shot(page: Page, live: dict[str, object], name: str, full: bool = True) -> None:
    page.screenshot(path=str(Path(str(live["shots"])) / f"{name}.png"), full_page=full)


def test_a_juror_drafts_is_refused_at_the_field_and_submits_the_ballot(page: Page, live: dict[str, object]) -> None:
    codes: list[str] = live["round2"]  # type: ignore[assignment]
    names: dict[str, str] = live["names"]  # type: ignore[assignment]
    page.goto("/komisija")
    page.get_by_label("Piekļuves atslēga").fill(str(live["token"]))
    page.get_by_role("button", name="Pieteikties").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Vērtēšanas komisijai")
    expect(page.locator("#ballot-state")).to_have_attribute("data-state", "open")
    page.get_by_role("link", name="Aizpildīt vērtējumu").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("2. kārtas vērtējums")

    # a draft: the top three ranked, one 0 justified; saved, not submitted
    for code, points in zip(codes[:3], ("5 punkti", "4 punkti", "3 punkti"), strict=True):
        page.locator(f"#entry-{code}").get_by_label("Punkti").select_option(label=points)
    page.locator(f"#entry-{codes[5]}").get_by_label("Punkti").select_option(label="0 punktu")
    page.locator(f"#entry-{codes[5]}").get_by_label("Pamatojums").fill(WHY)
    page.get_by_role("button", name="Saglabāt melnrakstu").click()
    expect(page.get_by_role("status")).to_contain_text("Melnraksts ir saglabāts")
    page.reload()
    expect(page.locator("#draft")).to_contain_text("nav iesniegts")
    expect(page.locator(f"#points-{codes[1]}")).to_have_value("4")
    expect(page.locator(f"#justification-{codes[5]}")).to_have_value(WHY)
    status, standings = call("GET", f"{live['base']}/api/contests/2024/standings", headers=bearer(str(live["token"])))
    assert status == 200 and standings["ballots"] == {}  # a draft is no ballot

    # the rest, but the last 0 without its justification: refused at that field, in Latvian
    for code, points in zip(codes[3:5], ("2 punkti", "1 punkts"), strict=True):
        page.locator(f"#points-{code}").select_option(label=points)
    for code in codes[6:]:
        page.locator(f"#points-{code}").select_option(label="0 punktu")
    for code in codes[6:-1]:
        page.locator(f"#justification-{code}").fill(WHY)
    page.locator("#cast_by").select_option(label="Deleģētais aizvietotājs: LM aizvietotājs")
    page.get_by_role("button", name="Iesniegt vērtējumu").click()
    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    last = page.locator(f"#justification-{codes[-1]}")
    message = f"Pamatojiet, kāpēc {names[codes[-1]]} saņem 0 punktu"
    expect(summary).to_contain_text(message)
    expect(page.locator(f"#justification-{codes[-1]}-error")).to_contain_text(message)
    expect(last).to_have_attribute("aria-invalid", "true")
    expect(page.locator(f"#justification-{codes[5]}")).to_have_value(WHY)  # what was typed stays
    shot(page, live, "juror-ballot-refused")
    status, standings = call("GET", f"{live['base']}/api/contests/2024/standings", headers=bearer(str(live["token"])))
    assert standings["ballots"] == {}  # nothing stored

    summary.get_by_role("link").first.click()
    last.fill(WHY)
    page.get_by_role("button", name="Iesniegt vērtējumu").click()
    expect(page.get_by_role("status")).to_contain_text("Jūsu vērtējums ir iesniegts")
    expect(page.locator("#submitted")).to_contain_text("aizpildīja deleģētais aizvietotājs LM aizvietotājs")
    shot(page, live, "juror-ballot-submitted")

    # the event is in the store: the counted ballot with who cast it
    status, standings = call("GET", f"{live['base']}/api/contests/2024/standings", headers=bearer(str(live["token"])))
    ballot = standings["ballots"]["lm"]
    assert ballot["cast_by"] == "LM aizvietotājs" and ballot["versions"] == 1
    assert [ballot["points"][c] for c in codes] == [5, 4, 3, 2, 1] + [0] * (len(codes) - 5)
    assert ballot["justifications"][codes[-1]] == WHY

    page.set_viewport_size({"width": 390, "height": 844})  # a phone: no sideways scrolling
    page.reload()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, live, "juror-ballot-phone", full=False)
