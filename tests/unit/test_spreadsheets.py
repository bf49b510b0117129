"""The downloads' writers (contest/spreadsheets.py): CSV for Latvian Excel (UTF-8 with BOM, `;`, decimal commas)
and XLSX with numbers as numbers, and no cell a spreadsheet would run as a formula."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from contest.spreadsheets import csv_bytes, decimal_comma, xlsx_bytes
from contest.tables import DECIMAL, EUR, INTEGER, TEXT, VALUE, WORD, Column, Table

TABLE = Table("sheet", (Column("place", INTEGER), Column("name", TEXT), Column("score", DECIMAL),
                        Column("eur", EUR), Column("answer", VALUE), Column("advances", WORD)),
              ((1, "Ādažu novads", 92.630385, 2856.55, 12.5, "yes"),
               (2, "=HYPERLINK(\"https://example.com\")", 0.000001, 20000.0, "-1+1", "no"),
               (3, "Rēzekne", None, None, None, "no")))
LABELS = {"sheet": "Lapa: 1/2", "place": "Vieta", "name": "Pašvaldība", "score": "Vērtējums", "eur": "EUR",
          "answer": "Atbilde", "advances": "Iekļūst"}
WORDS = {"yes": "jā", "no": "nē"}


@pytest.mark.parametrize(("value", "written"), [(4.4, "4,4"), (92.630385, "92,630385"), (20000.0, "20000"),
                                                 (0.000001, "0,000001"), (-1.5, "-1,5"), (7, "7"), (0, "0")])
def test_numbers_have_decimal_commas_and_no_exponent(value: float, written: str) -> None:
    assert decimal_comma(value) == written


def test_the_csv_is_what_latvian_excel_opens() -> None:
    data = csv_bytes(TABLE, LABELS.__getitem__, WORDS.__getitem__)
    assert data.startswith(b"\xef\xbb\xbf") and data.count(b"\r\n") == 4
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";"))
    assert rows[0] == ["Vieta", "Pašvaldība", "Vērtējums", "EUR", "Atbilde", "Iekļūst"]
    assert rows[1] == ["1", "Ādažu novads", "92,630385", "2856,55", "12,5", "jā"]
    assert rows[2][1] == "'=HYPERLINK(\"https://example.com\")" and rows[2][4] == "'-1+1"  # text, never a formula
    assert rows[3] == ["3", "Rēzekne", "", "", "", "nē"]


def test_the_xlsx_keeps_numbers_as_numbers_and_text_as_text() -> None:
    data = xlsx_bytes([TABLE], LABELS.__getitem__, WORDS.__getitem__)
    workbook = load_workbook(io.BytesIO(data))
    assert workbook.sheetnames == ["Lapa 12"]  # no : or / in a sheet's title
    sheet = workbook["Lapa 12"]
    assert [c.value for c in sheet[1]] == ["Vieta", "Pašvaldība", "Vērtējums", "EUR", "Atbilde", "Iekļūst"]
    assert [c.value for c in sheet[2]] == [1, "Ādažu novads", 92.630385, 2856.55, 12.5, "jā"]
    formula = sheet["B3"]
    assert formula.data_type == "s" and formula.value == "=HYPERLINK(\"https://example.com\")"
    assert sheet["E3"].data_type == "s" and sheet["C3"].value == 0.000001
    assert sheet["C2"].number_format == "0.0###" and sheet["D2"].number_format == "#,##0.00"
    assert sheet["A2"].number_format == "0" and sheet["C4"].value is None
    assert sheet.freeze_panes == "A2" and sheet["A1"].font.bold
