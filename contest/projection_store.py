"""Persisted read models: a snapshot of the views written in the same transaction as the library's tracking row.

The projector process (`contest projections run`) folds new events into the views and, every so often, saves
their state with `Tracking(name, position)` through the eventsourcing library's tracking recorder: the tracking
row only moves forward (its insert fails for a position not above the recorded one), and the snapshot row is
written in that same transaction, so a snapshot and its position can never disagree, a stale writer can never
overwrite a newer snapshot, and after a restart processing resumes at position + 1: no event is applied twice.
Web workers start from the latest snapshot and catch up on the log's tail instead of replaying everything.

The pickled views are written and read in parts of 1 MiB (rows of `projection_snapshot_parts`), streamed through
pickle, so saving or loading a snapshot never holds a second copy of the views in memory: a million votes' views
pickle to ~30 MiB, and the rebuild's peak RSS grew with three copies of that (docs/BENCHMARKS.md).
"""

from __future__ import annotations

import hashlib
import logging
import pickle
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from eventsourcing.persistence import IntegrityError, PersistenceError, Tracking
from eventsourcing.postgres import PostgresTrackingRecorder
from eventsourcing.sqlite import SQLiteTrackingRecorder
from psycopg.sql import SQL, Identifier

from contest.sqlitestore import under_file_lock
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


class SnapshotParts:
    """Reading a snapshot stored in parts; each store's recorder gives `_part(name, number)`."""

    def _part(self, name: str, part: int) -> tuple[int, str, bytes] | None:
        raise NotImplementedError

    def load_snapshot(self, name: str) -> tuple[int, str, PartReader] | None:
        """(position, projections' version, a file to unpickle the views from), or None if there is none."""
        head = self._part(name, 0)
        if head is None:
            return None
        position, version, _ = head
        return position, version, PartReader(lambda part: self._part(name, part), position)


class SQLiteProjectionStore(SnapshotParts, SQLiteTrackingRecorder):
    def create_table(self) -> None:
        """The library's tracking recorder looks for its table, then creates it and records a migration row: two
        processes opening a new store at once (gunicorn workers booting) both insert that row and one fails.
        Creation is serialised with an exclusive lock on a file beside the database (tests/e2e/test_store_boot.py)."""
        under_file_lock(self.datastore, super().create_table)

    def construct_create_table_statements(self) -> list[str]:
        return [*super().construct_create_table_statements(),
                "CREATE TABLE IF NOT EXISTS projection_snapshot_parts (name TEXT NOT NULL, part INTEGER NOT NULL, "
                "position INTEGER NOT NULL, version TEXT NOT NULL, data BLOB NOT NULL, PRIMARY KEY (name, part))"]

    def save_snapshot(self, name: str, position: int, version: str, dump: Callable[[Any], None]) -> None:
        with self.datastore.transaction(commit=True) as c:
            c.execute("DELETE FROM projection_snapshot_parts WHERE name = ?", (name,))
            sql = "INSERT INTO projection_snapshot_parts VALUES (?, ?, ?, ?, ?)"
            dump(PartWriter(lambda part, data: c.execute(sql, (name, part, position, version, data))))
            self._insert_tracking(c, Tracking(name, position))

    def _part(self, name: str, part: int) -> tuple[int, str, bytes] | None:
        with self.datastore.transaction(commit=False) as c:
            c.execute("SELECT position, version, data FROM projection_snapshot_parts WHERE name = ? AND part = ?",
                      (name, part))
            row = c.fetchone()
        return (row[0], row[1], bytes(row[2])) if row else None

    def delete_snapshot(self, name: str) -> None:
        with self.datastore.transaction(commit=True) as c:
            c.execute("DELETE FROM projection_snapshot_parts WHERE name = ?", (name,))
            c.execute("DELETE FROM tracking WHERE application_name = ?", (name,))


class PostgresProjectionStore(SnapshotParts, PostgresTrackingRecorder):
    def __init__(self, datastore: Any, **kwargs: Any) -> None:
        super().__init__(datastore, **kwargs)
        self.parts_table = SQL("{0}.{1}").format(Identifier(self.datastore.schema),
                                                 Identifier("contest_projection_snapshot_parts"))
        self.sql_create_statements.append(SQL(
            "CREATE TABLE IF NOT EXISTS {0} (name text NOT NULL, part integer NOT NULL, position bigint NOT NULL, "
            "version text NOT NULL, data bytea NOT NULL, PRIMARY KEY (name, part))").format(self.parts_table))

    def save_snapshot(self, name: str, position: int, version: str, dump: Callable[[Any], None]) -> None:
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(SQL("DELETE FROM {0} WHERE name = %s").format(self.parts_table), (name,))
            sql = SQL("INSERT INTO {0} VALUES (%s, %s, %s, %s, %s)").format(self.parts_table)
            dump(PartWriter(lambda part, data: curs.execute(sql, (name, part, position, version, data))))
            self._insert_tracking(curs, Tracking(name, position))

    def _part(self, name: str, part: int) -> tuple[int, str, bytes] | None:
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(SQL("SELECT position, version, data FROM {0} WHERE name = %s AND part = %s").format(
                self.parts_table), (name, part))
            row = curs.fetchone()
        return (row["position"], row["version"], bytes(row["data"])) if row else None

    def delete_snapshot(self, name: str) -> None:
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(SQL("DELETE FROM {0} WHERE name = %s").format(self.parts_table), (name,))
            curs.execute(SQL("DELETE FROM {0}.{1} WHERE application_name = %s").format(
                Identifier(self.datastore.schema), Identifier(self.tracking_table_name)), (name,))


PART_BYTES = 1 << 20


class PartWriter:
    """A file for pickle.dump that hands the stream on in parts of PART_BYTES (`put(part number, data)`)."""

    def __init__(self, put: Callable[[int, bytes], Any]) -> None:
        self.put = put
        self.parts = 0
        self.buffer = bytearray()

    def write(self, data: Any) -> int:
        view = memoryview(data).cast("B")
        size = len(view)
        start = 0
        while start < size:
            take = min(PART_BYTES - len(self.buffer), size - start)
            self.buffer += view[start:start + take]
            start += take
            if len(self.buffer) == PART_BYTES:
                self._flush()
        return size

    def close(self) -> None:
        if self.buffer or not self.parts:
            self._flush()

    def _flush(self) -> None:
        self.put(self.parts, bytes(self.buffer))
        self.parts += 1
        self.buffer.clear()


class SnapshotChanged(Exception):
    """The snapshot was replaced while its parts were being read."""


class PartReader:
    """A file for pickle.load reading a snapshot's parts one at a time; every part must belong to the save the
    first one came from (a newer save replaces all parts in one transaction)."""

    def __init__(self, get: Callable[[int], tuple[int, str, bytes] | None], position: int) -> None:
        self.get = get
        self.position = position
        self.next_part = 0
        self.data = b""
        self.offset = 0

    def _next(self) -> bool:
        """Make the next part current; False at the end."""
        found = self.get(self.next_part)
        if found is None:
            # the end, unless a newer save with fewer parts (or a reset) replaced this one: the first part tells
            if self.next_part:
                first = self.get(0)
                if first is None or first[0] != self.position:
                    raise SnapshotChanged()
            return False
        if found[0] != self.position:
            raise SnapshotChanged()
        self.next_part += 1
        self.data, self.offset = found[2], 0
        return True

    def read(self, size: int = -1) -> bytes:
        pieces = []
        while size != 0:
            if self.offset >= len(self.data) and not self._next():
                break
            end = len(self.data) if size < 0 else min(len(self.data), self.offset + size)
            pieces.append(self.data[self.offset:end])
            if size > 0:
                size -= end - self.offset
            self.offset = end
        return b"".join(pieces)

    def readinto(self, buffer: Any) -> int:
        target = memoryview(buffer).cast("B")
        data = self.read(len(target))
        target[:len(data)] = data
        return len(data)

    def readline(self) -> bytes:
        pieces = []
        while True:
            if self.offset >= len(self.data) and not self._next():
                break
            end = self.data.find(b"\n", self.offset)
            stop = len(self.data) if end == -1 else end + 1
            pieces.append(self.data[self.offset:stop])
            self.offset = stop
            if end != -1:
                break
        return b"".join(pieces)


class ProjectionStore:
    """Saves and loads the views' snapshot for one event store."""

    def __init__(self, store: EventStore) -> None:
        cls = SQLiteProjectionStore if store.store_url.startswith("sqlite") else PostgresProjectionStore
        self.recorder = store.factory.tracking_recorder(cls)
        self.version = views_version()

    def save(self, views: Any, position: int) -> bool:
        """Write the snapshot at `position`; False (and nothing written) if a newer or equal one is recorded."""

        def dump(out: PartWriter) -> None:
            pickle.dump(views, out, protocol=5)
            out.close()

        try:
            self.recorder.save_snapshot(NAME, position, self.version, dump)
        except IntegrityError:
            return False
        return True

    def load(self) -> tuple[Any, int] | None:
        """The latest snapshot written by this version of the projections, or None."""
        for _ in range(3):
            found = self.recorder.load_snapshot(NAME)
            if found is None or found[1] != self.version:
                return None
            try:
                return pickle.load(found[2]), found[0]
            except SnapshotChanged:
                continue  # a newer snapshot was saved meanwhile: read that one
        return None

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
