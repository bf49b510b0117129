"""Shared parts of the reliability tests (crashes, store faults, graceful shutdown): a vote storm from
client threads, the checks that nothing acknowledged was lost and nothing half-written exists, the comparison of
persisted read models with a rebuild, and the JSON summary each test writes to test-artifacts/reliability/."""

from __future__ import annotations

import http.client
import json
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from eventsourcing.utils import get_topic

from contest.clock import SystemClock
from contest.projection_store import ProjectionStore
from contest.readmodels import ReadModels
from contest.service import ContestService
from contest.store import EventStore
from domain.actors import Actor, system_actor
from domain.vote import Vote
from projections.views import Views
from tests.conftest import SECRETS
from tests.support import ROOT
from tests.support.live import service_env, start_gunicorn, stop_group

ARTIFACTS = ROOT / "test-artifacts" / "reliability"
SEC = Actor(role="secretariat", principal="Anna")
VOTE_TOPIC = get_topic(Vote.Cast)


def write_summary(name: str, figures: dict[str, Any]) -> Path:
    """test-artifacts/reliability/<name>.json: the figures docs/RELIABILITY.md presents."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.json"
    path.write_text(json.dumps(figures, indent=2, sort_keys=True) + "\n")
    return path


def summary_name(request: Any) -> str:
    """The test's name with its store, e.g. test_server_killed_mid_storm-sqlite."""
    return request.node.name.replace("[", "-").rstrip("]")


def contest_with_open_window(store_url: str, *, opens_in: float = -3600, closes_in: float = 3600) -> list[str]:
    """The 2024 contest with the vote window set around now (seconds from now); returns the municipalities."""
    setup = ContestService(EventStore(store_url), SystemClock(), SECRETS)
    try:
        setup.init_from_preset("2024", actor=system_actor("test"))
        now = datetime.now(timezone.utc).replace(microsecond=0)
        setup.configure(2024, "window", {"opens_at": (now + timedelta(seconds=opens_in)).isoformat(),
                                         "closes_at": (now + timedelta(seconds=closes_in)).isoformat()},
                        reason="reliability test", actor=SEC)
        return [m.code for m in setup.contest(2024).municipalities]
    finally:
        setup.close()


@dataclass
class Outcome:
    code: str
    status: int | None  # None: no HTTP answer (connection refused or reset)
    body: Any
    headers: dict[str, str]
    error: str | None
    sent: float
    answered: float


def post_vote(base: str, code: str, municipality: str, rating: int, timeout: float = 40) -> Outcome:
    """One vote; an answer cut off (refused, reset, a body broken off by a killed server) is "no answer"."""
    data = json.dumps({"personal_code": code, "municipality": municipality, "rating": rating}).encode()
    req = urllib.request.Request(f"{base}/api/contests/2024/votes", data=data, method="POST",
                                 headers={"Content-Type": "application/json"})
    sent = time.monotonic()
    try:
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                status, headers, raw = r.status, dict(r.headers), r.read()
        except urllib.error.HTTPError as e:
            status, headers, raw = e.code, dict(e.headers), e.read()
    except (OSError, http.client.HTTPException) as e:
        return Outcome(code, None, None, {}, type(e).__name__ + ": " + str(e)[:120], sent, time.monotonic())
    try:
        body = json.loads(raw) if raw else None
    except ValueError:  # not JSON: kept as text, with its status, for the test to show
        body = raw.decode(errors="replace")
    return Outcome(code, status, body, headers, None, sent, time.monotonic())


@dataclass
class Storm:
    """Client threads each sending votes of distinct residents, one after the other, to `base` (which the test
    may change when the server restarts on another port), until stopped or the codes run out."""

    base: str
    codes: list[str]
    municipalities: list[str]
    threads: int = 8
    outcomes: list[Outcome] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._next = iter(enumerate(self.codes))
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._workers = [threading.Thread(target=self._run, daemon=True) for _ in range(self.threads)]

    def _run(self) -> None:
        while not self._stop.is_set():
            with self._lock:
                item = next(self._next, None)
            if item is None:
                return
            i, code = item
            outcome = post_vote(self.base, code, self.municipalities[i % len(self.municipalities)], 1 + i % 5)
            with self._lock:
                self.outcomes.append(outcome)
            if outcome.status is None or outcome.status == 503:
                time.sleep(0.05)  # the client backs off a little when the service is down

    def start(self) -> Storm:
        for t in self._workers:
            t.start()
        return self

    def stop(self) -> list[Outcome]:
        self._stop.set()
        for t in self._workers:
            t.join(timeout=60)
        assert not any(t.is_alive() for t in self._workers), "a client thread hangs"
        with self._lock:
            return list(self.outcomes)

    def count(self, predicate: Callable[[Outcome], bool]) -> int:
        with self._lock:
            return sum(1 for o in self.outcomes if predicate(o))


def wait_for(predicate: Callable[[], bool], timeout: float, what: str, every: float = 0.02) -> float:
    """Poll until `predicate()` holds; returns the seconds it took; fails with `what` after `timeout`."""
    start = time.monotonic()
    while not predicate():
        if time.monotonic() - start > timeout:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(every)
    return time.monotonic() - start


def statuses(outcomes: Iterable[Outcome]) -> dict[str, int]:
    return dict(Counter("no answer" if o.status is None else str(o.status) for o in outcomes))


def stored_votes(store: EventStore) -> list[Any]:
    """Every Vote.Cast in the store, decoded."""
    to_event = store.mapper.to_domain_event
    return [to_event(n) for n in store.notifications(topics=[VOTE_TOPIC])]


def vote_transactions(store: EventStore) -> dict[str, int]:
    """PostgreSQL: how the stored votes were committed, from their rows' xmin (one per transaction): the
    transactions, those that wrote more than one vote (a group commit's batch) and the largest. {} on SQLite."""
    recorder = store.recorder
    if not hasattr(recorder.datastore, "schema"):
        return {}
    with recorder.datastore.get_connection() as conn:
        row = conn.execute(
            f'SELECT count(*) AS transactions, count(*) FILTER (WHERE n > 1) AS batches, max(n) AS largest FROM '
            f'(SELECT count(*) AS n FROM "{recorder.datastore.schema}"."{recorder.events_table_name}" '
            "WHERE topic = %s GROUP BY xmin::text) AS t", (VOTE_TOPIC,)).fetchone()
    return {"vote_transactions": int(row["transactions"]), "vote_batches_of_more_than_one": int(row["batches"]),
            "largest_vote_batch": int(row["largest"] or 0)}


def check_nothing_half_written(store_url: str, store: EventStore) -> int:
    """Every stored event decodes, positions strictly increase, each aggregate's versions run 1, 2, 3 ... with
    no gap and every Vote is exactly one event; SQLite's own integrity check passes. Returns the event count."""
    versions: dict[Any, list[int]] = {}
    last = 0
    count = 0
    to_event = store.mapper.to_domain_event
    for n in store.notifications():
        assert n.id > last, f"position {n.id} after {last}"
        last = n.id
        to_event(n)  # raises if a record is not a whole event
        versions.setdefault(n.originator_id, []).append(n.originator_version)
        if n.topic == VOTE_TOPIC:
            assert n.originator_version == 1, "a vote is one event"
        count += 1
    for originator, seen in versions.items():
        assert seen == list(range(1, len(seen) + 1)), (originator, seen)
    if store_url.startswith("sqlite"):
        path = unquote(urlparse(store_url).path)[1:]
        with sqlite3.connect(path) as db:
            assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    return count


def plain(obj: Any) -> Any:
    """A comparable form of the views: objects as dicts of their fields, sets sorted."""
    if isinstance(obj, dict):
        return {repr(k): plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [plain(v) for v in obj]
    if isinstance(obj, (set, frozenset)):
        return sorted(repr(plain(v)) for v in obj)
    if hasattr(obj, "__dict__") and not isinstance(obj, type):
        return {type(obj).__name__: plain(vars(obj))}
    return obj


def rebuilt_views(store: EventStore) -> Views:
    models = ReadModels(store, Views())
    models.catch_up()
    return models.views


def snapshot(store: EventStore) -> tuple[Views, int]:
    found = ProjectionStore(store).load()
    assert found is not None, "the projector saved no snapshot"
    return found


def vote_counts(views: Views) -> dict[str, int]:
    return {m: t.count for m, t in views.votes.by_year.get(2024, {}).items()}


_started: list[subprocess.Popen[Any]] = []


def reap_processes() -> Iterator[None]:
    """For an autouse fixture of the test modules: whatever a test started with start_cli or start_server and
    did not stop (it failed half-way) is killed with its process group afterwards."""
    yield
    while _started:
        stop_group(_started.pop(), signal.SIGKILL, timeout=10)


def start_cli(store_url: str, tmp_path: Path, *args: str, log_name: str) -> tuple[subprocess.Popen[bytes], Path]:
    """Start `contest <args>` (the clock or the projector of the Procfile) in a session of its own."""
    log = tmp_path / log_name
    with open(log, "a") as out:
        proc = subprocess.Popen([sys.executable, "-m", "contest.cli", *args], cwd=tmp_path,
                                env=service_env(store_url), stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
    _started.append(proc)
    return proc, log


def start_server(store_url: str, tmp_path: Path, *, workers: int, port: int | None = None,
                 extra_env: dict[str, str] | None = None) -> tuple[subprocess.Popen[bytes], str, Path]:
    """tests.support.live.start_gunicorn, reaped after the test if it is still running."""
    proc, base, log = start_gunicorn(store_url, tmp_path, workers=workers, port=port, extra_env=extra_env)
    _started.append(proc)
    return proc, base, log

