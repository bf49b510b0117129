"""The per-address rate limit on the residents' vote (§4.6.6: a public vote attracts people who try to cheat),
one budget per client address for POST /api/contests/<year>/votes and the vote page's form together, held across
the workers of one host.

CONTEST_VOTE_RATE_LIMIT       limits per client address, e.g. "120/minute;20/second" (the default) or "10 per
                              hour"; "off" disables the limit (load tests)
CONTEST_VOTE_RATE_LIMIT_FILE  the counters' file (default: contest.settings.rate_limit_file, beside a SQLite
                              store or in the temp directory)

The counters are a small SQLite file (WAL, no fsync: a counter needs no durability) that every worker process
opens: a window per (address, limit) starts at the address's first vote and lasts the limit's period; a vote over
any limit is refused with 429 and Retry-After (the seconds until its window ends) and is not counted. Each vote is
one short write transaction (read the address's windows, upsert them): tens of microseconds
(bench/ratelimit.py measures it); finished windows are swept every few thousand votes.
No thread, no timer (flask-limiter's memory storage woke one every 10 ms and cost 45% of a worker's vote throughput on
PostgreSQL: docs/BENCHMARKS.md). Across hosts the limit belongs in the reverse proxy in front of them
(docs/SCALING.md). If the file cannot be written the vote is let through and a warning logged: the limit guards
the vote, it must not stop it. The address is never logged, and the file keeps only a keyed hash of it (the key
made at random with the file), until its windows end.
"""

from __future__ import annotations

import hmac
import itertools
import logging
import math
import os
import re
import secrets
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from pathlib import Path
from typing import Any

from flask import request
from werkzeug.exceptions import TooManyRequests

DEFAULT = "120/minute;20/second"
SECONDS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}
ONE = re.compile(r"^\s*(\d+)\s*(?:/|per)\s*(\d+)?\s*(second|minute|hour|day)s?\s*$", re.IGNORECASE)
SWEEP_EVERY = 4096  # votes between two sweeps of finished windows
CLOCK_SLACK = 1.0  # seconds the wall clock may step back before the windows it started are dropped
log = logging.getLogger("contest.ratelimit")
# Set in a request's WSGI environ once its vote has been counted here (the vote's fast path, api/vote_path.py,
# counts it before it hands a refused vote to Flask's error handlers): the view's limit counts it only once.
COUNTED = "contest.vote_counted"


@dataclass(frozen=True)
class Rate:
    count: int
    seconds: int

    def __str__(self) -> str:
        return f"{self.count} per {self.seconds} s"


def vote_rate_limit() -> str:
    return os.environ.get("CONTEST_VOTE_RATE_LIMIT", DEFAULT)


def parse_rates(text: str, setting: str = "CONTEST_VOTE_RATE_LIMIT") -> list[Rate]:
    """ "120/minute;20/second" -> [Rate(120, 60), Rate(20, 1)]; "off" -> []; ValueError naming the setting."""
    if text.strip().lower() == "off":
        return []
    rates = []
    for part in re.split(r"[;,]", text):
        if not part.strip():
            continue
        found = ONE.match(part)
        if found is None or int(found.group(1)) < 1:
            raise ValueError(f"{setting}: {part.strip()!r} is not a limit such as 120/minute")
        rates.append(Rate(int(found.group(1)), int(found.group(2) or 1) * SECONDS[found.group(3).lower()]))
    if not rates:
        raise ValueError(f"{setting}: give limits such as 120/minute;20/second, or off")
    return rates


SCHEMA = ("CREATE TABLE IF NOT EXISTS windows (address BLOB NOT NULL, rate TEXT NOT NULL, start REAL NOT NULL, "
          "ends REAL NOT NULL, votes INTEGER NOT NULL, PRIMARY KEY (address, rate)) WITHOUT ROWID",
          "CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value BLOB NOT NULL)")
UPSERT = ("INSERT INTO windows (address, rate, start, ends, votes) VALUES (?, ?, ?, ?, ?) ON CONFLICT (address, rate) "
          "DO UPDATE SET start = excluded.start, ends = excluded.ends, votes = excluded.votes")


class Counters:
    """The windows of every worker on this host, in the SQLite file `path`: (address, rate) -> start, votes.
    `clock`: wall-clock seconds (time.time; shared by the processes, unlike a process's own counters)."""

    def __init__(self, path: str | os.PathLike[str], clock: Callable[[], float] = time.time) -> None:
        self.path = os.fspath(path)
        self.clock = clock
        self._local = threading.local()
        self._hits = itertools.count(1)
        # The threads of one process take their turns here rather than at the file's lock: SQLite's busy handler
        # sleeps 1, 2, 5 ... ms between tries, which under a threaded worker's concurrent votes made a queue of
        # sleepers; across processes the file's lock still decides (docs/BENCHMARKS.md).
        self._turn = threading.Lock()
        Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._key = self._db().execute("SELECT value FROM meta WHERE name = 'key'").fetchone()[0]

    def _db(self) -> sqlite3.Connection:
        """This thread's connection (a new one after a fork: a connection never crosses processes)."""
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None or self._local.pid != os.getpid():
            db = sqlite3.connect(self.path, timeout=5, isolation_level=None, check_same_thread=False)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=OFF")
            for statement in SCHEMA:
                db.execute(statement)
            db.execute("INSERT OR IGNORE INTO meta (name, value) VALUES ('key', ?)", (secrets.token_bytes(32),))
            self._local.db, self._local.pid = db, os.getpid()
        return db

    def hit(self, address: str, rates: list[Rate]) -> float:
        """Counts a vote and returns 0, or returns the seconds to wait (and counts nothing) if it is over a limit."""
        try:
            return self._hit(hmac.new(self._key, address.encode(), "sha256").digest()[:16], rates)
        except sqlite3.Error as e:
            log.warning("the vote's rate-limit counters are not available (%s): the vote is let through",
                        type(e).__name__)
            return 0.0

    def blocked(self, address: str, rates: list[Rate]) -> float:
        """The seconds to wait if `address` is over a limit now, else 0; counts nothing (the failed logins' throttle,
        api/staff_login.py, counts only failures but refuses every attempt while over)."""
        key = hmac.new(self._key, address.encode(), "sha256").digest()[:16]
        try:
            stored = {rate: (start, ends, votes) for rate, start, ends, votes in self._db().execute(
                "SELECT rate, start, ends, votes FROM windows WHERE address = ?", (key,))}
        except sqlite3.Error as e:
            log.warning("the rate-limit counters are not available (%s)", type(e).__name__)
            return 0.0
        now, wait = self.clock(), 0.0
        for rate in rates:
            start, ends, votes = stored.get(str(rate), (now, now, 0))
            if start - CLOCK_SLACK <= now < ends and votes >= rate.count:
                wait = max(wait, ends - now)
        return wait

    def _hit(self, key: bytes, rates: list[Rate]) -> float:
        with self._turn:
            return self._hit_holding_turn(key, rates)

    def _hit_holding_turn(self, key: bytes, rates: list[Rate]) -> float:
        db = self._db()
        db.execute("BEGIN IMMEDIATE")
        now = self.clock()  # read holding the lock: no process stores a later start than another then reads
        try:
            if next(self._hits) % SWEEP_EVERY == 0:
                db.execute("DELETE FROM windows WHERE ends <= ?", (now,))
            stored = {rate: (start, ends, votes) for rate, start, ends, votes in
                      db.execute("SELECT rate, start, ends, votes FROM windows WHERE address = ?", (key,))}
            wait, rows = 0.0, []
            for rate in rates:
                start, ends, votes = stored.get(str(rate), (now, now, 0))
                if now >= ends or now < start - CLOCK_SLACK:  # ended (or the clock was set back): a new one
                    start, votes = now, 0
                if votes >= rate.count:
                    wait = max(wait, start + rate.seconds - now)
                rows.append((key, str(rate), start, start + rate.seconds, votes + 1))
            if not wait:
                db.executemany(UPSERT, rows)
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        return wait

    def __len__(self) -> int:
        return int(self._db().execute("SELECT count(*) FROM windows").fetchone()[0])

    def close(self) -> None:
        db = getattr(self._local, "db", None)
        if db is not None and self._local.pid == os.getpid():
            db.close()
            self._local.db = None


def limited(view: Callable[..., Any], *, route: str, rates: list[Rate], counters: Counters,
            message: str) -> Callable[..., Any]:
    """`view` with the limit on its POSTs; every route limited so counts against the address's one budget."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if request.method == "POST" and not request.environ.get(COUNTED):
            wait = counters.hit(request.remote_addr or "", rates)
            if wait:
                log.info("vote rate limit exceeded on %s (%s)", route, ", ".join(map(str, rates)))  # no address
                raise TooManyRequests(description=message, retry_after=max(1, math.ceil(wait)))
        return view(*args, **kwargs)

    return wrapper
