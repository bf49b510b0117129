"""The per-address rate limit on the residents' vote (§4.6.6: a public vote attracts people who try to cheat),
one budget per client address for POST /api/contests/<year>/votes and the vote page's form together, held across
the workers of one host.

CONTEST_VOTE_RATE_LIMIT       limits per client address, e.g. "120/minute;20/second" (the default) or "10 per
                              hour"; "off" disables the limit (load tests)
CONTEST_VOTE_RATE_LIMIT_FILE  the counters' file (default: contest.settings.rate_limit_file, beside a SQLite store
                              or in the temp directory)

The counters are a table in a file that every worker process maps into its memory (mmap, MAP_SHARED): a window per
(address, limit) starts at the address's first vote and lasts the limit's period; a vote over any limit is refused
with 429 and Retry-After (the seconds until its window ends) and is not counted. A vote's check is a few
microseconds under the file's lock (flock, between processes; a lock of the process between its threads): no
system call but the lock's two, no transaction, no write to disk on the vote's path (a counter needs no
durability: the kernel writes the pages back when it likes). The table is open addressing with linear probing, a
slot per (address, limit): a slot whose window has ended is taken by the next address that needs one, so nothing
is swept. If the file cannot be opened, or every slot near an address's place holds a live window (a table sized
for `SLOTS` windows at once), the vote is let through and a warning logged: the limit guards the vote, it must
not stop it. The counters of before (a SQLite file, 20-25 us a vote and the file's lock contended between the
workers) cost a fifth of the vote's machine time over HTTP (docs/BENCHMARKS.md).
No thread, no timer (flask-limiter's memory storage woke one every 10 ms and cost 45% of a worker's vote throughput
on PostgreSQL: docs/BENCHMARKS.md). Across hosts the limit belongs in the reverse proxy in front of them
(docs/SCALING.md). The address is never logged, and the file keeps only a keyed hash of it (the key made at random
with the file), until its slot is taken again.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import math
import mmap
import os
import re
import secrets
import struct
import threading
import time
import weakref
import zlib
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
CLOCK_SLACK = 1.0  # seconds the wall clock may step back before the windows it started are dropped
SLOTS = 1 << 18  # windows held at once (a slot per address and limit): 10 MiB of file, touched as used
PROBES = 64  # slots looked at from an address's place before the table counts as full there
log = logging.getLogger("contest.ratelimit")
# Set in a request's WSGI environ once its vote has been counted here (the vote's fast path, api/vote_path.py,
# counts it before it hands a refused vote to Flask's error handlers): the view's limit counts it only once.
COUNTED = "contest.vote_counted"

MAGIC = b"contest-rl-v2"
HEADER = struct.Struct("<13s3xI32s12x")  # magic, slots, the key of the addresses' hash; 64 bytes
SLOT = struct.Struct("<16sddI4x")  # tag (the address's keyed hash and the limit's), start, ends, votes; 40 bytes
EMPTY = bytes(16)


@dataclass(frozen=True)
class Rate:
    count: int
    seconds: int

    def __str__(self) -> str:
        return f"{self.count} per {self.seconds} s"

    @property
    def tag(self) -> bytes:
        """Four bytes naming the limit in a slot's tag (with the address's twelve)."""
        return zlib.crc32(str(self).encode()).to_bytes(4, "little")


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


def live(start: float, ends: float, now: float) -> bool:
    """Whether a window started at `start` and ending at `ends` holds at `now` (a clock set back by more than
    CLOCK_SLACK ends it)."""
    return start - CLOCK_SLACK <= now < ends


class TableFull(Exception):
    """Every slot near an address's place holds a live window."""


class Counters:
    """The windows of every worker on this host, in the mapped file `path`: (address, limit) -> start, ends, votes.
    `clock`: wall-clock seconds (time.time; shared by the processes, unlike a process's own counters)."""

    def __init__(self, path: str | os.PathLike[str], clock: Callable[[], float] = time.time) -> None:
        self.path = os.fspath(path)
        self.clock = clock
        # The threads of one process take their turns here; between processes the file's lock decides (a lock of
        # the file is the process's: flock does not exclude two threads of one process).
        self._turn = threading.Lock()
        self._map: mmap.mmap | None = None
        self._fd = -1
        self._rates: dict[Rate, tuple[bytes, int]] = {}
        Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._open()
        me = weakref.ref(self)
        os.register_at_fork(after_in_child=lambda: (lambda found: found and found._forked())(me()))

    def _open(self) -> None:
        """Map the file, making (or remaking: an older layout) its header and table under its lock."""
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            size = HEADER.size + SLOTS * SLOT.size
            fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                head = os.pread(fd, HEADER.size, 0)
                if len(head) < HEADER.size or HEADER.unpack(head)[:2] != (MAGIC, SLOTS) or os.fstat(fd).st_size < size:
                    os.ftruncate(fd, 0)
                    os.ftruncate(fd, size)
                    os.pwrite(fd, HEADER.pack(MAGIC, SLOTS, secrets.token_bytes(32)), 0)
                self._map = mmap.mmap(fd, size, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE)
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
        except BaseException:
            os.close(fd)
            raise
        self._fd, self._key = fd, HEADER.unpack_from(self._map, 0)[2]

    def _forked(self) -> None:
        """A forked child's lock of the file would be its parent's (one open file): it opens the file again."""
        self._turn = threading.Lock()
        if self._map is not None:
            self._map.close()
            os.close(self._fd)
            self._map = None
            self._open()

    def _address(self, address: str) -> bytes:
        return hashlib.blake2b(address.encode(), key=self._key, digest_size=20).digest()

    def _place(self, digest: bytes, rate: Rate) -> tuple[bytes, int]:
        """The slot's tag of (address, limit) and the first slot to look at."""
        found = self._rates.get(rate)
        if found is None:
            found = self._rates[rate] = (rate.tag, int.from_bytes(rate.tag, "little"))
        tag, mix = found
        return digest[:12] + tag, (int.from_bytes(digest[12:], "little") ^ mix) % SLOTS

    def _find(self, table: mmap.mmap, tag: bytes, place: int, now: float, claim: bool,
              claimed: tuple[int, ...] = ()) -> int:
        """The offset of the slot holding `tag`, else (claim) of a free one for it (not one of `claimed`, taken for
        another limit of the same vote), else -1; TableFull when every slot looked at holds another live window."""
        free = -1
        for i in range(PROBES):
            offset = HEADER.size + ((place + i) % SLOTS) * SLOT.size
            held, start, ends, _ = SLOT.unpack_from(table, offset)
            if held == tag:
                return offset
            if offset in claimed:
                continue
            if held == EMPTY:  # never used: the tag is in no slot further on
                return (offset if free < 0 else free) if claim else -1
            if free < 0 and not live(start, ends, now):
                free = offset
        if free < 0 and claim:
            raise TableFull
        return free if claim else -1

    def hit(self, address: str, rates: list[Rate]) -> float:
        """Counts a vote and returns 0, or returns the seconds to wait (and counts nothing) if it is over a limit."""
        try:
            return self._locked(self._count, self._address(address), rates)
        except (OSError, ValueError, TableFull) as e:
            log.warning("the vote's rate-limit counters are not available (%s): the vote is let through",
                        type(e).__name__)
            return 0.0

    def blocked(self, address: str, rates: list[Rate]) -> float:
        """The seconds to wait if `address` is over a limit now, else 0; counts nothing (the failed logins' throttle,
        api/staff_login.py, counts only failures but refuses every attempt while over)."""
        try:
            return self._locked(self._wait, self._address(address), rates)
        except (OSError, ValueError) as e:
            log.warning("the rate-limit counters are not available (%s)", type(e).__name__)
            return 0.0

    def _locked(self, work: Callable[[mmap.mmap, bytes, list[Rate], float], float], digest: bytes,
                rates: list[Rate]) -> float:
        """`work(table, digest, rates, now)` holding the process's turn and the file's lock, the clock read holding
        them (no process stores a later start than another then reads)."""
        with self._turn:
            table = self._map
            if table is None:
                raise ValueError("the counters' file is closed")
            fcntl.flock(self._fd, fcntl.LOCK_EX)
            try:
                return work(table, digest, rates, self.clock())
            finally:
                fcntl.flock(self._fd, fcntl.LOCK_UN)

    def _count(self, table: mmap.mmap, digest: bytes, rates: list[Rate], now: float) -> float:
        wait, rows = 0.0, []
        for rate in rates:
            tag, place = self._place(digest, rate)
            offset = self._find(table, tag, place, now, claim=True, claimed=tuple(r[0] for r in rows))
            held, start, ends, votes = SLOT.unpack_from(table, offset)
            if held != tag or not live(start, ends, now):  # ended, set back or new: a new one
                start, votes = now, 0
            if votes >= rate.count:
                wait = max(wait, start + rate.seconds - now)
            rows.append((offset, tag, start, start + rate.seconds, votes + 1))
        if not wait:
            for offset, tag, start, ends, votes in rows:
                SLOT.pack_into(table, offset, tag, start, ends, votes)
        return wait

    def _wait(self, table: mmap.mmap, digest: bytes, rates: list[Rate], now: float) -> float:
        wait = 0.0
        for rate in rates:
            tag, place = self._place(digest, rate)
            offset = self._find(table, tag, place, now, claim=False)
            if offset < 0:
                continue
            held, start, ends, votes = SLOT.unpack_from(table, offset)
            if held == tag and live(start, ends, now) and votes >= rate.count:
                wait = max(wait, ends - now)
        return wait

    def __len__(self) -> int:
        """The live windows (slots whose window has not ended)."""
        table = self._map
        if table is None:
            return 0
        now = self.clock()
        with self._turn:
            return sum(1 for i in range(SLOTS)
                       if (s := SLOT.unpack_from(table, HEADER.size + i * SLOT.size))[0] != EMPTY
                       and live(s[1], s[2], now))

    def close(self) -> None:
        with self._turn:
            if self._map is not None:
                self._map.close()
                os.close(self._fd)
                self._map, self._fd = None, -1


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
