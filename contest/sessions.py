"""Server-side staff sessions (domain/sessions.py): a table `contest_staff_sessions` in the event store's database.

Why a table beside the events, not events: a session is operational state, not contest history. It changes on
every sign-in, click and logout, it must be forgotten when it ends, and it must never reach the audit export or
the verifiers (they read the notification log only: contest/audit.py, docs/AUDIT.md). The token it stands for is
an event-sourced Credential (domain/access.py); its issue and revocation stay in the history.

Why a table, not a signed cookie with an expiry: a signed cookie stays valid until it expires, so ending it early
(logout, revocation) needs a list of ended sessions on the server anyway; with the sessions on the server the cookie
holds only a random id, and logout or revocation deletes the row at once, for every worker and host that shares
the store. The row keeps the SHA-256 of the id (never the id), the token id, and three instants: created, last
used (written again at most once a minute), ends (the absolute lifetime). Ended and expired rows are deleted.

CONTEST_SESSION_IDLE_MINUTES and CONTEST_SESSION_HOURS set the lifetimes (contest/settings.py).
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any

from contest.clock import Clock
from contest.side_table import SideTable
from contest.store import EventStore
from domain.sessions import SessionPolicy, session_digest

TABLE = "contest_staff_sessions"
CREATE = ("CREATE TABLE IF NOT EXISTS {t} (digest TEXT PRIMARY KEY, token_id TEXT NOT NULL, "
          "created_at DOUBLE PRECISION NOT NULL, seen_at DOUBLE PRECISION NOT NULL, ends_at DOUBLE PRECISION NOT NULL)",
          "CREATE INDEX IF NOT EXISTS {token} ON {t} (token_id)")


def _instant(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


class StaffSessions:
    """The sessions of one store; `clock` is the service's (a FrozenClock in the tests)."""

    def __init__(self, store: EventStore, clock: Clock, policy: SessionPolicy) -> None:
        self.table = SideTable(store, TABLE, CREATE)
        self.clock = clock
        self.policy = policy

    def _run(self, text: str, params: tuple[Any, ...] = (), *, fetch: bool = False) -> list[Any]:
        return self.table.run(text, params, fetch=fetch)

    def open(self, token_id: str) -> str:
        """A new session for the token: returns its id (for the cookie; only its digest is kept)."""
        now = self.clock.now()
        session_id = secrets.token_urlsafe(32)
        at = now.timestamp()
        self._run("DELETE FROM {t} WHERE ends_at <= ? OR seen_at <= ?",
                  (at, (now - self.policy.idle).timestamp()))  # sweep the ended ones now and then: at each sign-in
        self._run("INSERT INTO {t} (digest, token_id, created_at, seen_at, ends_at) VALUES (?, ?, ?, ?, ?)",
                  (session_digest(session_id), token_id, at, at, (now + self.policy.absolute).timestamp()))
        return session_id

    def token_id(self, session_id: str) -> str | None:
        """The token id a live session stands for (and its use recorded), or None (unknown, ended, expired)."""
        if not session_id or len(session_id) > 100:
            return None
        digest = session_digest(session_id)
        rows = self._run("SELECT token_id, created_at, seen_at FROM {t} WHERE digest = ?", (digest,), fetch=True)
        if not rows:
            return None
        token_id, created, seen = rows[0]["token_id"], _instant(rows[0]["created_at"]), _instant(rows[0]["seen_at"])
        now = self.clock.now()
        if not self.policy.live(created, seen, now):
            self._run("DELETE FROM {t} WHERE digest = ?", (digest,))
            return None
        if self.policy.needs_touch(seen, now):
            self._run("UPDATE {t} SET seen_at = ? WHERE digest = ? AND seen_at < ?",
                      (now.timestamp(), digest, now.timestamp()))
        return str(token_id)

    def end(self, session_id: str) -> None:
        """Logout: the session is gone for every copy of its cookie."""
        if session_id:
            self._run("DELETE FROM {t} WHERE digest = ?", (session_digest(session_id),))

    def end_token(self, token_id: str) -> int:
        """Every session of a token (its revocation); returns how many there were."""
        return len(self._run("DELETE FROM {t} WHERE token_id = ? RETURNING digest", (token_id,), fetch=True))

    def count(self, token_id: str) -> int:
        rows = self._run("SELECT count(*) AS n FROM {t} WHERE token_id = ?", (token_id,), fetch=True)
        return int(rows[0]["n"])
