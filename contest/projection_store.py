"""Persisted read models: a snapshot of the views written in the same transaction as the library's tracking row.

The projector process (`contest projections run`) folds new events into the views and, every so often, saves
their state with `Tracking(name, position)` through the eventsourcing library's tracking recorder: the tracking
row only moves forward (its insert fails for a position not above the recorded one), and the snapshot row is
written in that same transaction, so a snapshot and its position can never disagree, a stale writer can never
overwrite a newer snapshot, and after a restart processing resumes at position + 1: no event is applied twice.
Web workers start from the latest snapshot and catch up on the log's tail instead of replaying everything.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import pickle
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from eventsourcing.persistence import IntegrityError, PersistenceError, Tracking
from eventsourcing.postgres import PostgresTrackingRecorder
from eventsourcing.sqlite import SQLiteTrackingRecorder
from psycopg.sql import SQL, Identifier

from contest.store import EventStore

if TYPE_CHECKING:
    from contest.readmodels import ReadModels

NAME = "contest-views"
log = logging.getLogger("contest.projector")


def views_version() -> str:
    """A snapshot is only reused by the same projection code: any change to projections/ invalidates it."""
    folder = Path(__file__).resolve().parents[1] / "projections"
    h = hashlib.sha256()
    for path in sorted(folder.glob("*.py")):
        h.update(path.name.encode() + b"\0" + path.read_bytes())
    return h.hexdigest()[:16]


class SQLiteProjectionStore(SQLiteTrackingRecorder):
    def create_table(self) -> None:
        """The library's tracking recorder looks for its table, then creates it and records a migration row: two
        processes opening a new store at once (gunicorn workers booting) both insert that row and one fails.
        Creation is serialised with an exclusive lock on a file beside the database (tests/test_store_boot.py)."""
        db_name = str(self.datastore.pool.db_name)
        if ":memory:" in db_name or "mode=memory" in db_name:
            super().create_table()
            return
        with open(f"{db_name}.lock", "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
            super().create_table()

    def construct_create_table_statements(self) -> list[str]:
        return [*super().construct_create_table_statements(),
                "CREATE TABLE IF NOT EXISTS projection_snapshots "
                "(name TEXT PRIMARY KEY, position INTEGER NOT NULL, version TEXT NOT NULL, state BLOB NOT NULL)"]

    def save_snapshot(self, name: str, position: int, version: str, state: bytes) -> None:
        with self.datastore.transaction(commit=True) as c:
            c.execute("INSERT INTO projection_snapshots VALUES (?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET "
                      "position = excluded.position, version = excluded.version, state = excluded.state",
                      (name, position, version, state))
            self._insert_tracking(c, Tracking(name, position))

    def load_snapshot(self, name: str) -> tuple[int, str, bytes] | None:
        with self.datastore.transaction(commit=False) as c:
            c.execute("SELECT position, version, state FROM projection_snapshots WHERE name = ?", (name,))
            row = c.fetchone()
        return (row[0], row[1], bytes(row[2])) if row else None

    def delete_snapshot(self, name: str) -> None:
        with self.datastore.transaction(commit=True) as c:
            c.execute("DELETE FROM projection_snapshots WHERE name = ?", (name,))
            c.execute("DELETE FROM tracking WHERE application_name = ?", (name,))


class PostgresProjectionStore(PostgresTrackingRecorder):
    def __init__(self, datastore: Any, **kwargs: Any) -> None:
        super().__init__(datastore, **kwargs)
        self.snapshots_table = SQL("{0}.{1}").format(Identifier(self.datastore.schema),
                                                     Identifier("contest_projection_snapshots"))
        self.sql_create_statements.append(SQL(
            "CREATE TABLE IF NOT EXISTS {0} (name text PRIMARY KEY, position bigint NOT NULL, version text NOT NULL, "
            "state bytea NOT NULL)").format(self.snapshots_table))

    def save_snapshot(self, name: str, position: int, version: str, state: bytes) -> None:
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(SQL("INSERT INTO {0} VALUES (%s, %s, %s, %s) ON CONFLICT (name) DO UPDATE SET "
                             "position = excluded.position, version = excluded.version, state = excluded.state"
                             ).format(self.snapshots_table), (name, position, version, state))
            self._insert_tracking(curs, Tracking(name, position))

    def load_snapshot(self, name: str) -> tuple[int, str, bytes] | None:
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(SQL("SELECT position, version, state FROM {0} WHERE name = %s").format(self.snapshots_table),
                         (name,))
            row = curs.fetchone()
        return (row["position"], row["version"], bytes(row["state"])) if row else None

    def delete_snapshot(self, name: str) -> None:
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(SQL("DELETE FROM {0} WHERE name = %s").format(self.snapshots_table), (name,))
            curs.execute(SQL("DELETE FROM {0}.{1} WHERE application_name = %s").format(
                Identifier(self.datastore.schema), Identifier(self.tracking_table_name)), (name,))


class ProjectionStore:
    """Saves and loads the views' snapshot for one event store."""

    def __init__(self, store: EventStore) -> None:
        cls = SQLiteProjectionStore if store.store_url.startswith("sqlite") else PostgresProjectionStore
        self.recorder = store.factory.tracking_recorder(cls)
        self.version = views_version()

    def save(self, views: Any, position: int) -> bool:
        """Write the snapshot at `position`; False (and nothing written) if a newer or equal one is recorded."""
        try:
            self.recorder.save_snapshot(NAME, position, self.version, pickle.dumps(views, protocol=5))
        except IntegrityError:
            return False
        return True

    def load(self) -> tuple[Any, int] | None:
        """The latest snapshot written by this version of the projections, or None."""
        found = self.recorder.load_snapshot(NAME)
        if found is None or found[1] != self.version:
            return None
        return pickle.loads(found[2]), found[0]

    def position(self) -> int:
        return self.recorder.max_tracking_id(NAME) or 0

    def reset(self) -> None:
        self.recorder.delete_snapshot(NAME)


def run_projector(models: ReadModels, stop: threading.Event, *, every: float = 2.0, save_every: int = 10_000,
                  batch: int = 1_000) -> int:
    """The projector process's loop (`contest projections run`) until `stop` is set; returns the final position.

    It catches up at most `batch` events at a time and saves a snapshot (with its tracking row, one transaction)
    whenever `save_every` events were applied since the last one, also while working through a backlog, so a
    projector killed mid-way resumes from its last snapshot and applies every later event exactly once. A store
    that does not answer is logged and tried again `every` seconds later; the process does not die of it. On stop
    it finishes the current batch, catches up and saves (graceful shutdown)."""
    saved = models.load()
    log.info("projector at position %s", saved)
    while not stop.is_set():
        try:
            head = models.store.event_count()
            while models.position < head and not stop.is_set():
                models.catch_up(up_to=models.position + batch)
                if models.position - saved >= save_every and models.save_snapshot():
                    saved = models.position
        except PersistenceError as e:
            log.warning("event store unavailable (%s); trying again in %ss", type(e).__name__, every)
        stop.wait(every)
    try:
        models.catch_up()
        if models.position > saved:
            models.save_snapshot()
    except PersistenceError as e:  # the last snapshot and its tracking row stand; the next start resumes there
        log.warning("event store unavailable at stop (%s): the snapshot stays at its last position", type(e).__name__)
    log.info("projector stopped at position %s", models.position)
    return models.position
