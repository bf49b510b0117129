"""The mail the service sends, as events (an outbox): one Notification aggregate per message and recipient.

Three kinds:

* ``visit_notice``: the notice of a jury visit (§4.7.2) to the finalist, its mayor and its contact person, one
  notification each, queued for every ``Visit.NoticeRecorded`` (which names them by the same recipient key); the
  body is the notice's recorded texts (Latvian, then English), read from that event when the mail is made, so the
  text is stored once and what is sent is what the history holds (``body_digest`` is its SHA-256, for the auditor);
* ``sign_in_link``: a one-time link to the jury's pages (/komisija, §3.2.1) for a seat, to an address the
  secretariat gives; the link is made when the mail is made (never stored: ``link_token``), good for
  LINK_LIFETIME from the first attempt and for one sign-in (``LinkUsed``);
* ``ballot_reminder``: to a voting seat whose round-2 ballot is missing (§4.6.4), REMINDER_BEFORE the residents'
  vote closes (round 2 has no planned closing date of its own, and it closes only after the vote, §4.6.7).

An address never enters the history: a notification names its recipient by ``recipient_key``, a keyed hash of the
address (HMAC-SHA256 under the voter secret, a context of its own), and by a role ("mayor", "seat:lm"); the
address lives in the address book beside the events, sealed (contest/address_book.py).

The id is derived from (kind, source, recipient key), so the same notice, reminder or link is never queued twice.

Delivery (the sender process, contest/mail_sender.py): ``attempt`` records ``Attempting`` before the SMTP hand-over,
through the unit of work, so of two senders that load the same version only one saves its claim and sends; then
``Sent`` (the server's answer) or ``Failed`` (the error's class, the next attempt's time, BACKOFF) or ``GaveUp``
(after MAX_ATTEMPTS, or at once for a permanent refusal). A sender that dies between the hand-over and the record
leaves an ``Attempting`` without an outcome: its lease runs out (``lease_until``; at once for the sender of the same
name when it starts again) and the mail is sent again with the same Message-ID (``message_id``), so at most one
delivery per crash goes unrecorded and the receiving side can tell the copy. Once ``Sent`` is recorded nothing
sends it again.

Plain Python: the application gives the instants, the keys and the texts.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.actors import Actor
from domain.contest import NAMESPACE, ROUND2, Contest
from domain.errors import InvalidInput, NotFound, RuleViolation
from domain.vote_window import WINDOW_CLOSED

VISIT_NOTICE, SIGN_IN_LINK, BALLOT_REMINDER = "visit_notice", "sign_in_link", "ballot_reminder"
KINDS = (VISIT_NOTICE, SIGN_IN_LINK, BALLOT_REMINDER)
QUEUED, SENDING, SENT, FAILED, GAVE_UP = "queued", "sending", "sent", "failed", "gave_up"
STATUSES = (QUEUED, SENDING, SENT, FAILED, GAVE_UP)
NOTICE_ROLES = ("municipality", "mayor", "contact")  # who is told of a visit (§4.7.2)

MAX_ATTEMPTS = 5
#: the wait after the 1st, 2nd, 3rd and 4th failed attempt; the 5th failure gives up
BACKOFF = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2))
#: how long a sender holds its claim on a message by default: well over the SMTP timeout (contest/mail.py)
LEASE = timedelta(minutes=10)
REMINDER_BEFORE = timedelta(days=3)
LINK_LIFETIME = timedelta(hours=72)
LINK_PLACEHOLDER = "{sign_in_link}"  # where a sign-in link's body takes the link when the mail is made

RECIPIENT_CONTEXT = b"contest-notification-recipient-v1|"
LINK_CONTEXT = b"contest-sign-in-link-v1|"
CLAUSE = "§3.2.5"  # the secretariat runs the contest's correspondence


def recipient_key(secret: bytes, address: str) -> str:
    """The keyed hash an address is named by in the history: HMAC-SHA256 under the voter secret with a context of
    its own (never equal to a resident's address claim, domain.identity.address_key), over the address
    normalised (NFKC, stripped, lowercase)."""
    if not isinstance(secret, bytes) or len(secret) < 16:
        raise ValueError("the secret must be at least 16 bytes")
    normal = unicodedata.normalize("NFKC", address).strip().lower()
    return hmac.new(secret, RECIPIENT_CONTEXT + normal.encode(), hashlib.sha256).hexdigest()


def source_text(source: Mapping[str, Any]) -> str:
    """A source in one canonical line (sorted keys), as the id is derived from it."""
    return json.dumps(dict(source), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def notification_id(kind: str, source: Mapping[str, Any], recipient_key: str) -> UUID:
    return uuid5(NAMESPACE, f"notification/{kind}/{source_text(source)}/{recipient_key}")


def body_digest(body: str) -> str:
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def message_id(notification: UUID, domain: str) -> str:
    """The Message-ID of every copy of a notification's mail (RFC 5322 §3.6.4): one id for one message, so a copy
    sent again after a crash is the same message to the receiving side."""
    return f"<{notification}.notification@{domain or 'contest.invalid'}>"


def link_token(secret: bytes, notification: UUID) -> str:
    """A sign-in link's token: the notification's id and an HMAC of it (hex), so the same link goes out in every
    copy of the mail and the service can check it without storing it."""
    mac = hmac.new(secret, LINK_CONTEXT + notification.bytes, hashlib.sha256).hexdigest()[:40]
    return f"{notification.hex}{mac}"


def link_notification(secret: bytes, token: str) -> UUID:
    """The notification a sign-in link's token names, or UnknownSignInLink (never echoing the token)."""
    if not isinstance(token, str) or len(token) != 72 or any(c not in "0123456789abcdef" for c in token):
        raise UnknownSignInLink()
    notification = UUID(hex=token[:32])
    if not hmac.compare_digest(link_token(secret, notification), token):
        raise UnknownSignInLink()
    return notification


class UnknownSignInLink(NotFound):
    def __init__(self) -> None:
        super().__init__("sign-in link", "<hidden>")


class SignInLinkSpent(RuleViolation):
    """A sign-in link used already, or expired (`expired`)."""

    def __init__(self, *, expired: bool) -> None:
        self.expired = expired
        super().__init__("this sign-in link has expired; ask the secretariat for a new one" if expired else
                         "this sign-in link has been used; ask the secretariat for a new one", clause="§3.2.1",
                         field="token")


# ----- where a notification stands: one value both the aggregate and the read model fold -----

@dataclass(frozen=True)
class Progress:
    status: str = QUEUED
    attempts: int = 0
    claimed_by: str | None = None
    lease_until: datetime | None = None
    next_attempt_at: datetime | None = None
    first_attempt_at: datetime | None = None
    sent_at: datetime | None = None
    error: str | None = None

    def attempting(self, attempt: int, sender: str, lease_until: datetime, at: datetime) -> Progress:
        return replace(self, status=SENDING, attempts=attempt, claimed_by=sender, lease_until=lease_until,
                       next_attempt_at=None, first_attempt_at=self.first_attempt_at or at)

    def sent(self, at: datetime) -> Progress:
        return replace(self, status=SENT, claimed_by=None, lease_until=None, sent_at=self.sent_at or at, error=None)

    def failed(self, error: str, next_attempt_at: datetime) -> Progress:
        return replace(self, status=FAILED, claimed_by=None, lease_until=None, next_attempt_at=next_attempt_at,
                       error=error)

    def gave_up(self, error: str) -> Progress:
        return replace(self, status=GAVE_UP, claimed_by=None, lease_until=None, next_attempt_at=None, error=error)

    def due(self, now: datetime, sender: str | None = None) -> bool:
        """Whether a sender should try now: queued; failed and its next attempt's time has come; or claimed by a
        sender whose lease has run out, or by `sender` itself (a sender asks between its sends, so a claim under
        its own name is its crashed predecessor's)."""
        if self.status == QUEUED:
            return True
        if self.status == FAILED:
            return self.next_attempt_at is None or now >= self.next_attempt_at
        if self.status == SENDING:
            return (sender is not None and self.claimed_by == sender) or (
                self.lease_until is not None and now >= self.lease_until)
        return False


def retry_after(attempt: int) -> timedelta | None:
    """How long to wait after failed attempt `attempt` (1, 2, …), or None when it was the last one."""
    return BACKOFF[attempt - 1] if attempt < MAX_ATTEMPTS else None


def reminder_due(contest: Contest, now: datetime) -> bool:
    """Whether the ballot reminders are due (§4.6.4): round 2 is open and the residents' vote closes within
    REMINDER_BEFORE (round 2 closes only after the vote, so the vote's closing is its first possible close)."""
    closes = contest.window.closes_at
    return (contest.stage == ROUND2 and contest.window_status != WINDOW_CLOSED
            and closes - REMINDER_BEFORE <= now < closes)


def check_recipient(recipient: Mapping[str, Any]) -> dict[str, Any]:
    key, role = recipient.get("key"), recipient.get("role")
    errors: dict[str, list[str]] = {}
    if not isinstance(key, str) or len(key) != 64:
        errors["recipient.key"] = ["must be the address's keyed hash (64 hex)"]
    if not isinstance(role, str) or not role or "@" in role:
        errors["recipient.role"] = ["must name the recipient's role, never the address"]
    if errors:
        raise InvalidInput(errors)
    return {k: v for k, v in recipient.items() if k in ("key", "role", "municipality", "seat")}


class Notification(Aggregate):
    """One message to one recipient, from queued to sent (or given up)."""

    @staticmethod
    def create_id(kind: str, source: dict[str, Any], recipient: dict[str, Any]) -> UUID:
        return notification_id(kind, source, recipient["key"])

    @classmethod
    def queue(cls, *, kind: str, year: int, source: Mapping[str, Any], recipient: Mapping[str, Any], subject: str,
              body: str | None, digest: str, actor: Actor, at: datetime) -> Notification:
        """A new notification. `body` None: the body is the source event's text (a visit's notice)."""
        if kind not in KINDS:
            raise InvalidInput({"kind": [f"must be one of {', '.join(KINDS)}"]})
        if not subject.strip() or "\n" in subject or "\r" in subject:
            raise InvalidInput({"subject": ["must be one line"]})
        if body is None and kind != VISIT_NOTICE:
            raise InvalidInput({"body": ["only a visit's notice takes its text from its source event"]})
        return cls(kind=kind, year=year, source=dict(source), recipient=check_recipient(recipient), subject=subject,
                   body=body, body_digest=digest, actor=actor.as_dict(), at=at)

    @event("Queued")
    def __init__(self, kind: str, year: int, source: dict[str, Any], recipient: dict[str, Any], subject: str,
                 body: str | None, body_digest: str, actor: dict[str, str], at: datetime) -> None:
        self.kind = kind
        self.year = year
        self.source = source
        self.recipient = recipient
        self.subject = subject
        self.body = body
        self.body_digest = body_digest
        self.queued_at = at
        self.progress = Progress()
        self.link_used_at: datetime | None = None

    # ----- delivery -----

    def attempt(self, *, sender: str, lease: timedelta, actor: Actor, at: datetime) -> int | None:
        """Claim the next attempt for `sender` (records Attempting) and return its number; None, recording
        nothing, when it is not due (sent, given up, waiting, or claimed by another sender). An attempt after
        the last one's outcome went unrecorded (a crash) counts as one; past MAX_ATTEMPTS it gives up."""
        p = self.progress
        if not p.due(at, sender):
            return None
        unknown = p.status == SENDING
        if p.attempts >= MAX_ATTEMPTS:
            self._gave_up(attempt=p.attempts, error="the last attempt's outcome is unknown", permanent=False,
                          actor=actor.as_dict(), at=at)
            return None
        self._attempting(attempt=p.attempts + 1, sender=sender, lease_until=at + lease, after_unknown=unknown,
                         actor=actor.as_dict(), at=at)
        return self.progress.attempts

    @event("Attempting")
    def _attempting(self, attempt: int, sender: str, lease_until: datetime, after_unknown: bool,
                    actor: dict[str, str], at: datetime) -> None:
        self.progress = self.progress.attempting(attempt, sender, lease_until, at)

    def record_sent(self, attempt: int, *, code: int, answer: str, message_id: str, actor: Actor,
                    at: datetime) -> None:
        """The server took the message of `attempt`. Recorded even when a later attempt has been claimed since
        (then two copies went out): a delivery is a fact."""
        self._require_attempted(attempt)
        self._sent(attempt=attempt, code=code, answer=answer, message_id=message_id, actor=actor.as_dict(), at=at)

    @event("Sent")
    def _sent(self, attempt: int, code: int, answer: str, message_id: str, actor: dict[str, str],
              at: datetime) -> None:
        self.progress = self.progress.sent(at)

    def record_failure(self, attempt: int, *, error: str, permanent: bool, actor: Actor, at: datetime) -> None:
        """The hand-over of `attempt` failed: try again after BACKOFF, or give up (the last attempt, or a
        permanent refusal). Nothing is recorded when the attempt is no longer the current one (it was sent or
        claimed again meanwhile)."""
        self._require_attempted(attempt)
        p = self.progress
        if p.status != SENDING or p.attempts != attempt:
            return
        wait = None if permanent else retry_after(attempt)
        if wait is None:
            self._gave_up(attempt=attempt, error=error, permanent=permanent, actor=actor.as_dict(), at=at)
        else:
            self._failed(attempt=attempt, error=error, next_attempt_at=at + wait, actor=actor.as_dict(), at=at)

    @event("Failed")
    def _failed(self, attempt: int, error: str, next_attempt_at: datetime, actor: dict[str, str],
                at: datetime) -> None:
        self.progress = self.progress.failed(error, next_attempt_at)

    @event("GaveUp")
    def _gave_up(self, attempt: int, error: str, permanent: bool, actor: dict[str, str], at: datetime) -> None:
        self.progress = self.progress.gave_up(error)

    def _require_attempted(self, attempt: int) -> None:
        if not 1 <= attempt <= self.progress.attempts:
            raise RuleViolation(f"attempt {attempt} of this notification was never claimed", clause=CLAUSE)

    # ----- a sign-in link -----

    def link_expires_at(self) -> datetime | None:
        first = self.progress.first_attempt_at
        return None if first is None else first + LINK_LIFETIME

    def use_link(self, *, actor: Actor, at: datetime) -> None:
        """Spend a sign-in link (§3.2.1): once, before LINK_LIFETIME has passed since its mail first went out."""
        if self.kind != SIGN_IN_LINK:
            raise UnknownSignInLink()
        expires = self.link_expires_at()
        if expires is None:
            raise UnknownSignInLink()  # never sent: nobody can hold it
        if self.link_used_at is not None:
            raise SignInLinkSpent(expired=False)
        if at >= expires:
            raise SignInLinkSpent(expired=True)
        self._link_used(actor=actor.as_dict(), at=at)

    @event("LinkUsed")
    def _link_used(self, actor: dict[str, str], at: datetime) -> None:
        self.link_used_at = at
