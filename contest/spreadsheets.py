"""Tables (contest/tables.py) written as the files people open: CSV that Latvian Excel opens as it is, and XLSX.

CSV, the choice made for Latvian Excel (README, "Downloads"): UTF-8 with a byte-order mark (without it Excel reads
the file as Windows-1257 and breaks ā, š, ž), `;` between cells (the list separator of the Latvian locale, where
`,` is the decimal sign), decimal commas (`4,4`, `92,630385`) and no thousands separator, so that every number is
read as a number; line ends CRLF. The numbers are the recorded ones, not rounded further.

XLSX (openpyxl): one sheet per table, numbers stored as numbers with a display format, text as text.

In both a text cell that a spreadsheet would take for a formula (it begins with =, +, -, @, a tab or a carriage
return: a municipality's free-text answer could) is written as plain text: in CSV with a leading apostrophe, in
XLSX as a string cell (OWASP, "CSV injection").
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from contest.tables import DECIMAL, EUR, INTEGER, VALUE, WORD, Column, Table

BOM = "\ufeff"
DELIMITER = ";"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
NUMBER_FORMATS = {INTEGER: "0", DECIMAL: "0.0###", EUR: "#,##0.00"}

Translate = Callable[[str], str]


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def decimal_comma(value: int | float) -> str:
    """A number as Latvian Excel reads it: '4,4', '20000', '0,000001' (never an exponent or a thousands sign)."""
    if isinstance(value, int):
        return str(value)
    if value.is_integer():
        return str(int(value))
    return format(Decimal(repr(value)), "f").replace(".", ",")


def _text(value: Any) -> str:
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def _cell(column: Column, value: Any, words: Translate) -> Any:
    """The cell's value: a number for a number, a translated word, or text; None stays empty."""
    if value is None:
        return None
    if column.kind == WORD:
        return words(str(value))
    if _is_number(value) and column.kind in (INTEGER, DECIMAL, EUR, VALUE):
        return value
    return str(value)


def csv_bytes(table: Table, labels: Translate, words: Translate) -> bytes:
    """The table as CSV for Latvian Excel (see the module docstring): the header row in the reader's language."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=DELIMITER, lineterminator="\r\n")
    writer.writerow([labels(c.key) for c in table.columns])
    for row in table.rows:
        cells = (_cell(c, v, words) for c, v in zip(table.columns, row, strict=True))
        writer.writerow(["" if v is None else decimal_comma(v) if _is_number(v) else _text(v) for v in cells])
    return (BOM + out.getvalue()).encode("utf-8")


def xlsx_bytes(tables: Sequence[Table], labels: Translate, words: Translate) -> bytes:
    """The tables as one workbook, a sheet each (titled by `labels(table.name)`), the header row bold and frozen."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    workbook.remove(workbook.active)
    for table in tables:
        sheet = workbook.create_sheet(_sheet_title(labels(table.name)))
        sheet.append([labels(c.key) for c in table.columns])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.freeze_panes = "A2"
        widths = [len(labels(c.key)) for c in table.columns]
        for r, row in enumerate(table.rows, start=2):
            for i, (column, value) in enumerate(zip(table.columns, row, strict=True)):
                shown = _cell(column, value, words)
                if shown is None:
                    continue
                cell = sheet.cell(row=r, column=i + 1, value=shown)
                if _is_number(shown):
                    cell.number_format = NUMBER_FORMATS.get(column.kind, "General")
                else:
                    cell.data_type = "s"  # never a formula, whatever the text begins with
                widths[i] = max(widths[i], len(str(shown)))
        for i, width in enumerate(widths):
            sheet.column_dimensions[_column_letter(i + 1)].width = min(max(width, 6) + 2, 60)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _sheet_title(title: str) -> str:
    """An Excel sheet title: at most 31 characters, none of []:*?/\\."""
    return "".join(c for c in title if c not in "[]:*?/\\")[:31] or "Sheet"


def _column_letter(n: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(n)
