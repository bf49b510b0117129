"""The per-address rate limit on the residents' vote (§4.6.6: a public vote attracts people who try to cheat),
for POST /api/contests/<year>/votes and the vote page's form, each with its own counters.

CONTEST_VOTE_RATE_LIMIT  limits per client address, e.g. "120/minute;20/second" (the default) or "10 per hour";
                         "off" disables the limit (load tests)

Counters live in the worker process, with no thread and no store: a window per (route, address, limit) starts at
the address's first vote and lasts the limit's period; a vote over any limit is refused with 429 and Retry-After
(the seconds until its window ends) and is not counted. Finished windows are swept every few thousand votes.
flask-limiter did the same before, and cost 45% of a worker's vote throughput on PostgreSQL (its memory storage
wakes a timer thread every 10 ms that contends for the interpreter lock: docs/BENCHMARKS.md). With
several workers or hosts the effective limit is per worker; a limit across hosts belongs in the reverse proxy in
front of them (docs/SCALING.md). The address is used as a key in memory only: never logged or stored.
"""

from __future__ import annotations

import logging
import math
import os
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from flask import request
from werkzeug.exceptions import TooManyRequests

DEFAULT = "120/minute;20/second"
SECONDS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}
ONE = re.compile(r"^\s*(\d+)\s*(?:/|per)\s*(\d+)?\s*(second|minute|hour|day)s?\s*$", re.IGNORECASE)
SWEEP_EVERY = 4096  # votes between two sweeps of finished windows
log = logging.getLogger("contest.ratelimit")


@dataclass(frozen=True)
class Rate:
    count: int
    seconds: int

    def __str__(self) -> str:
        return f"{self.count} per {self.seconds} s"


def vote_rate_limit() -> str:
    return os.environ.get("CONTEST_VOTE_RATE_LIMIT", DEFAULT)


def parse_rates(text: str) -> list[Rate]:
    """ "120/minute;20/second" -> [Rate(120, 60), Rate(20, 1)]; "off" -> []; ValueError naming the setting."""
    if text.strip().lower() == "off":
        return []
    rates = []
    for part in re.split(r"[;,]", text):
        if not part.strip():
            continue
        found = ONE.match(part)
        if found is None or int(found.group(1)) < 1:
            raise ValueError(f"CONTEST_VOTE_RATE_LIMIT: {part.strip()!r} is not a limit such as 120/minute")
        rates.append(Rate(int(found.group(1)), int(found.group(2) or 1) * SECONDS[found.group(3).lower()]))
    if not rates:
        raise ValueError("CONTEST_VOTE_RATE_LIMIT: give limits such as 120/minute;20/second, or off")
    return rates


class Counters:
    """The windows of one process: (route, address, rate) -> [start, votes]."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._windows: dict[tuple[str, str, Rate], list[float]] = {}
        self._lock = threading.Lock()
        self._hits = 0

    def hit(self, route: str, address: str, rates: list[Rate]) -> float:
        """Counts a vote and returns 0, or returns the seconds to wait (and counts nothing) if it is over a limit."""
        now = self.clock()
        with self._lock:
            self._hits += 1
            if self._hits % SWEEP_EVERY == 0:
                self._sweep(now)
            windows = []
            wait = 0.0
            for rate in rates:
                key = (route, address, rate)
                window = self._windows.get(key)
                if window is None or now >= window[0] + rate.seconds:
                    window = self._windows[key] = [now, 0]
                if window[1] >= rate.count:
                    wait = max(wait, window[0] + rate.seconds - now)
                windows.append(window)
            if wait:
                return wait
            for window in windows:
                window[1] += 1
            return 0.0

    def _sweep(self, now: float) -> None:
        for key in [k for k, w in self._windows.items() if now >= w[0] + k[2].seconds]:
            del self._windows[key]

    def __len__(self) -> int:
        return len(self._windows)


def limited(view: Callable[..., Any], *, route: str, rates: list[Rate], counters: Counters,
            message: str) -> Callable[..., Any]:
    """`view` with the limit on its POSTs."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if request.method == "POST":
            wait = counters.hit(route, request.remote_addr or "", rates)
            if wait:
                log.info("vote rate limit exceeded on %s (%s)", route, ", ".join(map(str, rates)))  # no address
                raise TooManyRequests(description=message, retry_after=max(1, math.ceil(wait)))
        return view(*args, **kwargs)

    return wrapper
