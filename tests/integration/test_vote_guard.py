"""A vote always sees the current window (§4.6.6) and eligibility (D10), though it no longer reads the contest
before its insert: each web worker decides votes on its cached contest, and the store refuses the insert if the
contest has changed since that version, checked inside the insert's own transaction under the lock every event
insert takes (contest/guard.py, contest/sqlitestore.py, contest/pgstore.py); the vote is then decided again on the
current contest (contest/round2.py: Round2.cast_vote). Several service instances on one store stand for several
workers or hosts."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest
from eventsourcing.persistence import IntegrityError, StoredEvent
from flask.testing import FlaskClient

from contest.clock import FrozenClock
from contest.guard import AggregateChanged
from contest.pgstore import LockedInsertRecorder
from contest.residents import fake_personal_codes
from contest.service import ContestService
from contest.sqlitestore import GuardedSQLiteApplicationRecorder
from contest.store import EventStore
from domain.contest import Contest
from domain.errors import RuleViolation
from domain.identity import identify
from domain.vote import Vote
from tests.support.helpers import SEC, VOTE_DAY, another_instance
from tests.support.reliability import stored_votes, wait_for

THREADS = 4


def post_vote(client: FlaskClient, code: str, municipality: str = "LV-RIX", rating: int = 4) -> Any:
    return client.post("/api/contests/2024/votes",
                       json={"personal_code": code, "municipality": municipality, "rating": rating})


def cast(service: ContestService, contest: Contest, code: str) -> Vote:
    secrets = service.secrets()
    at = service.clock.now()
    identity = identify(code, verified="code", secret=secrets.voter, receipt_secret=secrets.receipt,
                        year=contest.year, today=contest.local_day(at))
    return Vote.cast(contest, identity=identity, municipality="LV-RIX", rating=3, comment=None, at=at)


def test_a_vote_decided_on_a_stale_contest_is_refused_once_another_instance_closed_the_window(
        store_url: str, service: ContestService, client: FlaskClient, clock: FrozenClock) -> None:
    clock.set(VOTE_DAY)
    first, second = fake_personal_codes(2, seed=71)
    assert post_vote(client, first).status_code == 201  # this worker now holds the contest, window open
    with another_instance(store_url, clock) as other:
        other.round2.close_window(2024, actor=SEC, reason="closed by the secretariat on another host")
    assert service.round2.gate.cached(2024).window_status != "closed"  # the vote is decided on a stale copy
    head = service.event_count()
    r = post_vote(client, second)
    assert r.status_code == 409, r.json
    assert r.json["rule"] == "§4.6.6" and r.json["details"]["status"] == "closed", r.json
    assert service.event_count() == head
    assert len(stored_votes(service.store)) == 1
    assert service.round2.gate.cached(2024).window_status == "closed"  # decided again on the current contest


def test_a_vote_the_stale_contest_would_refuse_is_taken_when_the_window_was_extended_elsewhere(
        store_url: str, service: ContestService, client: FlaskClient, clock: FrozenClock) -> None:
    """The refusal side: this worker's copy says the window closed at its first closing time, but another instance
    extended it (§4.6.6). The vote is taken: a refusal is only given on the current contest."""
    clock.set(datetime(2024, 9, 15, 12, 0, tzinfo=UTC))  # the last day of the 2024 window
    first, second, third = fake_personal_codes(3, seed=77)
    assert post_vote(client, first).status_code == 201  # this worker now holds the contest
    closes_at = service.round2.gate.cached(2024).window.closes_at
    with another_instance(store_url, clock) as other:
        other.round2.extend_window(2024, closes_at + timedelta(days=3), actor=SEC, reason="extended elsewhere")
    clock.set(closes_at + timedelta(days=1))
    assert service.round2.gate.cached(2024).window.closes_at == closes_at  # stale: would refuse
    r = post_vote(client, second)
    assert r.status_code == 201, r.json
    clock.set(closes_at + timedelta(days=4))  # past the new closing time: refused, on the current contest
    r = post_vote(client, third)
    assert r.status_code == 409 and r.json["rule"] == "§4.6.6", r.json
    assert len(stored_votes(service.store)) == 2


def test_queries_see_a_change_made_by_another_instance_at_once(store_url: str, service: ContestService,
                                                                client: FlaskClient, clock: FrozenClock) -> None:
    clock.set(VOTE_DAY)
    assert post_vote(client, fake_personal_codes(1, seed=72)[0]).status_code == 201
    assert client.get("/api/contests/2024/votes/results").status_code == 409  # not public while open (D10)
    with another_instance(store_url, clock) as other:
        other.round2.close_window(2024, actor=SEC, reason="closed elsewhere")
    r = client.get("/api/contests/2024/votes/results")
    assert r.status_code == 200 and r.json["final"] is True, r.json


def test_a_conditional_save_stores_nothing_once_the_contest_has_moved_on(service: ContestService,
                                                                         clock: FrozenClock) -> None:
    clock.set(VOTE_DAY)
    a, b = fake_personal_codes(2, seed=73)
    stale = service.contest(2024)
    votes = {name: cast(service, stale, code) for name, code in (("a", a), ("a again", a), ("a thrice", a),
                                                                  ("a fourth", a), ("b", b))}
    service.round2.close_window(2024, actor=SEC, reason="closed")
    fresh = service.contest(2024)
    assert fresh.version > stale.version
    head = service.event_count()
    with pytest.raises(AggregateChanged):
        service.store.save(votes["a"], unchanged=(stale.id, stale.version))
    assert service.event_count() == head and not stored_votes(service.store)
    service.store.save(votes["a again"], unchanged=(fresh.id, fresh.version))  # the condition holds: stored
    with pytest.raises(IntegrityError):  # one vote per resident (D10): the duplicate is the library's error
        service.store.save(votes["a thrice"], unchanged=(fresh.id, fresh.version))
    with pytest.raises(AggregateChanged):  # stale and duplicate: decided again first, as on either store
        service.store.save(votes["a fourth"], unchanged=(stale.id, stale.version))
    service.store.save(votes["b"])  # a save without a condition is the library's, unchanged
    assert len(stored_votes(service.store)) == 2


@contextmanager
def holding_an_uncommitted_insert(store: EventStore, events: list[StoredEvent]) -> Iterator[None]:
    """Insert through the store's own recorder in a transaction left open until the block ends (then committed):
    the insert's lock is held meanwhile, as by a slow writer."""
    recorder = store.recorder
    if isinstance(recorder, LockedInsertRecorder):
        with recorder.datastore.get_connection() as conn, conn.transaction(), conn.cursor() as curs:
            recorder._call_insert(curs, events)
            yield
    else:
        assert isinstance(recorder, GuardedSQLiteApplicationRecorder)
        with recorder.datastore.transaction(commit=True) as c:
            recorder._insert_events(c, events)
            yield


def lock_waiters(store_url: str) -> int:
    with psycopg.connect(store_url.split("?")[0], autocommit=True) as conn:
        row = conn.execute("SELECT count(*) FROM pg_locks WHERE NOT granted AND locktype = 'relation'").fetchone()
        return int(row[0]) if row else 0


def test_a_vote_waiting_behind_an_uncommitted_close_is_decided_again_after_it(
        store_url: str, service: ContestService, clock: FrozenClock) -> None:
    """The window's close is inserted and not yet committed when a vote decided on the open window reaches the
    store: the vote waits for the insert lock, then sees the close and is refused. A check made before taking the
    lock would have passed and stored the vote after the close."""
    clock.set(VOTE_DAY)
    first, second = fake_personal_codes(2, seed=74)
    service.round2.cast_vote(2024, personal_code=first, municipality="LV-RIX", rating=5)
    outcome: list[Any] = []

    def vote() -> None:
        try:
            outcome.append(service.round2.cast_vote(2024, personal_code=second, municipality="LV-RIX", rating=2))
        except RuleViolation as e:
            outcome.append(e)

    with another_instance(store_url, clock) as other:
        contest = other.contest(2024)
        through = other.store.event_count()
        contest.close_window(included_through=through, digest=other.audit.digest_through(through), actor=SEC,
                             at=clock.now(), reason="closed while a vote is on its way", manual=True)
        close = [other.store.mapper.to_stored_event(e) for e in contest.collect_events()]
        with holding_an_uncommitted_insert(other.store, close):
            voter = threading.Thread(target=vote)
            voter.start()
            if store_url.startswith("postgresql"):
                wait_for(lambda: lock_waiters(store_url) == 1, 10, "the vote to wait for the insert lock")
                assert not outcome
        voter.join(timeout=30)
    assert len(outcome) == 1 and isinstance(outcome[0], RuleViolation), outcome
    assert outcome[0].clause == "§4.6.6" and outcome[0].details["status"] == "closed"
    assert len(stored_votes(service.store)) == 1


def test_votes_racing_a_window_close_are_stored_before_it_or_refused(store_url: str, service: ContestService,
                                                                    clock: FrozenClock) -> None:
    """Four voting threads on two service instances (two workers) vote until refused; a third instance closes the
    window once 40 votes are in. Every taken vote is stored before the close in the log; every thread's first
    refusal is the closed window (§4.6.6), none is "kept changing"; nothing is stored that was not taken."""
    clock.set(VOTE_DAY)
    codes = fake_personal_codes(THREADS * 500, seed=75)
    taken: list[tuple[str, int]] = []
    refused: list[BaseException] = []
    with another_instance(store_url, clock) as worker, another_instance(store_url, clock) as closer:
        voters = [service, worker]
        for v in voters:
            v.round2.gate.cached(2024)

        def run(k: int) -> None:
            svc = voters[k % 2]
            try:
                for code in codes[k::THREADS]:
                    vote, position = svc.round2.cast_vote(2024, personal_code=code, municipality="LV-RIX",
                                                          rating=1 + k)
                    taken.append((vote.receipt, position))
            except BaseException as e:  # the first refusal ends the thread
                refused.append(e)

        threads = [threading.Thread(target=run, args=(k,)) for k in range(THREADS)]
        for t in threads:
            t.start()
        try:
            wait_for(lambda: len(taken) >= 40 or len(refused) > 0, 60, "40 votes taken")
            closer.round2.close_window(2024, actor=SEC, reason="closed during a vote storm")
        finally:
            for t in threads:
                t.join(timeout=60)
    assert len(refused) == THREADS, refused
    assert all(isinstance(e, RuleViolation) and e.clause == "§4.6.6" for e in refused), refused
    closed_at = max(n.id for n in service.store.notifications() if n.topic.endswith("VotingWindowClosed"))
    stored = {v.receipt for v in stored_votes(service.store)}
    assert stored == {receipt for receipt, _ in taken}
    assert all(position < closed_at for _, position in taken)


def test_a_vote_on_a_current_contest_reads_nothing_before_its_insert(service: ContestService, clock: FrozenClock,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """The point of the condition: one store call per vote (docs/BENCHMARKS.md). A counting wrapper around the
    real recorder's read of an aggregate's events."""
    clock.set(VOTE_DAY)
    codes = fake_personal_codes(4, seed=76)
    service.round2.cast_vote(2024, personal_code=codes[0], municipality="LV-RIX", rating=4)
    reads: list[Any] = []
    real = service.store.recorder.select_events

    def counted(*args: Any, **kwargs: Any) -> Any:
        reads.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(service.store.recorder, "select_events", counted)
    for code in codes[1:]:
        service.round2.cast_vote(2024, personal_code=code, municipality="LV-RIX", rating=4)
    assert reads == []
    assert len(stored_votes(service.store)) == 4
