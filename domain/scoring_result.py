"""Round 1's result (§4.2-§4.5, D2-D7) as domain.scoring.score_round1 returns it, explainable down to each question.

RULES.md: "every score must be explainable down to each question: value, place, points". The outcomes are columnar
over the participants (sorted codes); ``Round1Result.explanation(code)`` assembles one municipality's view and
``to_dict()`` the JSON form. Numbers are exact until here: floats are rounded to ``DECIMALS`` for output only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from domain.errors import NotFound
from domain.scoring_params import ScoringParams

DECIMALS = 6  # output rounding only (RULES.md "Audit": results are recomputed exactly, shown rounded)


def _r(x: float) -> float:
    """Round for output (DECIMALS), without negative zeros."""
    return round(x, DECIMALS) + 0.0


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
