"""A table of operational state beside the events, in the event store's own database (SQLite or PostgreSQL, in the
store's schema), made when first used: the staff sessions (contest/sessions.py), the pending vote requests of the
`email` identity level (contest/vote_requests.py), the jury's unsubmitted drafts (contest/jury_drafts.py) and the
notifications' sealed addresses (contest/address_book.py). Such a
table is never part of the history: the audit export and the verifiers read the notification log only
(contest/audit.py, docs/AUDIT.md).

Statements are written once with `?` placeholders and names in braces: `{t}` is the table, any other `{name}` an
index of it (`<table>_<name>`); for PostgreSQL the names are quoted identifiers in the store's schema.
"""

from __future__ import annotations

import string
import threading
from collections.abc import Sequence
from typing import Any

from psycopg.sql import SQL, Composable, Identifier

from contest.store import EventStore


class SideTable:
    def __init__(self, store: EventStore, table: str, create: Sequence[str]) -> None:
        self.datastore: Any = store.recorder.datastore  # type: ignore[attr-defined]
        self.table = table
        self.create = tuple(create)
        self.postgres = not store.store_url.startswith("sqlite")
        self._ready = False
        self._lock = threading.Lock()

    def sql(self, text: str) -> str | Composable:
        names = {n for _, n, _, _ in string.Formatter().parse(text) if n and n != "t"}
        if not self.postgres:
            return text.format(t=self.table, **{n: f"{self.table}_{n}" for n in names})
        schema = Identifier(self.datastore.schema)
        return SQL(text.replace("?", "%s")).format(t=SQL("{}.{}").format(schema, Identifier(self.table)),
                                                   **{n: Identifier(f"{self.table}_{n}") for n in names})

    def run(self, text: str, params: Sequence[Any] = (), *, fetch: bool = False) -> list[Any]:
        """One statement in a transaction of its own; the rows with `fetch` (SELECT, or RETURNING). A SELECT reads
        without taking the store's write lock."""
        self.ensure()
        reading = text.lstrip()[:6].upper() == "SELECT"
        with self.datastore.transaction(commit=not reading) as c:
            c.execute(self.sql(text), tuple(params))
            return list(c.fetchall()) if fetch else []

    def ensure(self) -> None:
        """Create the table and its indexes if missing (once per process)."""
        if self._ready:
            return
        with self._lock:
            if self._ready:
                return
            for attempt in range(3):  # two workers creating the table at once: one may fail, then it exists
                try:
                    with self.datastore.transaction(commit=True) as c:
                        for statement in self.create:
                            c.execute(self.sql(statement))
                    break
                except Exception:  # the store's own error (sqlite3, psycopg or the library's)
                    if attempt == 2:
                        raise
            self._ready = True
