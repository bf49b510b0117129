"""The outbox's rules (domain/notification.py), pure: the id derived from kind, source and recipient; the claim of an
attempt, the backoff after a failure and giving up after MAX_ATTEMPTS or at once for a permanent refusal; an
attempt without an outcome taken over after its lease, or at once by its own sender; a Sent is final; the keyed
hash of an address; the sign-in link's token (§3.2.1)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from domain.actors import system_actor
from domain.errors import InvalidInput
from domain.notification import (
    BACKOFF,
    GAVE_UP,
    LINK_LIFETIME,
    MAX_ATTEMPTS,
    SENDING,
    SENT,
    SIGN_IN_LINK,
    VISIT_NOTICE,
    Notification,
    SignInLinkSpent,
    UnknownSignInLink,
    link_notification,
    link_token,
    message_id,
    notification_id,
    recipient_key,
)

AT = datetime(2024, 11, 4, 9, 0, tzinfo=UTC)
MAILER = system_actor("mailer")
SECRET = b"test-voter-secret-0123456789"
LEASE = timedelta(minutes=10)
KEY = recipient_key(SECRET, "mers@example.lv")


def notice(**changes: Any) -> Notification:
    fields: dict[str, Any] = {"kind": VISIT_NOTICE, "year": 2024, "source": {"visit": "v", "version": 3},
                              "recipient": {"key": KEY, "role": "mayor", "municipality": "LV-RIX"},
                              "subject": "Paziņojums", "body": None, "digest": "0" * 64, "actor": MAILER, "at": AT}
    return Notification.queue(**{**fields, **changes})


def test_the_id_is_the_kind_the_source_and_the_recipient_so_nothing_is_queued_twice() -> None:
    n = notice()
    assert n.id == notification_id(VISIT_NOTICE, {"version": 3, "visit": "v"}, KEY)  # the source's keys in any order
    assert notice().id == n.id
    assert notice(source={"visit": "v", "version": 4}).id != n.id  # a new notice of the visit
    other = recipient_key(SECRET, "kontakts@example.lv")
    assert notice(recipient={"key": other, "role": "contact"}).id != n.id


def test_an_address_is_named_by_its_keyed_hash_only() -> None:
    assert recipient_key(SECRET, " Mers@Example.LV ") == KEY and len(KEY) == 64
    assert recipient_key(b"another-secret-0123456789", "mers@example.lv") != KEY
    with pytest.raises(InvalidInput):
        notice(recipient={"key": KEY, "role": "mers@example.lv"})
    with pytest.raises(InvalidInput):
        notice(recipient={"key": "mers@example.lv", "role": "mayor"})
    assert set(notice().recipient) == {"key", "role", "municipality"}


def test_a_failed_attempt_is_tried_again_after_the_backoff_and_the_last_one_gives_up() -> None:
    n = notice()
    at = AT
    for attempt in range(1, MAX_ATTEMPTS):
        assert n.attempt(sender="a", lease=LEASE, actor=MAILER, at=at) == attempt
        n.record_failure(attempt, error="ConnectionRefusedError", permanent=False, actor=MAILER, at=at)
        assert n.progress.next_attempt_at == at + BACKOFF[attempt - 1]
        assert n.attempt(sender="a", lease=LEASE, actor=MAILER, at=at + BACKOFF[attempt - 1] - timedelta(seconds=1)) \
            is None  # not yet
        at += BACKOFF[attempt - 1]
    assert n.attempt(sender="a", lease=LEASE, actor=MAILER, at=at) == MAX_ATTEMPTS
    n.record_failure(MAX_ATTEMPTS, error="ConnectionRefusedError", permanent=False, actor=MAILER, at=at)
    assert n.progress.status == GAVE_UP
    assert n.attempt(sender="a", lease=LEASE, actor=MAILER, at=at + timedelta(days=1)) is None
    assert [type(e).__name__ for e in n.collect_events()][-2:] == ["Attempting", "GaveUp"]


def test_a_permanent_refusal_gives_up_at_once() -> None:
    n = notice()
    n.attempt(sender="a", lease=LEASE, actor=MAILER, at=AT)
    n.record_failure(1, error="SMTPRecipientsRefused 550", permanent=True, actor=MAILER, at=AT)
    assert (n.progress.status, n.progress.error) == (GAVE_UP, "SMTPRecipientsRefused 550")


def test_an_attempt_without_an_outcome_is_taken_over_after_its_lease_or_at_once_by_its_own_sender() -> None:
    n = notice()
    assert n.attempt(sender="a", lease=LEASE, actor=MAILER, at=AT) == 1
    assert n.progress.status == SENDING
    assert n.attempt(sender="b", lease=LEASE, actor=MAILER, at=AT + LEASE - timedelta(seconds=1)) is None
    assert n.attempt(sender="a", lease=LEASE, actor=MAILER, at=AT) == 2  # "a" started again: its predecessor's
    assert n.attempt(sender="b", lease=LEASE, actor=MAILER, at=AT + LEASE) == 3  # a's lease has run out
    attempting = [e for e in n.collect_events() if type(e).__name__ == "Attempting"]
    assert [(e.attempt, e.sender, e.after_unknown) for e in attempting] == [(1, "a", False), (2, "a", True),
                                                                           (3, "b", True)]
    n.record_failure(2, error="late", permanent=False, actor=MAILER, at=AT + LEASE)  # a superseded attempt
    assert n.progress.status == SENDING and not n.collect_events()
    n.record_sent(2, code=250, answer="OK", message_id="<m>", actor=MAILER, at=AT + LEASE)  # a delivery is a fact
    assert n.progress.status == SENT


def test_attempts_without_outcomes_give_up_after_the_last() -> None:
    n = notice()
    at = AT
    for attempt in range(1, MAX_ATTEMPTS + 1):
        assert n.attempt(sender="a", lease=LEASE, actor=MAILER, at=at) == attempt
        at += LEASE
    assert n.attempt(sender="b", lease=LEASE, actor=MAILER, at=at) is None
    assert n.progress.status == GAVE_UP and n.progress.error == "the last attempt's outcome is unknown"


def test_once_sent_it_is_never_due_again() -> None:
    n = notice()
    n.attempt(sender="a", lease=LEASE, actor=MAILER, at=AT)
    n.record_sent(1, code=250, answer="OK", message_id="<m>", actor=MAILER, at=AT)
    for later in (AT, AT + LEASE, AT + timedelta(days=30)):
        assert n.attempt(sender="a", lease=LEASE, actor=MAILER, at=later) is None
        assert n.attempt(sender="b", lease=LEASE, actor=MAILER, at=later) is None
    with pytest.raises(Exception, match="never claimed"):
        n.record_sent(2, code=250, answer="OK", message_id="<m>", actor=MAILER, at=AT)


def test_the_message_id_is_the_notifications_in_every_copy() -> None:
    n = notice()
    assert message_id(n.id, "example.lv") == f"<{n.id}.notification@example.lv>"


def test_a_sign_in_links_token_names_its_notification_and_works_once_for_its_lifetime() -> None:
    n = notice(kind=SIGN_IN_LINK, body="… {sign_in_link} …", source={"year": 2024, "seat": "lm", "link": 1},
               recipient={"key": KEY, "role": "seat:lm", "seat": "lm"})
    token = link_token(SECRET, n.id)
    assert link_notification(SECRET, token) == n.id and len(token) == 72
    for wrong in (token[:-1] + ("0" if token[-1] != "0" else "1"), token[:40], "x" * 72):
        with pytest.raises(UnknownSignInLink):
            link_notification(SECRET, wrong)
    with pytest.raises(UnknownSignInLink):
        link_notification(b"another-secret-0123456789", token)
    with pytest.raises(UnknownSignInLink):
        n.use_link(actor=MAILER, at=AT)  # never sent: nobody holds it
    n.attempt(sender="a", lease=LEASE, actor=MAILER, at=AT)  # its mail goes out: from now on it may be used
    n.use_link(actor=MAILER, at=AT + timedelta(minutes=5))
    with pytest.raises(SignInLinkSpent) as e:
        n.use_link(actor=MAILER, at=AT + timedelta(minutes=6))
    assert not e.value.expired
    late = notice(kind=SIGN_IN_LINK, body="{sign_in_link}", source={"year": 2024, "seat": "lm", "link": 2},
                  recipient={"key": KEY, "role": "seat:lm", "seat": "lm"})
    late.attempt(sender="a", lease=LEASE, actor=MAILER, at=AT)
    with pytest.raises(SignInLinkSpent) as e:
        late.use_link(actor=MAILER, at=AT + LINK_LIFETIME)
    assert e.value.expired
    with pytest.raises(UnknownSignInLink):
        notice().use_link(actor=MAILER, at=AT)  # a notice is no link


def test_only_a_notice_takes_its_body_from_its_source() -> None:
    with pytest.raises(InvalidInput):
        notice(kind=SIGN_IN_LINK, body=None)
    with pytest.raises(InvalidInput):
        notice(subject="two\nlines")
