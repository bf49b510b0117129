"""Round 2 recomputed: the counted ballots (§4.6.4, D8, D9), the counted vote tally (§4.6.6, D10, without the votes
in quarantine) and the finalists (§4.6.7, D11)."""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from verifier.ties import order


def ballot_problem(points: Any, justifications: Any, ten: list[str]) -> str | None:
    """§4.6.4, D8: points over exactly the round-2 ten; 5, 4, 3, 2, 1 once each, the rest 0 with a justification."""
    if not isinstance(points, dict) or sorted(points) != sorted(ten):
        return "points for exactly the round-2 municipalities"
    values = sorted(points.values(), reverse=True)
    if any(isinstance(v, bool) or not isinstance(v, int) for v in values):
        return "whole points"
    top = [v for v in values if v]
    if top != [5, 4, 3, 2, 1][:len(top)] or len(top) != min(5, len(ten)):
        return "5, 4, 3, 2, 1 each given once (D8)"
    just = justifications if isinstance(justifications, dict) else {}
    for m, v in points.items():
        if v == 0 and not str(just.get(m) or "").strip():
            return f"a written justification for the 0 given to {m} (§4.6.4)"
    return None


@dataclass
class Outcome:
    finalists: list[tuple[str, str]]  # (municipality, via) in order
    residents_choice: str | None
    jury_points: dict[str, int]
    open_ties: list[list[str]] = field(default_factory=list)


def finalists(ten: list[str], ballots: dict[str, dict[str, int]], chair: str | None,
              tally: dict[str, list[int]], eligible: list[str], rules: dict[str, Any],
              decisions: list[dict[str, Any]]) -> Outcome:
    """§4.6.7 with the recorded numbers J = `finalists_by_jury` and T = `finalists_total`: the residents' choice R
    and the jury's top T − 1 of the others (only that boundary decides who goes through); the jury's top J
    first, then R (unless it is among them), then the jury's next ones. No votes: the jury's top T."""
    by_jury = int(rules.get("finalists_by_jury", 4))
    total = int(rules.get("finalists_total", 5))
    points = {m: sum(int(b.get(m, 0)) for b in ballots.values()) for m in ten}
    chair_points = {m: int((ballots.get(chair) or {}).get(m, 0)) if chair else 0 for m in ten}
    key = {m: (points[m], chair_points[m]) for m in ten}
    open_ties: list[list[str]] = []
    voted = [m for m in eligible if tally.get(m, [0, 0])[0] > 0]
    residents = None
    if voted:
        vkey = {m: (Fraction(tally[m][1], tally[m][0]), tally[m][0]) for m in voted}
        vorder, vties = order(voted, vkey, decisions, 1)
        open_ties += vties
        residents = vorder[0]
    if residents is None:
        picks, ties = order(ten, key, decisions, total, keep_order=True)
        chosen = [(m, "jury" if i < by_jury else "jury_fifth") for i, m in enumerate(picks[:total])]
        return Outcome(chosen, None, points, open_ties + ties)
    pool = [m for m in ten if m != residents]  # ten in round 1's order: equal keys are listed so
    picks, ties = order(pool, key, decisions, total - 1, keep_order=True)
    open_ties += ties
    picks = picks[:total - 1]
    if residents in key and key[residents] > key[picks[by_jury - 1]]:  # already among the jury's top J
        top = sorted([*picks[:by_jury - 1], residents], key=lambda m: (-key[m][0], -key[m][1]))
        chosen = [(m, "jury") for m in top] + [(m, "jury_fifth") for m in picks[by_jury - 1:]]
    else:
        chosen = ([(m, "jury") for m in picks[:by_jury]] + [(residents, "residents_vote")]
                  + [(m, "jury_fifth") for m in picks[by_jury:]])
    return Outcome(chosen, residents, points, open_ties)


def eligible_municipalities(rules: dict[str, Any], codes: list[str], ten: list[str]) -> list[str]:
    """D10: every participating municipality by default (`vote_eligible` "all"), else the round-2 ten."""
    return codes if rules.get("vote_eligible", "all") == "all" else ten
