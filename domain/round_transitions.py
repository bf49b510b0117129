"""What each round transition records (§4.1), and what round 3, the briefing and the jury's decisions require.
What blocks opening round 1 and closing rounds 1 and 2 (a questionnaire, §4.2; submissions, §4.2, §4.5; the closed
vote, the quorum and no open tie, §4.6.6, §4.6.7, D9, D11) is decided in domain.transitions, which the desk shows.

- Round 1 closes with the final ranking and who advances (§4.5, D7), and round 2 opens.
- Round 2 closes with the finalists and the whole table (§4.6.7); round 3 opens.
- The jury is briefed on the finalists after round 2 closed and before round 3's visits (§4.6.8).
- Round 3 closes when nothing blocks it (domain.round3.assess_round3) with a winner and a theme-prize winner
  (§4.7.9-§4.7.11); the contest is then finished, awaiting the council (§7.4, domain.approval).
- The jury's decisions on ties (§3.2.4, D11-D13) are taken in the round they belong to, with the quorum present.

Pure decisions over plain values; the aggregate (domain.contest) calls them and records the events.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import date
from typing import Any

from domain.errors import InvalidInput, RuleViolation
from domain.finalists import FinalistsOutcome
from domain.round3 import Round3Assessment
from domain.stages import ROUND2, ROUND3, require_stage
from domain.ties import JuryDecision
from domain.workdays import check_briefing_before_visits

ROUND2_TIES = ("jury_4th_place", "jury_5th_place", "residents_choice")  # D11
ROUND3_TIES = ("winner", "theme_prize")  # D12, D13
RANKING_FIELDS = ("municipality", "place", "overall", "indices", "eur_totals", "raw_points")
SCORECARD_FIELDS = ("scores", "justifications", "theme_points", "cast_by")

# ----- round 1 (§4.2-§4.5) -----


def round1_record(result: Mapping[str, Any]) -> tuple[list[dict[str, Any]], list[str], dict[str, Any]]:
    """What Round1Closed records of round 1's result (domain.scoring.Round1Result.to_dict()): the final ranking
    (without the explanations, which are recomputed from the answers), who advances and the cut (§4.5, D7)."""
    ranking = [{k: row[k] for k in RANKING_FIELDS if k in row} for row in result["ranking"]]
    return ranking, list(result["advancing"]), result.get("cut", {})


# ----- round 2 (§4.6) -----


def round2_record(outcome: FinalistsOutcome, ballots: Mapping[str, Mapping[str, int]],
                  tallies: Mapping[str, tuple[int, int]], voting: Collection[str]) -> dict[str, Any]:
    """What Round2Closed records (§4.6.7): the finalists and the whole table, the voting seats' ballots and the
    counted tallies (count, sum) the residents' finalist came from."""
    return {"finalists": [f.to_dict() for f in outcome.finalists], "outcome": outcome.to_dict(),
            "ballots": {k: dict(v) for k, v in ballots.items() if k in voting},
            "tallies": {m: list(t) for m, t in tallies.items()}}


# ----- the briefing and round 3 (§4.6.8, §4.7) -----


def check_briefing(stage: str, briefed_on: date, *, today: date, round2_closed_on: date | None,
                   first_visit: date | None, briefing_days: int) -> None:
    """The jury is briefed (§4.6.8) once round 2 has closed, before round 3's visits: on a day not in the future,
    not before round 2 closed (`round2_closed_on`), and at least `briefing_days` before the first visit, if any."""
    if stage != ROUND3:
        raise RuleViolation(f"the jury is briefed on the finalists once round 2 has closed, before round 3's "
                            f"visits; the contest is in {stage}", clause="§4.6.8", stage=stage)
    if briefed_on > today:
        raise InvalidInput({"date": [f"a briefing is recorded once held: {briefed_on.isoformat()} is later than "
                                     f"today ({today.isoformat()})"]})
    closed = round2_closed_on or today
    if briefed_on < closed:
        raise RuleViolation(f"the full information on the finalists exists once round 2 closed "
                            f"({closed.isoformat()}); {briefed_on.isoformat()} is earlier", clause="§4.6.8",
                            field="date")
    if first_visit is not None:
        check_briefing_before_visits(briefed_on, first_visit, briefing_days)


def require_round3_open(stage: str) -> None:
    require_stage(stage, ROUND3, "round 3 is not open", "§4.7")


def require_round3_closable(assessment: Round3Assessment) -> tuple[str, str]:
    """Round 3 closes when nothing blocks it (each blocker names its clause), with a winner and a theme-prize
    winner (§4.7.9, §4.7.11); returns the two."""
    if assessment.blocked:
        messages = [b.message for b in assessment.blockers]
        raise RuleViolation("round 3 cannot close yet: " + "; ".join(messages), clause=assessment.clauses(),
                            blockers=[b.to_dict() for b in assessment.blockers])
    result = assessment.result
    if result.winner is None or result.theme_winner is None:  # ruled out by the blockers (scores exist, §3.2.3)
        raise RuleViolation("round 3 cannot close without a winner and a theme-prize winner",
                            clause="§4.7.9, §4.7.11")
    return result.winner, result.theme_winner


def scorecards_record(scorecards: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """What Round3Closed records of the seats' scorecards, by seat."""
    return {seat: {k: card[k] for k in SCORECARD_FIELDS} for seat, card in sorted(scorecards.items())}


# ----- the jury's decisions on ties (§3.2.4, D11-D13) -----


def parse_decision(decision: Mapping[str, Any], stage: str, voting_seats: int, quorum: int) -> JuryDecision:
    """A decision on a tie (simple majority, §3.2.4, with its justification): taken in the round its tie belongs
    to, by at most the jury's voting members and at least the quorum (§3.2.3)."""
    fields: dict[str, Any] = {k: decision.get(k) for k in ("kind", "tied", "chosen", "text", "votes_for",
                                                           "votes_total")}  # as given: JuryDecision checks them
    parsed = JuryDecision(**fields)
    stage_for = ROUND2 if parsed.kind in ROUND2_TIES else ROUND3
    if stage != stage_for:
        raise RuleViolation(f"a decision on a {parsed.kind} tie is taken in {stage_for}; the contest is in "
                            f"{stage}", clause="§3.2.4", stage=stage)
    if parsed.votes_total > voting_seats:
        raise InvalidInput({"votes_total": [f"the jury has {voting_seats} voting members"]})
    if parsed.votes_total < quorum:
        raise RuleViolation(f"the jury decides with at least {quorum} members present (§3.2.3)",
                            clause="§3.2.3", field="votes_total")
    return parsed
