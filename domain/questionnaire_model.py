"""The round-1 questionnaire's model (RULES.md "Round 1", Annex "Vērtēšanas sadaļas"): sections, questions, options.

Every question belongs to a section of the Annex (1 general information, not scored; 2-10 scored), names the support
measure it describes, has a kind (Annex "Algoritma aprēķina process": ``amount``, ``choice`` or ``text``) and a
descriptive block (Annex "Algoritma struktūra": ``regular``, ``one_off`` or ``long_term``), a weight and optionally
an exclusive group (D5). Frozen values; domain.questionnaire_loader builds and validates them from their JSON form.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from domain.errors import InvalidInput

KINDS = ("amount", "choice", "text")  # Annex "Algoritma aprēķina process" 1)-3)
BLOCKS = ("regular", "one_off", "long_term")  # Annex "Algoritma struktūra"
DIRECTIONS = ("higher_better", "lower_better")  # Annex: co-payments rank the other way round
TOTAL_BLOCKS = ("regular", "one_off")  # Annex: the first two blocks also report the EUR total of benefits

ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
DEFAULT_TEXT_MAX = 2000
TEXT_MAX_LIMIT = 20_000
WEIGHT_MAX = 1000.0
AMOUNT_LIMIT = 1e12


@dataclass(frozen=True)
class Problem:
    """One problem of a questionnaire, for a reader that words it itself (the desk's pages, in Latvian) or points
    at the spreadsheet cell it came from (contest/questionnaire_import.py): where it is (`part`: "questionnaire",
    "section" or "question"; `index`: the position in the data's list of sections or questions), the `field` at
    fault ("weight", "options[1].id", "measures[0]"; "" for the part as a whole), its kind (`code`), the kind's
    `params`, and the English `message` of ``errors``."""

    part: str
    index: int | None
    field: str
    code: str
    params: Mapping[str, Any]
    message: str


class QuestionnaireError(InvalidInput):
    """A questionnaire that cannot be used: the message names the question (or section) at fault.

    ``question_id`` and ``message`` describe the first problem found; ``errors`` (as for every ``InvalidInput``)
    lists all of them keyed by question id, so a bad preset is fixed in one pass; ``problems`` the same problems,
    each with where it is and its kind (``Problem``).
    """

    def __init__(self, question_id: str, message: str, errors: Mapping[str, list[str]] | None = None,
                 problems: tuple[Problem, ...] = ()) -> None:
        full = f"question {question_id}: {message}" if not question_id.startswith(("section", "questionnaire")) \
            else f"{question_id}: {message}"
        super().__init__(dict(errors) if errors else {question_id: [full]}, message=full)
        self.question_id = question_id
        self.problems = problems


@dataclass(frozen=True)
class Option:
    """One answer of a choice question; a question's options are ordered best first (Annex, kind 2).

    ``none`` marks an option meaning "the support is not provided": it earns 0 points (D3).
    """

    id: str
    label_lv: str
    label_en: str
    none: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "label_lv": self.label_lv, "label_en": self.label_en, "none": self.none}


@dataclass(frozen=True)
class Measure:
    """A support measure a section names (Annex). ``annex`` is False for measures the Annex does not name
    (section 10 names none; the annual-theme questions of §4.7.11)."""

    lv: str
    en: str
    annex: bool = True

    def to_dict(self) -> dict[str, Any]:
        return {"lv": self.lv, "en": self.en, "annex": self.annex}


@dataclass(frozen=True)
class Section:
    """A section of the Annex: 1 is descriptive and not scored, 2-10 are scored (§4.2, Annex)."""

    number: int
    title_lv: str
    title_en: str
    scored: bool = True
    weight: float = 1.0  # w(s) of D6, unless the contest's ScoringParams override it
    measures: tuple[Measure, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "title_lv": self.title_lv,
            "title_en": self.title_en,
            "scored": self.scored,
            "weight": self.weight,
            "measures": [m.to_dict() for m in self.measures],
        }


@dataclass(frozen=True)
class Question:
    """One question (Annex "Jautājumi"). Kind-specific fields are None/empty when they do not apply."""

    id: str
    section: int
    measure: str
    measure_en: str
    text_lv: str
    text_en: str
    kind: str
    block: str | None  # None only in sections that are not scored (section 1)
    weight: float = 1.0  # D5
    exclusive_group: str | None = None  # D5
    # amount
    direction: str | None = None
    unit: str | None = None
    min: float | None = None
    max: float | None = None
    counts_toward_total: bool = False
    # choice
    options: tuple[Option, ...] = ()
    # text
    max_length: int | None = None

    def option(self, option_id: str) -> Option | None:
        for o in self.options:
            if o.id == option_id:
                return o
        return None

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "id": self.id,
            "section": self.section,
            "measure": self.measure,
            "measure_en": self.measure_en,
            "text_lv": self.text_lv,
            "text_en": self.text_en,
            "kind": self.kind,
            "block": self.block,
            "weight": self.weight,
        }
        if self.exclusive_group is not None:
            d["exclusive_group"] = self.exclusive_group
        if self.kind == "amount":
            d.update(direction=self.direction, unit=self.unit, min=self.min, max=self.max,
                     counts_toward_total=self.counts_toward_total)
        elif self.kind == "choice":
            d["options"] = [o.to_dict() for o in self.options]
        else:
            d["max_length"] = self.max_length
        return d


@dataclass(frozen=True)
class Questionnaire:
    """A versioned questionnaire: the sections of the Annex and their questions, in order."""

    id: str
    version: str
    title_lv: str
    title_en: str
    sections: tuple[Section, ...]
    questions: tuple[Question, ...]
    _by_id: Mapping[str, Question] = field(default_factory=dict, compare=False, repr=False)
    _sections_by_number: Mapping[int, Section] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_id", {q.id: q for q in self.questions})
        object.__setattr__(self, "_sections_by_number", {s.number: s for s in self.sections})

    def question(self, question_id: str) -> Question:
        return self._by_id[question_id]

    def has_question(self, question_id: str) -> bool:
        return question_id in self._by_id

    def section(self, number: int) -> Section:
        return self._sections_by_number[number]

    @property
    def scored_questions(self) -> tuple[Question, ...]:
        """The questions round 1 scores: those of scored sections (section 1 is descriptive, Annex)."""
        return tuple(q for q in self.questions if self._sections_by_number[q.section].scored)

    def exclusive_groups(self) -> dict[str, tuple[Question, ...]]:
        """D5: group id -> its questions, in questionnaire order."""
        groups: dict[str, list[Question]] = {}
        for q in self.questions:
            if q.exclusive_group is not None:
                groups.setdefault(q.exclusive_group, []).append(q)
        return {g: tuple(qs) for g, qs in groups.items()}

    def to_dict(self) -> dict[str, Any]:
        """The JSON form; ``load_questionnaire(q.to_dict()) == q``."""
        return {
            "id": self.id,
            "version": self.version,
            "title_lv": self.title_lv,
            "title_en": self.title_en,
            "sections": [s.to_dict() for s in self.sections],
            "questions": [q.to_dict() for q in self.questions],
        }
