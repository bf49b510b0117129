"""The jury's mail from the outbox (domain/notification.py) on both stores, against a real SMTP server on
loopback: the desk sends a seat a one-time sign-in link (§3.2.1), which opens the jury's pages once and for three
days; the clock queues a reminder to each voting seat whose round-2 ballot is missing three days before the vote
closes (§4.6.4), once; and no address reaches the history, the export, the side tables in clear or the log, and
both verifiers pass over the outbox's events."""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from contest.audit import export_lines
from contest.clock import FrozenClock
from contest.mail_sender import Sender
from contest.scheduler import WindowClock
from contest.service import ContestService
from domain.actors import Actor
from tests.support.helpers import SEC, VOTE_DAY, ballot_for, play_round1
from tests.support.notifications import NOTICE_ADDRESSES, events, names, notice_recorded
from tests.support.pages import form_token, login, not_latvian, text
from tests.support.smtp import Inbox, service_log
from tests.support.verifiers import run_both

ADDRESSES = {"lm": "Ministrija.LM@Example.LV", "izm": "izm-parstavis@example.lv", "varam": "varam@example.lv"}
LINK = re.compile(r"http://127\.0\.0\.1:8000(/komisija/saite/[0-9a-f]{72})")
TWO_DAYS_BEFORE = datetime(2024, 9, 13, 12, 0, tzinfo=UTC)  # the vote closes 15 Sep 2024 23:59:59 in Rīga


def send_link(client: FlaskClient, seat: str, email: str) -> object:
    return client.post("/sekretariats/pazinojumi/saite", data={
        "csrf_token": form_token(client, "/sekretariats/pazinojumi"), "seat": seat, "email": email})


def link_of(inbox: Inbox, address: str) -> str:
    found = LINK.search(inbox.last(address).text)
    assert found, "the mail has no sign-in link"
    return found.group(1)


def test_the_desk_sends_a_seat_a_sign_in_link_that_opens_the_jurys_pages_once(
        client: FlaskClient, service: ContestService, clock: FrozenClock, tokens: dict[str, str],
        smtp: Inbox) -> None:
    login(client, tokens["secretariat"])
    r = send_link(client, "lm", ADDRESSES["lm"])
    assert r.status_code == 303  # type: ignore[attr-defined]
    page = client.get("/sekretariats/pazinojumi").get_data(as_text=True)
    assert "Pieteikšanās saite komisijas lapām" in page and "gaida nosūtīšanu" in page and not not_latvian(page)
    assert "example" not in page.lower()  # the address is not shown again
    assert Sender(service.notifications).run_once().sent == 1

    mail = smtp.last("ministrija.lm@example.lv")
    assert mail.message["Subject"] == "Pieteikšanās vērtēšanas komisijas lapās / Sign-in to the jury's pages"
    assert "vienreizējo saiti" in mail.text and "one-time link" in mail.text and "72 stundas" in mail.text
    link = link_of(smtp, "ministrija.lm@example.lv")

    other = client.application.test_client()  # the juror's own browser
    shown = other.get(link)
    assert shown.status_code == 200 and 'id="sign-in"' in shown.get_data(as_text=True)
    assert "LinkUsed" not in names(service)  # a GET records nothing (mail scanners open links)
    r = other.post(link, data={"csrf_token": form_token(other, link)})
    assert r.status_code == 303 and r.headers["Location"].endswith("/komisija")
    home = other.get("/komisija").get_data(as_text=True)
    assert 'action="/komisija/iziet"' in home  # signed in as the seat
    assert names(service).count("LinkUsed") == 1

    third = client.application.test_client()
    again = third.post(link, data={"csrf_token": form_token(third, "/komisija")})
    assert again.status_code == 409 and "izmantota" in text(again)
    assert third.get(link[:-1] + ("0" if link[-1] != "0" else "1")).status_code == 404  # not ours: unknown
    listing = client.get("/sekretariats/pazinojumi").get_data(as_text=True)
    assert "nosūtīts" in listing and "saite izmantota" in listing


def test_a_sign_in_link_expires_three_days_after_its_mail(client: FlaskClient, service: ContestService,
                                                          clock: FrozenClock, tokens: dict[str, str],
                                                          smtp: Inbox) -> None:
    service.notifications.send_sign_in_link(2024, "izm", ADDRESSES["izm"], actor=SEC)
    Sender(service.notifications).run_once()
    link = link_of(smtp, ADDRESSES["izm"])
    clock.advance(timedelta(hours=72))
    browser = client.application.test_client()
    r = browser.get(link)
    assert r.status_code == 409 and "beidzies" in text(r)
    assert browser.get("/komisija/saite/abc").status_code == 404


def test_the_desk_refuses_a_link_without_a_seat_or_with_a_bad_address_at_the_field(
        client: FlaskClient, service: ContestService, tokens: dict[str, str], smtp: Inbox) -> None:
    login(client, tokens["secretariat"])
    r = send_link(client, "", "nav-adrese")
    page = r.get_data(as_text=True)  # type: ignore[attr-defined]
    assert r.status_code == 422 and 'id="seat-error"' in page  # type: ignore[attr-defined]
    r = send_link(client, "lm", "nav-adrese")
    page = r.get_data(as_text=True)  # type: ignore[attr-defined]
    assert r.status_code == 422 and 'id="email-error"' in page and 'aria-invalid="true"' in page  # type: ignore
    assert service.notifications.listing(2024) == []
    assert client.application.test_client().get("/sekretariats/pazinojumi").get_data(
        as_text=True).count('name="token"') == 1  # signed out: the desk's sign-in


def open_round2(service: ContestService, clock: FrozenClock) -> list[str]:
    round2 = play_round1(service, clock)
    clock.set(VOTE_DAY)
    service.round2.reconcile(2024, actor=Actor("system", "clock"))  # the vote opens on time (§4.6.6)
    return round2


def test_the_clock_reminds_the_seats_without_a_ballot_three_days_before_the_vote_closes(
        service: ContestService, clock: FrozenClock, smtp: Inbox) -> None:
    round2 = open_round2(service, clock)
    for seat, address in ADDRESSES.items():
        service.notifications.send_sign_in_link(2024, seat, address, actor=SEC)
    points, why = ballot_for(round2, round2)
    service.round2.cast_ballot(2024, "varam", points, why, cast_by=None, actor=Actor("juror", "varam", seat="varam"))
    ticker = WindowClock(service, 2024)

    clock.set(TWO_DAYS_BEFORE - timedelta(days=1, seconds=1))
    assert ticker.remind() == 0  # more than three days before the close: not yet
    clock.set(TWO_DAYS_BEFORE)
    ticker.reconcile()
    ticker.reconcile()  # every tick asks: queued once
    reminders = [e for n, e in events(service) if n == "Queued" and e["kind"] == "ballot_reminder"]
    assert sorted(e["recipient"]["seat"] for e in reminders) == ["izm", "lm"]  # varam has voted; others no address
    assert {e["source"]["closes_at"] for e in reminders} == {"2024-09-15T20:59:59Z"}

    assert Sender(service.notifications).run_once().sent == 5  # three links, two reminders
    mail = smtp.last(ADDRESSES["izm"])
    assert mail.message["Subject"] == "Atgādinājums: 2. kārtas vērtējums / Reminder: the round-2 ballot"
    body = mail.text.replace("\r\n", "\n")
    assert "vēl nav iesniegts" in body and "2024. gada 15. septembrī plkst. 23.59" in body
    assert "15 September 2024, 23:59" in body and "http://127.0.0.1:8000/komisija" in body
    assert "/komisija/saite/" not in body  # a reminder carries no sign-in link
    assert len(smtp.to(ADDRESSES["varam"])) == 1  # its link only

    service.round2.extend_window(2024, datetime(2024, 9, 20, 20, 59, 59, tzinfo=UTC), reason="ilgāk", actor=SEC)
    clock.set(datetime(2024, 9, 18, 12, 0, tzinfo=UTC))
    assert ticker.remind() == 2  # a new closing time: a new reminder


def test_no_address_reaches_the_history_the_export_the_side_tables_or_the_log(
        client: FlaskClient, service: ContestService, clock: FrozenClock, tokens: dict[str, str], smtp: Inbox,
        caplog: pytest.LogCaptureFixture, tmp_path: Path) -> None:
    caplog.set_level(logging.DEBUG)
    notice_recorded(service, clock, client, tokens)
    for seat, address in ADDRESSES.items():
        service.notifications.send_sign_in_link(2024, seat, address, actor=SEC)
    Sender(service.notifications).run_once()
    assert len(smtp) == 6
    addresses = {a.lower() for a in (*ADDRESSES.values(), *NOTICE_ADDRESSES)}
    for line in export_lines(service.store):  # none, the notice's included (its recipients by keyed hash)
        assert not any(a in line.lower() for a in addresses), line[:200]
    outbox = json.dumps([e for _, e in events(service)], default=str).lower()
    assert not any(a in outbox for a in addresses) and "/komisija/saite/" not in outbox
    tables = json.dumps(service.notifications.book.rows(), default=str).lower()
    assert len(service.notifications.book.rows()) == 9 and "@" not in tables and "example" not in tables
    log = service_log(caplog).lower()
    assert not any(a in log for a in addresses) and "/komisija/saite/" not in log
    project, independent = run_both(tmp_path, "outbox", list(export_lines(service.store)))
    assert project["ok"] and independent["ok"], (project, independent)  # both verifiers pass over the outbox
