"""The outbox (domain/notification.py) against a real SMTP server on loopback (aiosmtpd, tests/support/smtp.py), on
both stores: a recorded notice (§4.7.2) is mailed to the finalist, its mayor and its contact person with the
recorded texts; a sender started again sends nothing twice; with the server down the mail fails with a retry time
and goes once it is back; a permanent refusal gives up at once; two senders send each mail once; a crash between
the hand-over and its record sends at most one copy again, with the same Message-ID."""

from __future__ import annotations

import re
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import pytest
from eventsourcing.persistence import IntegrityError
from flask.testing import FlaskClient

from contest.clock import FrozenClock
from contest.mail_sender import Sender
from contest.service import ContestService
from domain.notification import VISIT_NOTICE
from tests.support.helpers import another_instance
from tests.support.notifications import NOTICE_ADDRESSES, events, names, notice_recorded
from tests.support.smtp import Inbox, free_port, smtp_server

MESSAGE_ID = re.compile(r"<[0-9a-f-]{36}\.notification@example\.lv>")


def test_a_recorded_notice_is_mailed_to_the_finalist_its_mayor_and_its_contact_person(
        service: ContestService, clock: FrozenClock, client: FlaskClient, tokens: dict[str, str],
        smtp: Inbox) -> None:
    municipality, _ = notice_recorded(service, clock, client, tokens)
    done = Sender(service.notifications).run_once()
    assert (done.queued, done.sent, done.failed) == (3, 3, 0)

    assert sorted(m.rcpt_tos[0] for m in smtp.mails) == sorted(NOTICE_ADDRESSES)
    notice = service.round3.visit(2024, municipality)["notices"][-1]
    name = next(m.name for m in service.contest(2024).municipalities if m.code == municipality)
    for mail in smtp.mails:
        assert mail.message["To"] == mail.rcpt_tos[0]
        assert mail.message["Subject"] == ("Paziņojums par vērtēšanas komisijas vizīti / Notice of the jury's visit: "
                                           + name)
        text = mail.text.replace("\r\n", "\n")  # the mail's lines end in CRLF (RFC 5322)
        assert text.startswith(notice["text_lv"])  # Latvian first, exactly as recorded
        assert text.rstrip().endswith(notice["text_en"])  # then English
        assert "vērtēšanas komisijas plānotais ierašanās laiks: plkst. 10:00" in text
        assert MESSAGE_ID.fullmatch(mail.message["Message-ID"])
    assert len({m.message["Message-ID"] for m in smtp.mails}) == 3

    recorded = events(service)
    assert Counter(n for n, _ in recorded) == {"Queued": 3, "Attempting": 3, "Sent": 3}
    queued = [e for n, e in recorded if n == "Queued"]
    assert {e["recipient"]["role"] for e in queued} == {"municipality", "mayor", "contact"}
    assert all(e["kind"] == VISIT_NOTICE and e["body"] is None and e["recipient"]["municipality"] == municipality
               for e in queued)  # the text is the notice event's, stored once
    sent = [e for n, e in recorded if n == "Sent"]
    assert {e["code"] for e in sent} == {250} and {e["answer"] for e in sent} == {"OK"}
    assert {e["message_id"] for e in sent} == {m.message["Message-ID"] for m in smtp.mails}


def test_a_sender_started_again_sends_nothing_twice(service: ContestService, clock: FrozenClock,
                                                    client: FlaskClient, tokens: dict[str, str], smtp: Inbox,
                                                    store_url: str) -> None:
    notice_recorded(service, clock, client, tokens)
    assert Sender(service.notifications).run_once().sent == 3
    before = service.event_count()
    with another_instance(store_url, clock) as restarted:  # the mailer process after a restart
        again = Sender(restarted.notifications).run_once()
        clock.advance(timedelta(days=1))
        later = Sender(restarted.notifications).run_once()
    assert (again.queued, again.sent, later.queued, later.sent) == (0, 0, 0, 0)
    assert len(smtp) == 3 and service.event_count() == before


def test_with_the_server_down_the_mail_fails_with_a_retry_time_and_goes_once_it_is_back(
        service: ContestService, clock: FrozenClock, client: FlaskClient, tokens: dict[str, str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    down = Inbox()
    down.port = free_port()  # nothing listens there yet
    for name, value in down.env().items():
        monkeypatch.setenv(name, value)
    notice_recorded(service, clock, client, tokens)
    sender = Sender(service.notifications)
    first = sender.run_once()
    assert (first.sent, first.failed, set(first.errors)) == (0, 3, {"ConnectionRefusedError"})
    rows = service.notifications.listing(2024)
    assert {(r["status"], r["attempts"], r["error"]) for r in rows} == {("failed", 1, "ConnectionRefusedError")}
    assert {r["next_attempt_at"] for r in rows} == {clock.now() + timedelta(minutes=1)}

    assert sender.run_once().failed == 0  # not due yet: nothing is tried
    clock.advance(timedelta(seconds=59))
    assert sender.run_once().failed == 0
    clock.advance(timedelta(seconds=1))
    with smtp_server(down.port, down) as inbox:
        back = sender.run_once()
    assert (back.sent, back.failed) == (3, 0) and len(inbox) == 3
    assert Counter(names(service)) == {"Queued": 3, "Attempting": 6, "Failed": 3, "Sent": 3}
    assert {r["status"] for r in service.notifications.listing(2024)} == {"sent"}


class RefusingInbox(Inbox):
    """A server that refuses one mailbox for good (550)."""

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if address.startswith("kontakts@"):
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"


def test_a_permanent_refusal_gives_up_at_once(service: ContestService, clock: FrozenClock, client: FlaskClient,
                                              tokens: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    with smtp_server(inbox=RefusingInbox()) as inbox:
        for name, value in inbox.env().items():
            monkeypatch.setenv(name, value)
        notice_recorded(service, clock, client, tokens)
        done = Sender(service.notifications).run_once()
    assert (done.sent, done.failed, done.errors) == (2, 1, ["SMTPRecipientsRefused 550"])
    gave_up = [e for n, e in events(service) if n == "GaveUp"]
    assert len(gave_up) == 1 and gave_up[0]["permanent"] and gave_up[0]["attempt"] == 1
    assert "kontakts" not in str(gave_up[0])  # the error names the class and the code, never the address
    assert sorted(r["status"] for r in service.notifications.listing(2024)) == ["gave_up", "sent", "sent"]


def test_two_senders_at_once_send_each_mail_once(service: ContestService, clock: FrozenClock, client: FlaskClient,
                                                 tokens: dict[str, str], smtp: Inbox, store_url: str) -> None:
    notice_recorded(service, clock, client, tokens)
    service.notifications.queue_notices()
    with another_instance(store_url, clock) as a, another_instance(store_url, clock) as b:
        senders = [Sender(a.notifications, name="mailer-a"), Sender(b.notifications, name="mailer-b")]
        for s in senders:  # both see all three as due before either claims one
            assert len(s.notifications.due(s.name)) == 3
        with ThreadPoolExecutor(2) as pool:
            passes = list(pool.map(lambda s: s.run_once(), senders))
    assert sum(p.sent for p in passes) == 3 and len(smtp) == 3
    assert sorted(m.rcpt_tos[0] for m in smtp.mails) == sorted(NOTICE_ADDRESSES)
    assert Counter(names(service)) == {"Queued": 3, "Attempting": 3, "Sent": 3}


def test_a_claim_saved_first_keeps_the_other_sender_off(service: ContestService, clock: FrozenClock,
                                                        client: FlaskClient, tokens: dict[str, str], smtp: Inbox,
                                                        store_url: str) -> None:
    """The race itself, in order: two senders load the same version; the second save loses (optimistic
    concurrency) and the second sender, deciding again on the claimed notification, does not send it."""
    notice_recorded(service, clock, client, tokens)
    first = service.notifications.queue_notices()[0]
    with another_instance(store_url, clock) as other:
        loaded = other.store.repository.get(first.id)  # the other sender's copy, before the claim
        assert service.notifications.claim(first.id, sender="mailer-a", lease=timedelta(minutes=10)) is not None
        assert loaded.attempt(sender="mailer-b", lease=timedelta(minutes=10), actor=loaded_actor(), at=clock.now())
        with pytest.raises(IntegrityError):
            other.store.save(loaded)  # the same version again: refused by the store
        assert other.notifications.claim(first.id, sender="mailer-b", lease=timedelta(minutes=10)) is None


def loaded_actor() -> Any:
    from domain.actors import system_actor

    return system_actor("mailer")


def test_a_crash_between_the_hand_over_and_its_record_sends_one_copy_again_with_the_same_message_id(
        service: ContestService, clock: FrozenClock, client: FlaskClient, tokens: dict[str, str], smtp: Inbox,
        store_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    notice_recorded(service, clock, client, tokens)
    crashed = Sender(service.notifications)

    def store_gone(*_: Any, **__: Any) -> None:
        raise ConnectionError("the store went away")  # the process dies before its record

    monkeypatch.setattr(service.notifications, "record_sent", store_gone)
    with pytest.raises(ConnectionError):
        crashed.run_once()
    assert len(smtp) == 1  # handed over, not recorded
    first = smtp.mails[0]

    with another_instance(store_url, clock) as other:
        stranger = Sender(other.notifications, name="mailer-2")
        taken = stranger.run_once()  # another sender leaves the claim alone while its lease runs
        assert taken.sent == 2 and len(smtp) == 3
        restarted = Sender(other.notifications)  # the same name: its predecessor's claim is taken back at once
        again = restarted.run_once()
    assert again.sent == 1 and len(smtp) == 4
    copies = [m for m in smtp.mails if m.message["Message-ID"] == first.message["Message-ID"]]
    assert len(copies) == 2 and copies[0].rcpt_tos == copies[1].rcpt_tos and copies[0].text == copies[1].text
    attempts = [e for n, e in events(service) if n == "Attempting" and e["originator_id"] == first_id(service, first)]
    assert [(e["attempt"], e["after_unknown"]) for e in attempts] == [(1, False), (2, True)]
    assert Counter(names(service)) == {"Queued": 3, "Attempting": 4, "Sent": 3}


def first_id(service: ContestService, mail: Any) -> Any:
    from uuid import UUID

    return UUID(mail.message["Message-ID"][1:37])


def test_a_claim_without_an_outcome_goes_to_another_sender_once_its_lease_has_run_out(
        service: ContestService, clock: FrozenClock, client: FlaskClient, tokens: dict[str, str], smtp: Inbox,
        store_url: str) -> None:
    notice_recorded(service, clock, client, tokens)
    first = service.notifications.queue_notices()[0]
    assert service.notifications.claim(first.id, sender="mailer-a", lease=timedelta(minutes=10))  # then it died
    with another_instance(store_url, clock) as other:
        b = Sender(other.notifications, name="mailer-b")
        assert b.run_once().sent == 2
        clock.advance(timedelta(minutes=10))
        assert b.run_once().sent == 1
    assert len(smtp) == 3
