"""The files people open (§4.5, §4.7.9-§4.7.11, §7.4, D14): the final report as a page and as PDF once the Fund
council has approved the result, and the results as CSV for Latvian Excel and as XLSX, on SQLite and PostgreSQL.

A whole contest is played to the approval (tests.support.round3.play_contest): twelve municipalities answer,
three residents rate an outsider (the residents' choice), the standard visits and scores, decision "Protokols
Nr. 12, 3.1" of 9 December 2024. The PDF is read back with poppler's pdftotext, as a person would see its text.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from openpyxl import load_workbook

from api import report
from contest.clock import FrozenClock
from contest.service import ContestService
from tests.support.pages import not_latvian, text
from tests.support.round3 import DECISION, day, play_contest

API = "/api/contests/2024"
REPORT = "/rezultati/gala-rezultati"
BOM = b"\xef\xbb\xbf"


@pytest.fixture
def approved(service: ContestService, clock: FrozenClock, client: FlaskClient, tokens: dict[str, str]) -> Any:
    return play_contest(service, clock, client, tokens)


def pdf_text(data: bytes, tmp_path: Path, *pages: str) -> str:
    """The PDF's text as pdftotext extracts it (`pages`: e.g. "-f", "1", "-l", "1" for the first page only)."""
    assert shutil.which("pdftotext"), "pdftotext is needed (Debian: poppler-utils, see .ci/run)"
    path = tmp_path / "report.pdf"
    path.write_bytes(data)
    done = subprocess.run(["pdftotext", *pages, str(path), "-"], capture_output=True, text=True, check=True)
    return re.sub(r"\s+", " ", done.stdout)


def rows_of(data: bytes) -> list[list[str]]:
    """A CSV for Latvian Excel read back: UTF-8 with a BOM, `;` between cells."""
    assert data.startswith(BOM)
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";"))


# ----- the report page (§7.4, D14) -----

def test_7_4_the_final_report_page_in_latvian_and_english(client: FlaskClient, approved: Any) -> None:
    winner, pick = approved["winner"], approved["round2"]["residents_choice"]
    lv = client.get(REPORT + "?lang=lv")
    assert lv.status_code == 200 and '<html lang="lv">' in lv.get_data(as_text=True)
    page = text(lv)
    assert "Ģimenei draudzīgākā pašvaldība 2024" in page and "Konkursa 2024. gada gala rezultāti" in page
    assert ("Fonda padome apstiprināja konkursa rezultātus ar 2024. gada 9. decembra lēmumu Protokols Nr. 12, 3.1"
            in page)  # the date in the genitive the sentence needs (LATVIAN.md)
    assert "2024. gada 9. decembris" in page  # the decision's date alone, nominative (LATVIAN.md)
    assert approved["approval"]["digest"] in page and approved["digest"] in page  # the approved and round 3's
    assert f'<p class="big">{winner["name"]}</p>' in page and "20 000 EUR" in page and "4,40" in page
    assert approved["theme_winner"]["name"] in page and "Gada tēmas speciālā balva 2024" in page
    assert f"Iedzīvotāju balsojumā augstāko vidējo vērtējumu (4,67) ieguva {pick['name']}." in page
    assert "Tā saņēma 3 balsis." in page and "iedzīvotāju izvēle (nolikuma 4.6.7. punkts)" in page
    table = page.split('id="round3-table"')[1].split("</table>")[0]
    assert table.count("<tr") == 6 and "Ieskaitītie vērtējumi" in table  # the header and the five finalists
    assert "Vienāds vidējais vērtējums" in page and "izšķīra priekšsēdētāja vērtējums (nolikuma 4.7.10. punkts)" in page
    assert 'class="site"' not in page  # no site navigation: a document to print
    assert not_latvian(lv.get_data(as_text=True)) == []  # no English left, clauses as 'nolikuma 7.4. punkts'
    assert "(nolikuma 7.4. punkts)" in page and "2024. gada 10. decembris plkst. 11.00" in page
    assert not re.search(r"""(src|href)=["']https?://""", page)
    with client.get("/static/pages/report.css") as served:
        css = served.get_data(as_text=True)
    assert "size: A4" in css and "@media print" in css and '"DejaVu Sans"' in css

    en = text(client.get(REPORT + "?lang=en"))
    assert "The contest's final result, 2024" in en and "9 December 2024" in en and "4.40" in en
    assert "by its decision Protokols Nr. 12, 3.1 of 9 December 2024 (§7.4)" in en
    assert "Fonda padome" not in en


def test_7_4_the_report_and_its_pdf_wait_for_the_councils_approval(service: ContestService, clock: FrozenClock,
                                                                    client: FlaskClient,
                                                                    tokens: dict[str, str]) -> None:
    for path in (REPORT, REPORT + ".pdf"):  # nothing closed yet
        r = client.get(path + "?lang=lv")
        assert r.status_code == 409 and "Gala rezultāti vēl nav apstiprināti" in text(r)
        assert not_latvian(r.get_data(as_text=True)) == []
    closed = play_contest(service, clock, client, tokens, approve=False)
    assert closed["status"] == "awaiting_approval"
    for path in (REPORT, REPORT + ".pdf"):  # round 3 closed, not yet approved
        r = client.get(path)
        assert r.status_code == 409 and r.mimetype == "text/html"
        assert "kad Fonda padome ar savu lēmumu apstiprina konkursa rezultātus (nolikuma 7.4. punkts)" in text(r)
    assert client.get("/rezultati").get_data(as_text=True).count(REPORT) == 0
    internal = client.get(f"{API}/result.html")  # the API's copy shows round 3's result as awaiting the approval
    assert internal.status_code == 200 and "Gaida Fonda padomes apstiprinājumu" in text(internal)
    assert closed["winner"]["name"] in text(internal) and REPORT + ".pdf" not in text(internal)
    clock.set(day("2024-12-10"))
    assert client.post(f"{API}/approval", json=DECISION,
                       headers={"Authorization": f"Bearer {tokens['council']}"}).status_code == 200
    assert client.get(REPORT).status_code == 200


# ----- the PDF (WeasyPrint, api/pdf.py) -----

def test_7_4_the_pdfs_first_page_names_the_winner_and_the_decision(client: FlaskClient, approved: Any,
                                                                    tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(report, "PDFS", {})  # laid out here, not taken from another test's
    r = client.get(REPORT + ".pdf")
    assert r.status_code == 200 and r.mimetype == "application/pdf" and r.data.startswith(b"%PDF-")
    assert 'filename="gala-rezultati-2024.pdf"' in r.headers["Content-Disposition"]
    first = pdf_text(r.data, tmp_path, "-f", "1", "-l", "1")
    assert approved["winner"]["name"] in first and DECISION["decision_number"] in first
    assert "APSTIPRINĀTS AR FONDA PADOMES LĒMUMU" in first and "2024. gada 9. decembra lēmumu" in first
    assert "Ģimenei draudzīgākā pašvaldība 2024" in first  # the Latvian letters survive (DejaVu Sans)
    assert "20 000 EUR" in first
    whole = pdf_text(r.data, tmp_path)
    assert approved["approval"]["digest"] in whole and approved["round2"]["residents_choice"]["name"] in whole
    fonts = subprocess.run(["pdffonts", str(tmp_path / "report.pdf")], capture_output=True, text=True, check=True)
    assert "DejaVu" in fonts.stdout  # embedded: the PDF shows ā č ē ģ ī ķ ļ ņ š ū ž wherever it is opened

    monkeypatch.setattr(report, "render_pdf", lambda html: pytest.fail("a sealed contest's PDF is laid out once"))
    assert client.get(REPORT + ".pdf").data == r.data
    monkeypatch.undo()
    monkeypatch.setattr(report, "PDFS", {})
    en = client.get(REPORT + ".pdf?lang=en")
    assert 'filename="gala-rezultati-2024-en.pdf"' in en.headers["Content-Disposition"]
    first_en = pdf_text(en.data, tmp_path, "-f", "1", "-l", "1")
    assert "APPROVED BY THE FUND COUNCIL'S DECISION" in first_en and "9 December 2024" in first_en
    assert approved["winner"]["name"] in first_en and DECISION["decision_number"] in first_en


# ----- CSV for Latvian Excel and XLSX -----

def test_the_round1_csv_opens_in_latvian_excel(client: FlaskClient, approved: Any) -> None:
    r = client.get(f"{API}/round1/results.csv")
    assert r.status_code == 200 and r.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert r.data.startswith(BOM) and b"\r\n" in r.data
    rows = rows_of(r.data)
    header, body = rows[0], rows[1:]
    assert header[:4] == ["Vieta", "Kods", "Pašvaldība", "Kopvērtējums"] and header[-1] == "2. kārta"
    ranking = client.get(f"{API}/round1/results").json["ranking"]
    assert len(body) == len(ranking) == 43
    for row, json_row in zip(body, ranking, strict=True):
        assert int(row[0]) == json_row["place"] and row[1] == json_row["municipality"]
        assert "." not in row[3] and float(row[3].replace(",", ".")) == json_row["overall"]  # a decimal comma
        assert row[-1] in ("jā", "nē")
    assert any("," in row[3] for row in body) and any(row[2] == "Ādažu novads" for row in body)
    english = rows_of(client.get(f"{API}/round1/results.csv?lang=en").data)[0]
    assert english[:4] == ["Place", "Code", "Municipality", "Overall score"]
    assert client.get(f"{API}/round1/results.csv?lang=de").status_code == 422


def test_the_final_result_csv_and_xlsx(client: FlaskClient, approved: Any) -> None:
    rows = rows_of(client.get(f"{API}/result.csv").data)
    assert rows[0][:4] == ["Vieta", "Kods", "Pašvaldība", "Vidēji"] and len(rows) == 6
    first = rows[1]
    assert first[1] == approved["winner"]["municipality"] and first[3] == "4,4"
    assert first[-1] == approved["winner"]["prize"]["name"]

    r = client.get(f"{API}/result.xlsx")
    assert r.status_code == 200 and r.mimetype.endswith("spreadsheetml.sheet")
    workbook = load_workbook(io.BytesIO(r.data))
    assert workbook.sheetnames == ["3. kārta", "Finālpašvaldības", "Iedzīvotāju balsojums", "1. kārta – izvirzītās"]
    sheet = workbook["3. kārta"]
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0][:4] == ["Vieta", "Kods", "Pašvaldība", "Vidēji"]
    assert values[1][:4] == [1, approved["winner"]["municipality"], approved["winner"]["name"], 4.4]
    assert all(isinstance(v, int) for row in values[1:] for v in (row[0], row[4], row[5]))
    via = [row[3] for row in workbook["Finālpašvaldības"].iter_rows(min_row=2, values_only=True)]
    assert via == ["komisijas punkti"] * 4 + ["iedzīvotāju balsojums"]
    vote = list(workbook["Iedzīvotāju balsojums"].iter_rows(min_row=2, values_only=True))
    assert vote[0][2] == approved["round2"]["residents_choice"]["name"] and vote[0][3:] == (3, 4.6667)


def test_the_round1_xlsx_keeps_numbers_as_numbers(client: FlaskClient, approved: Any) -> None:
    r = client.get(f"{API}/round1/results.xlsx?lang=en")
    assert r.status_code == 200 and 'filename="round1-2024.xlsx"' in r.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(r.data))["Round 1"]
    header, *body = list(sheet.iter_rows(values_only=True))
    assert header[:4] == ("Place", "Code", "Municipality", "Overall score") and len(body) == 43
    ranking = client.get(f"{API}/round1/results").json["ranking"]
    for row, json_row in zip(body, ranking, strict=True):
        assert row[0] == json_row["place"] and row[3] == json_row["overall"]
        assert all(isinstance(v, int | float) for v in row[3:10] if v is not None)
        assert row[10] in ("yes", "no")
    assert sheet["D2"].number_format == "0.0###" and sheet["H2"].number_format == "#,##0.00"


def test_the_results_page_links_the_downloads_and_the_report(client: FlaskClient, approved: Any) -> None:
    page = client.get("/rezultati?lang=lv").get_data(as_text=True)
    for link in (REPORT, REPORT + ".pdf", f"{API}/result.xlsx", f"{API}/result.csv", f"{API}/round1/results.xlsx",
                 f"{API}/round1/results.csv"):
        assert f'href="{link}' in page, link
    assert "šūnas atdalītas ar semikolu, decimālais komats" in page
