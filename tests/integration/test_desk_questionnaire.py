"""The questionnaire and the answers' import on the secretariat's pages (api/desk_questionnaire.py,
api/desk_answers.py): the templates download; the 2024 questionnaire's workbook (and its CSV) uploaded back is the
same questionnaire, recorded as the API's PUT records it; a broken file is reported cell by cell in Latvian and
changes nothing; a question's own form; the answers' template filled and imported as the API imports it (§4.2)."""

from __future__ import annotations

import io
import json

from flask.testing import FlaskClient
from openpyxl import load_workbook

from contest.service import ContestService
from tests.conftest import bearer
from tests.support import ROOT
from tests.support.desk_config import CONFIG, SEC, cells, edit_workbook, field_error, last_event, post
from tests.support.pages import login, text

Q = CONFIG + "/anketa"
PRESET = json.loads((ROOT / "contest/presets/2024/questionnaire.json").read_text("utf-8"))


def test_the_templates_download(client: FlaskClient, tokens: dict[str, str]) -> None:
    login(client, tokens["secretariat"])
    r = client.get(Q + "/veidne.xlsx")
    assert r.status_code == 200 and r.mimetype.endswith("spreadsheetml.sheet")
    assert "attachment" in r.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(r.data))
    assert book.sheetnames == ["anketa", "sadalas", "pasakumi", "jautajumi", "noradijumi"]
    header = [c.value for c in book["jautajumi"][1]]
    for column in ("id", "section", "measure", "text_lv", "text_en", "kind", "block", "weight", "exclusive_group",
                   "direction", "unit", "min", "max", "option1_id", "option1_label_lv", "option1_none"):
        assert column in header
    assert book["jautajumi"].max_row == 1  # blank
    notes = [row for row in book["noradijumi"].iter_rows(min_row=2, values_only=True)]
    assert ("jautajumi", "kind", "amount (skaitlis), choice (viens no atbilžu variantiem) vai text (teksts).") in notes
    book = load_workbook(io.BytesIO(client.get(Q + "/anketa.xlsx").data))
    assert book["jautajumi"].max_row == 1 + len(PRESET["questions"])
    csv = client.get(Q + "/jautajumi.csv")
    assert csv.mimetype == "text/csv" and csv.data.startswith("\ufeffid;section;".encode())


def test_the_2024_workbook_uploaded_back_is_the_same_questionnaire_as_the_api_records(
        client: FlaskClient, service: ContestService, tokens: dict[str, str]) -> None:
    login(client, tokens["secretariat"])
    workbook = client.get(Q + "/anketa.xlsx").data
    before = service.event_count()
    r = post(client, Q + "/augsupielade", {"file": (workbook, "anketa-2024.xlsx"), "reason": "2025. gada anketa"})
    assert r.status_code == 303 and service.event_count() == before + 1
    by_page = last_event(service)
    assert type(by_page).__qualname__ == "Contest.QuestionnaireSet"
    assert by_page.questionnaire == PRESET == service.contest(2024).questionnaire.to_dict()
    assert "Reģistrēta anketa 2024.1 ar 162 jautājumiem." in text(client.get(Q))
    r = client.put("/api/contests/2024/questionnaire", headers=bearer(tokens["secretariat"]),
                   json={"questionnaire": PRESET, "reason": "2025. gada anketa"})
    assert r.status_code == 200
    assert last_event(service).questionnaire == by_page.questionnaire  # the preset, through either road
    csv = client.get(Q + "/jautajumi.csv").data
    r = post(client, Q + "/augsupielade", {"file": (csv, "jautajumi.csv"), "reason": "tikai jautājumi"})
    assert r.status_code == 303 and last_event(service).questionnaire == by_page.questionnaire


def test_a_broken_upload_is_reported_cell_by_cell_and_changes_nothing(
        client: FlaskClient, service: ContestService, tokens: dict[str, str]) -> None:
    login(client, tokens["secretariat"])
    workbook = client.get(Q + "/anketa.xlsx").data
    broken = edit_workbook(workbook, "jautajumi", {(3, "weight"): "smags", (4, "kind"): "daudzums",
                                                   (5, "min"): -5, (9, "id"): PRESET["questions"][8]["id"].upper()})
    before = service.event_count()
    r = post(client, Q + "/augsupielade", {"file": (broken, "anketa.xlsx"), "reason": "r"})
    assert r.status_code == 422 and service.event_count() == before
    found = {(c["row"], c["column"]): c["text"] for c in cells(r)}
    assert found[("3", "weight")] == "Ievadiet skaitli ar cipariem, piemēram, 12,5 vai 1 500."
    assert found[("4", "kind")] == "Ierakstiet vienu no šiem: amount, choice, text."
    assert found[("5", "min")].startswith("Jābūt 0 ≤ min < max ≤")
    assert found[("9", "id")].startswith("Identifikators: 1–64 mazie burti")
    assert field_error(r, "file") == "Datnē ir 4 kļūdas; nekas netika mainīts."
    page = r.get_data(as_text=True)
    assert 'id="cells"' in page and "Rinda" in page and "Kolonna" in page
    csv = "\ufeffid;section;kind\r\nx;1;amount\r\n".encode()
    r = post(client, Q + "/augsupielade", {"file": (csv, "a.csv"), "reason": "r"})
    assert r.status_code == 422
    assert {c["column"] for c in cells(r) if c["code"] == "missing_column"} == {"measure", "measure_en", "text_lv",
                                                                                 "text_en"}
    r = post(client, Q + "/augsupielade", {"file": ("id;kind".encode("cp1257") + "ā".encode("cp1257"), "a.csv"),
                                           "reason": "r"})
    assert r.status_code == 422
    assert cells(r)[0]["text"] == "CSV datne nav UTF-8 kodējumā: saglabājiet to kā „CSV UTF-8”."
    r = post(client, Q + "/augsupielade", {"file": (workbook, "a.xlsx"), "reason": ""})
    assert r.status_code == 422 and field_error(r, "reason")
    assert service.event_count() == before


def test_a_question_is_changed_in_its_own_form_until_round_1_opens(
        client: FlaskClient, service: ContestService, tokens: dict[str, str]) -> None:
    login(client, tokens["secretariat"])
    page = text(client.get(Q + "/sadala/3"))
    question = next(q for q in PRESET["questions"] if q["section"] == 3 and q["kind"] == "choice")
    qid, p = question["id"], f"q-{question['id']}"
    assert question["text_lv"] in page
    form = {f"{p}-text_lv": "Jauns jautājums", f"{p}-text_en": "A new question", f"{p}-weight": "1,5",
            f"{p}-option-1-label_lv": "Pirmais", f"{p}-option-1-label_en": "First",
            f"{p}-option-2-label_lv": question["options"][1]["label_lv"],
            f"{p}-option-2-label_en": question["options"][1]["label_en"], f"{p}-reason": "precizēts"}
    for n, o in enumerate(question["options"][2:], start=3):
        form |= {f"{p}-option-{n}-label_lv": o["label_lv"], f"{p}-option-{n}-label_en": o["label_en"]}
    r = post(client, Q + f"/jautajums/{qid}", form, page=Q + "/sadala/3")
    assert r.status_code == 303
    changed = service.contest(2024).questionnaire.question(qid)
    assert (changed.text_lv, changed.weight, changed.options[0].label_lv) == ("Jauns jautājums", 1.5, "Pirmais")
    assert type(last_event(service)).__qualname__ == "Contest.QuestionnaireSet"
    before = service.event_count()
    r = post(client, Q + f"/jautajums/{qid}", {**form, f"{p}-weight": "0"}, page=Q + "/sadala/3")
    assert r.status_code == 422 and field_error(r, f"{p}-weight") == "Svars: skaitlis, lielāks par 0 un ne lielāks " \
        "par 1\u00a0000."
    r = post(client, Q + f"/jautajums/{qid}", {**form, f"{p}-option-1-label_lv": ""}, page=Q + "/sadala/3")
    assert r.status_code == 422 and field_error(r, f"{p}-option-1-label_lv")
    assert service.event_count() == before
    service.open_round1(2024, actor=SEC)
    before = service.event_count()
    r = post(client, Q + f"/jautajums/{qid}", {**form, f"{p}-text_lv": "Vēl cits"}, page="/sekretariats")
    assert r.status_code == 409 and "To vairs nevar mainīt" in (field_error(r, f"{p}-text_lv") or "")
    assert service.event_count() == before and "Nolikuma 4.2. punkts" in text(r)
    assert f'id="save-{p}"' not in text(client.get(Q + "/sadala/3"))


def test_the_answers_template_filled_is_imported_as_the_api_imports_it(
        client: FlaskClient, service: ContestService, tokens: dict[str, str]) -> None:
    login(client, tokens["secretariat"])
    page = text(client.get("/sekretariats/atbilzu-imports"))
    assert "Atbildes var importēt tikai tad, kad 1. kārta ir atvērta." in page and 'name="file"' not in page
    template = client.get("/sekretariats/atbilzu-imports/veidne.xlsx").data
    book = load_workbook(io.BytesIO(template))
    assert book.sheetnames == ["Atbildes", "Jautājumi"] and book["Atbildes"]["A1"].value == "municipality"
    assert book["Atbildes"].max_row == 44  # a row for each of the 43 municipalities
    amount = next(q for q in PRESET["questions"] if q["kind"] == "amount" and q["section"] > 1)
    choice = next(q for q in PRESET["questions"] if q["kind"] == "choice")
    filled = edit_workbook(template, "Atbildes", {(2, amount["id"]): 150, (2, choice["id"]): choice["options"][0]["id"],
                                                  (3, amount["id"]): "1 500,5"})
    r = post(client, "/sekretariats/atbilzu-imports", {"file": (filled, "atbildes.xlsx")}, page=CONFIG + "/noteikumi")
    assert r.status_code == 409 and field_error(r, "file") == "Atbildes var importēt tikai tad, kad 1. kārta ir " \
        "atvērta."
    service.open_round1(2024, actor=SEC)
    before = service.event_count()
    broken = edit_workbook(filled, "Atbildes", {(4, amount["id"]): "daudz", (5, "municipality"): "LV-XXX"})
    r = post(client, "/sekretariats/atbilzu-imports", {"file": (broken, "atbildes.xlsx")})
    assert r.status_code == 422 and service.event_count() == before
    found = {(c["row"], c["column"]): c["text"] for c in cells(r)}
    assert found[("4", amount["id"])] == "Ievadiet skaitli ar cipariem, piemēram, 12,5 vai 1 500."
    assert found[("5", "municipality")] == "Nevienai konkursa pašvaldībai nav koda LV-XXX."
    r = post(client, "/sekretariats/atbilzu-imports", {"file": (filled, "atbildes.xlsx")})
    assert r.status_code == 303
    event = last_event(service)
    assert type(event).__qualname__ == "Submission.AnswersSaved" and event.source == "import"
    assert service.round1.submission(2024, book["Atbildes"]["A3"].value)["answers"] == {amount["id"]: 1500.5}
    assert "Importētas atbildes (3) par 2 pašvaldībām." in text(client.get("/sekretariats/atbilzu-imports"))
    csv = client.get("/sekretariats/atbilzu-imports/veidne.csv").data
    assert csv.startswith("\ufeffmunicipality;".encode())
    r = client.post("/api/contests/2024/submissions/import", headers=bearer(tokens["secretariat"]),
                    data={"file": (io.BytesIO(csv), "atbildes.csv")}, content_type="multipart/form-data")
    assert r.status_code == 201 and r.json == {"municipalities": 0, "answers": 0}  # the blank template: nothing
