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
    by_jury = int(rules.get("finalists_by_jury", 4))
    total = int(rules.get("finalists_total", 5))
    points = {m: sum(int(b.get(m, 0)) for b in ballots.values()) for m in ten}
    chair_points = {m: int((ballots.get(chair) or {}).get(m, 0)) if chair else 0 for m in ten}
    key = {m: (points[m], chair_points[m]) for m in ten}
    jury_order, ties = order(ten, key, decisions, by_jury)
    chosen = [(m, "jury") for m in jury_order[:by_jury]]
    open_ties = list(ties)
    voted = [m for m in eligible if tally.get(m, [0, 0])[0] > 0]
    residents = None
    if voted:
        vkey = {m: (Fraction(tally[m][1], tally[m][0]), tally[m][0]) for m in voted}
        vorder, vties = order(voted, vkey, decisions, 1)
        open_ties += vties
        residents = vorder[0]
    names = [m for m, _ in chosen]
    if residents is not None and residents not in names and len(chosen) < total:
        chosen.append((residents, "residents_vote"))
    need = total - len(chosen)
    if need > 0:
        rest_order, rest_ties = order(jury_order[by_jury:], {m: key[m] for m in jury_order[by_jury:]}, decisions,
                                      need)
        open_ties += rest_ties
        chosen += [(m, "jury") for m in rest_order[:need]]
    return Outcome(chosen, residents, points, open_ties)


def eligible_municipalities(rules: dict[str, Any], codes: list[str], ten: list[str]) -> list[str]:
    """D10: every participating municipality by default (`vote_eligible` "all"), else the round-2 ten."""
    return codes if rules.get("vote_eligible", "all") == "all" else ten
