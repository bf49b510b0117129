"""What queries read: the live state (the store's aggregates and the caught-up views) or the state as of a
position or a time in the past (a replay of the history up to there: RULES.md "Audit": results "as of" a moment)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Protocol

from contest.audit import _instant
from contest.replay import Replay, topics_of
from domain.contest import Contest
from domain.errors import InvalidInput
from projections.views import Views

if TYPE_CHECKING:
    from contest.service import ContestService


class ReadState(Protocol):
    views: Views

    def contest(self, year: int) -> Contest: ...

    def catch_up(self) -> int: ...


class LiveState:
    def __init__(self, service: ContestService) -> None:
        self.service = service

    @property
    def views(self) -> Views:
        return self.service.views

    def contest(self, year: int) -> Contest:
        # Queries only read the contest: the process's cached copy, revalidated by one indexed read (ContestGate),
        # instead of replaying its events and parsing the questionnaire twice on every request (docs/BENCHMARKS.md).
        return self.service.round2.gate.contest(year)

    def catch_up(self) -> int:
        return self.service.readmodels.catch_up()


class PastState:
    def __init__(self, replay: Replay) -> None:
        self.replay = replay
        self.views = replay.views

    def contest(self, year: int) -> Contest:
        return self.replay.contest(year)

    def catch_up(self) -> int:
        return self.replay.position


class History:
    """Replays the store up to a position, remembering a few recent answers."""

    def __init__(self, service: ContestService) -> None:
        self.service = service
        self._cache: OrderedDict[int, PastState] = OrderedDict()
        self._lock = threading.Lock()

    def position_of(self, as_of: str) -> int:
        """`as_of` is a position (digits) or an ISO 8601 instant: the last event recorded at or before it."""
        text = as_of.strip()
        head = self.service.event_count()
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
            rows = self.service.store.recorder.select_notifications(start=mid, limit=1)
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
            return LiveState(self.service)
        position = self.position_of(as_of)
        with self._lock:
            if position in self._cache:
                self._cache.move_to_end(position)
                return self._cache[position]
        views = Views()
        replay = Replay(views)
        to_event = self.service.store.mapper.to_domain_event
        for n in self.service.store.notifications(stop=position, topics=topics_of(views)):
            replay.apply(to_event(n), n.id)
        replay.position = position
        past = PastState(replay)
        with self._lock:
            self._cache[position] = past
            while len(self._cache) > 4:
                self._cache.popitem(last=False)
        return past


def _event_time(state: bytes) -> datetime | None:
    import json

    payload: dict[str, Any] = json.loads(state)
    text = _instant(payload.get("at")) or _instant(payload.get("timestamp"))
    return datetime.fromisoformat(text.replace("Z", "+00:00")) if text else None
