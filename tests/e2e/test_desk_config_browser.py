"""The secretariat changes the residents' vote dates in a real browser (Debian's Chromium driven by Playwright)
against a real gunicorn, on each store: it signs in on the desk, follows the link to the configuration, enters
dates that end before they begin and is refused at the field in Latvian (nothing stored), enters right ones in
Latvian time with a reason, and sees them on the desk and in the API (§4.6.6); the page fits a phone.

Screenshots go to test-artifacts/pages/<store>/ (gitignored), as tests/e2e/test_pages_browser.py's.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from playwright.sync_api import Page, expect

from contest.clock import SystemClock
from contest.service import ContestService
from contest.store import EventStore
from domain.actors import system_actor
from tests.conftest import SECRETS, STORES, _pg_conninfo
from tests.support import ROOT
from tests.support.browser import chromium
from tests.support.live import call, gunicorn

pytestmark = pytest.mark.slow

PAGES = ["/sekretariats/konfiguracija", "/sekretariats/konfiguracija/tema", "/sekretariats/konfiguracija/noteikumi",
         "/sekretariats/konfiguracija/komisija", "/sekretariats/konfiguracija/balvas",
         "/sekretariats/konfiguracija/anketa", "/sekretariats/konfiguracija/anketa/sadala/4",
         "/sekretariats/konfiguracija/dalibnieces", "/sekretariats/konfiguracija/vertesana",
         "/sekretariats/konfiguracija/kalendars", "/sekretariats/atbilzu-imports", "/sekretariats/piekluves-atslegas"]


def prepare(store_url: str) -> str:
    """The 2024 contest before round 1; a secretariat token."""
    svc = ContestService(EventStore(store_url), SystemClock(), SECRETS)
    try:
        svc.init_from_preset("2024", actor=system_actor("test"))
        return svc.issue_token("secretariat", actor=system_actor("test"), name="Anna")[0]
    finally:
        svc.close()


@pytest.fixture(params=STORES)
def live(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[dict[str, str]]:
    schema = None
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path}/events.sqlite3"
    else:
        server = request.getfixturevalue("postgres_server")
        schema = f"t_{uuid.uuid4().hex[:16]}"
        with psycopg.connect(_pg_conninfo(), autocommit=True) as conn:
            conn.execute(f'CREATE SCHEMA "{schema}"')
        url = f"{server}{'&' if '?' in server else '?'}schema={schema}&pool_size=3"
    shots = ROOT / "test-artifacts" / "pages" / request.param
    shots.mkdir(parents=True, exist_ok=True)
    try:
        token = prepare(url)
        with gunicorn(url, tmp_path, workers=2) as (base, _log):
            yield {"base": base, "token": token, "shots": str(shots)}
    finally:
        if schema:
            with psycopg.connect(_pg_conninfo(), autocommit=True) as conn:
                conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.fixture
def page(live: dict[str, str]) -> Iterator[Page]:
    with chromium() as browser:
        context = browser.new_context(base_url=live["base"], locale="lv-LV", viewport={"width": 1100, "height": 900})
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


def test_the_secretariat_changes_the_vote_dates_and_sees_them_on_the_desk(page: Page, live: dict[str, str]) -> None:
    shots = Path(live["shots"])
    page.goto("/sekretariats")
    page.get_by_label("Piekļuves atslēga").fill(live["token"])
    page.get_by_role("button", name="Pieteikties").click()
    page.locator("#config-link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Konkursa iestatījumi")
    expect(page.locator("tr[data-part=window] .freeze-state")).to_contain_text("Maināms līdz 2. kārtas sākumam.")
    page.get_by_role("link", name="Iedzīvotāju balsojuma laiks").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Iedzīvotāju balsojuma laiks")

    opens, closes = page.locator("fieldset", has_text="Sākas"), page.locator("fieldset", has_text="Beidzas")
    opens.get_by_label("Datums").fill("2024-08-03")
    opens.get_by_label("Laiks").fill("08:00")
    closes.get_by_label("Datums").fill("2024-08-01")  # before the opening: refused at the field
    closes.get_by_label("Laiks").fill("22:30")
    page.get_by_label("Iemesls (reģistrē kopā ar notikumu)").fill("Fonda valdes lēmums")
    page.get_by_role("button", name="Reģistrēt laiku").click()
    expect(page.locator("#error-summary")).to_be_focused()
    expect(page.locator("#closes_date-error")).to_have_text("Balsojumam jābeidzas pēc tā sākuma.")
    expect(page.locator("#closes_date")).to_have_attribute("aria-invalid", "true")
    status, contest = call("GET", live["base"] + "/api/contests/2024")
    assert status == 200 and contest["window"]["opens_at"] == "2024-07-31T21:00:00Z"  # nothing stored
    page.screenshot(path=str(shots / "desk-config-window-refused.png"), full_page=True)

    page.locator("#closes_date").fill("2024-09-10")
    page.get_by_role("button", name="Reģistrēt laiku").click()
    expect(page.get_by_role("status")).to_contain_text(
        "Reģistrēts: iedzīvotāju balsojums notiek no 2024. gada 3. augusta plkst. 08.00 līdz 10. septembrim "
        "plkst. 22.30 (Latvijas laiks).")
    expect(page.locator("#window-now")).to_contain_text("no 2024. gada 3. augusta plkst. 08.00")
    status, contest = call("GET", live["base"] + "/api/contests/2024")
    assert contest["window"]["opens_at"] == "2024-08-03T05:00:00Z"
    assert contest["window"]["closes_at"] == "2024-09-10T19:30:59Z"  # the closing minute included

    page.set_viewport_size({"width": 390, "height": 844})  # a phone
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(shots / "desk-config-window-phone.png"), full_page=True)
    page.set_viewport_size({"width": 1100, "height": 900})
    page.get_by_role("link", name="Sekretariāta darba vieta").first.click()
    dates = page.locator("section", has=page.locator("#h-dates"))
    expect(dates).to_contain_text("2024. gada 3. augusts plkst. 08.00")
    expect(dates).to_contain_text("2024. gada 10. septembris plkst. 22.30")
    page.screenshot(path=str(shots / "desk-after-window.png"), full_page=True)

    page.set_viewport_size({"width": 390, "height": 844})  # every configuration page fits a phone
    for path in PAGES:
        page.goto(path)
        wide = page.evaluate("document.documentElement.scrollWidth")
        assert wide <= 390, (path, wide)
    page.screenshot(path=str(shots / "desk-config-tokens-phone.png"), full_page=True)
