"""Round 2's jury (§4.6.4-§4.6.5, D8): the seats' ballots, the recorded decisions, the standings with the finalists
as things stand, and the close of round 2 that fixes them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from contest.jury_drafts import BALLOT, JuryDrafts
from contest.state import LiveState, ReadState
from contest.unit_of_work import UnitOfWork
from contest.votes import vote_results
from domain.actors import JUROR, Actor
from domain.ballot import Ballot, ballot_id
from domain.contest import Contest, contest_id
from domain.finalists import FinalistsOutcome
from projections.ballots import BallotState


class Ballots:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self.drafts = JuryDrafts(uow)  # the seats' unsubmitted ballots: never events (contest/jury_drafts.py)

    def cast_ballot(self, year: int, seat: str, points: dict[str, int], justifications: dict[str, str], *,
                    cast_by: str | None, actor: Actor) -> Ballot:
        if actor.role == JUROR and actor.seat != seat:
            raise PermissionError(f"this token casts for seat {actor.seat}, not {seat} (§3.2.1)")

        def decide(ballot: Ballot, contest: Contest, at: datetime) -> None:
            contest.seat(seat)
            ballot.cast(contest, points, justifications, cast_by=cast_by, actor=actor, at=at)

        # decided on the contest as this process holds it: stored only if round 2 has not closed meanwhile
        ballot = self.uow.update(ballot_id(year, seat), decide, what="ballot", key=seat,
                                 new=lambda: Ballot(year=year, seat=seat), unchanged=year).aggregate
        self.drafts.discard(year, BALLOT, seat)  # submitted: the draft has served
        return ballot

    def seat_ballot(self, year: int, seat: str) -> BallotState | None:
        """The seat's counted ballot (its last cast) with when it was cast and how many times, or None."""
        self.uow.readmodels.catch_up()
        return self.uow.views.ballots.states(year).get(seat)

    def record_decision(self, year: int, decision: dict[str, Any], *, actor: Actor) -> Contest:
        return self.uow.update(contest_id(year), lambda c, at: c.record_decision(decision, actor=actor, at=at),
                               what="contest", key=year).aggregate

    def standings(self, year: int, state: ReadState | None = None, *, votes: ReadState | None = None,
                  votes_view: str = "live") -> dict[str, Any]:
        """Jury points per municipality with each seat's ballot, the vote per municipality, and the finalists
        as things stand (or as recorded, once round 2 closed). `state`: live, or as of a past position.

        `votes` is the state whose vote the reader sees (D10, domain.publication): `state` itself by default (the
        live or the final tally), an interim result's snapshot (`votes_view` "interim"), or none at all
        (`votes_view` "refused": the vote and the finalists that hang on it are left out until the window
        closes)."""
        state = state or LiveState(self.uow)
        contest = state.contest(year)
        position = state.catch_up()
        ballots = state.views.ballots.states(year)
        withheld = votes_view == "refused"
        vote_state = votes or state
        tallies = {} if withheld else vote_state.views.votes.tallies(year)
        jury_points: dict[str, int] = dict.fromkeys(contest.round2_municipalities, 0)
        for b in ballots.values():
            for m, p in b.points.items():
                jury_points[m] = jury_points.get(m, 0) + p
        outcome: dict[str, Any] | None = None
        if contest.round2 is not None:
            outcome = contest.round2["outcome"]
        elif not withheld and contest.round2_municipalities and len(contest.round2_municipalities) >= 5:
            outcome = contest.round2_outcome({s: b.points for s, b in ballots.items()},
                                             {m: (t.count, t.total) for m, t in tallies.items()}).to_dict()
        voting = [s.id for s in contest.voting_seats]
        vote: dict[str, Any] | None = None
        if not withheld:
            vote = vote_results(vote_state, year)
            if votes_view == "interim":
                vote = {**vote, "interim_published_at": contest.interim_published_at,
                        "included_through": vote_state.catch_up()}
        return {
            "year": year,
            "stage": contest.stage,
            "position": position,
            "round2": contest.round2_municipalities,
            "jury_points": jury_points,
            "ballots": {seat: {"points": b.points, "justifications": b.justifications, "cast_by": b.cast_by,
                               "cast_at": b.cast_at, "versions": b.versions} for seat, b in ballots.items()},
            "missing_ballots": [s for s in voting if s not in ballots],
            "quorum": contest.rules.quorum,
            "votes": vote,
            "votes_view": votes_view,
            "window": contest.window_times(),
            "outcome": outcome,
            "decisions": contest.decisions,
        }

    def close(self, year: int, *, actor: Actor) -> FinalistsOutcome:
        """Close round 2: the finalists, decided on the ballots and the vote recorded through the position
        the close records (its checkpoint, D16)."""
        uow = self.uow

        def decide(contest: Contest, _: datetime) -> FinalistsOutcome:
            through = uow.readmodels.catch_up()
            views = uow.views
            return contest.close_round2(views.ballots.ballots_through(year, through), views.votes.stats(year),
                                        included_through=through, digest=uow.audit.digest_through(through),
                                        actor=actor, at=uow.clock.now())  # dated after the checkpoint it records

        return uow.update(contest_id(year), decide, what="contest", key=year).result
