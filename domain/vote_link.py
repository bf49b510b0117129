"""The one-time link of the `email` identity level (RULES.md D15): what it is kept as, how long it lives, what it
answers once it is spent, and how the address it was sent to is shown back.

Under `email` a vote is recorded only once the resident opens the link sent to the address they gave. The link
carries a random token; the service keeps only the token's SHA-256 (`link_digest`), like a staff session's id
(domain/sessions.py), so a copy of the pending requests opens nothing. A link is good for `lifetime` after it was
sent and for one vote: a used or expired link records nothing and says why (LinkUsed, LinkExpired, each a
RuleViolation of D15); a link the service does not know (mistyped, or forgotten a day after it expired) is
UnknownLink (404). Plain Python: the application gives the instants (contest/vote_requests.py).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from domain.config import instant_str
from domain.errors import NotFound, RuleViolation
from domain.identity import ADDRESS_FIELD, CLAUSE

LIFETIME = timedelta(minutes=30)
LIFETIME_MAX = timedelta(days=1)
#: an expired request is kept (without any of its vote) this long, so its link says "expired", not "unknown"
FORGET_AFTER = timedelta(days=1)
#: live links at once to one address: a resident may ask again, a stranger's mailbox cannot be flooded with links
PENDING_MAX = 3
TOKEN_FIELD = "token"


def link_digest(token: str) -> str:
    """What a link's token is kept as: its SHA-256 (hex). The token itself is only in the mail."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class LinkPolicy:
    lifetime: timedelta = LIFETIME

    def __post_init__(self) -> None:
        if not timedelta(0) < self.lifetime <= LIFETIME_MAX:
            raise ValueError("a vote link lives more than no time and at most a day")

    def expires_at(self, sent_at: datetime) -> datetime:
        return sent_at + self.lifetime

    def forget_before(self, now: datetime) -> datetime:
        """Requests that expired before this instant are deleted, their links unknown from then on."""
        return now - FORGET_AFTER


class LinkExpired(RuleViolation):
    def __init__(self, expires_at: datetime) -> None:
        super().__init__("the link has expired; vote again to get a new one", clause=CLAUSE, field=TOKEN_FIELD,
                         expires_at=instant_str(expires_at))


class LinkUsed(RuleViolation):
    def __init__(self) -> None:
        super().__init__("this link has been used; your vote is recorded", clause=CLAUSE, field=TOKEN_FIELD)


class UnknownLink(NotFound):
    """A token the service does not hold: never echoed (it would be a live link in a log or a screenshot)."""

    def __init__(self) -> None:
        super().__init__("vote link", "<hidden>")
        self.args = ("this confirmation link is not known: it may be incomplete, or it expired more than a day "
                     "ago; vote again to get a new one (D15)",)


def require_live(expires_at: datetime, used_at: datetime | None, now: datetime) -> None:
    """A link records a vote only once and only before it expires (D15); a used link says so even when it has
    expired since, since the resident's vote is what they want to know about."""
    if used_at is not None:
        raise LinkUsed()
    if now >= expires_at:
        raise LinkExpired(expires_at)


class TooManyLinks(RuleViolation):
    """Links already sent to this address are still live (PENDING_MAX)."""

    def __init__(self, until: datetime) -> None:
        super().__init__("links sent to this e-mail address are still valid: open one of them, or ask again once "
                         "they expire", clause=CLAUSE, field=ADDRESS_FIELD, until=instant_str(until))


def mask_address(address: str) -> str:
    """An address as the page shows it back: the local part's first character, then *** ("v***@example.lv")."""
    local, _, domain = address.rpartition("@")
    return f"{local[:1]}***@{domain}" if local else f"***@{domain}"
