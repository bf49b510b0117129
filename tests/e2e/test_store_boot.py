"""Many processes opening one new store at once (a worker must never die at boot). Every gunicorn worker
opens the store when it starts and the store creates its tables if they are missing; on PostgreSQL, concurrent
`CREATE ... IF NOT EXISTS` statements fail with "tuple concurrently updated", which killed workers in CI until the
creation was serialised (contest/pgstore.py). On SQLite the same must hold."""

from __future__ import annotations

import multiprocessing as mp
from typing import Any

from contest.projection_store import ProjectionStore
from contest.store import EventStore

OPENERS = 6
ROUNDS = 2  # a new store, then one whose tables exist


def _open(url: str, barrier: Any, results: Any) -> None:
    barrier.wait(timeout=30)
    try:
        store = EventStore(url)
        ProjectionStore(store)  # the projector's snapshot table, created on first use too
        store.close()
        results.put("ok")
    except Exception as e:  # reported to the test, which names it
        results.put(f"{type(e).__name__}: {e}")


def test_processes_opening_a_new_store_at_once_all_succeed(store_url: str) -> None:
    ctx = mp.get_context("spawn")
    outcomes: list[str] = []
    for _ in range(ROUNDS):
        barrier, results = ctx.Barrier(OPENERS), ctx.Queue()
        procs = [ctx.Process(target=_open, args=(store_url, barrier, results)) for _ in range(OPENERS)]
        for p in procs:
            p.start()
        for p in procs:
            p.join(timeout=60)
        outcomes += [results.get(timeout=5) for _ in procs]
        assert all(p.exitcode == 0 for p in procs)
    assert outcomes == ["ok"] * OPENERS * ROUNDS, outcomes
