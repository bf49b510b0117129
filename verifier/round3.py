"""Round 3 recomputed from the visits, attendance and score sheets up to the close's `included_through`:
§4.7.3 (a visit counts with at least the minimum voting seats present), §4.7.4 (a seat's scores count only with
enough counted visits), §4.7.8–§4.7.11 (averages, the chair's tie-break), D12 and D13 (recorded decisions)."""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from verifier.ties import order


@dataclass
class Result:
    winner: str | None
    theme_winner: str | None
    averages: dict[str, Fraction | None]
    score_sums: dict[str, int]
    score_counts: dict[str, int]
    theme_sums: dict[str, int]
    counted_visits: dict[str, bool]
    counted_seats: dict[str, bool]
    open_ties: list[list[str]] = field(default_factory=list)


def recompute(finalists: list[str], visits: dict[str, dict[str, Any]], sheets: dict[str, dict[str, Any]],
              voting: set[str], chair: str | None, rules: dict[str, Any],
              decisions: list[dict[str, Any]]) -> Result:
    """visits: municipality -> the last recorded `present` (seat -> member or substitute); sheets: seat -> the last
    submitted {"scores", "theme_points"}."""
    min_seats = int(rules.get("visit_min_seats", 5))
    min_visits = int(rules.get("seat_min_visits", 3))
    counted_visits = {m: len([s for s in (visits.get(m) or {}) if s in voting]) >= min_seats for m in finalists}
    attended = {s: sum(1 for m in finalists if counted_visits[m] and s in (visits.get(m) or {})) for s in voting}
    counted_seats = {s: attended[s] >= min_visits for s in voting}
    counting = [s for s in sorted(voting) if counted_seats[s] and s in sheets]
    sums = {m: sum(int((sheets[s].get("scores") or {}).get(m, 0)) for s in counting) for m in finalists}
    counts = {m: sum(1 for s in counting if m in (sheets[s].get("scores") or {})) for m in finalists}
    themes = {m: sum(int((sheets[s].get("theme_points") or {}).get(m, 0)) for s in counting) for m in finalists}
    averages = {m: (Fraction(sums[m], counts[m]) if counts[m] else None) for m in finalists}
    chair_sheet = sheets.get(chair or "", {})
    chair_scores = chair_sheet.get("scores") or {}
    chair_theme = chair_sheet.get("theme_points") or {}
    scored = [m for m in finalists if averages[m] is not None]
    win_key = {m: (averages[m], int(chair_scores.get(m, 0))) for m in scored}
    win_order, ties = order(scored, win_key, decisions, 1, ("winner",))
    theme_key = {m: (themes[m], int(chair_theme.get(m, 0))) for m in finalists}
    theme_order, theme_ties = order(list(finalists), theme_key, decisions, 1, ("!winner",))
    return Result(win_order[0] if win_order and not ties else None,
                  theme_order[0] if theme_order and not theme_ties else None,
                  averages, sums, counts, themes, counted_visits, counted_seats, ties + theme_ties)
