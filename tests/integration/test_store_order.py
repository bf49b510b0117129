"""The store's insert keeps the library's guarantees (contest/pgstore.py: LockedInsertRecorder does the PostgreSQL
insert in one round trip): notification ids are committed in the order they are issued, so a reader tailing the
log never passes a gap that a later commit fills (the projector and every web worker's read models tail it, and
the audit export is that order: RULES.md "Audit"); a duplicate (aggregate id, version) is still the library's
IntegrityError, on which one vote per resident rests (§4.6.6, D10)."""

from __future__ import annotations

import threading
from typing import Any

import psycopg
import pytest
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError, StoredEvent

from contest.pgstore import LockedInsertRecorder
from contest.store import EventStore
from tests.support.reliability import wait_for

INSERTERS = 4
SAVES = 120


def stored(store: EventStore, *aggregates: Aggregate) -> list[StoredEvent]:
    return [store.mapper.to_stored_event(e) for a in aggregates for e in a.collect_events()]


def test_concurrent_inserters_and_a_tailing_reader_never_see_a_gap_filled_later(store_url: str) -> None:
    """Four writers (each its own store instance: its own connections) save single and paired aggregates while a
    reader tails the log the way the read models do (from the last position it saw). Every id the log ends with
    must have been seen by the reader in order: an id committed after a higher one would have been passed over."""
    stores = [EventStore(store_url) for _ in range(INSERTERS + 1)]
    reader, writers = stores[0], stores[1:]
    done = threading.Event()
    seen: list[int] = []
    errors: list[BaseException] = []

    def write(store: EventStore, n: int) -> None:
        try:
            for i in range(SAVES):
                store.save(*[Aggregate() for _ in range(1 + (i + n) % 2)])
        except BaseException as e:  # reported below
            errors.append(e)

    def tail() -> None:
        last = 0
        try:
            while True:
                finished = done.is_set()  # read before the batch: the last pass sees every commit
                rows = reader.recorder.select_notifications(start=last + 1, limit=50)
                seen.extend(r.id for r in rows)
                last = rows[-1].id if rows else last
                if finished and not rows:
                    return
        except BaseException as e:
            errors.append(e)

    try:
        tailer = threading.Thread(target=tail)
        threads = [threading.Thread(target=write, args=(s, n)) for n, s in enumerate(writers)]
        tailer.start()
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        done.set()
        tailer.join(timeout=60)
        assert not errors, errors
        every = [n.id for n in reader.notifications()]
        assert len(every) == INSERTERS * SAVES * 3 // 2
        assert seen == every  # in order, none passed over
    finally:
        for s in stores:
            s.close()


def test_the_postgres_insert_holds_the_table_lock_until_its_commit(pg_store_url: str) -> None:
    """One transaction has taken an id through the insert function and not committed: another insert waits for it
    (on the table lock) instead of taking the next id and committing first, and readers see neither until the
    first commits. Without the lock the second would commit id n+1 while n is still invisible."""
    first, second, reader = EventStore(pg_store_url), EventStore(pg_store_url), EventStore(pg_store_url)
    recorder = first.recorder
    assert isinstance(recorder, LockedInsertRecorder)
    schema = psycopg.sql.Identifier(recorder.datastore.schema)
    table = psycopg.sql.Identifier(recorder.events_table_name)
    first.save(Aggregate())  # the tables exist, the head is 1
    later: list[Any] = []
    try:
        with recorder.datastore.get_connection() as conn, conn.transaction(), conn.cursor() as curs:
            recorder._call_insert(curs, stored(first, Aggregate()))
            held = curs.fetchall()[0]["id"]
            waiter = threading.Thread(target=lambda: later.append(second.save(Aggregate())[0].notification.id))
            waiter.start()
            with psycopg.connect(pg_store_url.split("?")[0], autocommit=True) as watch:
                waiting = psycopg.sql.SQL("SELECT count(*) FROM pg_locks WHERE NOT granted AND relation = "
                                          "to_regclass({}::text)").format(
                    psycopg.sql.Literal(psycopg.sql.SQL(".").join([schema, table]).as_string(watch)))

                def blocked() -> bool:
                    row = watch.execute(waiting).fetchone()
                    return bool(row and row[0] == 1)

                wait_for(blocked, 10, "the second insert to wait for the table lock")
            assert waiter.is_alive() and not later
            assert reader.recorder.max_notification_id() == 1  # the held id is not visible yet
        waiter.join(timeout=10)
        assert later and later[0] > held
        assert [n.id for n in reader.notifications()] == [1, held, later[0]]
    finally:
        for s in (first, second, reader):
            s.close()


def test_a_duplicate_event_is_the_librarys_integrity_error_and_stores_nothing(store_url: str) -> None:
    store = EventStore(store_url)
    try:
        a = Aggregate()
        store.save(a)
        copy_one, copy_two = store.repository.get(a.id), store.repository.get(a.id)
        copy_one.trigger_event(Aggregate.Event)
        copy_two.trigger_event(Aggregate.Event)
        store.save(copy_one)
        head = store.event_count()
        with pytest.raises(IntegrityError):
            store.save(copy_two, Aggregate())  # one transaction: the new aggregate is not stored either
        assert store.event_count() == head
        assert len(list(store.notifications())) == 2
    finally:
        store.close()
