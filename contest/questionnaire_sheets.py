"""The questionnaire as a spreadsheet (§4.2, Annex; "the questions change from year to year"): the workbook the
secretariat downloads, edits and uploads again (contest/questionnaire_import.py reads it back, and
``read(write(q)) == q``), and the questions alone as CSV.

The workbook's sheets, each a header row of the column keys below and one row per item:

- ``anketa``: one row, the questionnaire's ``id``, ``version``, ``title_lv``, ``title_en``;
- ``sadalas``: the sections of the Annex: ``number``, ``title_lv``, ``title_en``, ``scored``, ``weight`` (D6);
- ``pasakumi``: the support measures each section names: ``section``, ``lv``, ``en``, ``annex``;
- ``jautajumi``: the questions, in order (QUESTION_COLUMNS): what every question has, what an amount has
  (``direction``, ``unit``, ``min``, ``max``, ``counts_toward_total``), a text's ``max_length``, and a choice's options
  best first, four columns each (``option1_id``, ``option1_label_lv``, ``option1_label_en``, ``option1_none``, …);
- ``noradijumi``: what each column means, in the reader's language (not read back).

Yes/no cells are written ``jā``/``nē`` (``true``/``false``, ``yes``/``no`` and 1/0 are read too); numbers as numbers
(in the CSV with a decimal comma, as Latvian Excel reads them). A text that a spreadsheet would take for a formula is
written as text (contest/spreadsheets.py).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from contest.spreadsheets import BOM, DELIMITER, FORMULA_START, decimal_comma
from domain.questionnaire import Question, Questionnaire

HEAD_SHEET, SECTIONS_SHEET, MEASURES_SHEET, QUESTIONS_SHEET, NOTES_SHEET = (
    "anketa", "sadalas", "pasakumi", "jautajumi", "noradijumi")
HEAD_COLUMNS = ("id", "version", "title_lv", "title_en")
SECTION_COLUMNS = ("number", "title_lv", "title_en", "scored", "weight")
MEASURE_COLUMNS = ("section", "lv", "en", "annex")
BASE_COLUMNS = ("id", "section", "measure", "measure_en", "text_lv", "text_en", "kind", "block", "weight",
                "exclusive_group")
AMOUNT_COLUMNS = ("direction", "unit", "min", "max", "counts_toward_total")
TEXT_COLUMNS = ("max_length",)
OPTION_PARTS = ("id", "label_lv", "label_en", "none")
TEMPLATE_OPTIONS = 6  # option columns in a template; more may be added (option7_id, …)
REQUIRED_QUESTION_COLUMNS = ("id", "section", "measure", "measure_en", "text_lv", "text_en", "kind")
YES, NO = "jā", "nē"


def option_column(n: int, part: str) -> str:
    """The header of option `n`'s (1-based) `part`: option2_label_lv."""
    return f"option{n}_{part}"


def question_columns(options: int = TEMPLATE_OPTIONS) -> tuple[str, ...]:
    return (*BASE_COLUMNS, *AMOUNT_COLUMNS, *TEXT_COLUMNS,
            *(option_column(n, part) for n in range(1, options + 1) for part in OPTION_PARTS))


def csv_text(value: Any) -> str:
    """A text cell of the CSV: one a spreadsheet would take for a formula gets a leading apostrophe (the reader
    drops it again)."""
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def yes_no(value: bool) -> str:
    return YES if value else NO


def question_row(q: Question) -> dict[str, Any]:
    """One question as its row: column key -> value (None: an empty cell)."""
    row: dict[str, Any] = {"id": q.id, "section": q.section, "measure": q.measure, "measure_en": q.measure_en,
                           "text_lv": q.text_lv, "text_en": q.text_en, "kind": q.kind, "block": q.block,
                           "weight": q.weight, "exclusive_group": q.exclusive_group}
    if q.kind == "amount":
        row.update(direction=q.direction, unit=q.unit, min=q.min, max=q.max,
                   counts_toward_total=yes_no(q.counts_toward_total))
    elif q.kind == "text":
        row["max_length"] = q.max_length
    for n, o in enumerate(q.options, start=1):
        row.update({option_column(n, "id"): o.id, option_column(n, "label_lv"): o.label_lv,
                    option_column(n, "label_en"): o.label_en, option_column(n, "none"): yes_no(o.none)})
    return row


def _options_needed(q: Questionnaire | None) -> int:
    return max([TEMPLATE_OPTIONS, *(len(x.options) for x in (q.questions if q else ()))])


def sheets(q: Questionnaire | None) -> list[tuple[str, Sequence[str], list[Mapping[str, Any]]]]:
    """The workbook's sheets as (name, columns, rows); without a questionnaire, only their headers (a blank
    template)."""
    if q is None:
        return [(HEAD_SHEET, HEAD_COLUMNS, []), (SECTIONS_SHEET, SECTION_COLUMNS, []),
                (MEASURES_SHEET, MEASURE_COLUMNS, []), (QUESTIONS_SHEET, question_columns(), [])]
    head = {"id": q.id, "version": q.version, "title_lv": q.title_lv, "title_en": q.title_en}
    sections = [{"number": s.number, "title_lv": s.title_lv, "title_en": s.title_en, "scored": yes_no(s.scored),
                 "weight": s.weight} for s in q.sections]
    measures = [{"section": s.number, "lv": m.lv, "en": m.en, "annex": yes_no(m.annex)}
                for s in q.sections for m in s.measures]
    return [(HEAD_SHEET, HEAD_COLUMNS, [head]), (SECTIONS_SHEET, SECTION_COLUMNS, sections),
            (MEASURES_SHEET, MEASURE_COLUMNS, measures),
            (QUESTIONS_SHEET, question_columns(_options_needed(q)), [question_row(x) for x in q.questions])]


def workbook_bytes(q: Questionnaire | None, notes: Iterable[tuple[str, str, str]]) -> bytes:
    """The questionnaire `q` as a workbook (a blank template when None), with the sheet NOTES_SHEET listing
    `notes`: (sheet, column, what it means) in the reader's language."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    book.remove(book.active)
    for name, columns, rows in [*sheets(q), (NOTES_SHEET, ("sheet", "column", "meaning"), [
            {"sheet": s, "column": c, "meaning": m} for s, c, m in notes])]:
        sheet = book.create_sheet(name)
        sheet.append(list(columns))
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.freeze_panes = "A2"
        widths = [len(c) for c in columns]
        for r, row in enumerate(rows, start=2):
            for i, key in enumerate(columns):
                value = row.get(key)
                if value is None:
                    continue
                cell = sheet.cell(row=r, column=i + 1, value=value)
                if isinstance(value, str):
                    cell.data_type = "s"  # never a formula, whatever the text begins with
                widths[i] = max(widths[i], min(len(str(value)), 60))
        for i, width in enumerate(widths):
            sheet.column_dimensions[get_column_letter(i + 1)].width = max(width, 6) + 2
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def questions_csv(q: Questionnaire) -> bytes:
    """The questions alone as CSV for Latvian Excel (UTF-8 with a BOM, `;`, decimal commas, CRLF): the sections and
    measures stay those of the contest's questionnaire when it is read back."""
    columns = question_columns(_options_needed(q))
    out = io.StringIO()
    writer = csv.writer(out, delimiter=DELIMITER, lineterminator="\r\n")
    writer.writerow(columns)
    for x in q.questions:
        row = question_row(x)
        writer.writerow(["" if (v := row.get(c)) is None else
                         decimal_comma(v) if isinstance(v, int | float) and not isinstance(v, bool) else csv_text(v)
                         for c in columns])
    return (BOM + out.getvalue()).encode("utf-8")
