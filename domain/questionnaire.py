"""The round-1 questionnaire as versioned data (RULES.md "Round 1", Annex "Vērtēšanas sadaļas").

A questionnaire is configuration (RULES.md: "everything that varies by year ... is configuration"): the 2024 one
lives in ``contest/presets/2024/questionnaire.json`` and is loaded, validated and frozen here. Every question
belongs to a section of the Annex (1 general information, not scored; 2-10 scored), names the support measure it
describes, has a kind (Annex "Algoritma aprēķina process": ``amount``, ``choice`` or ``text``) and a descriptive
block (Annex "Algoritma struktūra": ``regular``, ``one_off`` or ``long_term``), a weight and optionally an
exclusive group (D5).

``validate_answers`` checks a municipality's (partial) save against the questionnaire and normalises it, so the
same rules apply to the API, spreadsheet imports (contest/answer_import.py) and generated data.

Pure domain code: no framework, no storage, no clock.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, TypeGuard

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


class QuestionnaireError(InvalidInput):
    """A questionnaire that cannot be used: the message names the question (or section) at fault.

    ``question_id`` and ``message`` describe the first problem found; ``errors`` (as for every ``InvalidInput``)
    lists all of them keyed by question id, so a bad preset is fixed in one pass.
    """

    def __init__(self, question_id: str, message: str, errors: Mapping[str, list[str]] | None = None) -> None:
        full = f"question {question_id}: {message}" if not question_id.startswith(("section", "questionnaire")) \
            else f"{question_id}: {message}"
        super().__init__(dict(errors) if errors else {question_id: [full]}, message=full)
        self.question_id = question_id


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


# --------------------------------------------------------------------------------------------------- loading


def _is_number(value: object) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _nonempty(value: object, max_len: int = 1000) -> TypeGuard[str]:
    return isinstance(value, str) and 0 < len(value.strip()) <= max_len


class _Collector:
    def __init__(self) -> None:
        self.errors: dict[str, list[str]] = {}
        self.first: tuple[str, str] | None = None

    def add(self, key: str, message: str) -> None:
        if self.first is None:
            self.first = (key, message)
        prefix = "" if key.startswith(("section", "questionnaire")) else f"question {key}: "
        self.errors.setdefault(key, []).append(prefix + message)

    def check(self, ok: bool, key: str, message: str) -> bool:
        if not ok:
            self.add(key, message)
        return ok

    def raise_if_any(self) -> None:
        if self.first is not None:
            raise QuestionnaireError(self.first[0], self.first[1], self.errors)


def _weight(c: _Collector, key: str, value: object) -> float:
    if _is_number(value) and 0 < float(value) <= WEIGHT_MAX:
        return float(value)
    c.add(key, f"weight must be a number above 0 and at most {WEIGHT_MAX:g} (D5), got {value!r}")
    return 1.0


def _load_section(c: _Collector, i: int, data: object) -> Section | None:
    if not isinstance(data, Mapping):
        c.add(f"section [{i}]", "must be an object")
        return None
    number = data.get("number")
    if type(number) is not int or not 1 <= number <= 99:
        c.add(f"section [{i}]", f"number must be a whole number from 1 to 99, got {number!r}")
        return None
    key = f"section {number}"
    c.check(_nonempty(data.get("title_lv"), 300), key, "title_lv must be non-empty")
    c.check(_nonempty(data.get("title_en"), 300), key, "title_en must be non-empty")
    scored = data.get("scored", True)
    c.check(isinstance(scored, bool), key, "scored must be true or false")
    weight = _weight(c, key, data.get("weight", 1.0))
    measures: list[Measure] = []
    raw_measures = data.get("measures", [])
    if c.check(isinstance(raw_measures, list), key, "measures must be a list"):
        seen: set[str] = set()
        for m in raw_measures:
            if not (isinstance(m, Mapping) and _nonempty(m.get("lv"), 300) and _nonempty(m.get("en"), 300)
                    and isinstance(m.get("annex", True), bool)):
                c.add(key, f"measure {m!r} must have non-empty lv and en names and a boolean annex flag")
                continue
            c.check(m["lv"] not in seen, key, f"duplicate measure {m['lv']!r}")
            seen.add(m["lv"])
            measures.append(Measure(lv=m["lv"], en=m["en"], annex=m.get("annex", True)))
    return Section(number=number, title_lv=str(data.get("title_lv", "")), title_en=str(data.get("title_en", "")),
                   scored=bool(scored), weight=weight, measures=tuple(measures))


def _load_options(c: _Collector, qid: str, raw: object) -> tuple[Option, ...]:
    if not isinstance(raw, list) or len(raw) < 2:
        c.add(qid, "a choice question needs a list of at least two options, best first (Annex, kind 2)")
        return ()
    options: list[Option] = []
    seen: set[str] = set()
    for j, o in enumerate(raw):
        if not isinstance(o, Mapping):
            c.add(qid, f"option [{j}] must be an object")
            continue
        oid = o.get("id")
        if not isinstance(oid, str) or not ID_PATTERN.match(oid):
            c.add(qid, f"option [{j}] id must be 1-64 lowercase letters, digits, '.', '_' or '-', got {oid!r}")
            continue
        c.check(oid not in seen, qid, f"duplicate option id {oid!r}")
        seen.add(oid)
        ok = c.check(_nonempty(o.get("label_lv"), 300) and _nonempty(o.get("label_en"), 300), qid,
                     f"option {oid!r} needs non-empty label_lv and label_en")
        none = o.get("none", False)
        ok = c.check(isinstance(none, bool), qid, f"option {oid!r}: none must be true or false") and ok
        unknown = sorted(set(o) - {"id", "label_lv", "label_en", "none"})
        c.check(not unknown, qid, f"option {oid!r}: unknown fields {unknown}")
        if ok:
            options.append(Option(id=oid, label_lv=o["label_lv"], label_en=o["label_en"], none=none))
    if options:
        c.check(not all(o.none for o in options), qid, "every option is marked none (D3): nothing to rank")
    return tuple(options)


_COMMON_FIELDS = {"id", "section", "measure", "measure_en", "text_lv", "text_en", "kind", "block", "weight",
                  "exclusive_group"}
_KIND_FIELDS = {
    "amount": {"direction", "unit", "min", "max", "counts_toward_total"},
    "choice": {"options"},
    "text": {"max_length"},
}


def _load_question(c: _Collector, i: int, data: object, sections: Mapping[int, Section]) -> Question | None:
    if not isinstance(data, Mapping):
        c.add(f"questionnaire questions[{i}]", "must be an object")
        return None
    qid = data.get("id")
    if not isinstance(qid, str) or not ID_PATTERN.match(qid):
        c.add(f"questionnaire questions[{i}]",
              f"id must be 1-64 lowercase letters, digits, '.', '_' or '-', got {qid!r}")
        return None
    kind = data.get("kind")
    if not isinstance(kind, str) or kind not in KINDS:
        c.add(qid, f"unknown kind {kind!r}; expected one of {', '.join(KINDS)}")
        return None
    unknown = sorted(set(data) - _COMMON_FIELDS - _KIND_FIELDS[kind])
    for other_kind, fields in _KIND_FIELDS.items():
        misplaced = sorted(set(unknown) & fields)
        if other_kind != kind and misplaced:
            c.add(qid, f"{', '.join(misplaced)} only apply to {other_kind} questions, not {kind}")
            unknown = [u for u in unknown if u not in fields]
    c.check(not unknown, qid, f"unknown fields {unknown}")

    section_no = data.get("section")
    section = sections.get(section_no) if type(section_no) is int else None
    c.check(section is not None, qid, f"unknown section {section_no!r}")
    measure = data.get("measure")
    if c.check(_nonempty(measure, 300), qid, "measure must name the support measure (Annex)") \
            and section is not None and section.measures:
        c.check(measure in {m.lv for m in section.measures}, qid,
                f"measure {measure!r} is not one of section {section_no}'s measures")
    for f in ("measure_en", "text_lv", "text_en"):
        c.check(_nonempty(data.get(f)), qid, f"{f} must be non-empty")

    block = data.get("block")
    if section is not None and not section.scored and block is None:
        pass  # descriptive questions of an unscored section need no block
    else:
        c.check(block in BLOCKS, qid, f"unknown block {block!r}; expected one of {', '.join(BLOCKS)} (Annex)")
    weight = _weight(c, qid, data.get("weight", 1.0))
    group = data.get("exclusive_group")
    c.check(group is None or (isinstance(group, str) and bool(ID_PATTERN.match(group))), qid,
            f"exclusive_group must be null or an id, got {group!r}")

    q: dict[str, Any] = {}
    if kind == "amount":
        direction = data.get("direction")
        c.check(direction in DIRECTIONS, qid, f"unknown direction {direction!r}; expected one of "
                f"{', '.join(DIRECTIONS)}")
        unit = data.get("unit")
        c.check(_nonempty(unit, 40), qid, "an amount needs a unit such as EUR, EUR/month, days or %")
        lo, hi = data.get("min", 0), data.get("max")
        if not (_is_number(lo) and _is_number(hi)):
            c.add(qid, f"min and max must be numbers, got {lo!r}, {hi!r}")
        else:
            c.check(0 <= lo < hi <= AMOUNT_LIMIT, qid, f"needs 0 <= min < max <= {AMOUNT_LIMIT:g}, got {lo}, {hi}")
        counts = data.get("counts_toward_total", False)
        if c.check(isinstance(counts, bool), qid, "counts_toward_total must be true or false") and counts:
            c.check(block in TOTAL_BLOCKS, qid, "only regular and one_off amounts count toward the EUR totals "
                    "(Annex: the third block is reported by points only)")
            c.check(isinstance(unit, str) and unit.startswith("EUR"), qid,
                    "only EUR amounts count toward the EUR totals (Annex)")
            c.check(direction == "higher_better", qid,
                    "a co-payment (lower_better) is not a benefit and cannot count toward the EUR totals")
        q.update(direction=direction, unit=unit, min=float(lo) if _is_number(lo) else 0.0,
                 max=float(hi) if _is_number(hi) else 0.0, counts_toward_total=counts is True)
    elif kind == "choice":
        q["options"] = _load_options(c, qid, data.get("options"))
    else:
        max_length = data.get("max_length", DEFAULT_TEXT_MAX)
        if max_length is None:
            max_length = DEFAULT_TEXT_MAX
        c.check(type(max_length) is int and 1 <= max_length <= TEXT_MAX_LIMIT, qid,
                f"max_length must be a whole number from 1 to {TEXT_MAX_LIMIT}, got {max_length!r}")
        q["max_length"] = max_length if type(max_length) is int else DEFAULT_TEXT_MAX

    return Question(
        id=qid, section=section_no if isinstance(section_no, int) else 0, measure=str(measure),
        measure_en=str(data.get("measure_en")), text_lv=str(data.get("text_lv")), text_en=str(data.get("text_en")),
        kind=kind, block=block if block in BLOCKS else None, weight=weight, exclusive_group=group, **q,
    )


def load_questionnaire(data: Mapping[str, Any]) -> Questionnaire:
    """Build and validate a questionnaire from its JSON form; raise ``QuestionnaireError`` naming the question.

    Checked: ids and version; sections (unique numbers, titles, weights, measures); every question's section,
    measure, kind, block, direction, unit and range, options (only and always for choices, at least two, unique
    ids, not all ``none``), weight (D5), duplicate ids; exclusive groups (D5) have at least two questions, all in
    one scored section and one block, so that "counts once" is well defined within S(b,s) of D6.
    """
    c = _Collector()
    if not isinstance(data, Mapping):
        raise QuestionnaireError("questionnaire", "must be an object")
    c.check(isinstance(data.get("id"), str) and bool(ID_PATTERN.match(data.get("id") or "")), "questionnaire",
            "id must be 1-64 lowercase letters, digits, '.', '_' or '-'")
    c.check(_nonempty(data.get("version"), 40), "questionnaire", "version must be non-empty")
    for f in ("title_lv", "title_en"):
        c.check(_nonempty(data.get(f), 300), "questionnaire", f"{f} must be non-empty")
    unknown = sorted(set(data) - {"id", "version", "title_lv", "title_en", "sections", "questions"})
    c.check(not unknown, "questionnaire", f"unknown fields {unknown}")

    raw_sections = data.get("sections")
    sections: dict[int, Section] = {}
    if not isinstance(raw_sections, list) or not raw_sections:
        c.add("questionnaire", "sections must be a non-empty list")
    else:
        for i, s in enumerate(raw_sections):
            section = _load_section(c, i, s)
            if section is None:
                continue
            if c.check(section.number not in sections, f"section {section.number}", "duplicate section number"):
                sections[section.number] = section

    raw_questions = data.get("questions")
    questions: list[Question] = []
    if not isinstance(raw_questions, list) or not raw_questions:
        c.add("questionnaire", "questions must be a non-empty list")
    else:
        seen: set[str] = set()
        for i, qd in enumerate(raw_questions):
            q = _load_question(c, i, qd, sections)
            if q is None:
                continue
            if c.check(q.id not in seen, q.id, "duplicate question id"):
                seen.add(q.id)
                questions.append(q)

    groups: dict[str, list[Question]] = {}
    for q in questions:
        if q.exclusive_group is not None:
            groups.setdefault(q.exclusive_group, []).append(q)
    for g, members in groups.items():
        first = members[0]
        if len(members) < 2:
            c.add(first.id, f"exclusive group {g!r} has only this question (D5 needs at least two)")
        for q in members[1:]:
            c.check(q.block == first.block, q.id, f"exclusive group {g!r} mixes blocks: {q.block} here, "
                    f"{first.block} in {first.id} (D5)")
            c.check(q.section == first.section, q.id, f"exclusive group {g!r} spans sections {first.section} "
                    f"and {q.section} (D5)")
        section = sections.get(first.section)
        if section is not None and not section.scored:
            c.add(first.id, f"exclusive group {g!r} is in section {first.section}, which is not scored")
    c.raise_if_any()
    return Questionnaire(id=data["id"], version=data["version"].strip(), title_lv=data["title_lv"].strip(),
                         title_en=data["title_en"].strip(), sections=tuple(sections.values()),
                         questions=tuple(questions))


# --------------------------------------------------------------------------------------------------- answers

_SPACES = re.compile(r"[\s\u00a0\u202f\u2009']+")
_NUMBER = re.compile(r"^(-?)(\d+)(?:[.,](\d+))?$")


def parse_amount(value: object) -> tuple[float | int | None, str | None]:
    """An amount as a number: ints, finite floats, or numeric strings with a comma or dot decimal separator
    ("1 500,50", "12.5"); spaces between digit groups are allowed. Returns (number, None) or (None, reason)."""
    if isinstance(value, bool):
        return None, "must be a number, not true/false"
    if isinstance(value, int):
        number: float | int = value
    elif isinstance(value, float):
        if not math.isfinite(value):
            return None, "must be a finite number"
        number = value
    elif isinstance(value, str):
        m = _NUMBER.match(_SPACES.sub("", value.strip()))
        if not m:
            return None, f"{value!r} is not a number (use digits with one ',' or '.' as the decimal separator)"
        number = float(f"{m.group(1)}{m.group(2)}.{m.group(3) or '0'}")
    else:
        return None, f"must be a number, got {type(value).__name__}"
    if number < 0:
        return None, "must not be negative"
    if isinstance(number, float) and number.is_integer() and abs(number) < 2**53:
        number = int(number)
    return number, None


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else repr(float(x))


def validate_answers(q: Questionnaire, answers: Mapping[str, object]) -> dict[str, object]:
    """Validate and normalise a (partial) save of one municipality's answers (RULES.md "Round 1", Annex kinds).

    - unknown question ids are refused;
    - ``None``, or a blank string, clears the answer (normalised to ``None``);
    - amounts: a number or numeric string (comma or dot decimal separator), finite, not a bool, not negative,
      within the question's [min, max] in its unit; normalised to an int when whole, else a float;
    - choices: an option id of the question (surrounding spaces ignored);
    - texts: a string of at most ``max_length`` characters after trimming, without NUL characters.

    Raises ``InvalidInput`` listing every bad answer by question id; returns the normalised answers.
    """
    if not isinstance(answers, Mapping):
        raise InvalidInput({"answers": ["must be an object mapping question ids to answers"]})
    errors: dict[str, list[str]] = {}
    result: dict[str, object] = {}
    for key, value in answers.items():
        if not isinstance(key, str) or not q.has_question(key):
            errors.setdefault(str(key), []).append("unknown question id")
            continue
        question = q.question(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            result[key] = None
            continue
        if question.kind == "amount":
            number, reason = parse_amount(value)
            if reason is None and number is not None:
                lo, hi = question.min or 0.0, question.max or 0.0
                if not lo <= number <= hi:
                    reason = f"must be from {_fmt(lo)} to {_fmt(hi)} {question.unit}"
            if reason is not None:
                errors.setdefault(key, []).append(reason)
            else:
                result[key] = number
        elif question.kind == "choice":
            oid = value.strip() if isinstance(value, str) else value
            if isinstance(oid, str) and question.option(oid) is not None:
                result[key] = oid
            else:
                valid = ", ".join(o.id for o in question.options)
                errors.setdefault(key, []).append(f"{value!r} is not an option of this question ({valid})")
        else:
            if not isinstance(value, str):
                errors.setdefault(key, []).append(f"must be text, got {type(value).__name__}")
                continue
            text = value.strip()
            limit = question.max_length or DEFAULT_TEXT_MAX
            if len(text) > limit:
                errors.setdefault(key, []).append(f"must be at most {limit} characters, got {len(text)}")
            elif "\x00" in text:
                errors.setdefault(key, []).append("must not contain NUL characters")
            else:
                result[key] = text
    if errors:
        raise InvalidInput(errors, message=f"{len(errors)} invalid answer(s)")
    return result
