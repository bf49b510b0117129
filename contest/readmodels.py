"""Keeps the read models of `projections/` current by pulling the store's notification log.

Each process holds the views in memory: it starts from the latest persisted snapshot (contest/projection_store.py)
when there is one, and before answering a query catches up on the events recorded since (reading only the topics
its views handle, as plain rows: contest/rows.py). One lock per process makes catching up single-threaded, so no
event is applied twice.

With a replica (contest/replica.py) the same views are caught up from whichever store the context reads: the
replica in a request that only reads, the primary in a command. Both hold the same events at the same positions,
and the views only move forward, so a catch-up on the replica after one on the primary applies nothing again
(the replica's head is then at or below the views' position).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from eventsourcing.utils import get_topic

from contest.replica import Stores
from contest.rows import Progress, RowReader, fold
from contest.store import EventStore
from projections.views import Views

log = logging.getLogger(__name__)


class ReadModels:
    """`snapshots`: the persisted read models (contest/projection_store.py), saved to and loaded from the primary;
    `replica_snapshots`: the same table on the replica, loaded from in a request that reads the replica."""

    def __init__(self, store: EventStore | Stores, views: Views, snapshots: Any | None = None,
                 replica_snapshots: Any | None = None) -> None:
        self.stores = store if isinstance(store, Stores) else Stores(store)
        self._readers = {id(s): RowReader(s) for s in (self.stores.primary, self.stores.replica) if s is not None}
        self.snapshots = snapshots
        self.replica_snapshots = replica_snapshots
        self.position = 0
        self.applied = 0  # events applied by this process (restart tests count them)
        self._lock = threading.Lock()
        self._loaded = snapshots is None
        self._use(views)

    def _use(self, views: Views) -> None:
        self.views = views
        self._dispatch: dict[str, list[Callable[[Any, int], None]]] = {}
        for view in views.all():
            for cls in view.handles:
                self._dispatch.setdefault(get_topic(cls), []).append(view.apply)
        self.topics = sorted(self._dispatch)

    @property
    def store(self) -> EventStore:
        """The store this context reads (contest/replica.py)."""
        return self.stores.current

    @property
    def reader(self) -> RowReader:
        return self._readers[id(self.stores.current)]

    def _load_snapshot(self) -> None:
        self._loaded = True
        snapshots = self.replica_snapshots if self.stores.on_replica else self.snapshots
        try:
            found = snapshots.load() if snapshots else None
        except Exception:
            log.warning("projection snapshot unreadable; replaying from the log", exc_info=True)
            found = None
        if found is not None:
            views, position = found
            self._use(views)
            self.position = position

    def catch_up(self, up_to: int | None = None) -> int:
        """Apply every new event of interest; returns the position the views now reflect."""
        with self._lock:
            if not self._loaded:
                self._load_snapshot()
            store, reader = self.store, self.reader
            head = store.event_count()
            if up_to is not None:
                head = min(head, up_to)
            if head <= self.position:
                return self.position
            progress = Progress(self.position)
            try:
                fold(reader.rows(self.position + 1, head, self.topics), store, self._dispatch, self.views.votes,
                     reader.id_bytes, progress)
            finally:
                # the position moves with each event applied, so a store error in a later batch (the store went
                # away) leaves the views and their position in step and the next catch-up applies nothing twice
                self.position = progress.position
                self.applied += progress.applied
            self.position = head
            return head

    def load(self) -> int:
        """Load the persisted snapshot (once) without catching up; returns the position the views reflect."""
        with self._lock:
            if not self._loaded:
                self._load_snapshot()
            return self.position

    def save_snapshot(self) -> bool:
        """Persist the views at the current position (projector process and rebuild)."""
        with self._lock:
            if self.snapshots is None:
                return False
            return self.snapshots.save(self.views, self.position)
