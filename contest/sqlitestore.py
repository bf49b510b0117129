"""The SQLite store: the library's SQLite factory, with an application recorder that checks a save's condition
(`unchanged=`, contest/guard.py) inside the insert's write transaction.

The check runs after the INSERT: the INSERT takes SQLite's write lock (only one writer at a time, whatever the
process), and a read made after the lock is granted sees every commit before it. Reading first would start the
transaction on a read snapshot that another writer may make stale before this one gets the lock, which SQLite
refuses at once (SQLITE_BUSY_SNAPSHOT, "database is locked") instead of waiting. A changed aggregate rolls the
whole transaction back. When the INSERT itself fails on a duplicate key, the condition is checked first, so a
vote decided on a stale contest is decided again on the current one whatever else is wrong with it, as on
PostgreSQL.

Votes are written by the group commit (contest/group_commit.py, `insert_events(..., group=True)`): the leader of a
process's batch, once it holds the host's turn (contest/writers_turn.py), takes the votes waiting and writes them
in one transaction, `BEGIN IMMEDIATE` (the write lock
first, so the contest's version is checked once, after it, for the whole batch), then each vote's INSERT; a
duplicate (a resident who has voted) fails only its own statement, which SQLite rolls back alone (a save of two
rows, a vote and its address claim, inside a savepoint of its own), and the batch commits once: one lock, one WAL
flush for the batch.
"""

from __future__ import annotations

import fcntl
import sqlite3
from collections.abc import Callable, Sequence
from typing import Any
from uuid import UUID

from eventsourcing.persistence import DatabaseError, OperationalError, StoredEvent
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteCursor, SQLiteDatastore, SQLiteFactory

from contest.group_commit import GroupCommit, Save
from contest.guard import AggregateChanged, grouped, unchanged_of
from contest.writers_turn import WritersTurn


def in_memory(db_name: str) -> bool:
    """Whether the database is in memory: one process's, so no lock file beside it to share."""
    return ":memory:" in db_name or "mode=memory" in db_name


def under_file_lock(datastore: SQLiteDatastore, create: Callable[[], None]) -> None:
    """Run a table creation with an exclusive lock on a file beside the database, so that processes opening a new
    store at once create its tables one after another (an in-memory database needs none)."""
    db_name = str(datastore.pool.db_name)
    if in_memory(db_name):
        create()
        return
    with open(f"{db_name}.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        create()


class GuardedSQLiteApplicationRecorder(SQLiteApplicationRecorder):
    def __init__(self, datastore: SQLiteDatastore, events_table_name: str = "stored_events") -> None:
        super().__init__(datastore, events_table_name)
        # an event at version + 1 exists exactly when the aggregate has changed (guard.py): one key lookup
        self.select_next_statement = (f"SELECT 1 FROM {self.events_table_name} "
                                      "WHERE originator_id=? AND originator_version=?")
        db_name = str(datastore.pool.db_name)
        turn = None if in_memory(db_name) else WritersTurn(f"{db_name}.writers")  # the host's processes' turns
        self.group_commit = GroupCommit(self.write_batch, turn=turn)

    def create_table(self) -> None:
        """The first connection switches a new database to WAL and the tables are created: several processes doing
        so at once (gunicorn workers booting) can be refused at once with "database is locked" instead of waiting,
        seen on a loaded machine (tests/e2e/test_store_boot.py)."""
        under_file_lock(self.datastore, super().create_table)

    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        if grouped(kwargs) and stored_events:
            return self.group_commit.submit(stored_events, unchanged_of(kwargs))
        return super().insert_events(stored_events, **kwargs)

    def write_batch(self, batch: Sequence[Save], unchanged: tuple[Any, int] | None) -> None:
        """One transaction for the batch (contest/group_commit.py WriteBatch): the write lock, the condition once,
        each save's rows (a duplicate leaves its own save out), one commit."""
        with self.datastore.get_connection(commit=True) as conn:
            c = conn.cursor()
            try:
                c.execute("BEGIN IMMEDIATE")
                if unchanged is not None:
                    self._require_unchanged(c, *unchanged)
                for save in batch:
                    self._insert_save(c, save)
                conn.commit()
            except BaseException as e:
                conn.rollback()
                if isinstance(e, sqlite3.OperationalError):
                    raise OperationalError(e) from e
                if isinstance(e, sqlite3.DatabaseError):
                    raise DatabaseError(e) from e
                raise
            finally:
                c.sqlite_cursor.close()

    def _insert_save(self, c: SQLiteCursor, save: Save) -> None:
        rows = [(e.originator_id.hex if isinstance(e.originator_id, UUID) else e.originator_id,
                 e.originator_version, e.topic, e.state) for e in save.events]
        if len(rows) == 1:
            try:
                c.execute(self.insert_events_statement, rows[0])
            except sqlite3.IntegrityError:
                save.duplicate()  # SQLite rolled back this statement alone
                return
            save.ids = [c.lastrowid]
            return
        c.execute("SAVEPOINT save")
        try:
            ids = []
            for row in rows:
                c.execute(self.insert_events_statement, row)
                ids.append(c.lastrowid)
        except sqlite3.IntegrityError:
            c.execute("ROLLBACK TO save")
            save.duplicate()
        else:
            save.ids = ids
        c.execute("RELEASE save")

    def _insert_events(self, c: SQLiteCursor, stored_events: Sequence[StoredEvent],
                       **kwargs: Any) -> Sequence[int] | None:
        guard = unchanged_of(kwargs)
        if guard is None:
            return super()._insert_events(c, stored_events, **kwargs)
        try:
            ids = super()._insert_events(c, stored_events, **kwargs)
        except sqlite3.IntegrityError:
            self._require_unchanged(c, *guard)
            raise
        self._require_unchanged(c, *guard)
        return ids

    def _require_unchanged(self, c: SQLiteCursor, originator_id: Any, version: int) -> None:
        key = originator_id.hex if isinstance(originator_id, UUID) else originator_id
        c.execute(self.select_next_statement, (key, version + 1))
        if c.fetchone() is not None:
            raise AggregateChanged(originator_id, version)


class GuardedSQLiteFactory(SQLiteFactory):
    """`PERSISTENCE_MODULE` for the SQLite store (contest/settings.py)."""

    application_recorder_class = GuardedSQLiteApplicationRecorder
