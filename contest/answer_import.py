"""Import round-1 answers for many municipalities from a spreadsheet (§4.2, RULES.md "Round 1"), all or nothing.

Wide format: the header row is ``municipality`` followed by question ids; one row per municipality (its ISO 3166-2
code, e.g. LV-RIX); an empty cell means "no answer". CSV must be UTF-8 (a BOM is fine) with ``,`` or ``;`` as the
delimiter (Latvian Excel writes ``;``); XLSX is read from its first sheet. Amounts may use a comma or a dot as the
decimal separator (``validate_answers`` normalises them).

Every bad cell is collected (unknown question id, unknown or duplicate municipality, a value the questionnaire
refuses) and reported together in one ``InvalidInput`` keyed ``"row 5, s2.m1.q1"`` whose message names the value
and the reason; nothing is returned unless the whole table is valid. The same problems are also given as cells
(``TableInvalid.cells``, contest/table_report.py: row, column, its letter, the kind of problem), so that a page can
list them in its reader's language.

The kinds: ``format``, ``encoding``, ``unreadable``, ``no_sheets``, ``empty``, ``too_large`` (the file);
``first_column``, ``unnamed_column``, ``unknown_question``, ``duplicate_column`` (the header row);
``missing_municipality``, ``unknown_municipality``, ``duplicate_row``, ``outside_header`` (a row); and a refused
answer's kind from domain.questionnaire_answers (``not_a_number``, ``out_of_range``, …).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Collection, Iterable, Mapping
from decimal import Decimal
from typing import Any

from contest.table_report import Cell, TableInvalid, column_letter, csv_rows, file_problem, table_format, xlsx_sheets
from domain.errors import InvalidInput
from domain.questionnaire import AnswersInvalid, Questionnaire, validate_answers

HEADER = "municipality"
MAX_ROWS = 10_000
MAX_COLUMNS = 2_000


def _xlsx_rows(data: bytes) -> list[list[Any]]:
    """The workbook's first sheet."""
    return xlsx_sheets(data)[0][1]


def _blank(v: object) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


def _cell_text(v: object) -> str:
    """A number typed into a choice or text cell, as the text the person saw ("2", not "2.0")."""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def parse_answers_table(data: bytes, filename_or_format: str, questionnaire: Questionnaire,
                        known_municipalities: Collection[str]) -> dict[str, dict[str, object]]:
    """Parse a CSV or XLSX table of answers (see the module docstring); returns code -> normalised answers
    (only non-empty cells). Raises one InvalidInput listing every bad cell; nothing partial is returned."""
    fmt = table_format(filename_or_format)
    rows = _xlsx_rows(data) if fmt == "xlsx" else csv_rows(data)
    errors: dict[str, list[str]] = {}
    cells: list[Cell] = []

    def bad(row: int, column: str, message: str, code: str, index: int, **params: Any) -> None:
        errors.setdefault(f"row {row}, {column}", []).append(message)
        cells.append(Cell("", row, column, column_letter(index), code, message, params))

    while rows and all(_blank(v) for v in rows[-1]):
        rows.pop()
    if not rows:
        raise file_problem("empty", "the table is empty: expected a header row 'municipality', question ids...")
    if len(rows) - 1 > MAX_ROWS or len(rows[0]) > MAX_COLUMNS:
        raise file_problem("too_large", f"the table is too large (at most {MAX_ROWS} rows, {MAX_COLUMNS} columns)",
                           rows=MAX_ROWS, columns=MAX_COLUMNS)
    header = ["" if _blank(v) else str(v).strip() for v in rows[0]]
    if not header or header[0].lower() != HEADER:
        bad(1, "A", f"the first column must be headed {HEADER!r}, found {header[0] if header else ''!r}",
            "first_column", 0, found=header[0] if header else "")
    columns: dict[int, str] = {}
    seen_ids: dict[str, int] = {}
    for j, name in enumerate(header[1:], 1):
        if not name:
            if any(j < len(r) and not _blank(r[j]) for r in rows[1:]):
                bad(1, f"column {j + 1}", "a column with answers needs a question id in the header",
                    "unnamed_column", j)
            continue
        if not questionnaire.has_question(name):
            bad(1, name, "unknown question id", "unknown_question", j)
        elif name in seen_ids:
            bad(1, name, f"duplicate column (also column {seen_ids[name] + 1})", "duplicate_column", j,
                other=column_letter(seen_ids[name]))
        else:
            seen_ids[name] = j
            columns[j] = name

    known = {c.upper(): c for c in known_municipalities}
    first_row: dict[str, int] = {}
    result: dict[str, dict[str, object]] = {}
    for r, row in enumerate(rows[1:], 2):
        if all(_blank(v) for v in row):
            continue
        raw_code = row[0] if row else None
        code_text = "" if _blank(raw_code) else str(raw_code).strip()
        code = known.get(code_text.upper())
        if not code_text:
            bad(r, HEADER, "missing municipality code", "missing_municipality", 0)
        elif code is None:
            bad(r, HEADER, f"{code_text!r}: unknown municipality (expected an ISO 3166-2 code such as LV-RIX)",
                "unknown_municipality", 0, value=code_text)
        elif code in first_row:
            bad(r, HEADER, f"{code}: duplicate row (first on row {first_row[code]})", "duplicate_row", 0,
                first=first_row[code])
            code = None
        else:
            first_row[code] = r
        given: dict[str, object] = {}
        for j, value in enumerate(row[1:], 1):
            if _blank(value):
                continue
            qid = columns.get(j)
            if qid is None:
                if j >= len(header):
                    bad(r, f"column {j + 1}", f"{value!r}: a value outside the header's columns", "outside_header", j)
                continue  # a bad header is reported once, on row 1
            if questionnaire.question(qid).kind != "amount" and not isinstance(value, str):
                value = _cell_text(value)
            given[qid] = value
        try:
            answers = validate_answers(questionnaire, given)
        except InvalidInput as e:
            kinds = e.kinds if isinstance(e, AnswersInvalid) else {}
            for qid, messages in e.errors.items():
                for k, m in enumerate(messages):
                    kind = kinds.get(qid, [])[k] if k < len(kinds.get(qid, [])) else "invalid"
                    bad(r, qid, f"{given.get(qid)!r}: {m}", kind, seen_ids.get(qid, 0), question=qid)
            continue
        if code is not None:
            result[code] = {k: v for k, v in answers.items() if v is not None}
    if errors:
        raise TableInvalid(errors, cells, message=f"{sum(len(v) for v in errors.values())} bad cell(s); nothing "
                                                  "imported")
    return result


def _format_value(v: object) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return str(v).lower()
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return format(Decimal(repr(v)), "f") if not v.is_integer() else str(int(v))
    return str(v)


def answers_to_csv(answers: Mapping[str, Mapping[str, object]], questionnaire: Questionnaire, *,
                   delimiter: str = ",", bom: bool = False) -> bytes:
    """The inverse of ``parse_answers_table`` for CSV: header ``municipality`` and every question id in
    questionnaire order, one row per municipality (sorted by code), empty cells for no answer."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    ids = [q.id for q in questionnaire.questions]
    writer.writerow([HEADER, *ids])
    for code in sorted(answers):
        row: Iterable[object] = (answers[code].get(qid) for qid in ids)
        writer.writerow([code, *(_format_value(v) for v in row)])
    text = out.getvalue()
    return (("\ufeff" if bom else "") + text).encode("utf-8")
