"""The contest as commands and queries read it, cached per process: one ContestGate per unit of work."""

from __future__ import annotations

import threading
from collections.abc import Callable

from contest.replica import Stores
from contest.store import EventStore
from domain.contest import Contest, contest_id


class ContestGate:
    """The process's copy of each contest.

    `contest()` (queries, and the preview of a command) asks the store whether the contest has new events (one
    indexed read) and reloads it only then. Decisions on another aggregate that read the contest (the residents'
    vote, ballots, visits, scorecards) do not ask: they are decided on `cached()` and their save is conditional on
    the contest being unchanged (contest/guard.py), checked by the store inside the save's own transaction; if the
    contest changed, `reload()` and decide again (contest/unit_of_work.py: UnitOfWork.update). So a vote always
    sees the current window (§4.6.6) without a read of its own.

    The copies are shared by the process's threads: nothing may change them. A command that changes the contest
    loads its own copy (UnitOfWork.contest).

    With a replica (contest/replica.py) there is one cache per store, each filled from its own store: a read on
    the replica never gets a copy newer than the replica holds (a position such a copy names, round 1's
    `included_through` or an interim result's, might not be there yet), and a command never decides on the
    replica's copy."""

    def __init__(self, stores: Stores | EventStore, load: Callable[[int], Contest]) -> None:
        self.stores = stores if isinstance(stores, Stores) else Stores(stores)
        self._load = load  # a fresh copy from the store this context reads, or NotFound
        self._caches: tuple[dict[int, Contest], dict[int, Contest]] = ({}, {})  # the primary's, the replica's
        self._lock = threading.Lock()

    @property
    def store(self) -> EventStore:
        return self.stores.current

    @property
    def _cache(self) -> dict[int, Contest]:
        return self._caches[self.stores.on_replica]

    def contest(self, year: int) -> Contest:
        cached = self._cache.get(year)
        if cached is not None:
            newer = self.store.recorder.select_events(contest_id(year), gt=cached.version, limit=1)
            if not newer:
                return cached
        return self.reload(year)

    def cached(self, year: int) -> Contest:
        """The process's copy as it stands, without asking the store (loaded on first use)."""
        cached = self._cache.get(year)
        return cached if cached is not None else self.reload(year)

    def reload(self, year: int) -> Contest:
        with self._lock:
            fresh = self._load(year)
            cache = self._cache
            current = cache.get(year)
            if current is None or fresh.version >= current.version:  # never replace a newer copy by an older one
                cache[year] = fresh
            return fresh
