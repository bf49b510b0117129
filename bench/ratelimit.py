"""The vote's rate limit (api/ratelimit.py): the cost of one vote's check on the counters' SQLite file shared by
the host's workers, against a floor measured in the same run.

  floor   one autocommitted UPSERT of a 16-byte key's counter into a WAL SQLite file with synchronous=OFF (the
          least a shared, cross-process counter on SQLite can do per vote)
  ours    Counters.hit(address, [120/minute, 20/second]): the keyed hash of the address, read its windows, upsert
          them, in one transaction

Each is run over the same 20,000 distinct addresses after a warm-up, in alternating pairs (floor, ours, then ours,
floor, ...) `--pairs` times; reported: each one's median [min-max] per vote, and the ratio ours / floor of each
pair as the median [min-max].

    .venv/bin/python bench/ratelimit.py --pairs 5
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from api.ratelimit import Counters, Rate

N = 20_000


def floor(path: Path, addresses: list[bytes]) -> float:
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
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(args.pairs):
            for which in (("floor", "ours") if r % 2 == 0 else ("ours", "floor")):
                if which == "floor":
                    floors.append(floor(Path(tmp) / f"floor{r}.sqlite3", keys))
                else:
                    oursl.append(ours(Path(tmp) / f"ours{r}.sqlite3", addresses))
    ratios = [o / f for o, f in zip(oursl, floors, strict=True)]

    def spread(xs: list[float], scale: float = 1.0, fmt: str = "{:.1f}") -> str:
        return (fmt.format(statistics.median(xs) * scale) + " [" + fmt.format(min(xs) * scale) + "-"
                + fmt.format(max(xs) * scale) + "]")

    print(f"== the vote's rate limit: one vote's check on the shared counters' file ({args.pairs} pairs, "
          "median [min-max])")
    print(f"   floor (one UPSERT, WAL, synchronous=OFF)   {spread(floors, 1e6)} us per vote")
    print(f"   ours  (Counters.hit, 2 limits)             {spread(oursl, 1e6)} us per vote")
    print(f"   ratio ours / floor of the same pair        {spread(ratios, fmt='{:.2f}')}")
    print(f"   reproduce: .venv/bin/python bench/ratelimit.py --pairs {args.pairs}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
