"""A jury seat's round-3 scorecard (§4.7.8, §4.7.11): one aggregate per contest and seat; submitting again
replaces it while round 3 is open, and the last one counts.

Each voting seat gives every finalist 1-5 points (5 highest) with a justification (§4.7.8), and the annual-theme
points: 2 and 1 to its two best finalists, 0 to the others (§4.7.11). The seat's member or one of its delegated
substitutes submits it (§3.2.1, D1) and the event says which. Whether the seat's scores count (§4.7.4: at least
three counted visits) is judged when round 3 is assessed, not here.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.actors import Actor
from domain.ballot import check_caster
from domain.contest import NAMESPACE, Contest
from domain.errors import InvalidInput
from domain.round3_scores import validate_scores, validate_theme_points
from domain.visit import require_round3


def scorecard_id(year: int, seat: str) -> UUID:
    return uuid5(NAMESPACE, f"scorecard/{year}/{seat}")


class Scorecard(Aggregate):
    @staticmethod
    def create_id(year: int, seat: str) -> UUID:
        return scorecard_id(year, seat)

    @event("Opened")
    def __init__(self, year: int, seat: str) -> None:
        self.year = year
        self.seat = seat
        self.scores: dict[str, int] = {}
        self.justifications: dict[str, str] = {}
        self.theme_points: dict[str, int] = {}
        self.cast_by: str | None = None
        self.submissions = 0
        self.submitted_at: datetime | None = None

    def submit(self, contest: Contest, scores: Mapping[str, int], justifications: Mapping[str, str],
               theme_points: Mapping[str, int], *, cast_by: str | None, actor: Actor, at: datetime) -> None:
        """Validate and record the seat's scores and theme points (§4.7.8, §4.7.11)."""
        require_round3(contest, "round-3 scores are given", "§4.7.8")
        who = check_caster(contest, self.seat, cast_by)
        stray = sorted(set(justifications) - set(scores))
        if stray:
            raise InvalidInput({f"justifications.{m}": ["has no score (§4.7.8)"] for m in stray})
        validate_scores({m: (v, justifications.get(m, "")) for m, v in scores.items()}, contest.finalists)
        validate_theme_points(theme_points, contest.finalists)
        order = contest.finalists
        self._submitted(scores={m: scores[m] for m in order},
                        justifications={m: justifications[m].strip() for m in order},
                        theme_points={m: theme_points[m] for m in order}, cast_by=who, actor=actor.as_dict(), at=at)

    @event("Submitted")
    def _submitted(self, scores: dict[str, int], justifications: dict[str, str], theme_points: dict[str, int],
                   cast_by: str, actor: dict[str, Any], at: datetime) -> None:
        self.scores = dict(scores)
        self.justifications = dict(justifications)
        self.theme_points = dict(theme_points)
        self.cast_by = cast_by
        self.submissions += 1
        self.submitted_at = at
