"""A jury seat's round-2 ballot (§4.6.4, D8): one aggregate per contest and seat; casting again replaces it.

Every cast is an event, so the history shows each version; the last one counts (RULES.md "Ballot"). The seat's
member or one of its delegated substitutes (§3.2.1, D1) casts it, and the event says which.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.actors import Actor
from domain.ballots import validate_ballot
from domain.contest import NAMESPACE, ROUND2, Contest
from domain.errors import InvalidInput, RuleViolation


def ballot_id(year: int, seat: str) -> UUID:
    return uuid5(NAMESPACE, f"ballot/{year}/{seat}")


def check_caster(contest: Contest, seat_id: str, cast_by: str | None) -> str:
    """Who casts for the seat: its member ("member") or one of the seat's substitutes, by name (§3.2.1, D1)."""
    seat = contest.seat(seat_id)
    if not seat.voting:
        raise RuleViolation(f"seat {seat_id} is not a voting seat (D1)", clause="§3.2.1, D1", field="seat")
    if cast_by is None or cast_by == "member":
        return "member"
    if cast_by not in seat.substitutes:
        raise InvalidInput({"cast_by": [f"must be 'member' or one of seat {seat_id}'s substitutes (§3.2.1, D1)"]})
    return cast_by


class Ballot(Aggregate):
    @staticmethod
    def create_id(year: int, seat: str) -> UUID:
        return ballot_id(year, seat)

    @event("Opened")
    def __init__(self, year: int, seat: str) -> None:
        self.year = year
        self.seat = seat
        self.points: dict[str, int] = {}
        self.justifications: dict[str, str] = {}
        self.casts = 0

    def cast(self, contest: Contest, points: Mapping[str, int], justifications: Mapping[str, str], *,
             cast_by: str | None, actor: Actor, at: datetime) -> None:
        contest.require_not_sealed()
        if contest.stage != ROUND2:
            raise RuleViolation(f"ballots are cast while round 2 is open; the contest is in {contest.stage}",
                                clause="§4.6.4", stage=contest.stage)
        who = check_caster(contest, self.seat, cast_by)
        validate_ballot(points, justifications, contest.round2_municipalities)
        self._cast(points=dict(points), justifications={k: v.strip() for k, v in justifications.items()},
                   cast_by=who, actor=actor.as_dict(), at=at)

    @event("Cast")
    def _cast(self, points: dict[str, int], justifications: dict[str, str], cast_by: str, actor: dict[str, Any],
              at: datetime) -> None:
        self.points = dict(points)
        self.justifications = dict(justifications)
        self.cast_by = cast_by
        self.casts += 1
        self.cast_at = at
