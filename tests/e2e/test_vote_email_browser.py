"""The identity level `email` in a real browser (D15): Debian's Chromium driven by Playwright against a real
gunicorn on each store, whose mail goes to a real SMTP server on loopback (aiosmtpd, tests/support/smtp.py). A
resident fills the vote form with the keyboard, is told to check the mail, opens the link from the mail, confirms
and sees the receipt; the vote is in the history, verified by e-mail. A link that has expired says so in
Latvian and records nothing.

The tests of this module share one server and run in file order. Screenshots go to test-artifacts/pages/<store>/;
each page screenshotted is also checked by axe-core (tests/support/axe.py) for serious or critical violations.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from eventsourcing.utils import get_topic
from playwright.sync_api import Browser, Page, expect

from contest.clock import FrozenClock, SystemClock
from contest.identity_settings import vote_mail_from_env
from contest.residents import fake_personal_codes
from contest.service import ContestService
from contest.store import EventStore
from domain.actors import system_actor
from domain.vote import Vote
from tests.conftest import SECRETS, STORES
from tests.support import ROOT
from tests.support.axe import grave_violations, source
from tests.support.browser import chromium
from tests.support.email_votes import use_email_level
from tests.support.helpers import SEC
from tests.support.live import free_port, live_store, start_gunicorn, stop_group
from tests.support.smtp import Inbox, smtp_server

pytestmark = pytest.mark.slow

CODE, LATE = fake_personal_codes(2, seed=1504)
ADDRESS = "iedzivotaja.pasts@example.lv"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as b:  # tests/support/browser.py: Debian's Chromium, headless
        yield b


def prepare(store_url: str) -> None:
    """The 2024 contest under the level `email`, its vote window open from three hours ago."""
    svc = ContestService(EventStore(store_url), SystemClock(), SECRETS)
    try:
        svc.init_from_preset("2024", actor=system_actor("test"))
        now = datetime.now(UTC)
        svc.configure(2024, "window", {"opens_at": (now - timedelta(hours=3)).isoformat(),
                                       "closes_at": (now + timedelta(hours=2)).isoformat()},
                      reason="browser test", actor=SEC)
        use_email_level(svc)
    finally:
        svc.close()


@pytest.fixture(scope="module", params=STORES)
def live(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    """A real gunicorn over a prepared store of each kind, its mail to an SMTP server on loopback."""
    tmp = tmp_path_factory.mktemp(f"email-{request.param}")
    with live_store(request, tmp) as url:
        shots = ROOT / "test-artifacts" / "pages" / request.param
        shots.mkdir(parents=True, exist_ok=True)
        prepare(url)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        with smtp_server() as inbox:
            proc, base, _log = start_gunicorn(url, tmp, workers=2, extra_env=inbox.env(public_url=base), port=port)
            try:
                yield {"base": base, "url": url, "inbox": inbox, "shots": shots,
                       "axe": request.param == STORES[0] and bool(source())}
            finally:
                stop_group(proc)


@pytest.fixture
def page(browser: Browser, live: dict) -> Iterator[Page]:
    # bypass_csp: axe-core is injected as an inline script (tests/support/axe.py), in the test only
    context = browser.new_context(base_url=live["base"], locale="lv-LV", viewport={"width": 1100, "height": 900},
                                  bypass_csp=True)
    p = context.new_page()
    p.set_default_timeout(15_000)
    errors: list[str] = []
    refusal = re.compile(r"status of (400|404|409|422) ")  # a page that refuses says so with its status
    p.on("console", lambda m: errors.append(m.text) if m.type == "error" and not refusal.search(m.text) else None)
    p.on("pageerror", lambda e: errors.append(str(e)))
    try:
        yield p
    finally:
        context.close()
    assert not errors, f"the browser reported errors: {errors}"


def shot(page: Page, live: dict, name: str) -> None:
    """A screenshot of the page as it is, and axe-core's WCAG A and AA check of it: no serious or critical violation,
    on a desktop and a phone (on the first store only: the markup is the same on both)."""
    page.screenshot(path=str(Path(live["shots"]) / f"{name}.png"), full_page=True)
    if live["axe"]:
        problems = grave_violations(page, name)
        assert not problems, "axe-core found serious or critical violations:\n" + "\n".join(problems)


def email_votes(store_url: str) -> list[Vote.Cast]:
    svc = ContestService(EventStore(store_url), SystemClock(), SECRETS)
    try:
        to_event = svc.store.mapper.to_domain_event
        return [to_event(n) for n in svc.store.notifications(topics=[get_topic(Vote.Cast)])]
    finally:
        svc.close()


def test_a_resident_confirms_the_vote_through_the_mailed_link(page: Page, live: dict) -> None:
    inbox: Inbox = live["inbox"]
    page.goto("/balsot")
    expect(page.locator("#level-email")).to_contain_text("Šajā konkursā balsi apstiprina ar e-pastu")
    page.get_by_label("Pašvaldība").select_option(label="Valmieras novads")
    page.locator("#rating-1").focus()
    for _ in range(4):
        page.keyboard.press("ArrowRight")
    expect(page.locator("#rating-5")).to_be_checked()
    page.get_by_label("Personas kods").fill(CODE)
    page.get_by_label("E-pasta adrese").fill(ADDRESS)
    shot(page, live, "email-vote-form")
    page.keyboard.press("Enter")
    sent = page.locator("#sent")
    expect(sent).to_contain_text("Pārbaudiet savu e-pastu")
    expect(sent).to_contain_text("i***@example.lv")
    expect(sent).to_contain_text("Jūsu balss vēl nav reģistrēta.")
    expect(sent).to_be_focused()
    shot(page, live, "email-sent")
    assert email_votes(live["url"]) == []

    mail = inbox.last(ADDRESS)  # in the inbox before the page answered
    assert mail.link.startswith(live["base"] + "/balsot/apstiprinat/")
    page.goto(mail.link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Apstipriniet savu balsi")
    expect(page.locator("dl.facts")).to_contain_text("Valmieras novads")
    shot(page, live, "email-confirm")
    assert email_votes(live["url"]) == []  # opening the link records nothing
    page.get_by_role("button", name="Apstiprināt balsi").click()
    confirmation = page.locator("#confirmation")
    expect(confirmation).to_contain_text("Paldies! Jūsu balss ir reģistrēta.")
    expect(confirmation).to_contain_text("Valmieras novads")
    receipt = page.locator("#receipt").inner_text()
    assert re.fullmatch(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", receipt)
    shot(page, live, "email-voted")
    [vote] = email_votes(live["url"])
    assert (vote.verified, vote.receipt, vote.rating) == ("email", receipt, 5)

    page.goto(mail.link)  # the link again: used
    expect(page.locator("#refusal")).to_contain_text("Šī saite jau ir izmantota")
    shot(page, live, "email-used")


def test_an_expired_link_says_so_in_latvian(page: Page, live: dict) -> None:
    inbox: Inbox = live["inbox"]
    # a request made an hour ago, by another worker of the service: its link lived 30 minutes
    an_hour_ago = datetime.now(UTC) - timedelta(hours=1)
    earlier = ContestService(EventStore(live["url"]), FrozenClock(an_hour_ago), SECRETS,
                             vote_mail_from_env(inbox.env(public_url=live["base"])))
    try:
        earlier.round2.request_vote(2024, personal_code=LATE, email="velak@example.lv", municipality="LV-RIX",
                                    rating=3)
    finally:
        earlier.close()
    link = inbox.last("velak@example.lv").link
    page.goto(link)
    refusal = page.locator("#refusal")
    expect(refusal).to_contain_text("Saites derīguma termiņš ir beidzies")
    expect(refusal).to_contain_text("Nekas netika reģistrēts")
    expect(refusal).to_be_focused()
    expect(page.get_by_role("button", name="Apstiprināt balsi")).to_have_count(0)
    shot(page, live, "email-expired")
    page.get_by_role("link", name="Balsot vēlreiz").click()
    expect(page.get_by_label("E-pasta adrese")).to_be_visible()
    assert len(email_votes(live["url"])) == 1  # only the first test's
