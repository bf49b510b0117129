"""Round-1 scoring as a pure function (§4.2-§4.5, Annex "Algoritma aprēķina process" and "Punktu aprēķins",
RULES.md D2-D7).

``score_round1(questionnaire, participants, answers, params)`` ranks every participant (§3.3: those that sent
nothing take part as "not provided" everywhere, D6) and returns a ``Round1Result`` that explains every number down
to each question (RULES.md: "every score must be explainable down to each question: value, place, points").

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

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import Any

from domain.errors import InvalidInput, NotFound
from domain.questionnaire import BLOCKS, TOTAL_BLOCKS, Question, Questionnaire

DECIMALS = 6  # output rounding only (RULES.md "Audit": results are recomputed exactly, shown rounded)
MEDIAN_RULES = ("mean_of_middle", "lower_middle", "upper_middle")  # D4 is "mean_of_middle"
TIE_BREAK_RULES = ("raw_points_then_all_tied_advance",)  # D7
_NEG_INF = float("-inf")


def _r(x: float) -> float:
    """Round for output (DECIMALS), without negative zeros."""
    return round(x, DECIMALS) + 0.0


def _frac(x: float) -> Fraction:
    """A configured number as an exact rational of its decimal spelling (0.9 -> 9/10)."""
    return Fraction(x) if isinstance(x, int) else Fraction(repr(float(x)))


def _finite(x: object) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x)


# --------------------------------------------------------------------------------------------------- parameters


@dataclass(frozen=True)
class ScoringParams:
    """Every number of the round-1 rules (RULES.md: "every number above ... is configuration recorded with the
    contest"). Defaults are RULES.md's: ladder 1.0/0.9/0.8 and 0.5 above the median (Annex), the median as the
    mean of the middle two (D4), a cut of 10 (§4.5), weights 1 (D5, D6) and the D7 tie-break.

    ``section_weights`` maps a section number to w(s); a section not listed keeps the questionnaire's weight.
    ``block_weights`` maps each block to W(b).
    """

    ladder: tuple[float, ...] = (1.0, 0.9, 0.8)
    above_median_points: float = 0.5
    median_rule: str = "mean_of_middle"
    cut_size: int = 10
    section_weights: Mapping[int, float] = field(default_factory=dict)
    block_weights: Mapping[str, float] = field(default_factory=lambda: {b: 1.0 for b in BLOCKS})
    tie_break: str = "raw_points_then_all_tied_advance"

    def __post_init__(self) -> None:
        errors: dict[str, list[str]] = {}

        def bad(key: str, message: str) -> None:
            errors.setdefault(key, []).append(message)

        ladder = self.ladder
        if isinstance(ladder, str) or not isinstance(ladder, Sequence) or not ladder \
                or not all(_finite(x) and 0 <= x <= 1000 for x in ladder):
            bad("ladder", "must be a non-empty list of numbers from 0 to 1000, 1st place first (Annex)")
        elif any(a < b for a, b in itertools.pairwise(ladder)):
            bad("ladder", "must not increase from one place to the next (Annex)")
        above = self.above_median_points
        if not (_finite(above) and 0 <= above <= 1000):
            bad("above_median_points", "must be a number from 0 to 1000 (Annex)")
        elif not errors.get("ladder") and above > ladder[-1]:
            bad("above_median_points", "must not exceed the ladder's last value (Annex)")
        if self.median_rule not in MEDIAN_RULES:
            bad("median_rule", f"must be one of {', '.join(MEDIAN_RULES)} (D4)")
        if type(self.cut_size) is not int or not 1 <= self.cut_size <= 1000:
            bad("cut_size", "must be a whole number from 1 to 1000 (§4.5, D7)")
        if self.tie_break not in TIE_BREAK_RULES:
            bad("tie_break", f"must be one of {', '.join(TIE_BREAK_RULES)} (D7)")
        sw = self.section_weights
        if not isinstance(sw, Mapping) or not all(
                type(k) is int and _finite(v) and 0 < v <= 1000 for k, v in sw.items()):
            bad("section_weights", "must map section numbers to weights above 0 and at most 1000 (D6)")
        bw = self.block_weights
        if not isinstance(bw, Mapping) or set(bw) != set(BLOCKS) or not all(
                _finite(v) and 0 < v <= 1000 for v in bw.values()):
            bad("block_weights", f"must give each of {', '.join(BLOCKS)} a weight above 0 and at most 1000 (D6)")
        if errors:
            raise InvalidInput(errors, message="invalid scoring parameters")
        object.__setattr__(self, "ladder", tuple(float(x) for x in ladder))
        object.__setattr__(self, "above_median_points", float(above))
        object.__setattr__(self, "section_weights", {k: float(sw[k]) for k in sorted(sw)})
        object.__setattr__(self, "block_weights", {b: float(bw[b]) for b in BLOCKS})

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> ScoringParams:
        """From the JSON form (as recorded in events); missing keys take the defaults; InvalidInput per key."""
        data = data or {}
        if not isinstance(data, Mapping):
            raise InvalidInput({"scoring": ["must be an object"]})
        known = {"ladder", "above_median_points", "median_rule", "cut_size", "section_weights", "block_weights",
                 "tie_break"}
        unknown = sorted(set(data) - known)
        if unknown:
            raise InvalidInput({k: ["unknown scoring parameter"] for k in unknown})
        kwargs: dict[str, Any] = {k: v for k, v in data.items() if k not in ("section_weights", "block_weights")}
        if "ladder" in kwargs and isinstance(kwargs["ladder"], list):
            kwargs["ladder"] = tuple(kwargs["ladder"])
        if "section_weights" in data:
            sw = data["section_weights"]
            if not isinstance(sw, Mapping):
                raise InvalidInput({"section_weights": ["must be an object of section number -> weight (D6)"]})
            parsed: dict[Any, Any] = {}
            for k, v in sw.items():
                key: Any = k
                if isinstance(k, str) and k.strip().isdigit():
                    key = int(k)
                parsed[key] = v
            kwargs["section_weights"] = parsed
        if "block_weights" in data:
            bw = data["block_weights"]
            if not isinstance(bw, Mapping):
                raise InvalidInput({"block_weights": ["must be an object of block -> weight (D6)"]})
            kwargs["block_weights"] = {**{b: 1.0 for b in BLOCKS}, **bw}
        return cls(**kwargs)

    def to_dict(self) -> dict[str, Any]:
        return {
            "ladder": list(self.ladder),
            "above_median_points": self.above_median_points,
            "median_rule": self.median_rule,
            "cut_size": self.cut_size,
            "section_weights": {str(k): v for k, v in sorted(self.section_weights.items())},
            "block_weights": {b: self.block_weights[b] for b in BLOCKS},
            "tie_break": self.tie_break,
        }


# --------------------------------------------------------------------------------------------------- results


@dataclass(frozen=True)
class QuestionOutcome:
    """One scored question across all participants (columnar: index i is ``Round1Result.participants[i]``)."""

    question_id: str
    section: int
    block: str
    kind: str
    weight: float
    exclusive_group: str | None
    median: float | None  # in comparable units (amount, option position, 1 for a text); None: the not-provided
    provided_count: int
    values: tuple[object, ...]
    comparables: tuple[float | int | None, ...]
    provided: tuple[bool, ...]
    places: tuple[int, ...]
    points: tuple[float, ...]
    weighted_points: tuple[float, ...]
    counted: tuple[bool, ...]

    def summary(self) -> dict[str, Any]:
        return {"id": self.question_id, "section": self.section, "block": self.block, "kind": self.kind,
                "weight": _r(self.weight), "exclusive_group": self.exclusive_group,
                "median": None if self.median is None else _r(self.median), "provided_count": self.provided_count}


@dataclass(frozen=True)
class SectionOutcome:
    """S(b,s), P(b,s), R(b,s) and w(s) of D6 for one (block, section), across all participants (columnar)."""

    block: str
    section: int
    weight: float
    sums: tuple[float, ...]
    places: tuple[int, ...]
    relative: tuple[float, ...]


@dataclass(frozen=True)
class RankingRow:
    municipality: str
    place: int
    overall: float
    indices: Mapping[str, float]
    eur_totals: Mapping[str, float]
    raw_points: float
    advances: bool

    def to_dict(self) -> dict[str, Any]:
        return {"municipality": self.municipality, "place": self.place, "overall": _r(self.overall),
                "indices": {b: _r(v) for b, v in self.indices.items()},
                "eur_totals": {b: _r(v) for b, v in self.eur_totals.items()},
                "raw_points": _r(self.raw_points), "advances": self.advances}


@dataclass(frozen=True)
class CutResult:
    """The cut to round 2 (§4.5, D7)."""

    size: int
    advancing: tuple[str, ...]
    tie_break_rule: str
    tie_break_used: bool  # a tie on O straddled the last place and raw points were compared
    tied_at_cut: tuple[str, ...]  # those tied on O at the last place, when tie_break_used
    all_tied_advance: bool  # raw points did not separate them either: every one of them advances
    all_tied: tuple[str, ...]
    note: str | None

    def to_dict(self) -> dict[str, Any]:
        return {"size": self.size, "advancing": list(self.advancing), "advancing_count": len(self.advancing),
                "tie_break_rule": self.tie_break_rule, "tie_break_used": self.tie_break_used,
                "tied_at_cut": list(self.tied_at_cut), "all_tied_advance": self.all_tied_advance,
                "all_tied": list(self.all_tied), "note": self.note}


@dataclass(frozen=True)
class Round1Result:
    """Round 1's outcome (§4.2-§4.5, D2-D7), with everything needed to explain each number.

    ``ranking`` rows are ordered by place, then raw points (descending), then code; ``advancing`` in the same
    order. ``questions`` and ``sections`` are columnar over ``participants`` (sorted codes);
    ``explanation(code)`` assembles one municipality's view.
    """

    questionnaire_id: str
    questionnaire_version: str
    params: ScoringParams
    participants: tuple[str, ...]
    ranking: tuple[RankingRow, ...]
    cut: CutResult
    questions: tuple[QuestionOutcome, ...]
    sections: tuple[SectionOutcome, ...]
    blocks: tuple[str, ...]  # the blocks that have scored questions, in BLOCKS order
    _index: Mapping[str, int] = field(default_factory=dict, compare=False, repr=False)
    _rows: Mapping[str, RankingRow] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_index", {c: i for i, c in enumerate(self.participants)})
        object.__setattr__(self, "_rows", {r.municipality: r for r in self.ranking})

    @property
    def advancing(self) -> tuple[str, ...]:
        return self.cut.advancing

    def row(self, municipality: str) -> RankingRow:
        row = self._rows.get(municipality)
        if row is None:
            raise NotFound("participant", municipality)
        return row

    def explanation(self, municipality: str) -> dict[str, Any]:
        """One municipality's score down to each question (RULES.md D6: "explainable down to each question")."""
        i = self._index.get(municipality)
        if i is None:
            raise NotFound("participant", municipality)
        questions = []
        for q in self.questions:
            comparable = q.comparables[i]
            counted = q.counted[i]
            questions.append({
                "question_id": q.question_id, "section": q.section, "block": q.block, "kind": q.kind,
                "value": q.values[i],
                "comparable": _r(comparable) if isinstance(comparable, float) else comparable,
                "provided": q.provided[i], "place": q.places[i],
                "median": None if q.median is None else _r(q.median),
                "points": _r(q.points[i]), "weight": _r(q.weight), "weighted_points": _r(q.weighted_points[i]),
                "counted": counted, "exclusive_group": q.exclusive_group,
                "excluded_by_group": q.exclusive_group if not counted else None,
            })
        sections = [{"block": s.block, "section": s.section, "sum": _r(s.sums[i]), "place": s.places[i],
                     "relative": _r(s.relative[i]), "weight": _r(s.weight)} for s in self.sections]
        row = self.row(municipality)
        return {"municipality": municipality, "place": row.place, "overall": _r(row.overall),
                "indices": {b: _r(v) for b, v in row.indices.items()},
                "eur_totals": {b: _r(v) for b, v in row.eur_totals.items()},
                "raw_points": _r(row.raw_points), "advances": row.advances,
                "sections": sections, "questions": questions}

    def to_dict(self, *, explanations: bool = True) -> dict[str, Any]:
        """Deterministic, JSON-serialisable; floats rounded to DECIMALS only here."""
        d: dict[str, Any] = {
            "questionnaire": {"id": self.questionnaire_id, "version": self.questionnaire_version},
            "params": self.params.to_dict(),
            "participants": list(self.participants),
            "blocks": list(self.blocks),
            "ranking": [r.to_dict() for r in self.ranking],
            "advancing": list(self.cut.advancing),
            "cut": self.cut.to_dict(),
            "questions": [q.summary() for q in self.questions],
        }
        if explanations:
            d["explanations"] = {c: self.explanation(c) for c in self.participants}
        return d


# --------------------------------------------------------------------------------------------------- scoring


def _competition_places(keys: Sequence[Any], reverse: bool = True) -> tuple[list[int], list[int]]:
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


def _scored_block(q: Question) -> str:
    """The block of a scored question: only the questions of an unscored section (section 1) have none."""
    if q.block is None:
        raise ValueError(f"question {q.id} is scored but belongs to no block")
    return q.block


def _comparables(q: Question, rows: Sequence[Mapping[str, object]], codes: Sequence[str],
                 errors: dict[str, list[str]]) -> tuple[list[float], list[bool], list[Any], list[Any]]:
    """Per participant: goodness g (larger is better, -inf for not provided, D3), provided, comparable, value."""
    n = len(rows)
    g = [_NEG_INF] * n
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


def _median_report(q: Question, med_g: float | None) -> float | None:
    if med_g is None or med_g == _NEG_INF:
        return None
    if q.kind == "amount":
        return med_g if q.direction == "higher_better" else -med_g
    if q.kind == "choice":
        return -med_g
    return med_g


def score_round1(questionnaire: Questionnaire, participants: Sequence[str],
                 answers: Mapping[str, Mapping[str, object]], params: ScoringParams | None = None) -> Round1Result:
    """Score round 1 for ALL participants (§3.3, D6) from their (validated) answers; see the module docstring.

    ``answers`` maps a participant's code to its answers (question id -> normalised value, as returned by
    ``validate_answers``); a participant missing from it sent nothing and is "not provided" everywhere.
    Raises InvalidInput for fewer than two participants (R of D6 needs N >= 2), duplicate participants, answers
    of non-participants, unknown question ids or values the questionnaire does not allow.
    """
    params = params or ScoringParams()
    codes = sorted(participants)  # order-independent (a property the tests check)
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
    rows = [answers.get(c) or empty for c in codes]

    scored = questionnaire.scored_questions
    # Exact points: every (level value x question weight) as an integer multiple of 1/denominator.
    level_values = [*(_frac(x) for x in params.ladder), _frac(params.above_median_points), Fraction(0)]
    above_level, zero_level = len(params.ladder), len(params.ladder) + 1
    denominator = 1
    for q in scored:
        w = _frac(q.weight)
        for lv in level_values:
            denominator = math.lcm(denominator, (lv * w).denominator)

    outcomes: list[dict[str, Any]] = []
    for q in scored:
        g, provided, comparable, values = _comparables(q, rows, codes, errors)
        places, order = _competition_places(g)
        gs = [g[i] for i in order]  # best first
        # D4: "above the median" (strictly better), decided by the order of the sorted values
        if n % 2:
            threshold = med_g = gs[n // 2]
        else:
            upper, lower = gs[n // 2 - 1], gs[n // 2]
            if params.median_rule == "upper_middle":
                threshold = med_g = upper
            elif params.median_rule == "lower_middle":
                threshold = med_g = lower
            else:  # mean_of_middle: strictly above (upper+lower)/2 <=> strictly above the lower middle value
                threshold = lower
                med_g = (upper + lower) / 2 if lower != _NEG_INF else _NEG_INF
        worst = gs[-1]
        all_same = gs[0] == worst
        ladder_len = len(params.ladder)
        w = _frac(q.weight)
        level_ints = [int(lv * w * denominator) for lv in level_values]
        levels = [zero_level] * n
        for i in range(n):
            if not provided[i]:
                continue  # D3: not provided earns 0 whatever the place
            if all_same:
                levels[i] = 0  # D3: everyone gives the same provided value: all 1st, ladder[0]
            elif g[i] == worst:
                continue  # Annex: the lowest place earns 0
            elif places[i] <= ladder_len:
                levels[i] = places[i] - 1  # Annex: 1st 1.0, 2nd 0.9, 3rd 0.8
            elif g[i] > threshold:
                levels[i] = above_level  # Annex, D4: strictly above the median 0.5
        outcomes.append({
            "q": q, "g": g, "provided": provided, "comparable": comparable, "values": values, "places": places,
            "levels": levels, "wint": [level_ints[lv] for lv in levels], "counted": [True] * n,
            "median": _median_report(q, med_g),
        })
    if errors:
        raise InvalidInput(errors, message="answers cannot be scored")

    # D5: an exclusive group counts once per municipality: its best weighted points (then provided, then order)
    by_group: dict[str, list[dict[str, Any]]] = {}
    for o in outcomes:
        if o["q"].exclusive_group is not None:
            by_group.setdefault(o["q"].exclusive_group, []).append(o)
    for members in by_group.values():
        for i in range(n):
            ranked = [(m["wint"][i], m["provided"][i], -k) for k, m in enumerate(members)]
            best = ranked.index(max(ranked))
            for k, o in enumerate(members):
                if k != best:
                    o["counted"][i] = False

    # D6: S(b,s) as exact integers (units of 1/denominator), P(b,s), R(b,s)
    bs_keys = sorted({(o["q"].block, o["q"].section) for o in outcomes},
                     key=lambda k: (BLOCKS.index(k[0]), k[1]))
    sums: dict[tuple[str, int], list[int]] = {k: [0] * n for k in bs_keys}
    raw = [0] * n
    eur: dict[str, list[list[float]]] = {b: [[] for _ in range(n)] for b in TOTAL_BLOCKS}
    for o in outcomes:
        q = o["q"]
        s = sums[(_scored_block(q), q.section)]
        wint, counted = o["wint"], o["counted"]
        for i in range(n):
            if counted[i]:
                s[i] += wint[i]
                raw[i] += wint[i]
        if q.counts_toward_total and q.block in eur:
            vals, prov, totals = o["values"], o["provided"], eur[q.block]
            for i in range(n):
                if counted[i] and prov[i]:
                    totals[i].append(float(vals[i]))

    def section_weight(number: int) -> float:
        return params.section_weights.get(number, questionnaire.section(number).weight)

    section_fracs = {s: _frac(section_weight(s)) for _, s in bs_keys}
    ds = 1
    for f in section_fracs.values():
        ds = math.lcm(ds, f.denominator)
    a = {s: int(f * ds) for s, f in section_fracs.items()}  # integer section weights
    blocks = tuple(b for b in BLOCKS if any(k[0] == b for k in bs_keys))
    block_fracs = {b: _frac(params.block_weights[b]) for b in blocks}
    db = 1
    for f in block_fracs.values():
        db = math.lcm(db, f.denominator)
    c = {b: int(f * db) for b, f in block_fracs.items()}  # integer block weights

    section_outcomes: list[SectionOutcome] = []
    block_num: dict[str, list[int]] = {b: [0] * n for b in blocks}  # A(b) = Σs a(s)·(N − P(b,s))
    block_den: dict[str, int] = {b: 0 for b in blocks}  # Σs a(s)
    for b, s in bs_keys:
        p, _ = _competition_places(sums[(b, s)])
        num = block_num[b]
        for i in range(n):
            num[i] += a[s] * (n - p[i])
        block_den[b] += a[s]
        section_outcomes.append(SectionOutcome(
            block=b, section=s, weight=section_weight(s),
            sums=tuple(x / denominator for x in sums[(b, s)]), places=tuple(p),
            relative=tuple((n - x) / (n - 1) for x in p)))

    # O = Σb W(b)·I(b) / Σb W(b) with I(b) = 100·A(b)/((N−1)·Σs a(s)): rank by the exact integer key K
    lcm_den = 1
    for b in blocks:
        lcm_den = math.lcm(lcm_den, block_den[b])
    key = [sum(c[b] * block_num[b][i] * (lcm_den // block_den[b]) for b in blocks) for i in range(n)]
    o_den = (n - 1) * lcm_den * sum(c.values())
    overall_places, _ = _competition_places(key)

    cut = _cut(codes, key, raw, params)
    advancing = set(cut.advancing)
    ranking = []
    for i, code in enumerate(codes):
        ranking.append(RankingRow(
            municipality=code, place=overall_places[i], overall=100 * key[i] / o_den if o_den else 0.0,
            indices={b: 100 * block_num[b][i] / ((n - 1) * block_den[b]) for b in blocks},
            eur_totals={b: math.fsum(eur[b][i]) for b in TOTAL_BLOCKS},
            raw_points=raw[i] / denominator, advances=code in advancing))
    order = sorted(range(n), key=lambda i: (overall_places[i], -raw[i], codes[i]))
    ranking_sorted = tuple(ranking[i] for i in order)
    rank_pos = {codes[i]: k for k, i in enumerate(order)}
    cut = replace(cut, advancing=tuple(sorted(cut.advancing, key=rank_pos.__getitem__)))

    level_floats = [float(lv) for lv in level_values]
    questions = tuple(QuestionOutcome(
        question_id=o["q"].id, section=o["q"].section, block=o["q"].block, kind=o["q"].kind,
        weight=o["q"].weight, exclusive_group=o["q"].exclusive_group, median=o["median"],
        provided_count=sum(o["provided"]), values=tuple(o["values"]), comparables=tuple(o["comparable"]),
        provided=tuple(o["provided"]), places=tuple(o["places"]),
        points=tuple(level_floats[lv] for lv in o["levels"]),
        weighted_points=tuple(x / denominator for x in o["wint"]), counted=tuple(o["counted"]),
    ) for o in outcomes)
    return Round1Result(questionnaire_id=questionnaire.id, questionnaire_version=questionnaire.version,
                        params=params, participants=tuple(codes), ranking=ranking_sorted, cut=cut,
                        questions=questions, sections=tuple(section_outcomes), blocks=blocks)


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
