"""What blocks the contest's next transition, as the read models stand: the facts gathered here, the decision
taken by the domain (domain.transitions, through ``Contest.transition_blockers``), the same list for the desk,
``GET /api/contests/<year>/transitions`` and ``contest status``. The close commands refuse by the same decision."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from domain.contest import ROUND1, ROUND2, ROUND3, Contest
from domain.transitions import TransitionFacts, next_transition, window_now

if TYPE_CHECKING:
    from contest.service import ContestService


def transition_facts(service: ContestService, contest: Contest) -> TransitionFacts:
    """The facts of the stage's next transition, from the read models (only those the stage needs)."""
    year = contest.year
    if contest.stage == ROUND1:
        submitted = sum(1 for s in service.round1.submissions(year) if s["answered"])
        return TransitionFacts(submitted=submitted)
    if contest.stage == ROUND2 and len(contest.round2_municipalities) >= 5:  # a ballot ranks five (D8)
        service.readmodels.catch_up()
        views = service.views
        ballots = {seat: b.points for seat, b in views.ballots.states(year).items()}
        outcome = contest.round2_outcome(ballots, views.votes.stats(year))
        return TransitionFacts(seats_with_ballots=tuple(ballots), open_ties=tuple(outcome.open_ties))
    if contest.stage == ROUND3:
        _contest, assessment, _position = service.round3.assessment(year)
        return TransitionFacts(round3=assessment)
    return TransitionFacts()


def transitions(service: ContestService, year: int, contest: Contest | None = None) -> dict[str, Any]:
    """The stage, its next transition, what blocks it (clause, code, params) and the secretariat's actions."""
    contest = contest or service.contest(year)
    now = service.clock.now()
    blockers = contest.transition_blockers(transition_facts(service, contest))
    return {"year": year, "stage": contest.stage, "next": next_transition(contest.stage),
            "blockers": [b.to_dict() for b in blockers], "actions": list(contest.available_actions(now)),
            "window_now": window_now(contest, now)}

