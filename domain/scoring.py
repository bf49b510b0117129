"""Round-1 scoring as a pure function (§4.2-§4.5, Annex "Algoritma aprēķina process" and "Punktu aprēķins",
RULES.md D2-D7).

``score_round1(questionnaire, participants, answers, params)`` ranks every participant (§3.3: those that sent
nothing take part as "not provided" everywhere, D6) and returns a ``Round1Result`` (domain.scoring_result) that
explains every number down to each question (RULES.md: "every score must be explainable down to each question:
value, place, points"). The numbers it applies are ``ScoringParams`` (domain.scoring_params).

How it is computed, per scored question (sections marked ``scored``; section 1 is descriptive, Annex):

1. The comparable value (Annex kinds): an amount ranks by its size (``higher_better``) or the other way round for
   a co-payment (``lower_better``); a choice by the position of the chosen option (options are ordered best
   first); a text by whether it was given. Not provided (D3: unanswered, an amount of 0 where higher is better,
   blank text, an option marked ``none``) is the worst value. For ``lower_better`` an amount of 0 is a provided
   value (free of charge, the best); only an unanswered question is not provided.
2. Place: standard competition ranking "1224" (D2), by sorting (n log n per question, never pairwise).
3. Median (D4) of all participants' comparable values, not-provided counting as the worst; for an even count the
   mean of the two middle values; "above the median" is strictly better. Since values lie either at or above the
   upper middle value or at or below the lower one, "strictly above the mean of the middle two" is decided by the
   order alone, whatever number stands for "not provided".
4. Points (Annex, D3): not provided 0, whatever the place; if every participant gives the same provided value all
   take 1st place and ladder[0] (1.0); otherwise the lowest place 0; places 1, 2, 3 the ladder (1.0, 0.9, 0.8);
   else strictly above the median ``above_median_points`` (0.5); else 0. The ladder is applied before the median:
   a 1st place earns 1.0 even when half the participants share it (at the median); the lowest-place rule
   overrides the ladder (e.g. two participants: the second is the lowest place and earns 0).
5. Weighted points = points x question weight (D5). In an exclusive group (D5) a municipality's questions count
   once: the one with the highest weighted points (then a provided one, then questionnaire order); the others are
   marked not counted and add nothing to sums or EUR totals.

Combination (D6): S(b,s) = Σ counted weighted points of section s's questions in block b; P(b,s) its competition
place among the N participants; R = (N - P)/(N - 1); I(b) = 100·Σs w(s)R(b,s)/Σs w(s); O = Σb W(b)I(b)/Σb W(b);
the overall place is the competition rank of O. EUR totals per municipality for the regular and one_off blocks:
the sum of counted, provided amounts of questions marked ``counts_toward_total`` (Annex: "the first two blocks
... also show the total benefit amount in the block").

The cut (D7, §4.5): the ``cut_size`` best by O advance; a tie on O across the last place is broken by the sum of
raw question points (Σ counted weighted question points, before places); whoever is still tied all advance and
the result says so.

Exactness: points, weights and indices are compared as exact rationals (scaled integers), never as floats, so a
tie is a tie whatever the order of summation; floats are produced only for output, rounded to ``DECIMALS``.
No clock, no storage: the same inputs always give the same result (an auditor recomputes it from the events).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from domain.errors import InvalidInput
from domain.question_points import (
    Levels,
    ScoredQuestion,
    competition_places,
    count_exclusive_groups,
    exact,
    question_outcome,
    score_question,
    scored_block,
)
from domain.questionnaire import BLOCKS, TOTAL_BLOCKS, Questionnaire
from domain.scoring_params import MEDIAN_RULES, TIE_BREAK_RULES, ScoringParams
from domain.scoring_result import (
    DECIMALS,
    CutResult,
    QuestionOutcome,
    RankingRow,
    Round1Result,
    SectionOutcome,
)

__all__ = [  # the result's and the parameters' names, importable from here as before they had modules of their own
    "DECIMALS", "MEDIAN_RULES", "TIE_BREAK_RULES", "CutResult", "QuestionOutcome", "RankingRow", "Round1Result",
    "ScoringParams", "SectionOutcome", "score_round1",
]


def score_round1(questionnaire: Questionnaire, participants: Sequence[str],
                 answers: Mapping[str, Mapping[str, object]], params: ScoringParams | None = None) -> Round1Result:
    """Score round 1 for ALL participants (§3.3, D6) from their (validated) answers; see the module docstring.

    ``answers`` maps a participant's code to its answers (question id -> normalised value, as returned by
    ``validate_answers``); a participant missing from it sent nothing and is "not provided" everywhere.
    Raises InvalidInput for fewer than two participants (R of D6 needs N >= 2), duplicate participants, answers
    of non-participants, unknown question ids or values the questionnaire does not allow.
    """
    params = params or ScoringParams()
    codes, rows = _participants(questionnaire, participants, answers)  # §3.3: everyone, sorted
    scored = questionnaire.scored_questions
    levels = Levels.of(params, scored)
    errors: dict[str, list[str]] = {}
    questions = [score_question(q, rows, codes, params, levels, errors) for q in scored]  # steps 1-5
    if errors:
        raise InvalidInput(errors, message="answers cannot be scored")
    count_exclusive_groups(questions, len(codes))  # D5
    sums = _Sums.of(questions, len(codes))  # D6: S(b,s); the raw points (D7) and the EUR totals (Annex)
    combined = _combine(questionnaire, params, sums, len(codes), levels.denominator)  # D6: P, R, I(b), O
    overall_places, _ = competition_places(combined.key)  # D6: the overall place, by O
    cut = _cut(codes, combined.key, sums.raw, params)  # D7
    ranking, cut = _ranking(codes, overall_places, combined, sums, cut, levels.denominator)
    return Round1Result(questionnaire_id=questionnaire.id, questionnaire_version=questionnaire.version,
                        params=params, participants=tuple(codes), ranking=ranking, cut=cut,
                        questions=tuple(question_outcome(o, levels) for o in questions),
                        sections=combined.sections, blocks=combined.blocks)


# --------------------------------------------------------------------------------------------------- the inputs


def _participants(questionnaire: Questionnaire, participants: Sequence[str],
                  answers: Mapping[str, Mapping[str, object]]) -> tuple[list[str], list[Mapping[str, object]]]:
    """The participants' codes, sorted (the result does not depend on their order), and each one's answers (none
    for one that sent nothing, §3.3); InvalidInput for fewer than two (D6: R needs N >= 2), duplicates, answers of
    non-participants and unknown question ids."""
    codes = sorted(participants)
    n = len(codes)
    if n < 2:
        raise InvalidInput({"participants": ["at least two participants are needed to rank (D6: R needs N >= 2)"]})
    if len(set(codes)) != n:
        dupes = sorted({c for c in codes if codes.count(c) > 1})
        raise InvalidInput({"participants": [f"duplicate participants: {', '.join(dupes)}"]})
    errors: dict[str, list[str]] = {}
    index = {c: i for i, c in enumerate(codes)}
    for code, row in answers.items():
        if code not in index:
            errors.setdefault(str(code), []).append("answers from a municipality that is not a participant (§3.3)")
        elif not isinstance(row, Mapping):
            errors.setdefault(str(code), []).append("answers must be an object of question id -> answer")
        else:
            for qid in row:
                if not questionnaire.has_question(qid):
                    errors.setdefault(f"{code}: {qid}", []).append("unknown question id")
    if errors:
        raise InvalidInput(errors, message="answers cannot be scored")
    empty: Mapping[str, object] = {}
    return codes, [answers.get(c) or empty for c in codes]


# --------------------------------------------------------------------------------------------------- combination


@dataclass(frozen=True)
class _Sums:
    """D6: S(b,s) per (block, section) in BLOCKS then section order, as exact integers (units of 1/denominator);
    the raw question points per municipality (D7's tie-break); the counted, provided EUR amounts (Annex)."""

    keys: tuple[tuple[str, int], ...]
    sums: Mapping[tuple[str, int], list[int]]
    raw: list[int]
    eur: Mapping[str, list[list[float]]]

    @classmethod
    def of(cls, questions: Sequence[ScoredQuestion], n: int) -> _Sums:
        keys = tuple(sorted({(scored_block(o.q), o.q.section) for o in questions},
                            key=lambda k: (BLOCKS.index(k[0]), k[1])))
        sums: dict[tuple[str, int], list[int]] = {k: [0] * n for k in keys}
        raw = [0] * n
        eur: dict[str, list[list[float]]] = {b: [[] for _ in range(n)] for b in TOTAL_BLOCKS}
        for o in questions:
            q = o.q
            s = sums[(scored_block(q), q.section)]
            wint, counted = o.wint, o.counted
            for i in range(n):
                if counted[i]:
                    s[i] += wint[i]
                    raw[i] += wint[i]
            if q.counts_toward_total and q.block in eur:
                vals, prov, totals = o.values, o.provided, eur[q.block]
                for i in range(n):
                    if counted[i] and prov[i]:
                        totals[i].append(float(vals[i]))
        return cls(keys=keys, sums=sums, raw=raw, eur=eur)


@dataclass(frozen=True)
class _Combined:
    """D6 as exact integers: A(b) = Σs a(s)·(N − P(b,s)) over Σs a(s) per block (a: the integer section weights),
    so I(b) = 100·A(b)/((N−1)·Σs a(s)); O = key/key_den, so the overall place is decided by the integer key."""

    blocks: tuple[str, ...]  # the blocks that have scored questions, in BLOCKS order
    sections: tuple[SectionOutcome, ...]
    block_num: Mapping[str, list[int]]
    block_den: Mapping[str, int]
    key: list[int]
    key_den: int


def _combine(questionnaire: Questionnaire, params: ScoringParams, sums: _Sums, n: int,
             denominator: int) -> _Combined:
    """D6: P(b,s) and R(b,s) per section, the block indices I(b) and the overall score O, weighted by w(s) (the
    contest's section_weights, else the questionnaire's) and W(b)."""

    def section_weight(number: int) -> float:
        return params.section_weights.get(number, questionnaire.section(number).weight)

    a = _integer_weights({s: section_weight(s) for _, s in sums.keys})
    blocks = tuple(b for b in BLOCKS if any(k[0] == b for k in sums.keys))
    c = _integer_weights({b: params.block_weights[b] for b in blocks})
    sections: list[SectionOutcome] = []
    block_num: dict[str, list[int]] = {b: [0] * n for b in blocks}  # A(b) = Σs a(s)·(N − P(b,s))
    block_den: dict[str, int] = {b: 0 for b in blocks}  # Σs a(s)
    for b, s in sums.keys:
        p, _ = competition_places(sums.sums[(b, s)])
        num = block_num[b]
        for i in range(n):
            num[i] += a[s] * (n - p[i])
        block_den[b] += a[s]
        sections.append(SectionOutcome(
            block=b, section=s, weight=section_weight(s),
            sums=tuple(x / denominator for x in sums.sums[(b, s)]), places=tuple(p),
            relative=tuple((n - x) / (n - 1) for x in p)))
    # O = Σb W(b)·I(b) / Σb W(b) with I(b) = 100·A(b)/((N−1)·Σs a(s)): rank by the exact integer key K
    lcm_den = 1
    for b in blocks:
        lcm_den = math.lcm(lcm_den, block_den[b])
    key = [sum(c[b] * block_num[b][i] * (lcm_den // block_den[b]) for b in blocks) for i in range(n)]
    return _Combined(blocks=blocks, sections=tuple(sections), block_num=block_num, block_den=block_den, key=key,
                     key_den=(n - 1) * lcm_den * sum(c.values()))


def _integer_weights(weights: Mapping[Any, float]) -> dict[Any, int]:
    """Weights as integers in the same proportions (exact: scaled by their denominators' lcm)."""
    fracs = {k: exact(w) for k, w in weights.items()}
    d = 1
    for f in fracs.values():
        d = math.lcm(d, f.denominator)
    return {k: int(f * d) for k, f in fracs.items()}


# --------------------------------------------------------------------------------------------------- the ranking


def _ranking(codes: Sequence[str], places: Sequence[int], combined: _Combined, sums: _Sums, cut: CutResult,
             denominator: int) -> tuple[tuple[RankingRow, ...], CutResult]:
    """The rows by place, then raw points (descending), then code; the cut's advancing in the same order."""
    n = len(codes)
    advancing = set(cut.advancing)
    raw, blocks = sums.raw, combined.blocks
    rows = [RankingRow(
        municipality=code, place=places[i],
        overall=100 * combined.key[i] / combined.key_den if combined.key_den else 0.0,
        indices={b: 100 * combined.block_num[b][i] / ((n - 1) * combined.block_den[b]) for b in blocks},
        eur_totals={b: math.fsum(sums.eur[b][i]) for b in TOTAL_BLOCKS},
        raw_points=raw[i] / denominator, advances=code in advancing) for i, code in enumerate(codes)]
    order = sorted(range(n), key=lambda i: (places[i], -raw[i], codes[i]))
    rank_pos = {codes[i]: k for k, i in enumerate(order)}
    return tuple(rows[i] for i in order), replace(cut, advancing=tuple(sorted(cut.advancing,
                                                                                key=rank_pos.__getitem__)))


def _cut(codes: Sequence[str], key: Sequence[int], raw: Sequence[int], params: ScoringParams) -> CutResult:
    """D7 (§4.5): the cut_size best by O; a tie on O across the last place is broken by raw points; whoever is
    still tied advances, and the result says so."""
    n, size = len(codes), params.cut_size
    ranked = sorted(range(n), key=lambda i: (-key[i], codes[i]))
    if n <= size or key[ranked[size - 1]] != key[ranked[size]]:
        chosen = ranked[: min(size, n)]
        return CutResult(advancing=tuple(codes[i] for i in chosen), tie_break_used=False, tied_at_cut=(),
                         all_tied_advance=False, all_tied=(), note=None, size=size,
                         tie_break_rule=params.tie_break)
    boundary = key[ranked[size - 1]]
    above = [i for i in ranked if key[i] > boundary]
    tied = sorted((i for i in ranked if key[i] == boundary), key=lambda i: (-raw[i], codes[i]))
    seats = size - len(above)
    raw_boundary = raw[tied[seats - 1]]
    winners = [i for i in tied if raw[i] > raw_boundary]
    still = [i for i in tied if raw[i] == raw_boundary]
    all_tied_advance = len(above) + len(winners) + len(still) > size
    chosen = above + winners + still  # without a remaining tie, winners + still fill the seats exactly
    tied_codes = tuple(codes[i] for i in tied)
    if all_tied_advance:
        note = (f"D7: {len(tied)} municipalities tied on the overall score at place {size}; raw question points "
                f"left {len(still)} still tied for {seats - len(winners)} place(s), so all of them advance: "
                f"{len(chosen)} advance instead of {size}")
    else:
        note = (f"D7: {len(tied)} municipalities tied on the overall score at place {size}; the tie was broken "
                f"by the sum of raw question points")
    return CutResult(advancing=tuple(codes[i] for i in chosen), tie_break_used=True, tied_at_cut=tied_codes,
                     all_tied_advance=all_tied_advance,
                     all_tied=tuple(codes[i] for i in still) if all_tied_advance else (), note=note, size=size,
                     tie_break_rule=params.tie_break)
