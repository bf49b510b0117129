"""The state as of a position or a time in the past: a replay of the history up to there (RULES.md "Audit":
results "as of" a moment), for the queries that take `as_of`."""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from datetime import datetime, timezone
from typing import Any

from contest.audit import _instant
from contest.replay import Replay, topics_of
from contest.state import LiveState, PastState, ReadState
from contest.unit_of_work import UnitOfWork
from domain.errors import InvalidInput
from projections.views import Views


class History:
    """Replays the store up to a position, remembering a few recent answers."""

    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self._cache: OrderedDict[int, PastState] = OrderedDict()
        self._lock = threading.Lock()

    def position_of(self, as_of: str) -> int:
        """`as_of` is a position (digits) or an ISO 8601 instant: the last event recorded at or before it."""
        text = as_of.strip()
        store = self.uow.store
        head = store.event_count()
        if text.isdigit():
            return min(int(text), head)
        try:
            when = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise InvalidInput({"as_of": ["must be a position (a whole number) or an ISO 8601 time"]}) from None
        if when.tzinfo is None:
            raise InvalidInput({"as_of": ["a time needs its UTC offset, e.g. 2024-09-15T21:00:00Z"]})
        when = when.astimezone(timezone.utc)
        lo, hi = 0, head  # the events' own times rise with their positions: binary search (ids may have gaps)
        while lo < hi:
            mid = (lo + hi + 1) // 2
            rows = store.recorder.select_notifications(start=mid, limit=1)
            if not rows or rows[0].id > hi:
                hi = mid - 1
                continue
            at = _event_time(rows[0].state)
            if at is not None and at <= when:
                lo = rows[0].id
            else:
                hi = mid - 1
        return lo

    def state(self, as_of: str | None) -> ReadState:
        if as_of is None:
            return LiveState(self.uow)
        position = self.position_of(as_of)
        with self._lock:
            if position in self._cache:
                self._cache.move_to_end(position)
                return self._cache[position]
        views = Views()
        replay = Replay(views)
        store = self.uow.store
        to_event = store.mapper.to_domain_event
        for n in store.notifications(stop=position, topics=topics_of(views)):
            replay.apply(to_event(n), n.id)
        replay.position = position
        past = PastState(replay)
        with self._lock:
            self._cache[position] = past
            while len(self._cache) > 4:
                self._cache.popitem(last=False)
        return past


def _event_time(state: bytes) -> datetime | None:
    payload: dict[str, Any] = json.loads(state)
    text = _instant(payload.get("at")) or _instant(payload.get("timestamp"))
    return datetime.fromisoformat(text.replace("Z", "+00:00")) if text else None
