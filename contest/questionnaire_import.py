"""Reading a questionnaire from its spreadsheet (the workbook of contest/questionnaire_sheets.py, or the questions
alone as CSV) into the JSON form the domain loads (domain.questionnaire_loader), all or nothing.

A CSV, or a workbook without the sheets ``anketa`` and ``sadalas``, holds only the questions: the questionnaire's id,
version, titles and sections stay those of the contest's questionnaire (`current`), and its measures too, with any
measure a question names that its section does not have yet added. Without ``pasakumi`` the measures are gathered
so as well.

Every problem is reported at its cell (contest/table_report.py): first what cannot be read as its column needs
(``missing_sheet``, ``missing_column``, ``unknown_column``, ``duplicate_column``, ``not_a_number``,
``not_a_whole_number``, ``not_a_boolean``, ``unknown_section``, ``needs_sections``), then every problem the domain
finds in what was read (domain.questionnaire.Problem: its code and parameters), at the cell it came from.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

from contest import questionnaire_sheets as qs
from contest.spreadsheets import FORMULA_START
from contest.table_report import FILE, Cell, TableInvalid, column_letter, csv_rows, table_format, xlsx_sheets
from domain.questionnaire import Problem, Questionnaire, QuestionnaireError, load_questionnaire

MAX_ROWS = 5_000
WHOLE = {"section", "number", "max_length"}
NUMBER = {"weight", "min", "max"}
BOOLEAN = {"scored", "annex", "counts_toward_total"}
TRUE = {"jā", "ja", "true", "yes", "1", "patiess"}
FALSE = {"nē", "ne", "false", "no", "0", "aplams"}
_OPTION = re.compile(r"^option([1-9][0-9]?)_(id|label_lv|label_en|none)$")
_NESTED = re.compile(r"^(options|measures)\[(\d+)\](?:\.(\w+))?$")
_DECIMAL = re.compile(r"^-?\d+(?:[.,]\d+)?$")

Where = tuple[str, int, str]  # (sheet, row, column key); row 1 is the header row


class _Report:
    """The problems found, as cells and as the API's English messages; a column missing from its sheet is reported
    once, and nothing more of it."""

    def __init__(self, csv: bool) -> None:
        self.csv = csv
        self.cells: list[Cell] = []
        self.errors: dict[str, list[str]] = {}
        self.letters: dict[tuple[str, str], str] = {}  # (sheet, column) -> its letter
        self.missing: set[tuple[str, str]] = set()
        self.taken: set[Where] = set()

    def add(self, where: Where, code: str, message: str, **params: Any) -> None:
        sheet, row, column = where
        if where in self.taken or (sheet, column) in self.missing:
            return
        self.taken.add(where)
        name = "" if self.csv else sheet
        key = ", ".join(p for p in (name, f"row {row}" if row else "", column) if p) or "file"
        self.errors.setdefault(key, []).append(message)
        self.cells.append(Cell(name, row, column, self.letters.get((sheet, column), ""), code, message, params))

    def raise_if_any(self) -> None:
        if self.cells:
            raise TableInvalid(self.errors, self.cells,
                               message=f"{len(self.cells)} problem(s) in the table; nothing was changed")


class _Sheet:
    """A sheet's header read and checked, and its data rows: (row number, column key -> value as read)."""

    def __init__(self, report: _Report, name: str, rows: list[list[Any]], known: tuple[str, ...],
                 required: tuple[str, ...]) -> None:
        columns: dict[str, int] = {}
        for j, cell in enumerate(rows[0] if rows else []):
            key = (_text(cell, report.csv) or "").lower()
            if not key:
                continue
            if key in columns:
                report.add((name, 1, f"{key} ({column_letter(j)})"), "duplicate_column",
                           f"duplicate column {key!r}", other=column_letter(columns[key]))
                continue
            report.letters[(name, key)] = column_letter(j)
            if key in known or (name == qs.QUESTIONS_SHEET and _OPTION.match(key)):
                columns[key] = j
            else:
                report.add((name, 1, key), "unknown_column", f"unknown column {key!r}")
        for key in required:
            if key not in columns:
                report.add((name, 1, key), "missing_column", f"the sheet {name!r} needs a column {key!r}")
                report.missing.add((name, key))
        self.rows: list[tuple[int, dict[str, Any]]] = []
        for r, values in enumerate(rows[1:MAX_ROWS + 1], start=2):
            cells = {key: values[j] for key, j in columns.items() if j < len(values)}
            if any(_text(v, report.csv) is not None for v in cells.values()):
                self.rows.append((r, {k: _value(report, (name, r, k), v) for k, v in cells.items()}))


def _text(value: Any, csv: bool) -> str | None:
    """A cell as text (None when blank): "2", not "2.0"; a CSV's apostrophe before a formula character dropped."""
    if value is None:
        return None
    if isinstance(value, bool):
        return qs.yes_no(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    if csv and text.startswith("'") and text[1:].startswith(FORMULA_START):
        text = text[1:]
    return text or None


def _value(report: _Report, where: Where, raw: Any) -> Any:
    """A cell's value as its column needs it; what cannot be read so is reported, and passed on as typed."""
    column = where[2]
    if column in BOOLEAN or column.endswith("_none"):
        if isinstance(raw, bool):
            return raw
        text = _text(raw, report.csv)
        if text is None or text.lower() in TRUE | FALSE:
            return None if text is None else text.lower() in TRUE
        report.add(where, "not_a_boolean", f"{text!r} is not yes or no (jā / nē)")
        return text
    if column not in WHOLE | NUMBER:
        return _text(raw, report.csv)
    text = _text(raw, report.csv)
    if text is None:
        return None
    number: float | None = None
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        number = float(raw) if math.isfinite(raw) else None
    elif _DECIMAL.match(compact := re.sub(r"[\s\u00a0\u202f]", "", text)):
        number = float(compact.replace(",", "."))
    if column in WHOLE and (number is None or not number.is_integer()):
        report.add(where, "not_a_whole_number", f"{text!r} is not a whole number")
        return text
    if number is None:
        report.add(where, "not_a_number", f"{text!r} is not a number")
        return text
    return int(number) if column in WHOLE else number


def _given(row: Mapping[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    return {k: row[k] for k in keys if row.get(k) is not None}


class _Places:
    """Where each part of the JSON form came from, to point a domain problem at its cell."""

    def __init__(self) -> None:
        self.rows: dict[tuple[str, int | None], Where] = {}  # (part, index) -> (sheet, row, "")
        self.measures: dict[tuple[int, int], Where] = {}  # (section index, measure index) -> its cell
        self.options: dict[tuple[int, int], str] = {}  # (question index, option index) -> "option3_"

    def cell(self, problem: Problem) -> Where:
        field = problem.field
        if problem.part == "questionnaire" and field in ("sections", "questions"):
            return (qs.SECTIONS_SHEET if field == "sections" else qs.QUESTIONS_SHEET, 1, "")
        sheet, row, _ = self.rows.get((problem.part, problem.index), ("", FILE, ""))
        nested = _NESTED.match(field)
        index = problem.index if problem.index is not None else -1
        if nested and nested.group(1) == "measures":
            return self.measures.get((index, int(nested.group(2))), (sheet, row, ""))
        if nested or field == "options":
            j = int(nested.group(2)) if nested else 0
            prefix = self.options.get((index, j), qs.option_column(j + 1, ""))
            return (sheet, row, prefix + (nested.group(3) if nested and nested.group(3) else "id"))
        return (sheet, row, field)


def read_questionnaire(data: bytes, filename: str, current: Questionnaire | None) -> dict[str, Any]:
    """The questionnaire a spreadsheet holds, in its JSON form, validated by the domain; TableInvalid (every bad
    cell) otherwise. `current` is the contest's questionnaire (for a file with only the questions)."""
    fmt = table_format(filename)
    report = _Report(csv=fmt == "csv")
    found = dict(xlsx_sheets(data)) if fmt == "xlsx" else {qs.QUESTIONS_SHEET: csv_rows(data)}
    found = {name.strip().lower(): rows for name, rows in found.items()}
    own = qs.SECTIONS_SHEET in found and qs.HEAD_SHEET in found  # else the header and sections are `current`'s
    if qs.QUESTIONS_SHEET not in found:
        report.add((qs.QUESTIONS_SHEET, FILE, ""), "missing_sheet",
                   f"the workbook needs a sheet {qs.QUESTIONS_SHEET!r}")
    elif not own and current is None:
        report.add(("", FILE, ""), "needs_sections", "the contest has no questionnaire yet: upload the workbook "
                   "with its sheets 'anketa', 'sadalas' and 'pasakumi'")
    report.raise_if_any()
    questions = _Sheet(report, qs.QUESTIONS_SHEET, found[qs.QUESTIONS_SHEET], qs.question_columns(0),
                       qs.REQUIRED_QUESTION_COLUMNS)
    places = _Places()
    result = _own_sections(report, found, places) if own else _current_sections(current)
    index = {s["number"]: i for i, s in enumerate(result["sections"]) if type(s["number"]) is int}
    if own and qs.MEASURES_SHEET in found:
        _read_measures(report, found[qs.MEASURES_SHEET], result, index, places)
    else:
        _gather_measures(result, index, questions, current, places)
    result["questions"] = [_question(values, i, (qs.QUESTIONS_SHEET, row, ""), places)
                           for i, (row, values) in enumerate(questions.rows)]
    try:
        load_questionnaire(result)
    except QuestionnaireError as e:
        for problem in e.problems:
            report.add(places.cell(problem), problem.code, problem.message, **problem.params)
    report.raise_if_any()
    return result


def _own_sections(report: _Report, found: Mapping[str, list[list[Any]]], places: _Places) -> dict[str, Any]:
    """The header and the sections, from their sheets."""
    head = _Sheet(report, qs.HEAD_SHEET, found[qs.HEAD_SHEET], qs.HEAD_COLUMNS, qs.HEAD_COLUMNS)
    row, values = head.rows[0] if head.rows else (2, {})
    places.rows[("questionnaire", None)] = (qs.HEAD_SHEET, row, "")
    result: dict[str, Any] = {k: values.get(k) for k in qs.HEAD_COLUMNS}
    sections = _Sheet(report, qs.SECTIONS_SHEET, found[qs.SECTIONS_SHEET], qs.SECTION_COLUMNS,
                      ("number", "title_lv", "title_en"))
    result["sections"] = []
    for i, (row, values) in enumerate(sections.rows):
        places.rows[("section", i)] = (qs.SECTIONS_SHEET, row, "")
        result["sections"].append({"number": values.get("number"), "title_lv": values.get("title_lv"),
                                   "title_en": values.get("title_en"), **_given(values, ("scored", "weight")),
                                   "measures": []})
    return result


def _current_sections(current: Questionnaire | None) -> dict[str, Any]:
    """The header and the sections of the contest's questionnaire (their measures gathered afresh)."""
    assert current is not None  # read_questionnaire refuses a file with only the questions otherwise
    result = current.to_dict()
    del result["questions"]
    for s in result["sections"]:
        s["measures"] = []
    return result


def _read_measures(report: _Report, rows: list[list[Any]], result: dict[str, Any], index: Mapping[int, int],
                   places: _Places) -> None:
    measures = _Sheet(report, qs.MEASURES_SHEET, rows, qs.MEASURE_COLUMNS, ("section", "lv", "en"))
    for row, values in measures.rows:
        i = index.get(values.get("section"))  # type: ignore[arg-type]
        if i is None:
            report.add((qs.MEASURES_SHEET, row, "section"), "unknown_section",
                       f"no section {values.get('section')!r} in the sheet {qs.SECTIONS_SHEET!r}")
            continue
        listed = result["sections"][i]["measures"]
        places.measures[(i, len(listed))] = (qs.MEASURES_SHEET, row, "lv")
        listed.append({"lv": values.get("lv"), "en": values.get("en"), **_given(values, ("annex",))})


def _gather_measures(result: dict[str, Any], index: Mapping[int, int], questions: _Sheet,
                     current: Questionnaire | None, places: _Places) -> None:
    """Without a measures sheet: each section keeps `current`'s measures, and a measure a question names that its
    section does not have is added (where the first question that names it is)."""
    for s in current.sections if current is not None else ():
        if s.number in index:
            result["sections"][index[s.number]]["measures"] = [m.to_dict() for m in s.measures]
    for row, values in questions.rows:
        i = index.get(values.get("section"))  # type: ignore[arg-type]
        measure = values.get("measure")
        if i is None or not isinstance(measure, str):
            continue
        listed = result["sections"][i]["measures"]
        if all(m["lv"] != measure for m in listed):
            places.measures[(i, len(listed))] = (qs.QUESTIONS_SHEET, row, "measure")
            listed.append({"lv": measure, "en": values.get("measure_en") or measure, "annex": True})


def _question(values: Mapping[str, Any], i: int, where: Where, places: _Places) -> dict[str, Any]:
    """One question's row in its JSON form: what every question has, what its kind's columns hold (another kind's
    non-empty cells too, so that the domain names them), its options in the order of their numbers."""
    places.rows[("question", i)] = where
    q: dict[str, Any] = {k: values.get(k) for k in qs.REQUIRED_QUESTION_COLUMNS}
    q.update(_given(values, ("block", "weight", "exclusive_group", *qs.AMOUNT_COLUMNS, *qs.TEXT_COLUMNS)))
    numbers = sorted({int(m.group(1)) for k in values if (m := _OPTION.match(k))})
    options = []
    for n in numbers:
        parts = {part: values.get(qs.option_column(n, part)) for part in qs.OPTION_PARTS}
        if any(v is not None for v in parts.values()):
            places.options[(i, len(options))] = qs.option_column(n, "")
            options.append({k: v for k, v in parts.items() if v is not None or k != "none"})
    if options or q.get("kind") == "choice":
        q["options"] = options
    return q
