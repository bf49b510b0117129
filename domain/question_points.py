"""Round 1 one question at a time (§4.2, Annex "Algoritma aprēķina process" and "Punktu aprēķins", D2-D5): steps 1-5
of domain.scoring's docstring.

For each scored question: the comparable value of every participant's answer (Annex kinds; not provided is the
worst, D3), the competition places (D2), the median (D4), the points earned (Annex, D3) and the weighted points
(D5), exact (in units of 1/denominator, ``Levels``); then, across an exclusive group's questions, which one counts
for each municipality (D5). Pure: domain.scoring combines the questions into sections, blocks and the cut (D6, D7).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from domain.questionnaire import Question
from domain.scoring_params import ScoringParams
from domain.scoring_result import QuestionOutcome

NEG_INF = float("-inf")  # the goodness of "not provided" (D3): worse than any provided value


def exact(x: float) -> Fraction:
    """A configured number as an exact rational of its decimal spelling (0.9 -> 9/10)."""
    return Fraction(x) if isinstance(x, int) else Fraction(repr(float(x)))


@dataclass(frozen=True)
class Levels:
    """The points a question can earn (Annex): the ladder, then ``above_median_points``, then 0, as exact values,
    and the common denominator that makes every (level x question weight) an integer, so sums are exact."""

    values: tuple[Fraction, ...]
    floats: tuple[float, ...]  # the same, for output
    above: int  # the index of above_median_points
    zero: int  # the index of 0
    denominator: int

    @classmethod
    def of(cls, params: ScoringParams, scored: Sequence[Question]) -> Levels:
        values = (*(exact(x) for x in params.ladder), exact(params.above_median_points), Fraction(0))
        denominator = 1
        for q in scored:
            w = exact(q.weight)
            for lv in values:
                denominator = math.lcm(denominator, (lv * w).denominator)
        return cls(values=values, floats=tuple(float(lv) for lv in values), above=len(params.ladder),
                   zero=len(params.ladder) + 1, denominator=denominator)

    def weighted(self, weight: float) -> list[int]:
        """Each level x the question's weight (D5), in units of 1/denominator."""
        w = exact(weight)
        return [int(lv * w * self.denominator) for lv in self.values]


@dataclass
class ScoredQuestion:
    """One question as scored so far, per participant (index i of the sorted codes)."""

    q: Question
    provided: list[bool]
    comparable: list[Any]
    values: list[Any]
    places: list[int]
    levels: list[int]  # the index of the points earned (Levels.values)
    wint: list[int]  # the weighted points in units of 1/denominator (D5)
    counted: list[bool]  # False for the questions an exclusive group does not count (D5)
    median: float | None


def score_question(q: Question, rows: Sequence[Mapping[str, object]], codes: Sequence[str], params: ScoringParams,
                    levels: Levels, errors: dict[str, list[str]]) -> ScoredQuestion:
    """Steps 1-5 for one question: the comparable values (Annex kinds, D3), the places (D2), the median (D4), the
    points (Annex, D3) and the weighted points (D5)."""
    g, provided, comparable, values = comparables(q, rows, codes, errors)
    places, order = competition_places(g)
    best_first = [g[i] for i in order]
    threshold, med = median(best_first, params.median_rule)
    earned = points_earned(g, provided, places, best_first, threshold, len(params.ladder), levels)
    weighted = levels.weighted(q.weight)
    return ScoredQuestion(q=q, provided=provided, comparable=comparable, values=values, places=places, levels=earned,
                   wint=[weighted[lv] for lv in earned], counted=[True] * len(codes),
                   median=median_report(q, med))


def comparables(q: Question, rows: Sequence[Mapping[str, object]], codes: Sequence[str],
                 errors: dict[str, list[str]]) -> tuple[list[float], list[bool], list[Any], list[Any]]:
    """Per participant: goodness g (larger is better, -inf for not provided, D3), provided, comparable, value."""
    n = len(rows)
    g = [NEG_INF] * n
    provided = [False] * n
    comparable: list[Any] = [None] * n
    values: list[Any] = [None] * n
    qid = q.id
    if q.kind == "amount":
        higher = q.direction == "higher_better"
        for i, row in enumerate(rows):
            v = row.get(qid)
            if v is None:
                continue
            if not (type(v) is int or type(v) is float) or not math.isfinite(v) or v < 0:
                errors.setdefault(f"{codes[i]}: {qid}", []).append(f"{v!r} is not a non-negative amount")
                continue
            values[i] = v
            if higher:
                if v > 0:  # D3: an amount of 0 where higher is better is "not provided"
                    g[i], provided[i], comparable[i] = float(v), True, v
            else:  # a co-payment: 0 is free, the best; lower is better (Annex kind 1)
                g[i], provided[i], comparable[i] = -float(v), True, v
    elif q.kind == "choice":
        positions = {o.id: (pos, o.none) for pos, o in enumerate(q.options, 1)}
        for i, row in enumerate(rows):
            v = row.get(qid)
            if v is None:
                continue
            hit = positions.get(v) if isinstance(v, str) else None
            if hit is None:
                errors.setdefault(f"{codes[i]}: {qid}", []).append(f"{v!r} is not an option of this question")
                continue
            values[i] = v
            pos, none = hit
            if not none:  # D3: an option marked none means "not provided"
                g[i], provided[i], comparable[i] = -float(pos), True, pos
    else:
        for i, row in enumerate(rows):
            v = row.get(qid)
            if v is None:
                continue
            if not isinstance(v, str):
                errors.setdefault(f"{codes[i]}: {qid}", []).append("a text answer must be a string")
                continue
            values[i] = v
            if v.strip():  # D3: a blank text is "not provided"
                g[i], provided[i], comparable[i] = 1.0, True, 1
    return g, provided, comparable, values


def competition_places(keys: Sequence[Any], reverse: bool = True) -> tuple[list[int], list[int]]:
    """D2 "1224" places for ``keys`` (best = largest when ``reverse``); also returns the sorted order."""
    order = sorted(range(len(keys)), key=keys.__getitem__, reverse=reverse)
    places = [0] * len(keys)
    prev: Any = object()
    place = 0
    for rank, i in enumerate(order, 1):
        k = keys[i]
        if k != prev:
            place, prev = rank, k
        places[i] = place
    return places, order


def median(best_first: Sequence[float], rule: str) -> tuple[float, float]:
    """D4: (the value "above the median" must be strictly better than, the median) of the goodness values sorted
    best first. For an even count under mean_of_middle, strictly above (upper+lower)/2 is strictly above the lower
    middle value, so the order alone decides."""
    n = len(best_first)
    if n % 2:
        return best_first[n // 2], best_first[n // 2]
    upper, lower = best_first[n // 2 - 1], best_first[n // 2]
    if rule == "upper_middle":
        return upper, upper
    if rule == "lower_middle":
        return lower, lower
    return lower, (upper + lower) / 2 if lower != NEG_INF else NEG_INF  # mean_of_middle


def points_earned(g: Sequence[float], provided: Sequence[bool], places: Sequence[int], best_first: Sequence[float],
            threshold: float, ladder_len: int, levels: Levels) -> list[int]:
    """Annex "Punktu aprēķins" and D3: the points level each participant earns (an index of Levels.values)."""
    worst = best_first[-1]
    all_same = best_first[0] == worst
    earned = [levels.zero] * len(g)
    for i in range(len(g)):
        if not provided[i]:
            continue  # D3: not provided earns 0 whatever the place
        if all_same:
            earned[i] = 0  # D3: everyone gives the same provided value: all 1st, ladder[0]
        elif g[i] == worst:
            continue  # Annex: the lowest place earns 0
        elif places[i] <= ladder_len:
            earned[i] = places[i] - 1  # Annex: 1st 1.0, 2nd 0.9, 3rd 0.8
        elif g[i] > threshold:
            earned[i] = levels.above  # Annex, D4: strictly above the median 0.5
    return earned


def median_report(q: Question, med_g: float | None) -> float | None:
    """The median in the question's own units (amount, option position, 1 for a text); None: not provided."""
    if med_g is None or med_g == NEG_INF:
        return None
    if q.kind == "amount":
        return med_g if q.direction == "higher_better" else -med_g
    if q.kind == "choice":
        return -med_g
    return med_g


def count_exclusive_groups(questions: Sequence[ScoredQuestion], n: int) -> None:
    """D5: an exclusive group counts once per municipality: its best weighted points (then a provided one, then
    questionnaire order); the group's other questions are marked not counted."""
    by_group: dict[str, list[ScoredQuestion]] = {}
    for o in questions:
        if o.q.exclusive_group is not None:
            by_group.setdefault(o.q.exclusive_group, []).append(o)
    for members in by_group.values():
        for i in range(n):
            ranked = [(m.wint[i], m.provided[i], -k) for k, m in enumerate(members)]
            best = ranked.index(max(ranked))
            for k, o in enumerate(members):
                if k != best:
                    o.counted[i] = False


def question_outcome(o: ScoredQuestion, levels: Levels) -> QuestionOutcome:
    return QuestionOutcome(
        question_id=o.q.id, section=o.q.section, block=scored_block(o.q), kind=o.q.kind, weight=o.q.weight,
        exclusive_group=o.q.exclusive_group, median=o.median, provided_count=sum(o.provided),
        values=tuple(o.values), comparables=tuple(o.comparable), provided=tuple(o.provided),
        places=tuple(o.places), points=tuple(levels.floats[lv] for lv in o.levels),
        weighted_points=tuple(x / levels.denominator for x in o.wint), counted=tuple(o.counted),
    )


def scored_block(q: Question) -> str:
    """The block of a scored question: only the questions of an unscored section (section 1) have none."""
    if q.block is None:
        raise ValueError(f"question {q.id} is scored but belongs to no block")
    return q.block
