"""The five finalists of round 2 (§4.6.7, D10, D11); the tie machinery and jury decisions (§3.2.4) it shares with
round 3 live in :mod:`domain.ties` (re-exported here).

Pure functions over plain data: the aggregates pass in what their events hold and record what comes out.

§4.6.7 in one line: the four with the most jury points, plus the residents' choice (the highest average
rating, D10), or the jury's fifth if the residents' choice is already one of the four. The two numbers are the
contest's rule numbers ``finalists_by_jury`` (J, 4 in 2024) and ``finalists_total`` (T, 5 in 2024; J < T,
domain.config.Rules): the jury's top J, plus the residents' choice, and the jury's next ones (in jury-point
order) complete the T places. An equivalent form used here:

    finalists = {R} ∪ (the jury's top T − 1 among the round-2 municipalities other than R)

where R is the residents' choice. (If R is not in the jury's top J, removing it changes nothing; if it is, the
top T − 1 of the rest are the others of the top J plus the jury's next ones.) So exactly one jury boundary
decides who goes through: the (T − 1)th/Tth place among the round-2 municipalities other than R (the 4th/5th
under the 2024 numbers). A jury-point tie matters only when it straddles that boundary; a tie anywhere else
(e.g. two municipalities sharing 1st place, or R sharing the Jth place with the one that would otherwise be the
jury's fifth: both go through either way) needs no breaking. J only decides how each finalist went through
(``via``) and its position.

Ties (D11): a jury-point tie at the boundary is broken by the chair's points (by analogy with §4.7.10); a
residents' tie on the average rating by the larger number of votes. Whatever is still tied needs a recorded
jury decision (:class:`JuryDecision`, simple majority, §3.2.4); until then the outcome is ``blocked`` and
lists the :class:`OpenTie` s to decide. Tie kinds:

* ``jury_4th_place``: who completes the jury's top J (R is not strictly above the boundary, and the boundary
  is the Jth place: T − 1 = J, as in 2024);
* ``jury_5th_place``: who takes the last place the jury fills after the residents' choice (the jury's fifth in
  2024): R is strictly above the boundary in jury points, or the boundary lies past the jury's top J
  (T − 1 > J), or there are no votes at all (then the jury fills all T places);
* ``residents_choice``: the residents' choice, only when it changes the finalists.

With no residents' votes at all §4.6.7 is silent; here the residents' place goes to the jury's fifth.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from fractions import Fraction
from typing import Any

from domain.ballots import check_round2_list, is_int, natural_key
from domain.ties import (
    TIE_CLAUSES,
    TIE_KINDS,
    JuryDecision,
    OpenTie,
    Selection,
    Tie,
    Value,
    competition_ranks,
    format_value,
    fraction_to_json,
    select_top,
)

__all__ = [
    "FINALISTS",
    "JURY_PLACES",
    "TIE_CLAUSES",
    "TIE_KINDS",
    "Finalist",
    "FinalistsOutcome",
    "JuryDecision",
    "JuryRow",
    "OpenTie",
    "Selection",
    "Tie",
    "Value",
    "VoteRow",
    "competition_ranks",
    "determine_finalists",
    "format_value",
    "fraction_to_json",
    "select_top",
]

#: How many municipalities the jury's points nominate (§4.6.7) and how many finalists there are: the defaults
#: of the contest's rule numbers ``finalists_by_jury`` and ``finalists_total`` (domain.config.Rules), which the
#: contest passes in.
JURY_PLACES = 4
FINALISTS = 5


@dataclass(frozen=True)
class Finalist:
    """A finalist: ``position`` 1–T; ``via`` ``jury`` (the jury's top J, by rank), ``residents_vote`` or
    ``jury_fifth`` (a place the jury fills after the residents' choice: the jury's fifth in 2024) (§4.6.7).
    ``jury_points``/``jury_rank`` are ``None`` for a residents' choice from outside round 2 (D10)."""

    municipality: str
    position: int
    via: str
    jury_points: int | None
    jury_rank: int | None

    def to_dict(self) -> dict[str, Any]:
        return {"municipality": self.municipality, "position": self.position, "via": self.via,
                "jury_points": self.jury_points, "jury_rank": self.jury_rank}


@dataclass(frozen=True)
class JuryRow:
    """A round-2 municipality's jury points: the total, the chair's points (``None``: the chair has no
    ballot), the competition rank by total (D2), each seat's points and, for a finalist, how it went
    through."""

    municipality: str
    points: int
    chair_points: int | None
    rank: int
    points_by_seat: tuple[tuple[str, int], ...]
    finalist_via: str | None

    def to_dict(self) -> dict[str, Any]:
        return {"municipality": self.municipality, "points": self.points, "chair_points": self.chair_points,
                "rank": self.rank, "points_by_seat": dict(self.points_by_seat),
                "finalist_via": self.finalist_via}


@dataclass(frozen=True)
class VoteRow:
    """A voted municipality: number of votes, sum of ratings, exact average, rank by (average, votes)."""

    municipality: str
    votes: int
    rating_sum: int
    average: Fraction
    rank: int
    in_round2: bool
    finalist_via: str | None

    def to_dict(self) -> dict[str, Any]:
        return {"municipality": self.municipality, "votes": self.votes, "rating_sum": self.rating_sum,
                "average": fraction_to_json(self.average), "rank": self.rank, "in_round2": self.in_round2,
                "finalist_via": self.finalist_via}


@dataclass(frozen=True)
class FinalistsOutcome:
    """The result of :func:`determine_finalists`.

    ``finalists`` is empty while ``blocked``; ``open_ties`` then lists what the jury must decide (a later tie
    may only show once an earlier one is decided, e.g. the jury's four depend on the residents' choice).
    ``residents_choice`` is ``None`` with no votes, or when a residents' tie was open or did not matter.
    """

    finalists: tuple[Finalist, ...]
    blocked: bool
    open_ties: tuple[OpenTie, ...]
    residents_choice: str | None
    chair_seat: str
    jury_table: tuple[JuryRow, ...]
    vote_table: tuple[VoteRow, ...]
    ties: tuple[Tie, ...]
    notes: tuple[str, ...]
    used_decisions: tuple[JuryDecision, ...]
    unused_decisions: tuple[JuryDecision, ...]

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(f.municipality for f in self.finalists)

    def to_dict(self) -> dict[str, Any]:
        return {
            "blocked": self.blocked,
            "finalists": [f.to_dict() for f in self.finalists],
            "open_ties": [t.to_dict() for t in self.open_ties],
            "residents_choice": self.residents_choice,
            "explanation": {
                "chair_seat": self.chair_seat,
                "jury_table": [r.to_dict() for r in self.jury_table],
                "vote_table": [r.to_dict() for r in self.vote_table],
                "ties": [t.to_dict() for t in self.ties],
                "notes": list(self.notes),
                "used_decisions": [d.to_dict() for d in self.used_decisions],
                "unused_decisions": [d.to_dict() for d in self.unused_decisions],
            },
        }


@dataclass(frozen=True)
class _Path:
    """The finalists for one assumed residents' choice ``r`` (``None``: no votes)."""

    selection: Selection
    finalists: tuple[Finalist, ...] | None
    r_in_top: bool
    notes: tuple[str, ...]


def _check_vote_stats(vote_stats: Mapping[str, tuple[int, int]]) -> dict[str, tuple[int, int]]:
    voted: dict[str, tuple[int, int]] = {}
    for code, stats in vote_stats.items():
        count, total = stats
        if not isinstance(code, str) or not is_int(count) or not is_int(total) or count < 0 \
                or not count <= total <= 5 * count:
            raise ValueError(f"vote stats for {code!r} must be (count, sum of 1–5 ratings), got {stats!r}")
        if count:
            voted[code] = (count, total)
    return voted


def determine_finalists(
    round2: Sequence[str],
    ballots: Mapping[str, Mapping[str, int]],
    chair_seat: str,
    vote_stats: Mapping[str, tuple[int, int]],
    decisions: Sequence[JuryDecision] = (),
    *,
    by_jury: int = JURY_PLACES,
    total: int = FINALISTS,
) -> FinalistsOutcome:
    """The ``total`` finalists of round 2 (§4.6.7, D10, D11), or a ``blocked`` outcome naming the ties to decide.

    ``round2``: the round-2 municipalities in round-1 order (the order lists ties that need no breaking).
    ``ballots``: seat -> municipality -> points, the counted (last, validated, D8) ballot of each voting seat.
    ``chair_seat``: the chair's seat (§3.2.2), whose points break jury ties (D11); a chair without a ballot
    breaks none. ``vote_stats``: municipality -> (number of votes, sum of 1–5 ratings), any participant (D10;
    the caller filters it when the contest limits the vote to round 2). ``decisions``: recorded jury decisions
    (D11). ``by_jury``, ``total``: the contest's rule numbers ``finalists_by_jury`` and ``finalists_total``
    (1 <= by_jury < total <= the number of round-2 municipalities).

    Jury points are the sums of the ballots. Caller errors (a ballot naming a municipality outside round 2,
    impossible vote stats) raise ``ValueError``. The quorum of ballots (D9) is checked by :func:`check_quorum`
    when round 2 closes, not here, so an interim outcome can be shown at any time.
    """
    codes = check_round2_list(round2)
    if not (is_int(by_jury) and is_int(total) and 1 <= by_jury < total <= len(codes)):
        raise ValueError(f"finalists: by_jury {by_jury!r} and total {total!r} need 1 <= by_jury < total <= "
                         f"{len(codes)} (the round-2 municipalities)")
    known = set(codes)
    for seat, ballot in ballots.items():
        for code, pts in ballot.items():
            if code not in known or not is_int(pts):
                raise ValueError(f"ballot of {seat} gives {pts!r} to {code!r}: not round-2 points")
    decisions = tuple(decisions)
    for d in decisions:
        if not isinstance(d, JuryDecision):
            raise TypeError(f"not a JuryDecision: {d!r}")
    seats = sorted(ballots, key=natural_key)
    totals = {m: sum(ballots[s].get(m, 0) for s in seats) for m in codes}
    chair_ballot = ballots.get(chair_seat)
    chair_points = None if chair_ballot is None else {m: chair_ballot.get(m, 0) for m in codes}
    if chair_points is None:
        chair_note = f"the chair's seat {chair_seat} has no ballot, so no chair tie-break (D11)"
    else:
        chair_note = f"the chair's ({chair_seat}) points break jury-point ties (D11, by analogy with §4.7.10)"
    jury_ranks = competition_ranks(codes, key=lambda m: totals[m])

    voted = _check_vote_stats(vote_stats)
    averages = {m: Fraction(s, c) for m, (c, s) in voted.items()}
    counts = {m: c for m, (c, _s) in voted.items()}
    vote_order = sorted(voted, key=lambda m: (-averages[m], -counts[m], natural_key(m)))

    def jury_key(m: str) -> tuple[int, int]:
        return (totals[m], 0 if chair_points is None else chair_points[m])

    def make_path(r: str | None) -> _Path:
        notes: list[str] = []
        if r is None:
            sel = select_top(codes, total, totals, chair_points, kind="jury_5th_place",
                             describe=lambda v: f"{format_value(v)} jury points", tiebreak="chair_points",
                             tiebreak_note=chair_note, decisions=decisions)
            if sel.selected is None:
                return _Path(sel, None, False, ())
            fins = [Finalist(m, i + 1, "jury" if i < by_jury else "jury_fifth", totals[m], jury_ranks[m])
                    for i, m in enumerate(sel.selected)]
            return _Path(sel, tuple(fins), False, ())
        pool = [m for m in codes if m != r]
        jth_total = sorted((totals[m] for m in pool), reverse=True)[by_jury - 1]
        r_above = r in known and totals[r] > jth_total
        kind = "jury_5th_place" if r_above or total - 1 > by_jury else "jury_4th_place"
        sel = select_top(pool, total - 1, totals, chair_points, kind=kind,
                         describe=lambda v: f"{format_value(v)} jury points", tiebreak="chair_points",
                         tiebreak_note=chair_note, decisions=decisions)
        if sel.selected is None:
            return _Path(sel, None, False, ())
        picks = list(sel.selected)
        jth = picks[by_jury - 1]  # the jury's Jth without R
        r_in_top = r in known and jury_key(r) > jury_key(jth)
        if r in known and totals[r] == totals[jth]:
            notes.append(
                f"{r} (residents' choice) shares {totals[r]} jury points with {jth} at the boundary of the"
                f" jury's top {by_jury}: both are finalists either way, so this tie needs no breaking (§4.6.7)")
        if r_in_top:
            merged = sorted([*picks[:by_jury - 1], r], key=lambda m: (-jury_key(m)[0], -jury_key(m)[1]))
            fins = [Finalist(m, i + 1, "jury", totals[m], jury_ranks[m]) for i, m in enumerate(merged)]
            fins += [Finalist(m, by_jury + i + 1, "jury_fifth", totals[m], jury_ranks[m])
                     for i, m in enumerate(picks[by_jury - 1:])]
        else:
            fins = [Finalist(m, i + 1, "jury", totals[m], jury_ranks[m]) for i, m in enumerate(picks[:by_jury])]
            fins.append(Finalist(r, by_jury + 1, "residents_vote", totals.get(r), jury_ranks.get(r)))
            fins += [Finalist(m, by_jury + i + 2, "jury_fifth", totals[m], jury_ranks[m])
                     for i, m in enumerate(picks[by_jury:])]
        return _Path(sel, tuple(fins), r_in_top, tuple(notes))

    notes: list[str] = []
    ties: list[Tie] = []
    used: list[JuryDecision] = []
    open_ties: list[OpenTie] = []
    residents_choice: str | None = None
    chosen_path: _Path | None = None

    if not voted:
        notes.append("no residents' votes at all: §4.6.7 is silent, so the residents' place goes to the"
                     f" jury (the jury's points fill all {total} places)")
        chosen_path = make_path(None)
    else:
        res = select_top(vote_order, 1, averages, counts, kind="residents_choice",
                         describe=lambda v: f"average rating {format_value(v)}", tiebreak="vote_count",
                         tiebreak_note="the larger number of votes breaks an average-rating tie (D11)",
                         decisions=decisions)
        if res.selected is not None:
            residents_choice = res.selected[0]
            if res.tie is not None:
                ties.append(res.tie)
            if res.decision is not None:
                used.append(res.decision)
            chosen_path = make_path(residents_choice)
        else:
            assert res.tie is not None
            candidates = res.tie.still_tied
            paths = {r: make_path(r) for r in candidates}
            sets = {frozenset(f.municipality for f in p.finalists) if p.finalists else None
                    for p in paths.values()}
            if None not in sets and len(sets) == 1:
                pick = next((r for r in candidates if paths[r].r_in_top), candidates[0])
                chosen_path = paths[pick]
                ties.append(replace(res.tie, resolution="not_needed"))
                notes.append(
                    f"the residents' vote is tied between {', '.join(candidates)}; each is among the jury's"
                    f" top {by_jury} or is one the jury adds, so the finalists are the same whichever it is and no"
                    " decision is needed (§4.6.7, D11)")
            else:
                ties.append(res.tie)
                open_ties.append(res.tie.open_tie())
                # A jury tie that is open whichever candidate wins can be decided at the same sitting.
                first = paths[candidates[0]].selection.tie
                if first is not None and first.is_open and all(
                        p.selection.tie is not None and p.selection.tie.is_open
                        and p.selection.tie.open_tie() == first.open_tie() for p in paths.values()):
                    ties.append(first)
                    open_ties.append(first.open_tie())

    finalists: tuple[Finalist, ...] = ()
    if chosen_path is not None:
        notes.extend(chosen_path.notes)
        if chosen_path.selection.tie is not None:
            ties.append(chosen_path.selection.tie)
            if chosen_path.selection.tie.is_open:
                open_ties.append(chosen_path.selection.tie.open_tie())
        if chosen_path.selection.decision is not None:
            used.append(chosen_path.selection.decision)
        if chosen_path.finalists is not None:
            finalists = chosen_path.finalists
    if residents_choice is not None:
        if residents_choice not in known:
            notes.append(f"the residents' choice {residents_choice} is not in round 2; it goes through by the"
                         " residents' vote (D10)")
        if finalists and chosen_path is not None and chosen_path.r_in_top:
            notes.append(f"the residents' choice {residents_choice} is already among the jury's top {by_jury},"
                         f" so the jury's next, {finalists[by_jury].municipality}, goes through instead (§4.6.7)")
    blocked = bool(open_ties)
    if blocked:
        finalists = ()

    via = {f.municipality: f.via for f in finalists}
    jury_table = tuple(
        JuryRow(m, totals[m], None if chair_points is None else chair_points[m], jury_ranks[m],
                tuple((s, ballots[s].get(m, 0)) for s in seats), via.get(m))
        for m in sorted(codes, key=lambda m: (-jury_key(m)[0], -jury_key(m)[1], codes.index(m))))
    vote_ranks = competition_ranks(vote_order, key=lambda m: (averages[m], counts[m]))
    vote_table = tuple(VoteRow(m, counts[m], voted[m][1], averages[m], vote_ranks[m], m in known, via.get(m))
                       for m in vote_order)
    used_ids = {id(d) for d in used}
    return FinalistsOutcome(
        finalists=finalists,
        blocked=blocked,
        open_ties=tuple(open_ties),
        residents_choice=residents_choice,
        chair_seat=chair_seat,
        jury_table=jury_table,
        vote_table=vote_table,
        ties=tuple(ties),
        notes=tuple(notes),
        used_decisions=tuple(used),
        unused_decisions=tuple(d for d in decisions if id(d) not in used_ids),
    )
