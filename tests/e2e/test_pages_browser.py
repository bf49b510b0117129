"""The pages in a real browser: Debian's Chromium driven by Playwright against a real gunicorn, on each
store. A resident votes with the keyboard and sees the confirmation; a second vote with the same code is refused
in Latvian, and so is a mistyped code; the secretariat closes round 1 from the desk; the results show the ten and
the chart; once the desk closes the vote, the vote page says so with the window's dates.

The tests of this module share one server and run in file order (each step builds on the one before).
Screenshots go to test-artifacts/pages/<store>/ (gitignored). .ci/run installs Chromium (apt) and Playwright
(pip, the dev extras); Playwright's own browser download is never used.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from contest.clock import SystemClock
from contest.residents import fake_personal_codes
from contest.seeding import generate_answers
from contest.service import ContestService
from contest.store import EventStore
from domain.actors import Actor, system_actor
from tests.conftest import SECRETS, STORES
from tests.support import ROOT
from tests.support.browser import chromium
from tests.support.helpers import SEC
from tests.support.live import call, gunicorn, live_store

pytestmark = pytest.mark.slow

CODE = fake_personal_codes(1, seed=707)[0]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as b:  # tests/support/browser.py: Debian's Chromium, headless
        yield b


def prepare(store_url: str) -> str:
    """The 2024 contest with round 1 open and all 43 answers in, the vote window open around now; returns a
    secretariat token."""
    svc = ContestService(EventStore(store_url), SystemClock(), SECRETS)
    try:
        svc.init_from_preset("2024", actor=system_actor("test"))
        now = datetime.now(UTC)
        svc.configure(2024, "window", {"opens_at": (now - timedelta(minutes=5)).isoformat(),
                                       "closes_at": (now + timedelta(hours=2)).isoformat()},
                      reason="browser test", actor=SEC)
        svc.open_round1(2024, actor=SEC)
        contest = svc.contest(2024)
        codes = [m.code for m in contest.municipalities]
        for code, given in generate_answers(contest.questionnaire, codes, seed=2024).items():
            if given:
                svc.round1.save_answers(2024, code, given, actor=Actor("municipality", code, municipality=code))
        return svc.issue_token("secretariat", actor=system_actor("test"), name="Anna")[0]
    finally:
        svc.close()


@pytest.fixture(scope="module", params=STORES)
def live(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """A real gunicorn over a prepared store of each kind: {"base", "token", "store", "shots"}."""
    tmp = tmp_path_factory.mktemp(f"pages-{request.param}")
    with live_store(request, tmp) as url:
        shots = ROOT / "test-artifacts" / "pages" / request.param
        shots.mkdir(parents=True, exist_ok=True)
        token = prepare(url)
        with gunicorn(url, tmp, workers=2) as (base, _log):
            yield {"base": base, "token": token, "store": request.param, "shots": str(shots)}


@pytest.fixture
def page(browser: Browser, live: dict[str, str]) -> Iterator[Page]:
    context = browser.new_context(base_url=live["base"], locale="lv-LV", viewport={"width": 1100, "height": 900})
    p = context.new_page()
    p.set_default_timeout(15_000)
    errors: list[str] = []
    refusal = re.compile(r"status of (400|401|409|422) ")  # a page that refuses says so with its status, on purpose
    p.on("console", lambda m: errors.append(m.text) if m.type == "error" and not refusal.search(m.text) else None)
    p.on("pageerror", lambda e: errors.append(str(e)))
    try:
        yield p
    finally:
        context.close()
    assert not errors, f"the browser reported errors: {errors}"


def shot(page: Page, live: dict[str, str], name: str, full: bool = True) -> None:
    page.screenshot(path=str(Path(live["shots"]) / f"{name}.png"), full_page=full)


def log_in(page: Page, live: dict[str, str]) -> None:
    page.goto("/sekretariats")
    page.get_by_label("Piekļuves atslēga").fill(live["token"])
    page.get_by_role("button", name="Pieteikties").click()
    expect(page.get_by_role("heading", name="Sekretariāta darba vieta")).to_be_visible()


def test_the_secretariat_closes_round_1_from_the_desk(page: Page, live: dict[str, str]) -> None:
    log_in(page, live)
    expect(page.locator("#stage")).to_contain_text("1. kārta: anketa")
    expect(page.locator("#count-submissions")).to_contain_text("no 43 pašvaldībām")
    shot(page, live, "desk-round1")
    page.on("dialog", lambda dialog: dialog.accept())  # "Are you sure?" (site.js)
    page.get_by_role("button", name="Noslēgt 1. kārtu").click()
    expect(page.get_by_role("status")).to_contain_text("Izpildīts: Noslēgt 1. kārtu.")
    expect(page.locator("#stage")).to_contain_text("2. kārta")
    expect(page.locator("#blockers")).to_contain_text("jānoslēdz iedzīvotāju balsojums")
    shot(page, live, "desk-round2")
    assert call("GET", live["base"] + "/api/contests/2024")[1]["stage"] == "round2"


def test_the_results_page_shows_the_ten_and_the_chart(page: Page, live: dict[str, str]) -> None:
    page.goto("/rezultati")
    expect(page.locator("#ranking tbody tr")).to_have_count(43)
    expect(page.locator("#ranking tbody tr.advances")).to_have_count(10)
    chart = page.get_by_role("img", name="1. kārta: katras pašvaldības kopvērtējums (0–100)")
    expect(chart).to_be_visible()
    expect(page.locator("#ranking-chart g.bar.hi")).to_have_count(10)
    advancing = call("GET", live["base"] + "/api/contests/2024/round1/results")[1]["advancing"]
    first = page.locator("#ranking tbody tr.advances th").first
    name = first.inner_text()
    assert name in (page.locator("#ranking-chart").text_content() or "") and len(advancing) == 10
    shot(page, live, "results")
    first.get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(name)
    shot(page, live, "explanation", full=False)
    page.set_viewport_size({"width": 390, "height": 844})  # a phone
    page.goto("/rezultati")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scrolling of the page
    shot(page, live, "results-phone", full=False)


def test_a_resident_votes_and_sees_the_confirmation(page: Page, live: dict[str, str]) -> None:
    page.goto("/balsot")
    page.get_by_label("Pašvaldība").select_option(label="Valmieras novads")
    page.locator("#rating-1").focus()  # the rating with the keyboard: arrows move along the radio group
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    expect(page.locator("#rating-4")).to_be_checked()
    page.get_by_label("Komentārs vērtēšanas komisijai (nav obligāts)").fill("Labs atbalsts jaunajām ģimenēm.")
    page.get_by_label("Personas kods").fill(CODE)
    shot(page, live, "vote-form")
    page.keyboard.press("Enter")
    confirmation = page.locator("#confirmation")
    expect(confirmation).to_contain_text("Paldies! Jūsu balss ir reģistrēta.")
    expect(confirmation).to_contain_text("Valmieras novads")
    expect(confirmation).to_be_focused()
    receipt = page.locator("#receipt").inner_text()
    assert re.fullmatch(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", receipt)
    assert page.url.endswith("/balsot/paldies")  # post/redirect/get: a reload shows it again, sends nothing
    expect(page.get_by_role("button", name="Kopēt kodu")).to_be_visible()
    expect(page.get_by_role("button", name="Drukāt")).to_be_visible()
    shot(page, live, "voted")
    page.reload()
    expect(page.locator("#receipt")).to_have_text(receipt)
    # on a phone the answer is in view and focused
    page.set_viewport_size({"width": 390, "height": 740})
    page.reload()
    expect(page.locator("#confirmation")).to_be_focused()
    expect(page.locator("#receipt")).to_be_in_viewport()
    shot(page, live, "voted-phone", full=False)
    # the resident checks the vote during the window: only that vote, typed as people type it
    page.get_by_role("link", name="Pārbaudiet savu balsi").first.click()
    expect(page.locator("#found")).to_contain_text("Valmieras novads")
    page.get_by_label("Pārbaudes kods").fill(receipt.lower().replace("-", " "))
    page.get_by_role("button", name="Pārbaudīt").click()
    found = page.locator("#found")
    expect(found).to_contain_text("Jūsu balss ir reģistrēta")
    expect(found).to_be_focused()
    expect(found).to_be_in_viewport()
    shot(page, live, "vote-check-phone", full=False)


def test_a_second_vote_with_the_same_code_is_refused_in_latvian(page: Page, live: dict[str, str]) -> None:
    page.goto("/balsot")
    page.get_by_label("Pašvaldība").select_option(label="Rīga")
    page.locator("label[for=rating-1]").click()
    page.get_by_label("Personas kods").fill(f"{CODE[:6]}-{CODE[6:]}")
    page.get_by_role("button", name="Iesniegt balsi").click()
    refusal = page.locator("#refusal")
    expect(refusal).to_contain_text("Jūsu balss jau ir reģistrēta")
    expect(refusal).to_contain_text("spēkā paliek pirmā balss")
    shot(page, live, "vote-again")
    page.get_by_label("Pašvaldība").select_option(label="Rīga")
    page.locator("label[for=rating-2]").click()
    page.get_by_label("Personas kods").fill("010190-12346")
    page.get_by_role("button", name="Iesniegt balsi").click()
    summary = page.locator("#error-summary")
    expect(summary).to_contain_text("Neizdevās pārbaude: kontrolcipars (pēdējais cipars).")
    expect(summary).to_be_focused()
    expect(page.get_by_label("Personas kods")).to_have_attribute("aria-invalid", "true")
    shot(page, live, "vote-bad-code")


def test_the_privacy_page_from_the_vote_page_by_keyboard_and_on_a_phone(page: Page, live: dict[str, str]) -> None:
    page.goto("/balsot")
    page.get_by_label("Personas kods").focus()
    page.keyboard.press("Shift+Tab")  # the link beside the personal code, just before its field
    link = page.get_by_role("link", name="Kā mēs apstrādājam Jūsu datus")
    expect(link).to_be_focused()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/privatums$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Kā mēs apstrādājam Jūsu datus")
    expect(page.locator("html")).to_have_attribute("lang", "lv")
    expect(page.get_by_role("heading", level=2, name="Jūsu tiesības")).to_be_visible()
    expect(page.get_by_role("contentinfo").get_by_role("link", name="Privātums")).to_have_attribute(
        "aria-current", "page")
    shot(page, live, "privacy")
    page.set_viewport_size({"width": 360, "height": 800})  # a small phone
    assert page.evaluate("document.documentElement.scrollWidth") <= 360  # no sideways scrolling
    shot(page, live, "privacy-phone", full=False)
    page.get_by_role("link", name="English").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("How we process your data")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.get_by_role("link", name="Latviski").click()  # the next steps read the Latvian pages


def test_the_window_closed_message(page: Page, live: dict[str, str]) -> None:
    log_in(page, live)
    page.on("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Slēgt iedzīvotāju balsojumu").click()
    expect(page.locator("#window-status")).to_have_text("slēgts")
    page.goto("/balsot")
    refusal = page.locator("#refusal")
    expect(refusal).to_contain_text("Balsošana ir slēgta")
    expect(refusal).to_contain_text("(Latvijas laiks)")
    window = call("GET", live["base"] + "/api/contests/2024/window")[1]
    closes = datetime.fromisoformat(window["closes_local"])
    expect(refusal).to_contain_text(f"{closes.year}. gada {closes.day}. ")
    expect(page.get_by_label("Personas kods")).to_have_count(0)
    shot(page, live, "vote-closed")
    page.get_by_role("link", name="English").click()
    expect(page.locator("#refusal")).to_contain_text("Voting is closed")
    assert page.evaluate("document.documentElement.lang") == "en"
    shot(page, live, "vote-closed-en", full=False)
    page.goto("/rezultati/balsojums")
    expect(page.locator("#votes tbody tr")).to_have_count(1)
    expect(page.locator("#votes")).to_contain_text("Valmieras novads")
    shot(page, live, "vote-results")


def test_the_secretariat_creates_next_years_contest_from_the_desk_by_keyboard(page: Page,
                                                                               live: dict[str, str]) -> None:
    """The last test of the module: the store then holds 2027 too (the current contest stays CONTEST_YEAR's)."""
    log_in(page, live)
    page.on("dialog", lambda dialog: dialog.accept())  # "Are you sure?" (site.js)
    year = page.get_by_label("Jaunā konkursa gads")
    year.fill("2023")
    page.get_by_label("Konkurss, no kura pārņem konfigurāciju").select_option("2024")
    year.press("Enter")
    error = page.locator("#next-year-year-error")
    expect(error).to_contain_text("Jaunā konkursa gadam jābūt vēlākam par 2024. gadu")
    expect(error).to_be_focused()
    expect(page.get_by_label("Jaunā konkursa gads")).to_have_attribute("aria-invalid", "true")
    shot(page, live, "desk-next-year-refused")
    page.get_by_label("Jaunā konkursa gads").fill("2027")
    page.get_by_role("button", name="Izveidot konkursu").click()
    expect(page.get_by_role("status").first).to_contain_text(
        "2027. gada konkurss ir izveidots no 2024. gada konkursa, tajā ir 42 pašvaldības.")
    expect(page.locator("#stage")).to_be_visible()  # the desk still shows 2024's state
    assert call("GET", live["base"] + "/api/contests/2027")[1]["municipalities"] == 42
    page.set_viewport_size({"width": 390, "height": 844})  # a phone
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, live, "desk-next-year-phone", full=False)
    page.goto("/arhivs")
    expect(page.get_by_role("heading", level=1)).to_have_text("Iepriekšējo konkursu arhīvs")
