"""Loading a questionnaire from its JSON form (RULES.md "Round 1", Annex): validated as a whole and frozen.

A questionnaire is configuration (the 2024 one lives in ``contest/presets/2024/questionnaire.json``):
``load_questionnaire`` checks every section and question and reports every problem at once, keyed by question id
(``QuestionnaireError``), so a bad preset is fixed in one pass; ``load_questionnaire(q.to_dict()) == q``. Each
problem is also reported with where it is, its field and its kind (``Problem``: a code and its parameters), so that
a reader can word it in its own language and point at the spreadsheet cell it came from (the desk's pages).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, TypeGuard

from domain.questionnaire_model import (
    AMOUNT_LIMIT,
    BLOCKS,
    DEFAULT_TEXT_MAX,
    DIRECTIONS,
    ID_PATTERN,
    KINDS,
    TEXT_MAX_LIMIT,
    TOTAL_BLOCKS,
    WEIGHT_MAX,
    Measure,
    Option,
    Problem,
    Question,
    Questionnaire,
    QuestionnaireError,
    Section,
)


def _is_number(value: object) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _nonempty(value: object, max_len: int = 1000) -> TypeGuard[str]:
    return isinstance(value, str) and 0 < len(value.strip()) <= max_len


class _Collector:
    """Every problem found: the English messages keyed by question id (``errors``) and each as a ``Problem`` of the
    part being read (``where``: set as the loader moves to a section or a question)."""

    def __init__(self) -> None:
        self.errors: dict[str, list[str]] = {}
        self.problems: list[Problem] = []
        self.first: tuple[str, str] | None = None
        self.where: tuple[str, int | None] = ("questionnaire", None)

    def add(self, key: str, message: str, field: str = "", code: str = "invalid", **params: Any) -> None:
        if self.first is None:
            self.first = (key, message)
        prefix = "" if key.startswith(("section", "questionnaire")) else f"question {key}: "
        self.errors.setdefault(key, []).append(prefix + message)
        self.problems.append(Problem(self.where[0], self.where[1], field, code, params, prefix + message))

    def check(self, ok: bool, key: str, message: str, field: str = "", code: str = "invalid",
              **params: Any) -> bool:
        if not ok:
            self.add(key, message, field, code, **params)
        return ok

    def raise_if_any(self) -> None:
        if self.first is not None:
            raise QuestionnaireError(self.first[0], self.first[1], self.errors, tuple(self.problems))


def _weight(c: _Collector, key: str, value: object) -> float:
    if _is_number(value) and 0 < float(value) <= WEIGHT_MAX:
        return float(value)
    c.add(key, f"weight must be a number above 0 and at most {WEIGHT_MAX:g} (D5), got {value!r}", "weight", "weight",
          max=WEIGHT_MAX)
    return 1.0


def _load_section(c: _Collector, i: int, data: object) -> Section | None:
    c.where = ("section", i)
    if not isinstance(data, Mapping):
        c.add(f"section [{i}]", "must be an object", "", "object")
        return None
    number = data.get("number")
    if type(number) is not int or not 1 <= number <= 99:
        c.add(f"section [{i}]", f"number must be a whole number from 1 to 99, got {number!r}", "number",
              "section_number")
        return None
    key = f"section {number}"
    for f in ("title_lv", "title_en"):
        c.check(_nonempty(data.get(f), 300), key, f"{f} must be non-empty", f, "required", max=300)
    scored = data.get("scored", True)
    c.check(isinstance(scored, bool), key, "scored must be true or false", "scored", "boolean")
    weight = _weight(c, key, data.get("weight", 1.0))
    measures: list[Measure] = []
    raw_measures = data.get("measures", [])
    if c.check(isinstance(raw_measures, list), key, "measures must be a list", "measures", "list"):
        seen: set[str] = set()
        for j, m in enumerate(raw_measures):
            if not (isinstance(m, Mapping) and _nonempty(m.get("lv"), 300) and _nonempty(m.get("en"), 300)
                    and isinstance(m.get("annex", True), bool)):
                c.add(key, f"measure {m!r} must have non-empty lv and en names and a boolean annex flag",
                      f"measures[{j}]", "measure", max=300)
                continue
            c.check(m["lv"] not in seen, key, f"duplicate measure {m['lv']!r}", f"measures[{j}]", "duplicate")
            seen.add(m["lv"])
            measures.append(Measure(lv=m["lv"], en=m["en"], annex=m.get("annex", True)))
    return Section(number=number, title_lv=str(data.get("title_lv", "")), title_en=str(data.get("title_en", "")),
                   scored=bool(scored), weight=weight, measures=tuple(measures))


def _load_options(c: _Collector, qid: str, raw: object) -> tuple[Option, ...]:
    if not isinstance(raw, list) or len(raw) < 2:
        c.add(qid, "a choice question needs a list of at least two options, best first (Annex, kind 2)", "options",
              "options_few")
        return ()
    options: list[Option] = []
    seen: set[str] = set()
    for j, o in enumerate(raw):
        at = f"options[{j}]"
        if not isinstance(o, Mapping):
            c.add(qid, f"option [{j}] must be an object", at, "object")
            continue
        oid = o.get("id")
        if not isinstance(oid, str) or not ID_PATTERN.match(oid):
            c.add(qid, f"option [{j}] id must be 1-64 lowercase letters, digits, '.', '_' or '-', got {oid!r}",
                  f"{at}.id", "id")
            continue
        c.check(oid not in seen, qid, f"duplicate option id {oid!r}", f"{at}.id", "duplicate")
        seen.add(oid)
        ok = True
        for f in ("label_lv", "label_en"):
            ok = c.check(_nonempty(o.get(f), 300), qid, f"option {oid!r} needs non-empty label_lv and label_en",
                         f"{at}.{f}", "required", max=300) and ok
        none = o.get("none", False)
        ok = c.check(isinstance(none, bool), qid, f"option {oid!r}: none must be true or false", f"{at}.none",
                     "boolean") and ok
        unknown = sorted(set(o) - {"id", "label_lv", "label_en", "none"})
        c.check(not unknown, qid, f"option {oid!r}: unknown fields {unknown}", at, "unknown_fields", fields=unknown)
        if ok:
            options.append(Option(id=oid, label_lv=o["label_lv"], label_en=o["label_en"], none=none))
    if options:
        c.check(not all(o.none for o in options), qid, "every option is marked none (D3): nothing to rank",
                "options", "options_all_none")
    return tuple(options)


_COMMON_FIELDS = {"id", "section", "measure", "measure_en", "text_lv", "text_en", "kind", "block", "weight",
                  "exclusive_group"}
_KIND_FIELDS = {
    "amount": {"direction", "unit", "min", "max", "counts_toward_total"},
    "choice": {"options"},
    "text": {"max_length"},
}


def _load_question(c: _Collector, i: int, data: object, sections: Mapping[int, Section]) -> Question | None:
    c.where = ("question", i)
    if not isinstance(data, Mapping):
        c.add(f"questionnaire questions[{i}]", "must be an object", "", "object")
        return None
    qid = data.get("id")
    if not isinstance(qid, str) or not ID_PATTERN.match(qid):
        c.add(f"questionnaire questions[{i}]",
              f"id must be 1-64 lowercase letters, digits, '.', '_' or '-', got {qid!r}", "id", "id")
        return None
    kind = data.get("kind")
    if not isinstance(kind, str) or kind not in KINDS:
        c.add(qid, f"unknown kind {kind!r}; expected one of {', '.join(KINDS)}", "kind", "choice", allowed=KINDS)
        return None
    unknown = sorted(set(data) - _COMMON_FIELDS - _KIND_FIELDS[kind])
    for other_kind, fields in _KIND_FIELDS.items():
        misplaced = sorted(set(unknown) & fields)
        if other_kind != kind and misplaced:
            c.add(qid, f"{', '.join(misplaced)} only apply to {other_kind} questions, not {kind}", misplaced[0],
                  "misplaced_fields", fields=misplaced, kind=other_kind)
            unknown = [u for u in unknown if u not in fields]
    c.check(not unknown, qid, f"unknown fields {unknown}", "", "unknown_fields", fields=unknown)

    section_no = data.get("section")
    section = sections.get(section_no) if type(section_no) is int else None
    c.check(section is not None, qid, f"unknown section {section_no!r}", "section", "unknown_section")
    measure = data.get("measure")
    if c.check(_nonempty(measure, 300), qid, "measure must name the support measure (Annex)", "measure",
               "required", max=300) and section is not None and section.measures:
        c.check(measure in {m.lv for m in section.measures}, qid,
                f"measure {measure!r} is not one of section {section_no}'s measures", "measure",
                "measure_not_in_section", section=section_no)
    for f in ("measure_en", "text_lv", "text_en"):
        c.check(_nonempty(data.get(f)), qid, f"{f} must be non-empty", f, "required", max=1000)

    block = data.get("block")
    if section is not None and not section.scored and block is None:
        pass  # descriptive questions of an unscored section need no block
    else:
        c.check(block in BLOCKS, qid, f"unknown block {block!r}; expected one of {', '.join(BLOCKS)} (Annex)",
                "block", "choice", allowed=BLOCKS)
    weight = _weight(c, qid, data.get("weight", 1.0))
    group = data.get("exclusive_group")
    c.check(group is None or (isinstance(group, str) and bool(ID_PATTERN.match(group))), qid,
            f"exclusive_group must be null or an id, got {group!r}", "exclusive_group", "id")

    q: dict[str, Any] = {}
    if kind == "amount":
        direction = data.get("direction")
        c.check(direction in DIRECTIONS, qid, f"unknown direction {direction!r}; expected one of "
                f"{', '.join(DIRECTIONS)}", "direction", "choice", allowed=DIRECTIONS)
        unit = data.get("unit")
        c.check(_nonempty(unit, 40), qid, "an amount needs a unit such as EUR, EUR/month, days or %", "unit",
                "unit", max=40)
        lo, hi = data.get("min", 0), data.get("max")
        if not (_is_number(lo) and _is_number(hi)):
            c.add(qid, f"min and max must be numbers, got {lo!r}, {hi!r}", "min" if not _is_number(lo) else "max",
                  "number")
        else:
            c.check(0 <= lo < hi <= AMOUNT_LIMIT, qid, f"needs 0 <= min < max <= {AMOUNT_LIMIT:g}, got {lo}, {hi}",
                    "min" if lo < 0 else "max", "range", limit=AMOUNT_LIMIT)
        counts = data.get("counts_toward_total", False)
        if c.check(isinstance(counts, bool), qid, "counts_toward_total must be true or false",
                   "counts_toward_total", "boolean") and counts:
            c.check(block in TOTAL_BLOCKS, qid, "only regular and one_off amounts count toward the EUR totals "
                    "(Annex: the third block is reported by points only)", "counts_toward_total", "total_block")
            c.check(isinstance(unit, str) and unit.startswith("EUR"), qid,
                    "only EUR amounts count toward the EUR totals (Annex)", "counts_toward_total", "total_unit")
            c.check(direction == "higher_better", qid,
                    "a co-payment (lower_better) is not a benefit and cannot count toward the EUR totals",
                    "counts_toward_total", "total_direction")
        q.update(direction=direction, unit=unit, min=float(lo) if _is_number(lo) else 0.0,
                 max=float(hi) if _is_number(hi) else 0.0, counts_toward_total=counts is True)
    elif kind == "choice":
        q["options"] = _load_options(c, qid, data.get("options"))
    else:
        max_length = data.get("max_length", DEFAULT_TEXT_MAX)
        if max_length is None:
            max_length = DEFAULT_TEXT_MAX
        c.check(type(max_length) is int and 1 <= max_length <= TEXT_MAX_LIMIT, qid,
                f"max_length must be a whole number from 1 to {TEXT_MAX_LIMIT}, got {max_length!r}", "max_length",
                "max_length", max=TEXT_MAX_LIMIT)
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
        raise QuestionnaireError("questionnaire", "must be an object",
                                 problems=(Problem("questionnaire", None, "", "object", {}, "must be an object"),))
    c.check(isinstance(data.get("id"), str) and bool(ID_PATTERN.match(data.get("id") or "")), "questionnaire",
            "id must be 1-64 lowercase letters, digits, '.', '_' or '-'", "id", "id")
    c.check(_nonempty(data.get("version"), 40), "questionnaire", "version must be non-empty", "version", "required",
            max=40)
    for f in ("title_lv", "title_en"):
        c.check(_nonempty(data.get(f), 300), "questionnaire", f"{f} must be non-empty", f, "required", max=300)
    unknown = sorted(set(data) - {"id", "version", "title_lv", "title_en", "sections", "questions"})
    c.check(not unknown, "questionnaire", f"unknown fields {unknown}", "", "unknown_fields", fields=unknown)

    raw_sections = data.get("sections")
    sections: dict[int, Section] = {}
    if not isinstance(raw_sections, list) or not raw_sections:
        c.add("questionnaire", "sections must be a non-empty list", "sections", "list")
    else:
        for i, s in enumerate(raw_sections):
            section = _load_section(c, i, s)
            if section is None:
                continue
            if c.check(section.number not in sections, f"section {section.number}", "duplicate section number",
                       "number", "duplicate"):
                sections[section.number] = section

    raw_questions = data.get("questions")
    questions: list[Question] = []
    position: dict[str, int] = {}  # a question's index in the data's list, for its problems' `where`
    if not isinstance(raw_questions, list) or not raw_questions:
        c.where = ("questionnaire", None)
        c.add("questionnaire", "questions must be a non-empty list", "questions", "list")
    else:
        seen: set[str] = set()
        for i, qd in enumerate(raw_questions):
            q = _load_question(c, i, qd, sections)
            if q is None:
                continue
            if c.check(q.id not in seen, q.id, "duplicate question id", "id", "duplicate"):
                seen.add(q.id)
                questions.append(q)
                position[q.id] = i

    groups: dict[str, list[Question]] = {}
    for q in questions:
        if q.exclusive_group is not None:
            groups.setdefault(q.exclusive_group, []).append(q)
    for g, members in groups.items():
        first = members[0]
        c.where = ("question", position[first.id])
        if len(members) < 2:
            c.add(first.id, f"exclusive group {g!r} has only this question (D5 needs at least two)",
                  "exclusive_group", "group_single", group=g)
        for q in members[1:]:
            c.where = ("question", position[q.id])
            c.check(q.block == first.block, q.id, f"exclusive group {g!r} mixes blocks: {q.block} here, "
                    f"{first.block} in {first.id} (D5)", "exclusive_group", "group_blocks", group=g, other=first.id)
            c.check(q.section == first.section, q.id, f"exclusive group {g!r} spans sections {first.section} "
                    f"and {q.section} (D5)", "exclusive_group", "group_sections", group=g, other=first.id)
        section = sections.get(first.section)
        c.where = ("question", position[first.id])
        if section is not None and not section.scored:
            c.add(first.id, f"exclusive group {g!r} is in section {first.section}, which is not scored",
                  "exclusive_group", "group_unscored", group=g, section=first.section)
    c.raise_if_any()
    return Questionnaire(id=data["id"], version=data["version"].strip(), title_lv=data["title_lv"].strip(),
                         title_en=data["title_en"].strip(), sections=tuple(sections.values()),
                         questions=tuple(questions))
