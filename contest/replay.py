"""Replaying history: fold a stream of domain events, in global order, into the contests and every read model.

The same code serves three readers: `as_of` queries (events from the store up to a position), an auditor's
offline verification (events rebuilt from an export file) and projection rebuilds. Nothing here reads the store
itself: the caller feeds `(position, event)` pairs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate
from eventsourcing.utils import get_topic

from domain.contest import Contest, contest_id
from domain.errors import NotFound


class Replay:
    """Contests and views as they stood after the last event applied."""

    def __init__(self, views: Any) -> None:
        self.views = views
        self.contests: dict[UUID, Contest] = {}
        self.position = 0
        self._ids: dict[int, UUID] = {}  # year -> its contest's id (uuid5 once per year, not once per vote)
        self._dispatch: dict[type, list[Callable[[Any, int], None]]] = {}
        for view in views.all():
            for cls in view.handles:
                self._dispatch.setdefault(cls, []).append(view.apply)

    def handlers(self, event_class: type) -> list[Callable[[Any, int], None]]:
        """The views' `apply` methods an event of this class is given to, in order."""
        return list(self._dispatch.get(event_class, ()))

    def apply(self, event: Any, position: int) -> None:
        if isinstance(event, Contest.Event):
            self.contests[event.originator_id] = event.mutate(self.contests.get(event.originator_id))
        for apply in self._dispatch.get(type(event), ()):
            apply(event, position)
        self.position = position

    def apply_all(self, events: Iterable[tuple[int, Any]]) -> Replay:
        for position, event in events:
            self.apply(event, position)
        return self

    def contest(self, year: int) -> Contest:
        cid = self._ids.get(year) if type(year) is int else contest_id(year)
        if cid is None:
            cid = self._ids[year] = contest_id(year)
        found = self.contests.get(cid)
        if found is None:
            raise NotFound("contest", year)
        return found

    def years(self) -> list[int]:
        return sorted(c.year for c in self.contests.values())


def topics_of(views: Any) -> list[str]:
    """Every event topic a replay needs: the contest's and each view's."""
    topics = {get_topic(cls) for view in views.all() for cls in view.handles}
    topics |= {get_topic(cls) for cls in _contest_event_classes()}
    return sorted(topics)


def _contest_event_classes() -> list[type]:
    return [v for v in vars(Contest).values() if isinstance(v, type) and issubclass(v, Aggregate.Event)]
