"""The secretariat plans a visit and records its notice in a real browser (Debian's Chromium driven by Playwright)
against a real gunicorn, on each store, and finds both in the history (§4.7.1, §4.7.2; RULES.md "Audit"). The store
is prepared with round 3 open and the jury's briefing of 1 October 2024 (a frozen clock); the server then runs on
the system clock, so a visit on 20 November 2024 and a notice dated 4 November 2024 are in the past and in the
recorded calendar. A notice dated too late is refused at its field in Latvian first. The mailer's pass (the
Procfile's `mailer`, on the frozen clock of the notice's day) then delivers the notice to the municipality, the
mayor and the contact person over SMTP to a real server on loopback (aiosmtpd), and the desk's outbox shows the
three as sent. Screenshots go to test-artifacts/pages/<store>/ (gitignored)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import psycopg
import pytest
from playwright.sync_api import Page, expect

from contest.clock import FrozenClock
from contest.mail_sender import Sender
from contest.service import ContestService
from contest.settings import Settings
from contest.store import EventStore
from domain.actors import system_actor
from tests.conftest import SECRETS, START, STORES, _pg_conninfo
from tests.support import ROOT
from tests.support.browser import chromium
from tests.support.helpers import SEC, bearer
from tests.support.live import call, gunicorn
from tests.support.notifications import NOTICE_ADDRESSES
from tests.support.round3 import WHO, day, reach_round3
from tests.support.smtp import smtp_server

pytestmark = pytest.mark.slow


def prepare(store_url: str) -> dict[str, str]:
    """Round 3 open and the briefing recorded; a secretariat token and the first finalist."""
    clock = FrozenClock(START)
    svc = ContestService(EventStore(store_url), clock, SECRETS)
    try:
        svc.init_from_preset("2024", actor=system_actor("test"))
        token = svc.issue_token("secretariat", actor=system_actor("test"), name="Ilze")[0]
        finalist = reach_round3(svc, clock)[0]
        clock.set(day("2024-10-01", 12))
        svc.round3.brief(2024, date(2024, 10, 1), note="Finālpašvaldību dati", actor=SEC)
        return {"token": token, "code": finalist, "name": svc.contest(2024).municipality(finalist).name}
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
        prepared = prepare(url)
        with gunicorn(url, tmp_path, workers=2) as (base, _log):
            yield {**prepared, "base": base, "shots": str(shots), "url": url}
    finally:
        if schema:
            with psycopg.connect(_pg_conninfo(), autocommit=True) as conn:
                conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def fill_notice(page: Page, on: str) -> None:
    page.get_by_label("Diena, kad paziņojums tika nosūtīts").fill(on)
    page.get_by_label("Pašvaldības oficiālā e-pasta adrese").fill(WHO["municipality_email"])
    for who, person in (("Domes priekšsēdētājs", WHO["mayor"]), ("Kontaktpersona", WHO["contact"])):
        group = page.get_by_role("group", name=who)
        group.get_by_label("Vārds un uzvārds").fill(person["name"])
        group.get_by_label("E-pasta adrese").fill(person["email"])


def test_the_secretariat_plans_a_visit_records_its_notice_and_finds_both_in_the_history(
        live: dict[str, str]) -> None:
    shots = Path(live["shots"])
    with chromium() as browser:
        context = browser.new_context(base_url=live["base"], locale="lv-LV", viewport={"width": 1100, "height": 900})
        page = context.new_page()
        page.set_default_timeout(15_000)
        errors: list[str] = []
        refusal = re.compile(r"status of (409|422) ")  # a refused form says so with its status, on purpose
        page.on("console", lambda m: errors.append(m.text)
                if m.type == "error" and not refusal.search(m.text) else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        try:
            page.goto("/sekretariats")
            page.get_by_label("Piekļuves atslēga").fill(live["token"])
            page.get_by_role("button", name="Pieteikties").click()
            page.locator("#round3-link").click()
            expect(page.get_by_role("heading", level=1)).to_have_text(
                "3. kārta: informēšana, vizītes un vērtējumu lapas")
            expect(page.locator("#briefing")).to_contain_text("2024. gada 1. oktobris")
            page.locator(f"#visits tr[data-municipality={live['code']}]").get_by_role("link").click()
            expect(page.get_by_role("heading", level=1)).to_have_text(f"Vizīte: {live['name']}")

            page.get_by_label("Datums").fill("2024-11-20")
            page.get_by_label("Komisijas ierašanās (Latvijas laiks)").fill("10:00")
            page.get_by_label("Plānotais ilgums minūtēs").fill("180")
            page.get_by_label("Veids").select_option(label="klātienes vizīte")
            page.get_by_role("button", name="Plānot vizīti").click()
            expect(page.get_by_role("status")).to_contain_text("Vizīte plānota.")
            expect(page.locator("#notice-due")).to_contain_text("2024. gada 12. novembrī vai agrāk")

            fill_notice(page, "2024-11-18")  # too late: 18 November is a holiday, the 19th one working day
            page.get_by_role("button", name="Rādīt paziņojuma tekstu").click()
            expect(page.locator("#notice-notice_date-error")).to_have_text(
                "Paziņojumu nosūta vismaz 5 darbdienas pirms vizītes (2024. gada 20. novembris), t. i., 2024. gada "
                "12. novembrī vai agrāk. Šis datums atstāj 1 darbdienu.")
            expect(page.locator("#notice-notice_date")).to_have_attribute("aria-invalid", "true")
            page.screenshot(path=str(shots / "desk-notice-refused.png"), full_page=True)

            fill_notice(page, "2024-11-04")
            page.get_by_role("button", name="Rādīt paziņojuma tekstu").click()
            expect(page.locator("#notice-text-lv")).to_contain_text("Paziņojums par vērtēšanas komisijas vizīti")
            expect(page.locator("#notice-text-lv")).to_contain_text("plānotais ierašanās laiks: plkst. 10:00")
            expect(page.locator("#notice-text-en")).to_contain_text("Notice of the jury's visit")
            page.get_by_role("button", name="Reģistrēt paziņojumu ar šo tekstu").click()
            expect(page.get_by_role("status")).to_contain_text("Paziņojums reģistrēts kopā ar tā tekstu.")
            expect(page.locator("#notice-state")).to_contain_text("Nosūtīts 2024. gada 4. novembrī, 11 darbdienas")
            page.set_viewport_size({"width": 390, "height": 844})  # a phone
            assert page.evaluate("document.documentElement.scrollWidth") <= 390
            page.screenshot(path=str(shots / "desk-visit-phone.png"), full_page=True)
            page.set_viewport_size({"width": 1100, "height": 900})

            # §4.7.2: the notice goes to the municipality, its mayor and its contact person. The mailer's pass
            # (contest/mail_sender.py, as `contest notifications send` runs it) over real SMTP, on the clock of
            # 4 November 2024: it queues a notice only while its visit is ahead, and this server's clock is today's.
            with smtp_server() as inbox:
                settings = Settings.from_env({**inbox.env(), "CONTEST_STORE": live["url"],
                                              "CONTEST_VOTER_SECRET": SECRETS.voter.decode(),
                                              "CONTEST_RECEIPT_SECRET": SECRETS.receipt.decode()})
                svc = ContestService.from_settings(settings, clock=FrozenClock(day("2024-11-04", 12)))
                try:
                    done = Sender(svc.notifications).run_once()
                finally:
                    svc.close()
            assert (done.queued, done.sent, done.failed) == (3, 3, 0), done.errors
            assert sorted(m.rcpt_tos[0] for m in inbox.mails) == sorted(NOTICE_ADDRESSES)
            for mail in inbox.mails:
                assert "Paziņojums par vērtēšanas komisijas vizīti" in mail.text and live["name"] in mail.text
                assert "plkst. 10:00" in mail.text
            page.goto("/sekretariats/pazinojumi")
            rows = page.locator("#notifications tr[data-kind]")
            expect(rows).to_have_count(3)
            expect(page.locator('#notifications tr[data-status="sent"]')).to_have_count(3)
            expect(rows.first.locator(".status")).to_have_text("nosūtīts")

            page.goto("/sekretariats/3-karta")
            page.get_by_role("navigation", name="Sekretariāta lapas").get_by_role("link", name="Vēsture").click()
            page.get_by_label("Notikuma veids").select_option(label="Vizītes un paziņojumi")
            page.get_by_role("button", name="Rādīt").click()
            log = page.locator("#log")
            expect(log).to_contain_text(f"Plānota vizīte: {live['name']}, 2024. gada 20. novembris, ierašanās "
                                        "plkst. 10.00, 180 minūtes, klātienes vizīte.")
            expect(log).to_contain_text(f"Reģistrēts paziņojums par vizīti: {live['name']}; nosūtīts 2024. gada "
                                        "4. novembrī par vizīti 2024. gada 20. novembrī plkst. 10.00")
            expect(log.locator("tr")).to_have_count(1 + 3)  # the header, the briefing, the plan, the notice
            assert "@" not in page.content()  # the recipients' addresses are not in the history
            page.set_viewport_size({"width": 390, "height": 844})
            assert page.evaluate("document.documentElement.scrollWidth") <= 390
            page.screenshot(path=str(shots / "desk-history-phone.png"), full_page=True)
        finally:
            context.close()
    assert not errors, f"the browser reported errors: {errors}"

    status, visit = call("GET", f"{live['base']}/api/contests/2024/visits/{live['code']}",
                         headers=bearer(live["token"]))
    assert status == 200 and visit["notice"]["valid"] and len(visit["notices"]) == 1
    masked = {"municipality": {"name": "Balvu novads", "email_masked": "d***@example.lv"},  # never in clear (the
              "mayor": {"name": "Mērs Mēriņš", "email_masked": "m***@example.lv"},  # notice keeps a keyed hash)
              "contact": {"name": "Kontakts Kontaktiņš", "email_masked": "k***@example.lv"}}
    assert visit["plan"]["date"] == "2024-11-20" and visit["notices"][0]["recipients"] == masked
