"""Group commit of votes (contest/group_commit.py), on both stores: votes arriving together in a process are written
in one transaction, each caller answered only once it has committed, with its own result: a resident who has
voted is refused alone (409, §4.6.6, D10) and the others of the batch are stored; the contest-unchanged condition
(contest/guard.py) is checked once for the batch; a vote and its address claim (D15) are stored together or not at
all; the global order holds for readers tailing the log.

The batches are made to meet deterministically: the writer thread is held inside its first write until the other
votes are waiting (no sleep, no timing: the test waits for a state, then releases it)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import pytest
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError, StoredEvent

from contest.clock import FrozenClock
from contest.group_commit import GroupCommit, Save
from contest.guard import AggregateChanged
from contest.pgstore import LockedInsertRecorder
from contest.residents import fake_personal_codes
from contest.service import ContestService
from contest.store import EventStore
from contest.votes import AlreadyVoted
from tests.support.helpers import SEC, VOTE_DAY
from tests.support.reliability import stored_votes, wait_for


def stored(store: EventStore, *aggregates: Aggregate) -> list[StoredEvent]:
    return [store.mapper.to_stored_event(e) for a in aggregates for e in a.collect_events()]


@contextmanager
def held_writer(commit: GroupCommit) -> Iterator[tuple[threading.Event, threading.Event]]:
    """The group commit's writer held inside its next write (`entered` is set) until `release` is set."""
    release, entered = threading.Event(), threading.Event()
    real = commit._write

    def write(batch: Sequence[Save], unchanged: Any) -> None:
        if not release.is_set():
            entered.set()
            release.wait(60)
        real(batch, unchanged)

    commit._write = write
    try:
        yield entered, release
    finally:
        release.set()
        commit._write = real


def in_threads(calls: list[Callable[[], Any]]) -> tuple[list[threading.Thread], list[Any]]:
    results: list[Any] = [None] * len(calls)

    def run(i: int) -> None:
        try:
            results[i] = calls[i]()
        except BaseException as e:  # the outcome is the test's to check
            results[i] = e

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    return threads, results


def transactions_of(store: EventStore, positions: list[int]) -> int:
    """PostgreSQL: how many transactions wrote these rows (their xmin)."""
    recorder = store.recorder
    assert isinstance(recorder, LockedInsertRecorder)
    with recorder.datastore.get_connection() as conn:
        sql = (f'SELECT count(DISTINCT xmin::text) FROM "{recorder.datastore.schema}".'
               f'"{recorder.events_table_name}" WHERE notification_id = ANY(%s)')
        row = conn.execute(sql, (positions,)).fetchone()
    return int(row["count"])


def test_votes_arriving_together_are_one_transaction_and_a_repeat_is_refused_alone(
        service: ContestService, clock: FrozenClock) -> None:
    clock.set(VOTE_DAY)
    codes = fake_personal_codes(8, seed=5)
    first, voted, *fresh = codes
    service.round2.cast_vote(2024, personal_code=voted, municipality="LV-RIX", rating=4)
    commit = service.store.recorder.group_commit
    before = commit.batches

    def vote(code: str, municipality: str = "LV-VEN") -> Callable[[], Any]:
        return lambda: service.round2.cast_vote(2024, personal_code=code, municipality=municipality, rating=5)

    with held_writer(commit) as (entered, release):
        opener, _ = in_threads([vote(first)])  # the writer takes it and is held in its write
        assert entered.wait(30)
        # meanwhile: a resident who has voted, four new residents, one of them twice at once
        calls = [vote(voted), *(vote(c) for c in fresh[:4]), vote(fresh[0], "LV-RIX")]
        threads, results = in_threads(calls)
        wait_for(lambda: len(commit._waiting) == len(calls), 10, "every vote to wait for the writer")
        release.set()
    for t in [*opener, *threads]:
        t.join(30)
    assert isinstance(results[0], AlreadyVoted)  # 409 on its own ...
    assert not any(isinstance(r, BaseException) for r in results[2:5]), results  # ... the others are stored
    twice = [results[1], results[5]]  # the same resident twice at once: one is stored, the other refused (D10)
    assert sum(isinstance(r, AlreadyVoted) for r in twice) == 1, twice
    taken = [r for r in results[1:] if not isinstance(r, BaseException)]
    assert len(taken) == 4
    # batches: the held first vote, then the six that waited but the resident's second vote, which shares its
    # key with the first and waits for the next batch, where it is refused
    assert commit.batches - before == 3
    assert commit.largest >= 5
    votes = stored_votes(service.store)
    assert len(votes) == 6 and len({v.resident_key for v in votes}) == 6
    positions = sorted(p for _, p in taken)
    assert positions == list(range(positions[0], positions[0] + 4))  # in one run of the global order
    if isinstance(service.store.recorder, LockedInsertRecorder):
        assert transactions_of(service.store, positions) == 1  # one transaction: one lock, one WAL flush


def test_a_batch_on_a_changed_contest_stores_nothing_and_each_vote_is_decided_again(
        service: ContestService, clock: FrozenClock) -> None:
    """The condition is checked once for the batch: every save of it gets AggregateChanged, nothing is stored."""
    clock.set(VOTE_DAY)
    store = service.store
    service.round2.cast_vote(2024, personal_code=fake_personal_codes(1, seed=6)[0], municipality="LV-RIX", rating=3)
    stale = service.contest(2024)
    service.round2.close_window(2024, actor=SEC, reason="closed")
    head = store.event_count()
    batch = [Save(stored(store, Aggregate()), (stale.id, stale.version)) for _ in range(3)]
    store.recorder.group_commit.write(batch, (stale.id, stale.version))
    assert all(isinstance(s.error, AggregateChanged) and not s.ids for s in batch)
    assert store.event_count() == head
    fresh = service.contest(2024)
    batch = [Save(stored(store, Aggregate()), (fresh.id, fresh.version)) for _ in range(3)]
    store.recorder.group_commit.write(batch, (fresh.id, fresh.version))
    assert all(s.error is None and len(s.ids) == 1 for s in batch)
    assert store.event_count() == head + 3


def test_a_save_of_two_rows_is_stored_whole_or_not_at_all_within_a_batch(store_url: str) -> None:
    """A vote and its address claim (D15) are one save: an address claimed already refuses the vote too, alone."""
    store = EventStore(store_url)
    try:
        claimed = Aggregate()
        store.save(claimed)
        copy = store.repository.get(claimed.id)
        copy.trigger_event(Aggregate.Event)
        claim_row = stored(store, copy)  # version 2: free
        taken_row = [StoredEvent(claimed.id, 1, claim_row[0].topic, claim_row[0].state)]  # version 1: taken
        head = store.event_count()
        vote_refused, vote_taken, alone = Aggregate(), Aggregate(), Aggregate()
        batch = [Save([*stored(store, vote_refused), *taken_row], None),
                 Save([*stored(store, vote_taken), *claim_row], None),
                 Save(stored(store, alone), None)]
        store.recorder.group_commit.write(batch, None)
        assert isinstance(batch[0].error, IntegrityError) and not batch[0].ids
        assert batch[1].error is None and len(batch[1].ids) == 2 and batch[2].error is None
        ids = {n.originator_id for n in store.notifications(start=head + 1)}
        assert ids == {vote_taken.id, claimed.id, alone.id}  # the refused save's vote is not stored
        assert store.event_count() == head + 3
    finally:
        store.close()


def test_grouped_saves_from_many_threads_keep_the_global_order_for_a_tailing_reader(store_url: str) -> None:
    """Two stores (two processes' group commits), eight threads each, saving through the group commit while a
    reader tails the log: every id ends up seen, in order, none passed over."""
    stores = [EventStore(store_url) for _ in range(3)]
    reader, writers = stores[0], stores[1:]
    done = threading.Event()
    seen: list[int] = []
    errors: list[BaseException] = []
    saves = 40

    def write(store: EventStore) -> None:
        try:
            for i in range(saves):
                store.save(*[Aggregate() for _ in range(1 + i % 2)], group=True)
        except BaseException as e:  # reported below
            errors.append(e)

    def tail() -> None:
        last = 0
        while True:
            finished = done.is_set()
            rows = reader.recorder.select_notifications(start=last + 1, limit=50)
            seen.extend(r.id for r in rows)
            last = rows[-1].id if rows else last
            if finished and not rows:
                return

    try:
        tailer = threading.Thread(target=tail)
        tailer.start()
        threads = [threading.Thread(target=write, args=(s,)) for s in writers for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        done.set()
        tailer.join(60)
        assert not errors, errors
        every = [n.id for n in reader.notifications()]
        assert len(every) == 2 * 8 * saves * 3 // 2
        assert seen == every
    finally:
        for s in stores:
            s.close()


@pytest.mark.parametrize("failure", [RuntimeError("the store went away")])
def test_a_failed_batch_write_fails_each_of_its_saves_and_the_writer_goes_on(store_url: str,
                                                                            failure: Exception) -> None:
    store = EventStore(store_url)
    try:
        commit = store.recorder.group_commit
        real = commit._write

        def broken(batch: Sequence[Save], unchanged: Any) -> None:
            commit._write = real
            raise failure

        commit._write = broken
        with pytest.raises(RuntimeError):
            store.save(Aggregate(), group=True)
        assert store.event_count() == 0
        store.save(Aggregate(), group=True)  # the next batch is written
        assert store.event_count() == 1
    finally:
        store.close()
