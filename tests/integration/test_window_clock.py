"""The scheduler (§4.6.6): the clock opens and closes the vote window on time, exactly once, whatever happens:
frozen domain time at the window's edges, a restart, two clocks at once, a clock that was down, the DST night;
and the real APScheduler job doing it."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

from apscheduler.events import EVENT_JOB_EXECUTED

from contest.clock import FrozenClock
from contest.scheduler import WindowClock, make_scheduler
from contest.service import ContestService
from contest.store import EventStore
from domain.actors import Actor, system_actor
from tests.conftest import SECRETS

OPENS = datetime(2024, 7, 31, 21, 0, tzinfo=timezone.utc)
CLOSES = datetime(2024, 9, 15, 20, 59, 59, tzinfo=timezone.utc)
CLOCK = system_actor("clock")
SEC = Actor(role="secretariat", principal="Anna")


def window_events(service: ContestService) -> list[str]:
    names = [n.topic.rsplit(".", 1)[-1] for n in service.store.notifications()]
    return [n for n in names if n in ("VotingWindowOpened", "VotingWindowClosed", "VotingWindowExtended")]


def test_edges_one_second_before_and_after(service: ContestService, clock: FrozenClock) -> None:
    clock.set(OPENS - timedelta(seconds=1))
    assert service.round2.reconcile(2024, actor=CLOCK) == []
    clock.set(OPENS)
    assert service.round2.reconcile(2024, actor=CLOCK) == ["opened"]
    clock.set(CLOSES)
    assert service.round2.reconcile(2024, actor=CLOCK) == []  # 23:59:59 is still inside
    clock.set(CLOSES + timedelta(seconds=1))
    assert service.round2.reconcile(2024, actor=CLOCK) == ["closed"]
    assert window_events(service) == ["VotingWindowOpened", "VotingWindowClosed"]
    contest = service.contest(2024)
    assert contest.window.opens_at == OPENS and contest.window.closes_at == CLOSES


def test_restart_and_late_runs_record_nothing_twice(service: ContestService, clock: FrozenClock) -> None:
    clock.set(OPENS + timedelta(hours=10))  # the clock was down at 00:00 and starts at 10:00: it catches up
    assert service.round2.reconcile(2024, actor=CLOCK) == ["opened"]
    for _ in range(3):  # restarts and every-minute ticks
        assert service.round2.reconcile(2024, actor=CLOCK) == []
    assert window_events(service) == ["VotingWindowOpened"]


def test_a_clock_down_for_the_whole_window_closes_it(service: ContestService, clock: FrozenClock) -> None:
    clock.set(CLOSES + timedelta(days=1))
    assert service.round2.reconcile(2024, actor=CLOCK) == ["closed"]
    assert window_events(service) == ["VotingWindowClosed"]


def test_a_tick_reads_the_processs_copy_and_sees_another_processs_extension(store_url: str, service: ContestService,
                                                                           clock: FrozenClock) -> None:
    contest = service.contest(2024)
    assert [contest.window_due(at=at) for at in (OPENS - timedelta(seconds=1), OPENS, CLOSES)] == [False, True, True]
    clock.set(OPENS)
    assert service.round2.reconcile(2024, actor=CLOCK) == ["opened"]
    opened = service.contest(2024)
    assert [opened.window_due(at=at) for at in (OPENS, CLOSES, CLOSES + timedelta(seconds=1))] == [False, False, True]
    desk = ContestService(EventStore(store_url), clock, SECRETS)  # the secretariat's web process
    try:
        clock.set(CLOSES - timedelta(hours=1))
        assert service.round2.reconcile(2024, actor=CLOCK) == []  # the clock's copy is cached now
        desk.round2.extend_window(2024, CLOSES + timedelta(days=2), actor=SEC, reason="pieprasījums")
        clock.set(CLOSES + timedelta(seconds=1))
        assert service.round2.reconcile(2024, actor=CLOCK) == []  # the gate saw the extension: not closed
        clock.set(CLOSES + timedelta(days=2, seconds=1))
        assert service.round2.reconcile(2024, actor=CLOCK) == ["closed"]
    finally:
        desk.close()
    assert not service.contest(2024).window_due(at=CLOSES + timedelta(days=3))
    assert window_events(service) == ["VotingWindowOpened", "VotingWindowExtended", "VotingWindowClosed"]


def test_two_clocks_at_once_open_and_close_exactly_once(store_url: str, service: ContestService,
                                                        clock: FrozenClock) -> None:
    others = [ContestService(EventStore(store_url), clock, SECRETS) for _ in range(3)]
    try:
        for at, expected in ((OPENS + timedelta(seconds=5), "VotingWindowOpened"),
                             (CLOSES + timedelta(seconds=5), "VotingWindowClosed")):
            clock.set(at)
            barrier = threading.Barrier(len(others) + 1)
            results: list[list[str]] = []

            def tick(svc: ContestService, barrier: threading.Barrier, results: list[list[str]]) -> None:
                barrier.wait()
                results.append(svc.round2.reconcile(2024, actor=CLOCK))

            threads = [threading.Thread(target=tick, args=(s, barrier, results)) for s in [service, *others]]
            for t in threads:
                t.start()
            for t in threads:
                t.join(timeout=30)
            assert sum(len(r) for r in results) == 1, results
            assert window_events(service).count(expected) == 1
    finally:
        for o in others:
            o.close()


def test_the_autumn_dst_night_opens_and_closes_once(service: ContestService, clock: FrozenClock) -> None:
    """Europe/Riga leaves summer time on 27 Oct 2024 at 04:00 EEST -> 03:00 EET: 03:00-04:00 happens twice.
    A window from 02:30 local (23:30Z on the 26th) to 03:30 local *second* time (01:30Z) is given as UTC instants,
    and a clock ticking every five minutes through the night (on the window's own minutes too) records one opening
    and one closing."""
    service.configure(2024, "window", {"opens_at": "2024-10-26T23:30:00Z", "closes_at": "2024-10-27T01:30:00Z"},
                      reason="DST rehearsal", actor=SEC)
    t = datetime(2024, 10, 26, 22, 0, tzinfo=timezone.utc)
    while t <= datetime(2024, 10, 27, 3, 0, tzinfo=timezone.utc):
        clock.set(t)
        service.round2.reconcile(2024, actor=CLOCK)
        t += timedelta(minutes=5)
    assert window_events(service) == ["VotingWindowOpened", "VotingWindowClosed"]
    contest = service.contest(2024)
    # 03:15 local happens twice: first at 00:15Z (inside), then at 01:15Z (still inside, closes 01:30Z)
    assert contest.window.opens_at <= datetime(2024, 10, 27, 0, 15, tzinfo=timezone.utc) <= contest.window.closes_at
    assert contest.window.closes_at == datetime(2024, 10, 27, 1, 30, tzinfo=timezone.utc)


def test_secretariat_opens_early_extends_and_closes_with_reasons(service: ContestService,
                                                                  clock: FrozenClock) -> None:
    clock.set(OPENS - timedelta(hours=2))
    contest, changed = service.round2.open_window(2024, actor=SEC, reason="minister's launch event")
    assert changed and contest.window.opens_at == OPENS - timedelta(hours=2)
    assert service.round2.open_window(2024, actor=SEC, reason="again")[1] is False  # idempotent
    clock.set(CLOSES - timedelta(days=1))
    later = CLOSES + timedelta(days=2)
    assert service.round2.extend_window(2024, later, actor=SEC, reason="site outage").window.closes_at == later
    clock.set(CLOSES + timedelta(days=1))
    assert service.round2.reconcile(2024, actor=CLOCK) == []  # extended: still open
    contest, changed = service.round2.close_window(2024, actor=SEC, reason="council decision")
    assert changed and contest.window.closes_at == CLOSES + timedelta(days=1)
    assert window_events(service) == ["VotingWindowOpened", "VotingWindowExtended", "VotingWindowClosed"]


def test_the_real_scheduler_reconciles_at_start(service: ContestService, clock: FrozenClock) -> None:
    """APScheduler itself runs the job at start-up (next_run_time=now); the domain time is the frozen clock."""
    clock.set(OPENS + timedelta(minutes=3))
    ran = threading.Event()
    scheduler = make_scheduler(blocking=False)
    wclock = WindowClock(service, 2024, interval_seconds=60)
    wclock.attach(scheduler)
    scheduler.add_listener(lambda e: ran.set() if e.job_id == "reconcile" else None, EVENT_JOB_EXECUTED)
    scheduler.start()
    try:
        assert ran.wait(timeout=20)
    finally:
        scheduler.shutdown(wait=True)
    assert window_events(service) == ["VotingWindowOpened"]
    job_defaults = scheduler._job_defaults
    assert job_defaults["misfire_grace_time"] is None and job_defaults["coalesce"] is True
