"""The questionnaire as a spreadsheet (contest/questionnaire_sheets.py, contest/questionnaire_import.py): the 2024
questionnaire written and read back is the same (XLSX, and the questions alone as CSV); every problem is a cell
(contest/table_report.py) with its kind, the domain's problems (domain.questionnaire.Problem) at the cell they came
from."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from openpyxl import load_workbook

from contest.questionnaire_import import read_questionnaire
from contest.questionnaire_sheets import questions_csv, workbook_bytes
from contest.table_report import Cell, TableInvalid
from domain.errors import InvalidInput
from domain.questionnaire import Questionnaire, QuestionnaireError, load_questionnaire
from tests.support import ROOT

DATA = json.loads((ROOT / "contest/presets/2024/questionnaire.json").read_text("utf-8"))


@pytest.fixture(scope="module")
def q2024() -> Questionnaire:
    return load_questionnaire(DATA)


def changed(data: bytes, sheet: str, changes: dict[tuple[int, str], Any]) -> bytes:
    book = load_workbook(io.BytesIO(data))
    ws = book[sheet]
    header = [c.value for c in ws[1]]
    for (row, column), value in changes.items():
        ws.cell(row=row, column=header.index(column) + 1, value=value)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def refused(data: bytes, name: str, current: Questionnaire | None) -> dict[tuple[str, int, str], Cell]:
    with pytest.raises(TableInvalid) as e:
        read_questionnaire(data, name, current)
    assert isinstance(e.value, InvalidInput) and e.value.errors  # the API's 422, English, keyed by where
    return {(c.sheet, c.row, c.column): c for c in e.value.cells}


def test_the_2024_questionnaire_round_trips_as_a_workbook_and_as_csv(q2024: Questionnaire) -> None:
    book = workbook_bytes(q2024, [("jautajumi", "id", "the question's id")])
    assert load_questionnaire(read_questionnaire(book, "anketa.xlsx", None)) == q2024
    assert load_questionnaire(read_questionnaire(book, "anketa.xlsx", None)).to_dict() == DATA
    assert load_questionnaire(read_questionnaire(questions_csv(q2024), "jautajumi.csv", q2024)).to_dict() == DATA
    blank = load_workbook(io.BytesIO(workbook_bytes(None, [])))
    assert [ws.max_row for ws in blank.worksheets[:4]] == [1, 1, 1, 1]


def test_a_text_that_looks_like_a_formula_stays_text(q2024: Questionnaire) -> None:
    data = json.loads(json.dumps(DATA))
    data["questions"][0]["text_lv"] = "=SUM(A1:A9) nav formula"
    q = load_questionnaire(data)
    assert read_questionnaire(questions_csv(q), "q.csv", q)["questions"][0]["text_lv"] == "=SUM(A1:A9) nav formula"
    book = load_workbook(io.BytesIO(workbook_bytes(q, [])))
    assert book["jautajumi"]["E2"].data_type == "s"


def test_every_bad_cell_is_reported_where_it_is(q2024: Questionnaire) -> None:
    book = workbook_bytes(q2024, [])
    second_id = DATA["questions"][1]["id"]
    bad = changed(book, "jautajumi", {(3, "weight"): "smags", (4, "kind"): "daudzums", (5, "min"): -5,
                                      (6, "id"): second_id, (7, "unit"): "EUR"})
    bad = changed(bad, "sadalas", {(3, "scored"): "varbūt"})
    found = refused(bad, "a.xlsx", q2024)
    assert found[("jautajumi", 3, "weight")].code == "not_a_number"
    assert found[("jautajumi", 4, "kind")].code == "choice"
    assert found[("jautajumi", 4, "kind")].params["allowed"] == ("amount", "choice", "text")
    assert found[("jautajumi", 5, "min")].code == "range" and found[("jautajumi", 5, "min")].letter == "M"
    assert found[("jautajumi", 6, "id")].code == "duplicate"
    assert found[("sadalas", 3, "scored")].code == "not_a_boolean"
    assert DATA["questions"][5]["kind"] == "text"  # row 7: a unit on a text question
    assert found[("jautajumi", 7, "unit")].code == "misplaced_fields"
    assert found[("jautajumi", 7, "unit")].params["kind"] == "amount"


def test_the_header_and_the_file_are_checked_first(q2024: Questionnaire) -> None:
    found = refused("\ufeffid;section;kind;colour\r\nx;1;amount;red\r\n".encode(), "q.csv", q2024)
    assert {k[2] for k, c in found.items() if c.code == "missing_column"} == {"measure", "measure_en", "text_lv",
                                                                            "text_en"}
    assert found[("", 1, "colour")].code == "unknown_column"
    assert refused(b"id;kind\n", "q.csv", None)[("", 0, "")].code == "needs_sections"
    assert refused(b"\xff\xfe", "q.csv", q2024)[("", 0, "")].code == "encoding"
    assert refused(b"x", "q.ods", q2024)[("", 0, "")].code == "format"
    assert refused(b"not a zip", "q.xlsx", q2024)[("", 0, "")].code == "unreadable"


def test_the_domains_problems_say_where_and_what() -> None:
    data = json.loads(json.dumps(DATA))
    data["questions"][3]["weight"] = 0
    data["questions"][7]["text_en"] = ""
    data["sections"][1]["measures"][0]["en"] = ""
    with pytest.raises(QuestionnaireError) as e:
        load_questionnaire(data)
    where = {(p.part, p.index, p.field): p for p in e.value.problems}
    assert where[("question", 3, "weight")].code == "weight"
    assert where[("question", 7, "text_en")].code == "required"
    assert where[("section", 1, "measures[0]")].code == "measure"
    messages = {m for ms in e.value.errors.values() for m in ms}
    assert all(p.message in messages for p in e.value.problems)

