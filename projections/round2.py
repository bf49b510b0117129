"""Round 2 read models (§4.6): each seat's counted ballot (the last one, §4.6.4), and the residents' vote
tallied per municipality: count, sum and the distribution of ratings (§4.6.6, D10)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from domain.ballot import Ballot
from domain.vote import Vote


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


@dataclass
class Tally:
    count: int = 0
    total: int = 0
    distribution: dict[int, int] = field(default_factory=dict)

    def add(self, rating: int) -> None:
        self.count += 1
        self.total += rating
        self.distribution[rating] = self.distribution.get(rating, 0) + 1

    @property
    def average(self) -> float | None:
        return self.total / self.count if self.count else None


class VotesView:
    handles = (Vote.Cast,)

    def __init__(self) -> None:
        self.by_year: dict[int, dict[str, Tally]] = {}
        self.comments: dict[int, int] = {}

    def apply(self, event: Any, position: int) -> None:
        tallies = self.by_year.setdefault(event.year, {})
        tally = tallies.get(event.municipality)
        if tally is None:
            tally = tallies[event.municipality] = Tally()
        tally.add(event.rating)
        if event.comment:
            self.comments[event.year] = self.comments.get(event.year, 0) + 1

    def tallies(self, year: int) -> dict[str, Tally]:
        return dict(self.by_year.get(year, {}))

    def stats(self, year: int) -> dict[str, tuple[int, int]]:
        """municipality -> (number of votes, sum of ratings): what the finalists' rule reads (D10, D11)."""
        return {m: (t.count, t.total) for m, t in self.by_year.get(year, {}).items()}

    def total(self, year: int) -> int:
        return sum(t.count for t in self.by_year.get(year, {}).values())
