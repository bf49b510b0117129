"""How far the replica (CONTEST_READ_STORE) is behind the primary, and which of the two answers: for /health.

Measured as PostgreSQL itself measures a streaming replica:

* in bytes: the primary's WAL flushed so far (`pg_current_wal_flush_lsn()`, what a standby can have been sent)
  against the WAL the replica has replayed (`pg_last_wal_replay_lsn()`); 0 when it has replayed everything;
* in seconds: 0 when it has replayed everything, else the age of the last transaction it replayed
  (`now() - pg_last_xact_replay_timestamp()`, the primary's commit time of that transaction): how old the newest
  thing a reader of the replica sees is, while something newer exists;
* in positions (the secretariat's /health/details only): the primary's last event against the replica's.

When the primary does not answer the lag cannot be known (None); the replica still serves reads, as of what it
has replayed (`last_replayed_at`). A read store that is not in recovery is no replica (it was promoted, or the
setting names a primary): its status says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg
from eventsourcing.persistence import PersistenceError
from psycopg.rows import tuple_row

from contest.store import EventStore

UP, DOWN, NOT_A_REPLICA = "ok", "down", "not_a_replica"
STORE_ERRORS = (PersistenceError, psycopg.Error)


def lsn_bytes(lsn: str) -> int:
    """A WAL location as PostgreSQL prints it ("16/B374D848") as a byte offset."""
    high, _, low = lsn.partition("/")
    return (int(high, 16) << 32) | int(low, 16)


def _row(store: EventStore, sql: str) -> tuple[Any, ...]:
    """One row, in at most two attempts (a connection that died since its last use fails once and is replaced):
    not the library's ten attempts 0.2 s apart, so that /health answers within a fraction of a second while a
    store is down (its pool then fails fast: contest/pgstore.py)."""
    datastore: Any = store.recorder.datastore  # type: ignore[attr-defined]
    for attempt in (1, 2):
        try:
            with datastore.get_connection() as conn, conn.cursor(row_factory=tuple_row) as curs:
                curs.execute(sql)
                row = curs.fetchone()
            assert row is not None
            return tuple(row)
        except STORE_ERRORS:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _head(store: EventStore) -> int:
    """The position of the last event (as EventStore.event_count, in the attempts of `_row`)."""
    recorder: Any = store.recorder
    table = f'"{recorder.datastore.schema}"."{recorder.events_table_name}"'
    return int(_row(store, f"SELECT coalesce(max(notification_id), 0) FROM {table}")[0])


@dataclass(frozen=True)
class ReplicaLag:
    primary: str  # ok | down
    replica: str  # ok | down | not_a_replica
    lag_bytes: int | None = None
    lag_seconds: float | None = None
    primary_lsn: str | None = None
    replay_lsn: str | None = None
    receive_lsn: str | None = None
    last_replayed_at: datetime | None = None
    primary_events: int | None = None
    replica_events: int | None = None

    @property
    def status(self) -> str:
        """ok (both answer), degraded (one of them does not), down (neither)."""
        if self.primary == UP and self.replica == UP:
            return "ok"
        return "down" if self.primary == DOWN and self.replica == DOWN else "degraded"

    def public(self) -> dict[str, Any]:
        """What /health shows everyone: which part answers and the lag, no position (D10: no turnout)."""
        return {"status": self.status, "primary": self.primary,
                "replica": {"status": self.replica, "lag_bytes": self.lag_bytes, "lag_seconds": self.lag_seconds}}

    def details(self) -> dict[str, Any]:
        """The operators' view (/health/details): the WAL locations and the positions too."""
        events_lag = (max(0, self.primary_events - self.replica_events)
                      if self.primary_events is not None and self.replica_events is not None else None)
        return {"status": self.replica, "lag_bytes": self.lag_bytes, "lag_seconds": self.lag_seconds,
                "primary_lsn": self.primary_lsn, "replay_lsn": self.replay_lsn, "receive_lsn": self.receive_lsn,
                "last_replayed_at": self.last_replayed_at, "events": self.replica_events, "events_lag": events_lag}


def replica_lag(primary: EventStore, replica: EventStore) -> ReplicaLag:
    """Ask both (the primary first, so that a replay in between only makes the lag look smaller, never negative:
    it is clamped at 0)."""
    primary_lsn: str | None = None
    primary_events: int | None = None
    try:
        primary_lsn = str(_row(primary, "SELECT pg_current_wal_flush_lsn()::text")[0])
        primary_events = _head(primary)
    except STORE_ERRORS:
        primary_lsn = None
    primary_state = UP if primary_lsn is not None else DOWN
    try:
        in_recovery, replay, receive, replayed_at, age = _row(
            replica, "SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn()::text, pg_last_wal_receive_lsn()::text, "
                     "pg_last_xact_replay_timestamp(), "
                     "extract(epoch FROM clock_timestamp() - pg_last_xact_replay_timestamp())::float8")
        replica_events = _head(replica)
    except STORE_ERRORS:
        return ReplicaLag(primary=primary_state, replica=DOWN, primary_lsn=primary_lsn,
                          primary_events=primary_events)
    if not in_recovery:
        return ReplicaLag(primary=primary_state, replica=NOT_A_REPLICA, primary_lsn=primary_lsn,
                          primary_events=primary_events, replica_events=replica_events)
    lag_bytes: int | None = None
    lag_seconds: float | None = None
    if primary_lsn is not None and replay is not None:
        lag_bytes = max(0, lsn_bytes(primary_lsn) - lsn_bytes(replay))
        lag_seconds = 0.0 if lag_bytes == 0 else (round(max(0.0, age), 3) if age is not None else None)
    return ReplicaLag(primary=primary_state, replica=UP, lag_bytes=lag_bytes, lag_seconds=lag_seconds,
                      primary_lsn=primary_lsn, replay_lsn=replay, receive_lsn=receive, last_replayed_at=replayed_at,
                      primary_events=primary_events, replica_events=replica_events)
