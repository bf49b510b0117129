"""Spreadsheets uploaded as CSV or XLSX, read into rows, and refused cell by cell: where each problem is (the sheet,
the row, the column) and what kind it is, so that a page can list them in its reader's language and point at the
cell (the desk's import pages), while the API keeps the English messages of ``InvalidInput.errors``.

Used by the answers' import (contest/answer_import.py) and the questionnaire's (contest/questionnaire_import.py).
CSV must be UTF-8 (a BOM is fine) with ``,`` or ``;`` between cells (Latvian Excel writes ``;``).
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from domain.errors import InvalidInput

FILE = 0  # the row of a problem of the file as a whole (its format, its encoding, a missing sheet)


@dataclass(frozen=True)
class Cell:
    """One problem: in `sheet` ("" for a CSV), at `row` (1 is the header row; FILE for the whole file), in the
    column headed `column` (its letter `letter`; both "" for a whole row), of kind `code` with `params`; `message`
    is the English text the API reports."""

    sheet: str
    row: int
    column: str
    letter: str
    code: str
    message: str
    params: Mapping[str, Any] = field(default_factory=dict)


class TableInvalid(InvalidInput):
    """A table that cannot be taken (422): ``errors`` as every InvalidInput (English, keyed by where), ``cells`` the
    same problems as ``Cell``s, in the table's order."""

    def __init__(self, errors: dict[str, list[str]], cells: Iterable[Cell], message: str = "invalid table") -> None:
        super().__init__(errors, message=message)
        self.cells = tuple(cells)


def column_letter(index: int) -> str:
    """The spreadsheet letter of a column (0 -> A, 25 -> Z, 26 -> AA)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def file_problem(code: str, message: str, **params: Any) -> TableInvalid:
    """A problem of the whole file (no cell to point at), keyed `file` as the API has always said it."""
    return TableInvalid({"file": [message]}, [Cell("", FILE, "", "", code, message, params)], message=message)


def table_format(filename_or_format: str) -> str:
    """"xlsx" or "csv", from a file's name (or the format itself); else the file's problem `format`."""
    name = (filename_or_format or "").strip().lower()
    for fmt in ("xlsx", "csv"):
        if name == fmt or name.endswith("." + fmt):
            return fmt
    raise file_problem("format", f"unsupported format {filename_or_format!r}: give a .csv or .xlsx file")


def csv_rows(data: bytes) -> list[list[Any]]:
    """A CSV's rows, its delimiter (`;` or `,`) taken from the first line."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise file_problem("encoding", f"the CSV is not UTF-8 (byte {e.start}); save it as CSV UTF-8",
                           byte=e.start) from None
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    try:
        return [list(r) for r in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]
    except csv.Error as e:
        raise file_problem("unreadable", f"the CSV cannot be read: {e}") from None


def xlsx_sheets(data: bytes) -> list[tuple[str, list[list[Any]]]]:
    """A workbook's sheets in order, each (its name, its rows of values); at least one."""
    from openpyxl import load_workbook  # only needed for XLSX

    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as e:
        raise file_problem("unreadable", f"not a readable XLSX workbook ({type(e).__name__})") from None
    try:
        if not wb.worksheets:
            raise file_problem("no_sheets", "the workbook has no sheets")
        return [(sheet.title, [list(r) for r in sheet.iter_rows(values_only=True)]) for sheet in wb.worksheets]
    finally:
        wb.close()
