"""The clock process (`clock:` in the Procfile): opens and closes the residents' vote window on time (§4.6.6), and
queues the reminders of missing round-2 ballots when they are due (§4.6.4, contest/outbox.py: REMINDER_BEFORE the
vote closes; queueing is idempotent, so every tick may ask).

APScheduler 3.11, one process, never inside the web workers. Every minute, and at start-up, it reconciles the
window with the time: open it if now is inside it, close it if now is past it. Both commands are idempotent
(they record nothing when there is nothing to do, and a concurrent clock's save makes the other one decide again
on fresh state), so two clocks, a restart or a late run never open or close twice, and a clock that was down at
the opening catches up when it starts. On top of the minute tick it plans one-off runs at the exact opening and
closing instants. All times are UTC instants: no cron in Europe/Riga (whose autumn DST night repeats an hour),
and misfire_grace_time=None so a run missed while the process was busy or down is never silently dropped.
"""

from __future__ import annotations

import logging
import signal
import threading
from datetime import datetime, timedelta, timezone
from typing import Any

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, JobExecutionEvent
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from contest.service import ContestService
from contest.settings_errors import SettingsError
from domain.actors import system_actor
from domain.errors import DomainError

log = logging.getLogger("contest.clock")

CLOCK = system_actor("clock")
JOB_DEFAULTS = {"coalesce": True, "max_instances": 1, "misfire_grace_time": None}


class WindowClock:
    """Reconciles one contest's vote window with the time, on a schedule."""

    def __init__(self, service: ContestService, year: int, *, interval_seconds: int = 60) -> None:
        self.service = service
        self.year = year
        self.interval_seconds = interval_seconds
        self.runs = 0

    def reconcile(self) -> list[str]:
        """One tick: returns what it did ("opened", "closed" or nothing). Store errors are logged, not raised:
        the next tick tries again."""
        self.runs += 1
        try:
            done = self.service.round2.reconcile(self.year, actor=CLOCK)
        except DomainError as e:
            log.warning("reconcile refused: %s", e)
            return []
        if done:
            log.info("vote window %s", " and ".join(done), extra={"year": self.year})
        self.remind()
        return done

    def remind(self) -> int:
        """Queue the ballot reminders that are due (§4.6.4); how many were queued. Refusals and missing settings
        are logged, not raised."""
        try:
            queued = self.service.notifications.queue_reminders(self.year, actor=CLOCK)
        except (DomainError, SettingsError) as e:
            log.warning("ballot reminders not queued: %s", e)
            return 0
        if queued:
            log.info("ballot reminders queued: %s", len(queued), extra={"year": self.year})
        return len(queued)

    def plan_edges(self, scheduler: BaseScheduler) -> None:
        """One-off runs at the window's exact instants as known at start-up (an extension made later is picked
        up by the minute tick; jobs never add jobs, which would deadlock a scheduler shutting down)."""
        contest = self.service.contest(self.year)
        now = self.service.clock.now()
        edges = {"at-opening": contest.window.opens_at,
                 "at-closing": contest.window.closes_at + timedelta(seconds=1)}
        for job_id, when in edges.items():
            if when > now and contest.window_status != "closed":
                scheduler.add_job(self.reconcile, DateTrigger(run_date=when, timezone=timezone.utc), id=job_id,
                                  replace_existing=True)

    def attach(self, scheduler: BaseScheduler, *, start_now: bool = True) -> BaseScheduler:
        self.plan_edges(scheduler)
        scheduler.add_job(self.reconcile, IntervalTrigger(seconds=self.interval_seconds, timezone=timezone.utc),
                          id="reconcile", replace_existing=True,
                          next_run_time=datetime.now(timezone.utc) if start_now else None)
        return scheduler


def make_scheduler(blocking: bool) -> BaseScheduler:
    cls: Any = BlockingScheduler if blocking else BackgroundScheduler
    return cls(timezone=timezone.utc, job_defaults=dict(JOB_DEFAULTS))


def run_clock(service: ContestService, year: int, *, interval_seconds: int = 60,
              stop: threading.Event | None = None) -> WindowClock:
    """Run until SIGTERM/SIGINT (or `stop` is set): graceful shutdown lets the running tick finish (its save is
    one transaction, so the window is opened or closed wholly or not at all) and then stops the scheduler.
    The signal handler only sets an event; the scheduler is shut down from the main thread, never from inside
    the handler, which may interrupt the scheduler holding its own locks."""
    clock = WindowClock(service, year, interval_seconds=interval_seconds)
    scheduler = make_scheduler(blocking=False)
    clock.attach(scheduler)

    def on_job(event: JobExecutionEvent) -> None:
        if event.exception is not None:
            log.error("clock job %s failed: %r", event.job_id, event.exception)

    scheduler.add_listener(on_job, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)
    stopping = stop or threading.Event()

    def on_signal(signum: int, _frame: Any) -> None:
        log.info("clock stopping on signal %s", signum)
        stopping.set()

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)
    log.info("clock started for contest %s (every %ss)", year, interval_seconds)
    scheduler.start()
    while not stopping.wait(1):
        pass
    scheduler.shutdown(wait=True)
    log.info("clock stopped after %s ticks; scheduler shut down", clock.runs)
    return clock
