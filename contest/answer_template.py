"""The template of the answers' import (contest/answer_import.py, §4.2): the table it reads, with its header row
(``municipality`` and every question id, in the questionnaire's order) and a row per participating municipality
(its ISO 3166-2 code), the answers' cells empty. The workbook adds a second sheet (the import reads only the first)
that says what each column asks, its kind and unit, its range and the option ids a choice takes.

The CSV is for Latvian Excel as contest/spreadsheets.py writes it: UTF-8 with a BOM, `;` between cells, CRLF; the
import reads it back as it is (`;` or `,`, a decimal comma or a dot).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from contest.answer_import import HEADER
from contest.spreadsheets import BOM, DELIMITER, FORMULA_START
from domain.questionnaire import Question, Questionnaire

GUIDE_COLUMNS = ("id", "section", "text", "kind", "unit", "min", "max", "options")


def _guide_row(q: Question, latvian: bool) -> list[object]:
    options = "; ".join(f"{o.id} = {o.label_lv if latvian else o.label_en}" for o in q.options)
    return [q.id, q.section, q.text_lv if latvian else q.text_en, q.kind, q.unit or "",
            q.min if q.kind == "amount" else "", q.max if q.kind == "amount" else "", options]


def template_xlsx(q: Questionnaire, municipalities: Sequence[tuple[str, str]], sheet_names: tuple[str, str],
                  guide_header: Sequence[str], latvian: bool) -> bytes:
    """The workbook: the table to fill in (first sheet), then the guide to its columns (in the reader's language:
    `sheet_names`, `guide_header` for GUIDE_COLUMNS, the texts in Latvian when `latvian`). `municipalities` are
    (code, name) pairs; the names are a comment on the code cells, not a column (the import takes none)."""
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Font

    book = Workbook()
    table = book.active
    table.title = sheet_names[0][:31]
    table.append([HEADER, *(x.id for x in q.questions)])
    for code, name in municipalities:
        table.append([code])
        table.cell(row=table.max_row, column=1).comment = Comment(name, "contest")
    for cell in table[1]:
        cell.font = Font(bold=True)
    table.freeze_panes = "B2"
    guide = book.create_sheet(sheet_names[1][:31])
    guide.append(list(guide_header))
    for cell in guide[1]:
        cell.font = Font(bold=True)
    for x in q.questions:
        guide.append(_guide_row(x, latvian))
    for row in guide.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # never a formula
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def template_csv(q: Questionnaire, codes: Sequence[str]) -> bytes:
    """The table alone as CSV: the header row and a row per municipality code."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=DELIMITER, lineterminator="\r\n")
    writer.writerow([HEADER, *(x.id for x in q.questions)])
    for code in codes:
        writer.writerow(["'" + code if code.startswith(FORMULA_START) else code])
    return (BOM + out.getvalue()).encode("utf-8")
