"""Round 3: visits, the final score and the annual-theme prize (§4.7.3, §4.7.4, §4.7.8–§4.7.11, D12, D13).

Pure functions over plain data. The counting rules, in order:

1. A visit counts only if at least five voting seats attended it (§4.7.3); a substitute present counts for its
   seat (the caller maps substitutes to seats). Non-voting seats present do not count towards the five.
2. A seat counts only if it is a voting seat and attended at least three *counted* visits (§4.7.4).
3. A counted seat's scores count for every finalist, including ones it did not visit (§4.7.4 counts the
   member's evaluation as a whole). Per finalist the secretariat averages the counted scores (§4.7.8).
4. The highest average wins (§4.7.9); a tie is decided by the chair's score (§4.7.10), but only if the chair's
   seat counts (2.) and has scored; what is still tied (or a tie with the chair not counting) blocks until a
   recorded jury decision (D12, :class:`domain.ties.JuryDecision` of kind ``winner``).
5. The theme prize goes to the highest sum of counted theme points (§4.7.11, D13); "ties as in D12": the
   chair's theme points break a tie (only if the chair counts), then a jury decision of kind ``theme_prize``.

The thresholds five and three are parameters (contest configuration) with the 2024 values as defaults.
Each seat's scores and theme points are checked as one seat's submissions are (domain.round3_scores).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from domain.ballots import is_int, natural_key
from domain.round3_scores import check_finalists, validate_scores, validate_theme_points
from domain.ties import (
    JuryDecision,
    OpenTie,
    Tie,
    competition_ranks,
    format_value,
    fraction_to_json,
    select_top,
)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


@dataclass(frozen=True)
class VisitRow:
    """A finalist's visit: the voting seats present, other seats present, counted or not and why (§4.7.3)."""

    municipality: str
    recorded: bool
    voting_present: tuple[str, ...]
    other_present: tuple[str, ...]
    counted: bool
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"municipality": self.municipality, "recorded": self.recorded,
                "voting_present": list(self.voting_present), "other_present": list(self.other_present),
                "counted": self.counted, "reason": self.reason}


@dataclass(frozen=True)
class SeatRow:
    """A seat: voting or not, the chair or not, the counted and uncounted visits it attended, counted or not
    and why (§4.7.4), and whether it submitted scores and theme points."""

    seat: str
    voting: bool
    chair: bool
    counted_visits: tuple[str, ...]
    uncounted_visits: tuple[str, ...]
    counted: bool
    reason: str
    scores_submitted: bool
    theme_points_submitted: bool

    def to_dict(self) -> dict[str, Any]:
        return {"seat": self.seat, "voting": self.voting, "chair": self.chair,
                "counted_visits": list(self.counted_visits), "uncounted_visits": list(self.uncounted_visits),
                "counted": self.counted, "reason": self.reason, "scores_submitted": self.scores_submitted,
                "theme_points_submitted": self.theme_points_submitted}


@dataclass(frozen=True)
class MunicipalityRow:
    """A finalist's counted scores (seat -> score), their sum, count and exact average (§4.7.8), the
    competition rank by average (D2; ``None`` without counted scores), the chair's score if the chair counts,
    the scores left out (seats that do not count), and the same for the theme points (§4.7.11, D13)."""

    municipality: str
    scores: tuple[tuple[str, int], ...]
    score_sum: int
    average: Fraction | None
    rank: int | None
    chair_score: int | None
    excluded_scores: tuple[tuple[str, int], ...]
    theme_points: tuple[tuple[str, int], ...]
    theme_sum: int
    theme_rank: int
    chair_theme_points: int | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "municipality": self.municipality,
            "scores": dict(self.scores),
            "score_count": len(self.scores),
            "score_sum": self.score_sum,
            "average": None if self.average is None else fraction_to_json(self.average),
            "rank": self.rank,
            "chair_score": self.chair_score,
            "excluded_scores": dict(self.excluded_scores),
            "theme_points": dict(self.theme_points),
            "theme_sum": self.theme_sum,
            "theme_rank": self.theme_rank,
            "chair_theme_points": self.chair_theme_points,
        }


@dataclass(frozen=True)
class FinalResult:
    """The result of :func:`compute_final_result`.

    ``winner`` is ``None`` while ``winner_blocked`` (an open ``winner`` tie) or when no counted scores exist
    yet (see ``notes``); likewise ``theme_winner``/``theme_blocked``. ``open_ties`` lists what the jury must
    decide.
    """

    winner: str | None
    winner_blocked: bool
    theme_winner: str | None
    theme_blocked: bool
    open_ties: tuple[OpenTie, ...]
    chair_seat: str
    min_seats_per_visit: int
    min_visits_per_seat: int
    visits: tuple[VisitRow, ...]
    seats: tuple[SeatRow, ...]
    municipalities: tuple[MunicipalityRow, ...]
    ties: tuple[Tie, ...]
    notes: tuple[str, ...]
    used_decisions: tuple[JuryDecision, ...]
    unused_decisions: tuple[JuryDecision, ...]

    @property
    def blocked(self) -> bool:
        return self.winner_blocked or self.theme_blocked

    def to_dict(self) -> dict[str, Any]:
        return {
            "winner": self.winner,
            "winner_blocked": self.winner_blocked,
            "theme_winner": self.theme_winner,
            "theme_blocked": self.theme_blocked,
            "open_ties": [t.to_dict() for t in self.open_ties],
            "explanation": {
                "chair_seat": self.chair_seat,
                "min_seats_per_visit": self.min_seats_per_visit,
                "min_visits_per_seat": self.min_visits_per_seat,
                "visits": [v.to_dict() for v in self.visits],
                "seats": [s.to_dict() for s in self.seats],
                "municipalities": [m.to_dict() for m in self.municipalities],
                "ties": [t.to_dict() for t in self.ties],
                "notes": list(self.notes),
                "used_decisions": [d.to_dict() for d in self.used_decisions],
                "unused_decisions": [d.to_dict() for d in self.unused_decisions],
            },
        }


def compute_final_result(
    finalists: Sequence[str],
    voting_seats: Collection[str],
    chair_seat: str,
    attendance: Mapping[str, Collection[str]],
    scores: Mapping[str, Mapping[str, tuple[int, str]]],
    theme_points: Mapping[str, Mapping[str, int]],
    decisions: Sequence[JuryDecision] = (),
    *,
    min_seats_per_visit: int = 5,
    min_visits_per_seat: int = 3,
) -> FinalResult:
    """The winner and the theme prize of round 3 with the full table (§4.7.3, §4.7.4, §4.7.8–§4.7.11, D12,
    D13).

    ``finalists``: the five, in the order of :func:`domain.finalists.determine_finalists` (it orders rows with
    equal averages). ``voting_seats``: the voting seats' ids (D1). ``chair_seat``: the chair's seat (§3.2.2).
    ``attendance``: finalist -> seats present at its visit (a substitute present counts for its seat; a
    finalist absent from the mapping has no recorded visit). ``scores``: seat -> finalist -> (1–5,
    justification); ``theme_points``: seat -> finalist -> 0/1/2; each seat's entry is checked with
    :func:`validate_scores` / :func:`validate_theme_points` (so a malformed entry raises as there).
    ``decisions``: recorded jury decisions (kinds ``winner``, ``theme_prize``). ``min_seats_per_visit``
    (§4.7.3) and ``min_visits_per_seat`` (§4.7.4) are configuration. A visit naming a non-finalist is a caller
    error (``ValueError``).
    """
    codes = check_finalists(finalists)
    for name, value in (("min_seats_per_visit", min_seats_per_visit),
                        ("min_visits_per_seat", min_visits_per_seat)):
        if not is_int(value) or value < 1:
            raise ValueError(f"{name} must be a positive int")
    stray = sorted((m for m in attendance if m not in set(codes)), key=natural_key)
    if stray:
        raise ValueError(f"visits recorded for municipalities that are not finalists: {', '.join(stray)}")
    for seat_scores in scores.values():
        validate_scores(seat_scores, codes)
    for seat_points in theme_points.values():
        validate_theme_points(seat_points, codes)
    decisions = tuple(decisions)
    voting = set(voting_seats)

    # 1. Visits (§4.7.3).
    visits: list[VisitRow] = []
    counted_visits: set[str] = set()
    for m in codes:
        present = set(attendance.get(m, ()))
        vp = tuple(sorted(present & voting, key=natural_key))
        op = tuple(sorted(present - voting, key=natural_key))
        ok = len(vp) >= min_seats_per_visit
        if m not in attendance:
            reason = f"no visit recorded; needs {min_seats_per_visit} voting seats present, §4.7.3"
        else:
            reason = (f"{_plural(len(vp), 'voting seat')} present ({', '.join(vp) or 'none'});"
                      f" needs {min_seats_per_visit}, §4.7.3")
            if op:
                reason += f"; also present, not voting seats: {', '.join(op)}"
        if ok:
            counted_visits.add(m)
        visits.append(VisitRow(m, m in attendance, vp, op, ok, reason))

    # 2. Seats (§4.7.4).
    all_seats = set(voting) | {chair_seat} | set(scores) | set(theme_points)
    for seats_present in attendance.values():
        all_seats |= set(seats_present)
    seat_rows: list[SeatRow] = []
    counted_seats: set[str] = set()
    for seat in sorted(all_seats, key=natural_key):
        attended = [m for m in codes if seat in set(attendance.get(m, ()))]
        cv = tuple(m for m in attended if m in counted_visits)
        uv = tuple(m for m in attended if m not in counted_visits)
        if seat not in voting:
            ok = False
            reason = "not a voting seat (§3.2.1, D1): its scores do not count"
        else:
            ok = len(cv) >= min_visits_per_seat
            reason = (f"attended {_plural(len(cv), 'counted visit')} ({', '.join(cv) or 'none'});"
                      f" needs {min_visits_per_seat}, §4.7.4")
            if uv:
                reason += f"; also at {', '.join(uv)}, whose visit did not count (§4.7.3)"
        if ok:
            counted_seats.add(seat)
        seat_rows.append(SeatRow(seat, seat in voting, seat == chair_seat, cv, uv, ok, reason,
                                 seat in scores, seat in theme_points))
    seat_reason = {r.seat: r.reason for r in seat_rows}

    notes: list[str] = []
    scoring = sorted((s for s in counted_seats if s in scores), key=natural_key)
    theming = sorted((s for s in counted_seats if s in theme_points), key=natural_key)
    for s in sorted(counted_seats, key=natural_key):
        if s not in scores:
            notes.append(f"{s} counts (§4.7.4) but has not submitted scores (§4.7.8)")
        if s not in theme_points:
            notes.append(f"{s} counts (§4.7.4) but has not submitted theme points (§4.7.11)")

    def chair_note(what: str, submitted: Mapping[str, object], clause: str) -> str:
        if chair_seat not in counted_seats:
            return (f"the chair's seat {chair_seat} does not count ({seat_reason[chair_seat]}), so its {what}"
                    f" cannot break the tie ({clause}, D12)")
        if chair_seat not in submitted:
            return f"the chair's seat {chair_seat} has no {what}s, so none can break the tie ({clause}, D12)"
        return f"the chair's ({chair_seat}) {what} breaks the tie ({clause})"

    # 3. Scores and averages (§4.7.8).
    chair_scores = ({m: scores[chair_seat][m][0] for m in codes}
                    if chair_seat in counted_seats and chair_seat in scores else None)
    chair_theme = ({m: theme_points[chair_seat][m] for m in codes}
                   if chair_seat in counted_seats and chair_seat in theme_points else None)
    counted_scores = {m: tuple((s, scores[s][m][0]) for s in scoring) for m in codes}
    excluded = {m: tuple((s, scores[s][m][0]) for s in sorted(scores, key=natural_key)
                         if s not in counted_seats) for m in codes}
    averages = ({m: Fraction(sum(v for _s, v in counted_scores[m]), len(scoring)) for m in codes}
                if scoring else {})
    theme_counted = {m: tuple((s, theme_points[s][m]) for s in theming) for m in codes}
    theme_sums = {m: sum(v for _s, v in theme_counted[m]) for m in codes}

    ties: list[Tie] = []
    used: list[JuryDecision] = []
    open_ties: list[OpenTie] = []

    # 4. The winner (§4.7.9, §4.7.10, D12).
    winner: str | None = None
    if not averages:
        notes.append("no counted scores yet: no winner (§4.7.4, §4.7.8)")
    else:
        sel = select_top(codes, 1, averages, chair_scores, kind="winner",
                         describe=lambda v: f"average {format_value(v)}", tiebreak="chair_score",
                         tiebreak_note=chair_note("score", scores, "§4.7.10"), decisions=decisions)
        winner = sel.selected[0] if sel.selected else None
        if sel.tie is not None:
            ties.append(sel.tie)
            if sel.tie.is_open:
                open_ties.append(sel.tie.open_tie())
        if sel.decision is not None:
            used.append(sel.decision)

    # 5. The annual-theme prize (§4.7.11, D13).
    theme_winner: str | None = None
    if not theming:
        notes.append("no counted theme points yet: no theme prize (§4.7.4, §4.7.11)")
    else:
        sel = select_top(codes, 1, theme_sums, chair_theme, kind="theme_prize",
                         describe=lambda v: f"{format_value(v)} theme points", tiebreak="chair_theme_points",
                         tiebreak_note=chair_note("theme point", theme_points, "§4.7.10 by analogy, D13"),
                         decisions=decisions)
        theme_winner = sel.selected[0] if sel.selected else None
        if sel.tie is not None:
            ties.append(sel.tie)
            if sel.tie.is_open:
                open_ties.append(sel.tie.open_tie())
        if sel.decision is not None:
            used.append(sel.decision)

    ranks = competition_ranks(list(averages), key=lambda m: averages[m]) if averages else {}
    theme_ranks = competition_ranks(codes, key=lambda m: theme_sums[m])
    index = {m: i for i, m in enumerate(codes)}
    rows = tuple(
        MunicipalityRow(
            municipality=m,
            scores=counted_scores[m],
            score_sum=sum(v for _s, v in counted_scores[m]),
            average=averages.get(m),
            rank=ranks.get(m),
            chair_score=None if chair_scores is None else chair_scores[m],
            excluded_scores=excluded[m],
            theme_points=theme_counted[m],
            theme_sum=theme_sums[m],
            theme_rank=theme_ranks[m],
            chair_theme_points=None if chair_theme is None else chair_theme[m],
        )
        for m in sorted(codes, key=lambda m: (ranks.get(m, len(codes) + 1), m != winner, index[m]))
    )
    used_ids = {id(d) for d in used}
    return FinalResult(
        winner=winner,
        winner_blocked=any(t.kind == "winner" for t in open_ties),
        theme_winner=theme_winner,
        theme_blocked=any(t.kind == "theme_prize" for t in open_ties),
        open_ties=tuple(open_ties),
        chair_seat=chair_seat,
        min_seats_per_visit=min_seats_per_visit,
        min_visits_per_seat=min_visits_per_seat,
        visits=tuple(visits),
        seats=tuple(seat_rows),
        municipalities=rows,
        ties=tuple(ties),
        notes=tuple(notes),
        used_decisions=tuple(used),
        unused_decisions=tuple(d for d in decisions if id(d) not in used_ids),
    )
