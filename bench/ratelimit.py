"""The vote's rate limit (api/ratelimit.py): the cost of one vote's check on the counters' file mapped by the
host's workers, against a floor measured in the same run.

  floor   the least a counter shared by processes costs: the file's lock (flock), one 4-byte counter at the
          address's slot of a mapped file incremented, the lock released
  ours    Counters.hit(address, [120/minute, 20/second]): the keyed hash of the address, its two windows looked up
          and counted, under the same lock
  before  the counters of before, for the record: one autocommitted UPSERT of a 16-byte key's counter into a WAL
          SQLite file with synchronous=OFF (what the SQLite counters cost at least)

Each is run over the same 20,000 distinct addresses after a warm-up, in alternating pairs (floor, ours, then ours,
floor, ...) `--pairs` times; reported: each one's median [min-max] per vote, and the ratio ours / floor of each
pair as the median [min-max].

    .venv/bin/python bench/ratelimit.py --pairs 5
"""

from __future__ import annotations

import argparse
import fcntl
import mmap
import os
import sqlite3
import statistics
import struct
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from api.ratelimit import Counters, Rate

N = 20_000


def floor(path: Path, addresses: list[bytes]) -> float:
    slots = 1 << 18
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    os.ftruncate(fd, slots * 4)
    table = mmap.mmap(fd, slots * 4)
    counter = struct.Struct("<I")

    def count(a: bytes) -> None:
        fcntl.flock(fd, fcntl.LOCK_EX)
        offset = 4 * (hash(a) % slots)
        counter.pack_into(table, offset, counter.unpack_from(table, offset)[0] + 1)
        fcntl.flock(fd, fcntl.LOCK_UN)

    for a in addresses[:500]:
        count(a)
    t0 = time.perf_counter()
    for a in addresses:
        count(a)
    seconds = time.perf_counter() - t0
    table.close()
    os.close(fd)
    return seconds / len(addresses)


def before(path: Path, addresses: list[bytes]) -> float:
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=OFF")
    db.execute("CREATE TABLE IF NOT EXISTS c (k BLOB PRIMARY KEY, n INTEGER NOT NULL)")
    sql = "INSERT INTO c VALUES (?, 1) ON CONFLICT (k) DO UPDATE SET n = n + 1"
    for a in addresses[:500]:
        db.execute(sql, (a,))
    t0 = time.perf_counter()
    for a in addresses:
        db.execute(sql, (a,))
    seconds = time.perf_counter() - t0
    db.close()
    return seconds / len(addresses)


def ours(path: Path, addresses: list[str]) -> float:
    counters = Counters(path)
    rates = [Rate(120, 60), Rate(20, 1)]
    for a in addresses[:500]:
        counters.hit(a, rates)
    t0 = time.perf_counter()
    for a in addresses:
        counters.hit(a, rates)
    return (time.perf_counter() - t0) / len(addresses)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pairs", type=int, default=5)
    args = parser.parse_args()
    addresses = [f"10.{i // 62500}.{i // 250 % 250}.{i % 250}" for i in range(N)]
    keys = [a.encode().ljust(16, b"\0")[:16] for a in addresses]
    floors: list[float] = []
    oursl: list[float] = []
    befores: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(args.pairs):
            for which in (("floor", "ours") if r % 2 == 0 else ("ours", "floor")):
                if which == "floor":
                    floors.append(floor(Path(tmp) / f"floor{r}.counters", keys))
                    befores.append(before(Path(tmp) / f"before{r}.sqlite3", keys))
                else:
                    oursl.append(ours(Path(tmp) / f"ours{r}.counters", addresses))
    ratios = [o / f for o, f in zip(oursl, floors, strict=True)]

    def spread(xs: list[float], scale: float = 1.0, fmt: str = "{:.1f}") -> str:
        return (fmt.format(statistics.median(xs) * scale) + " [" + fmt.format(min(xs) * scale) + "-"
                + fmt.format(max(xs) * scale) + "]")

    print(f"== the vote's rate limit: one vote's check on the shared counters' mapped file ({args.pairs} pairs, "
          "median [min-max])")
    print(f"   floor (flock, one mapped counter)          {spread(floors, 1e6)} us per vote")
    print(f"   ours  (Counters.hit, 2 limits)             {spread(oursl, 1e6)} us per vote")
    print(f"   before (one SQLite UPSERT, WAL, sync OFF)  {spread(befores, 1e6)} us per vote")
    print(f"   ratio ours / floor of the same pair        {spread(ratios, fmt='{:.2f}')}")
    print(f"   reproduce: .venv/bin/python bench/ratelimit.py --pairs {args.pairs}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
