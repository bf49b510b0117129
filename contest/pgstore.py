"""The PostgreSQL store, made to ride out a database restart (store faults).

The eventsourcing library's PostgreSQL recorder works through a psycopg connection pool and retries each store
call ten times, 0.2 s apart. Two defaults of that pool made a database restart an outage of minutes, measured on a
throwaway cluster stopped with `pg_ctl -m immediate` (tests/e2e/test_store_faults.py):

* while the server is down, each attempt waited the whole pool timeout (5 s) for a connection that could not
  come, so one store call took 10 x 5 s = 50 s and gunicorn killed the worker (30 s) instead of answering 503;
* the pool reconnects with an exponential backoff (1, 2, 4, 8 ... s), so after the server came back the service
  kept failing long after (82 s measured after a 2.6-minute outage).

`RecoveringPool` fixes both: once a connection attempt or an idle connection's pre-ping has failed, callers wait
at most `DOWN_WAIT` for a connection (so the library's ten attempts end within about 2 s and the API answers 503
with Retry-After), and reconnection is tried at least every `RECONNECT_EVERY`, so the service takes requests again
within half a second of the server's return. The library's retries still ride out a blip shorter than ~2 s.

Pre-ping (POSTGRES_PRE_PING=y) only checks a connection that has been idle in the pool longer than
`PING_AFTER_IDLE` (1 s). A ping per checkout was a round trip per store call, as long as the vote's insert itself
on a loaded machine; under load every connection is reused within milliseconds, so none is pinged now. An outage
is still found at once: a connection that died in use or within the last second fails on its next statement,
psycopg marks it broken, the pool discards it and tries to connect (a failed attempt sets `down_since`, as a failed
ping did), and the library's retries carry the call to another connection or, while the server is down, to the
503 above. After a quiet second, a connection is pinged before use as before, so a server restarted while the
service was idle costs no failed request. A call that fails on a dead connection either never reached the server
or was rolled back by its crash, so the retry stores nothing twice; the one exception, a commit whose
acknowledgement the crash lost, is the same with or without a ping (docs/RELIABILITY.md).

It overrides methods of psycopg_pool's ConnectionPool that are not public API; if an upgrade renames them, the
factory keeps the library's pool unchanged (`COMPATIBLE`, checked by tests/e2e/test_store_faults.py) rather than fail.
"""

from __future__ import annotations

from collections.abc import Sequence
from time import monotonic
from typing import Any

import psycopg
import psycopg_pool
from eventsourcing.persistence import InterfaceError, OperationalError, StoredEvent
from eventsourcing.postgres import ConnectionPool, PostgresApplicationRecorder, PostgresDatastore, PostgresFactory
from eventsourcing.utils import retry
from psycopg import Cursor
from psycopg.rows import DictRow
from psycopg.sql import SQL, Identifier, Literal
from psycopg_pool.base import AttemptWithBackoff

from contest.group_commit import GroupCommit, Save
from contest.guard import CHANGED_SQLSTATE, AggregateChanged, grouped, unchanged_of
from contest.pgarrays import BigintArray, ByteaArray, IntArray, TextArray, UuidArray

DOWN_WAIT = 0.05  # seconds a caller waits for a connection while the server is known to be down
RECONNECT_EVERY = 0.5  # the longest pause between two reconnection attempts
PING_AFTER_IDLE = 1.0  # a connection idle longer than this is pinged before it is handed out; others are not
OVERRIDDEN = ("_connect", "_add_connection", "_getconn_with_check_loop", "_getconn_unchecked", "_check_connection",
              "_putconn", "_add_to_pool", "_get_ready_connection")
COMPATIBLE = all(callable(getattr(psycopg_pool.ConnectionPool, name, None)) for name in OVERRIDDEN)


class _CappedBackoff(AttemptWithBackoff):
    INITIAL_DELAY = 0.1

    def update_delay(self, now: float) -> None:
        super().update_delay(now)
        self.delay = min(self.delay, RECONNECT_EVERY)


class RecoveringPool(ConnectionPool[Any]):
    """The library's pool, failing fast while the server is down and reconnecting promptly when it is back."""

    down_since: float = 0.0  # monotonic time of the first failed connection attempt; 0 while connections work
    ping_after_idle: float = PING_AFTER_IDLE

    def _connect(self, timeout: float | None = None) -> Any:
        try:
            conn = super()._connect(timeout=timeout)
        except Exception:
            if not self.down_since:
                self.down_since = monotonic()
            raise
        self.down_since = 0.0
        return conn

    def _add_connection(self, attempt: AttemptWithBackoff | None, growing: bool = False) -> None:
        super()._add_connection(attempt or _CappedBackoff(timeout=self.reconnect_timeout), growing)

    def getconn(self, timeout: float | None = None) -> Any:
        if self.down_since:
            timeout = min(self.timeout if timeout is None else timeout, DOWN_WAIT)
        return super().getconn(timeout)

    def _get_ready_connection(self, timeout: float | None) -> Any:
        # The connection given back last, not the one idle longest (psycopg_pool's deque is first in, first out):
        # the server process of a connection that has just run is still in the CPU's caches, and the connections
        # the load does not need stay idle, the first closed when the pool shrinks. Taking the pool's connections
        # in turn, a call of the vote's batch (two votes) cost the client 190-200 us of CPU and 560 us of wall
        # time; taking the last one given back, 100-110 us and 400 us (bench/pg_insert_cost.py).
        if self._pool and (timeout is None or timeout > 0.0):  # else the library's: a timeout, or none ready
            conn = self._pool.pop()
            self._nconns_min = min(self._nconns_min, len(self._pool))
            return conn
        return super()._get_ready_connection(timeout)

    def _add_to_pool(self, conn: Any) -> None:
        conn._contest_idle_since = monotonic()  # it becomes idle now (or goes straight to a waiting caller)
        super()._add_to_pool(conn)

    def _check_connection(self, conn: Any) -> None:
        # The pre-ping is a round trip of its own before every store call: under a vote load it cost as much as
        # the insert itself (docs/BENCHMARKS.md). A connection given back moments ago is handed out unchecked; if
        # it died meanwhile, its statement fails, psycopg marks it broken, the pool discards and replaces it, and
        # the library retries the call on another connection (10 attempts, 0.2 s apart).
        if monotonic() - getattr(conn, "_contest_idle_since", 0.0) < self.ping_after_idle:
            return
        super()._check_connection(conn)

    def _getconn_with_check_loop(self, deadline: float) -> Any:
        # psycopg_pool's loop sleeps 1, 2, 4 ... s after each idle connection that fails its pre-ping and waits
        # until the caller's whole deadline; after a server crash every idle connection is dead, so the first
        # request took the whole pool timeout. Here a failed check discards the connection and shortens the wait.
        while True:
            conn = self._getconn_unchecked(deadline - monotonic())
            try:
                self._check_connection(conn)
            except Exception:
                self._putconn(conn, from_getconn=True)
                deadline = min(deadline, monotonic() + DOWN_WAIT)
                continue
            except BaseException:  # interrupted: give the connection back, do not try again
                self._putconn(conn, from_getconn=True)
                raise
            return conn


class StartsDownDatastore(PostgresDatastore):
    """The library's datastore, which can also be opened while its server is down (DEFER_TYPES=y, with
    CREATE_TABLE=n): a web worker of a service with a read replica starting while the primary is down
    (api/wsgi.py). The library fetches the composite type of the events' insert from the server when a recorder is
    made; deferred, the first insert fetches it (LockedInsertRecorder.insert_events), and nothing else needs it."""

    defer_types = False

    def register_type_adapters(self) -> None:
        if not self.defer_types:
            super().register_type_adapters()


class LockedInsertRecorder(PostgresApplicationRecorder):
    """The library's application recorder, inserting in ONE round trip with the library's ordering guarantee.

    The library's insert is a transaction of its own, pipelined: BEGIN, SET LOCAL lock_timeout, LOCK TABLE ... IN
    EXCLUSIVE MODE, NOTIFY, INSERT ... RETURNING, COMMIT. The table lock serialises every transaction that inserts
    events, so notification ids are committed in the order they are issued and a reader tailing the log never
    passes a gap that a later commit fills. Even pipelined, the client waits for the INSERT's result (to surface a
    duplicate key) and then for the COMMIT: two round trips, both while holding the table lock, which caps the
    whole service's inserts (docs/SCALING.md).

    Here the same statements run inside one PL/pgSQL function (`<events table>_insert`, created with the table),
    called in autocommit: the call is its own transaction, so the table lock is taken inside it and held until
    its commit, exactly as before, and the client makes one round trip. The library has a function path of its
    own (POSTGRES_ENABLE_DB_FUNCTIONS, es_insert_events_uuid), but its function does not take the table lock, so
    it would drop the guarantee; it is not used. A duplicate (originator_id, originator_version) raises
    unique_violation inside the function, which psycopg and the library's datastore turn into
    eventsourcing.persistence.IntegrityError as before (one vote per resident, D10)."""

    def __init__(self, datastore: PostgresDatastore, *, events_table_name: str = "stored_events") -> None:
        super().__init__(datastore, events_table_name=events_table_name)
        self.insert_function_name = f"{events_table_name}_insert"
        self.check_identifier_length(self.insert_function_name)
        schema, table = Identifier(self.datastore.schema), Identifier(self.events_table_name)
        function = Identifier(self.insert_function_name)
        # The body's statements are those of the library's insert transaction (_insert_stored_events), in order,
        # with the condition of a conditional save (contest/guard.py) checked once the lock is held: every insert
        # of an event takes that lock and holds it to its commit, and in READ COMMITTED each statement of a
        # (volatile) function reads a fresh snapshot, so the check sees every event committed before this one.
        # "No event above the version" is looked up as "no event at version + 1" (guard.py: versions have no
        # gaps): one probe of the primary key. A range condition was measured 20% slower per insert here (its
        # cached generic plan, made while the table was small, did not use the key).
        self.sql_create_statements.append(SQL(
            "CREATE OR REPLACE FUNCTION {schema}.{function}("
            "events {schema}.{event_type}[], unchanged_id {id_type}, unchanged_version bigint) "
            "RETURNS SETOF bigint LANGUAGE plpgsql AS $BODY$ "
            "BEGIN "
            "SET LOCAL lock_timeout = '{lock_timeout}s'; "
            "LOCK TABLE {schema}.{table} IN EXCLUSIVE MODE; "
            "IF unchanged_id IS NOT NULL AND EXISTS (SELECT FROM {schema}.{table} "
            "WHERE originator_id = unchanged_id AND originator_version = unchanged_version + 1) THEN "
            "RAISE EXCEPTION 'aggregate % has changed after version %', unchanged_id, unchanged_version "
            "USING ERRCODE = {changed}; "
            "END IF; "
            "NOTIFY {channel}; "
            "RETURN QUERY INSERT INTO {schema}.{table} (originator_id, originator_version, topic, state) "
            "SELECT originator_id, originator_version, topic, state FROM unnest(events) "
            "RETURNING notification_id; "
            "END; $BODY$"
        ).format(schema=schema, function=function, event_type=Identifier(self.stored_event_type_name),
                 id_type=Identifier(self.datastore.originator_id_type), lock_timeout=self.datastore.lock_timeout,
                 table=table, changed=Literal(CHANGED_SQLSTATE), channel=Identifier(self.channel_name)))
        self.insert_call = SQL("SELECT id FROM {schema}.{function}(%s, %s, %s) AS id").format(schema=schema,
                                                                                             function=function)
        # The group commit's batch (contest/group_commit.py): the same lock and check once for the whole batch,
        # then every save's rows but those of a save with a row already stored (a duplicate: that save alone is
        # left out, found with the lock held, so nothing can store it meanwhile; the group commit never puts two
        # saves sharing a key in one batch), in the order given; each inserted row's save index and id.
        # No ON CONFLICT and no savepoint per save: a save of two rows (a vote and its address claim, D15) is
        # all or nothing, and one transaction with hundreds of subtransactions would overflow every backend's
        # subtransaction cache (docs/BENCHMARKS.md). No NOTIFY: nothing in the service listens (projections and
        # read models pull the log), and a transaction that notifies takes, at its commit, a lock of the whole
        # database held through the WAL flush, which made every vote batch wait for the commits of every other
        # notifying transaction in the database (measured: 1,000 against 1,100-1,500 rows/s, docs/BENCHMARKS.md).
        # The rows come as one array per column, sent in binary (no composite's text to build and parse, the
        # state's bytes as they are). The stored rows are looked up one primary-key probe per given row (LATERAL
        # ... LIMIT 1): joined, the plan cached in each connection while the table was small (a new store) kept
        # scanning the whole table under the lock, a scan that grew with every vote (docs/BENCHMARKS.md).
        # The function's statements run on their generic plans (plan_cache_mode, for this transaction only): with
        # arrays for parameters PL/pgSQL's default kept planning the insert afresh at every call, which cost half
        # the server's CPU of a batch (0.33 against 0.16 ms for a batch of one, bench/pg_insert_cost.py); the
        # generic plan probes the primary key even when made on an empty table (no statistics yet).
        self.insert_batch_function_name = f"{events_table_name}_insert_batch"
        self.check_identifier_length(self.insert_batch_function_name)
        batch_function = Identifier(self.insert_batch_function_name)
        id_type = Identifier(self.datastore.originator_id_type)
        self.sql_create_statements.append(SQL(
            "CREATE OR REPLACE FUNCTION {schema}.{function}("
            "ids {id_type}[], versions bigint[], topics text[], states bytea[], saves int[], "
            "unchanged_id {id_type}, unchanged_version bigint) "
            "RETURNS TABLE (out_save int, out_id bigint) LANGUAGE plpgsql AS $BODY$ "
            "BEGIN "
            "SET LOCAL lock_timeout = '{lock_timeout}s'; "
            "SET LOCAL plan_cache_mode = force_generic_plan; "
            "LOCK TABLE {schema}.{table} IN EXCLUSIVE MODE; "
            "IF unchanged_id IS NOT NULL AND EXISTS (SELECT FROM {schema}.{table} t "
            "WHERE t.originator_id = unchanged_id AND t.originator_version = unchanged_version + 1) THEN "
            "RAISE EXCEPTION 'aggregate % has changed after version %', unchanged_id, unchanged_version "
            "USING ERRCODE = {changed}; "
            "END IF; "
            "RETURN QUERY WITH given AS ("
            "SELECT g.originator_id, g.originator_version, g.topic, g.state, g.save, g.n "
            "FROM unnest(ids, versions, topics, states, saves) WITH ORDINALITY "
            "AS g(originator_id, originator_version, topic, state, save, n)"
            "), taken AS ("
            "SELECT DISTINCT g.save FROM given g CROSS JOIN LATERAL (SELECT FROM {schema}.{table} t "
            "WHERE t.originator_id = g.originator_id AND t.originator_version = g.originator_version LIMIT 1) k"
            "), inserted AS ("
            "INSERT INTO {schema}.{table} (originator_id, originator_version, topic, state) "
            "SELECT g.originator_id, g.originator_version, g.topic, g.state FROM given g "
            "WHERE NOT EXISTS (SELECT FROM taken k WHERE k.save = g.save) ORDER BY g.n "
            "RETURNING originator_id, originator_version, notification_id"
            ") SELECT g.save, i.notification_id FROM inserted i JOIN given g "
            "ON g.originator_id = i.originator_id AND g.originator_version = i.originator_version; "
            "END; $BODY$"
        ).format(schema=schema, function=batch_function, id_type=id_type, lock_timeout=self.datastore.lock_timeout,
                 table=table, changed=Literal(CHANGED_SQLSTATE)))
        # Rendered once: psycopg renders a composed query again at every execute.
        self.insert_batch_call = SQL(
            "SELECT out_save, out_id FROM {schema}.{function}(%b::{id_type}[], %b::bigint[], %b::text[], "
            "%b::bytea[], %b::int[], %s, %s)").format(schema=schema, function=batch_function,
                                                     id_type=id_type).as_string()
        self._uuid_ids = self.datastore.originator_id_type == "uuid"
        self.group_commit = GroupCommit(self.write_batch)  # its writer thread starts with the first grouped save

    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        """`unchanged=(aggregate id, version)` (contest/guard.py): store nothing and raise AggregateChanged if
        that aggregate has an event above that version when the lock is held. `group=True`: written by the
        process's group commit (contest/group_commit.py), in one transaction with the saves arriving with it."""
        if not stored_events:
            return None
        if grouped(kwargs):
            return self.group_commit.submit(stored_events, unchanged_of(kwargs))
        return self._insert_alone(stored_events, unchanged_of(kwargs))

    def _types_ready(self) -> None:
        if self.stored_event_type_name not in self.datastore.psycopg_python_types:  # not fetched at the start
            PostgresDatastore.register_type_adapters(self.datastore)  # raising while the server is down

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def _insert_alone(self, stored_events: Sequence[StoredEvent], unchanged: tuple[Any, int] | None
                      ) -> Sequence[int]:
        self._types_ready()
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            assert conn.autocommit  # the call is its own transaction: the lock is held until its commit
            self._call_insert(curs, stored_events, unchanged)
            return [row["id"] for row in curs.fetchall()]

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def write_batch(self, batch: Sequence[Save], unchanged: tuple[Any, int] | None) -> None:
        """One call of the batch function, its own transaction (contest/group_commit.py WriteBatch)."""
        ids: list[Any] = []
        versions: list[int] = []
        topics: list[str] = []
        states: list[bytes] = []
        saves: list[int] = []
        for i, save in enumerate(batch):
            for e in save.events:
                ids.append(e.originator_id)
                versions.append(e.originator_version)
                topics.append(e.topic)
                states.append(e.state)
                saves.append(i)
        unchanged_id, unchanged_version = unchanged or (None, None)
        # each column packed as its array's binary value at once (contest/pgarrays.py)
        params = (UuidArray.of_ids(ids) if self._uuid_ids else TextArray.of_text(map(str, ids)),
                  BigintArray.of_ints(versions), TextArray.of_text(topics), ByteaArray.of(states),
                  IntArray.of_ints(saves), unchanged_id, unchanged_version)
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            assert conn.autocommit
            try:
                curs.execute(self.insert_batch_call, params, prepare=True)
            except psycopg.Error as e:
                if e.sqlstate == CHANGED_SQLSTATE and unchanged is not None:
                    raise AggregateChanged(*unchanged) from None
                raise
            rows = curs.fetchall()
        found: list[list[int]] = [[] for _ in batch]
        for row in rows:
            found[row["out_save"]].append(row["out_id"])
        for save, mine in zip(batch, found, strict=True):
            if mine:
                save.ids = sorted(mine)
            else:
                save.duplicate()

    def _call_insert(self, curs: Cursor[DictRow], stored_events: Sequence[StoredEvent],
                     unchanged: tuple[Any, int] | None = None) -> None:
        events = [self.construct_pg_stored_event(e.originator_id, e.originator_version, e.topic, e.state)
                  for e in stored_events]
        unchanged_id, unchanged_version = unchanged or (None, None)
        try:
            curs.execute(self.insert_call, (events, unchanged_id, unchanged_version), prepare=True)
        except psycopg.Error as e:
            if e.sqlstate == CHANGED_SQLSTATE and unchanged is not None:
                raise AggregateChanged(*unchanged) from None
            raise

# Any constant: the key of the advisory lock that serialises creating the tables (pg_advisory_xact_lock).
SCHEMA_LOCK_KEY = 0x636F6E74657374  # "contest"


class RecoveringFactory(PostgresFactory):
    """`PERSISTENCE_MODULE` for the PostgreSQL store (contest/settings.py): the library's factory with the pool
    above, the one-round-trip insert of LockedInsertRecorder, and tables created one process at a time.

    Every gunicorn worker opens the store when it boots, and the library creates its tables, indexes and functions
    with `CREATE ... IF NOT EXISTS` / `CREATE OR REPLACE`, which PostgreSQL does not make safe against each other:
    two workers booting at once on a new store (or replacing the same function) fail with "tuple concurrently
    updated" or a duplicate key in the catalogue, the worker dies and gunicorn resets its connections (seen in CI:
    tests/e2e/test_vote_concurrency.py, tests/e2e/test_crash.py). The creation is therefore done under an advisory lock,
    held by a connection of its own until the tables exist (the insert function included)."""

    application_recorder_class = LockedInsertRecorder

    def __init__(self, env: Any) -> None:
        super().__init__(env)
        datastore: PostgresDatastore = self.datastore
        # The pool is built, not yet opened, by the library's datastore; it only gains the behaviour above.
        if COMPATIBLE:
            datastore.pool.__class__ = RecoveringPool
        datastore.__class__ = StartsDownDatastore
        datastore.defer_types = self.env.get("DEFER_TYPES", "n").lower() in ("y", "yes", "1", "true")

    def env_create_table(self) -> bool:
        return False  # each recorder's tables are made by _created, under the lock

    def _created(self, recorder: Any) -> Any:
        if not super().env_create_table():
            return recorder
        with self.datastore.get_connection() as conn, conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (SCHEMA_LOCK_KEY,))
            recorder.create_table()
        return recorder

    def aggregate_recorder(self, purpose: str = "events") -> Any:
        return self._created(super().aggregate_recorder(purpose))

    def application_recorder(self) -> Any:
        return self._created(super().application_recorder())

    def tracking_recorder(self, tracking_recorder_class: Any = None) -> Any:
        return self._created(super().tracking_recorder(tracking_recorder_class))

    def process_recorder(self) -> Any:
        return self._created(super().process_recorder())
