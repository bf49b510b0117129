"""Staff sessions' rules (README "Roles"): how long a signed-in session of a token lives, and what is kept of it.

A session stands for one credential (its token id, domain.access.token_id_for) and ends at the first of: `idle`
after it was last used, `absolute` after it began, its logout, the token's revocation. The session's id is a
random value the browser keeps; the server keeps only its SHA-256, like a token's (domain/access.py), so a copy of
the sessions' table opens nothing. Plain Python: the application gives the instants (contest/sessions.py).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

IDLE = timedelta(minutes=30)
ABSOLUTE = timedelta(hours=12)
#: a session's last use is written again only after this long (one write per request would be one per click)
TOUCH_EVERY = timedelta(seconds=60)


def session_digest(session_id: str) -> str:
    return hashlib.sha256(session_id.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class SessionPolicy:
    idle: timedelta = IDLE
    absolute: timedelta = ABSOLUTE

    def __post_init__(self) -> None:
        if self.idle <= timedelta(0) or self.absolute <= timedelta(0):
            raise ValueError("a session's idle timeout and lifetime must be positive")

    def ends_at(self, created: datetime, last_seen: datetime) -> datetime:
        """The instant the session ends unless used again before it (never after its absolute lifetime)."""
        return min(last_seen + self.idle, created + self.absolute)

    def live(self, created: datetime, last_seen: datetime, now: datetime) -> bool:
        """Whether a session not logged out and not revoked still opens the desk at `now`; a clock set back before
        its start does not revive or extend it."""
        return created <= now + TOUCH_EVERY and now < self.ends_at(created, last_seen)

    def needs_touch(self, last_seen: datetime, now: datetime) -> bool:
        return now - last_seen >= TOUCH_EVERY
