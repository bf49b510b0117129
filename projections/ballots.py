"""Round 2's jury ballots as a read model (§4.6.4): each seat's counted ballot (the last one cast) and the history
of its casts, for the standings and for what round 2's close counted up to its position."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from domain.ballot import Ballot


@dataclass
class BallotState:
    seat: str
    points: dict[str, int]
    justifications: dict[str, str]
    cast_by: str
    cast_at: datetime
    versions: int
    history: list[tuple[int, dict[str, int]]] = field(default_factory=list)  # (position, points) of every cast


class BallotsView:
    handles = (Ballot.Opened, Ballot.Cast)

    def __init__(self) -> None:
        self._owner: dict[Any, tuple[int, str]] = {}
        self.by_year: dict[int, dict[str, BallotState]] = {}

    def owner_of(self, ballot_id: Any) -> tuple[int, str] | None:
        """The (year, seat) of a ballot opened so far, or None."""
        return self._owner.get(ballot_id)

    def apply(self, event: Any, position: int) -> None:
        if isinstance(event, Ballot.Opened):
            self._owner[event.originator_id] = (event.year, event.seat)
            return
        year, seat = self._owner[event.originator_id]
        seats = self.by_year.setdefault(year, {})
        previous = seats.get(seat)
        history = [*(previous.history if previous else []), (position, dict(event.points))]
        seats[seat] = BallotState(seat=seat, points=dict(event.points), justifications=dict(event.justifications),
                                  cast_by=event.cast_by, cast_at=event.at,
                                  versions=(previous.versions if previous else 0) + 1, history=history)

    def ballots(self, year: int) -> dict[str, dict[str, int]]:
        return {seat: dict(b.points) for seat, b in self.by_year.get(year, {}).items()}

    def ballots_through(self, year: int, position: int) -> dict[str, dict[str, int]]:
        """Each seat's last ballot cast at or before `position` (what round 2's close counted)."""
        result = {}
        for seat, state in self.by_year.get(year, {}).items():
            cast = [points for at, points in state.history if at <= position]
            if cast:
                result[seat] = dict(cast[-1])
        return result

    def states(self, year: int) -> dict[str, BallotState]:
        return dict(self.by_year.get(year, {}))
