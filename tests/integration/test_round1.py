"""Round 1 over HTTP (§4.2-4.5): submissions in parts, errors per question id, CSV/XLSX import all-or-nothing,
requests for information (§4.4), provisional and final results with explanations, the cut (D7)."""

from __future__ import annotations

import csv
import io
from typing import Any

import openpyxl
import pytest
from flask.testing import FlaskClient

from contest.answer_import import answers_to_csv
from contest.seeding import generate_answers
from contest.service import ContestService
from domain.actors import system_actor
from tests.support.helpers import bearer


@pytest.fixture
def toks(service: ContestService) -> dict[str, str]:
    actor = system_actor("test")
    out = {"secretariat": service.issue_token("secretariat", actor=actor)[0],
           "auditor": service.issue_token("auditor", actor=actor)[0],
           "juror": service.issue_token("juror", actor=actor, seat="lm", year=2024)[0]}
    for code in ("LV-RIX", "LV-JUR"):
        out[code] = service.issue_token("municipality", actor=actor, municipality=code, year=2024)[0]
    return out


@pytest.fixture
def open_round1(client: FlaskClient, toks: dict[str, str]) -> None:
    assert client.post("/api/contests/2024/round1/open", headers=bearer(toks["secretariat"])).status_code == 200


def seeded(service: ContestService) -> dict[str, dict[str, Any]]:
    contest = service.contest(2024)
    return generate_answers(contest.questionnaire, [m.code for m in contest.municipalities], seed=2024)


def patch(client: FlaskClient, token: str, code: str, answers: dict[str, Any]):
    return client.patch(f"/api/contests/2024/submissions/{code}", json={"answers": answers}, headers=bearer(token))


def test_the_questionnaire_is_public(client: FlaskClient) -> None:
    q = client.get("/api/contests/2024/questionnaire").json
    assert len(q["sections"]) == 10 and len(q["questions"]) > 100  # Annex sections 1-10


def test_a_municipality_saves_in_parts_and_each_save_is_an_event(
        client: FlaskClient, service: ContestService, toks: dict[str, str], open_round1: None) -> None:
    answers = seeded(service)["LV-RIX"]
    items = list(answers.items())
    half = len(items) // 2
    before = service.event_count()
    r = patch(client, toks["LV-RIX"], "LV-RIX", dict(items[:half]))
    assert r.status_code == 200, r.json
    r = patch(client, toks["LV-RIX"], "LV-RIX", dict(items[half:]))
    assert r.status_code == 200 and r.json["saves"] == 2
    assert service.event_count() == before + 3  # Started + two AnswersSaved
    assert len(r.json["answers"]) == len(answers)
    cleared = items[0][0]
    r = patch(client, toks["LV-RIX"], "LV-RIX", {cleared: None})  # null clears one answer
    assert cleared not in r.json["answers"]


def test_answers_are_validated_with_errors_per_question(
        client: FlaskClient, service: ContestService, toks: dict[str, str], open_round1: None) -> None:
    q = service.contest(2024).questionnaire
    amount = next(x for x in q.questions if x.kind == "amount")
    choice = next(x for x in q.questions if x.kind == "choice")
    before = service.event_count()
    r = patch(client, toks["LV-RIX"], "LV-RIX", {amount.id: -5, choice.id: "no-such-option", "nope.q1": 1})
    assert r.status_code == 422, r.json
    assert {amount.id, choice.id, "nope.q1"} <= set(r.json["errors"])
    assert service.event_count() == before


def test_a_municipality_cannot_write_anothers_answers(
        client: FlaskClient, service: ContestService, toks: dict[str, str], open_round1: None) -> None:
    answers = dict(list(seeded(service)["LV-JUR"].items())[:3])
    before = service.event_count()
    assert patch(client, toks["LV-RIX"], "LV-JUR", answers).status_code == 403
    assert patch(client, toks["secretariat"], "LV-JUR", answers).status_code == 403  # only the municipality
    assert client.get("/api/contests/2024/submissions/LV-JUR", headers=bearer(toks["LV-RIX"])).status_code == 403
    assert service.event_count() == before


def test_submissions_before_round_1_opens_are_409(client: FlaskClient, service: ContestService,
                                                  toks: dict[str, str]) -> None:
    answers = dict(list(seeded(service)["LV-RIX"].items())[:3])
    r = patch(client, toks["LV-RIX"], "LV-RIX", answers)
    assert r.status_code == 409 and r.json["rule"] == "§4.2"


def _csv(answers: dict[str, dict[str, Any]], service: ContestService, **kw: Any) -> bytes:
    return answers_to_csv(answers, service.contest(2024).questionnaire, **kw)


def test_import_csv_is_all_or_nothing_with_every_bad_cell(
        client: FlaskClient, service: ContestService, toks: dict[str, str], open_round1: None) -> None:
    answers = seeded(service)
    some = {code: answers[code] for code in ("LV-DGV", "LV-JEL", "LV-VEN")}
    data = _csv(some, service, delimiter=";", bom=True)
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    header = rows[0]
    amount_col = next(i for i, qid in enumerate(header) if rows[1][i] and rows[1][i].replace(".", "").isdigit())
    rows[1][amount_col] = "-100"          # a negative amount
    rows[2][0] = "LV-XXX"                 # an unknown municipality
    rows[3][amount_col] = "many"          # not a number
    out = io.StringIO()
    csv.writer(out, delimiter=";").writerows(rows)
    before = service.event_count()
    r = client.post("/api/contests/2024/submissions/import", headers=bearer(toks["secretariat"]),
                    data={"file": (io.BytesIO(out.getvalue().encode()), "answers.csv")},
                    content_type="multipart/form-data")
    assert r.status_code == 422, r.json
    keys = " | ".join(r.json["errors"])
    assert "row 2" in keys and "row 3" in keys and "row 4" in keys
    assert service.event_count() == before  # nothing imported
    good = client.post("/api/contests/2024/submissions/import", headers=bearer(toks["secretariat"]),
                       data={"file": (io.BytesIO(data), "answers.csv")}, content_type="multipart/form-data")
    assert good.status_code == 201 and good.json["municipalities"] == 3


def test_import_xlsx(client: FlaskClient, service: ContestService, toks: dict[str, str], open_round1: None) -> None:
    answers = seeded(service)
    rows = list(csv.reader(io.StringIO(_csv({"LV-LPX": answers["LV-LPX"]}, service).decode())))
    wb = openpyxl.Workbook()
    for row in rows:
        wb.active.append([float(v) if v.replace(".", "", 1).isdigit() else (v or None) for v in row])
    buf = io.BytesIO()
    wb.save(buf)
    r = client.post("/api/contests/2024/submissions/import", headers=bearer(toks["secretariat"]),
                    data={"file": (io.BytesIO(buf.getvalue()), "answers.xlsx")}, content_type="multipart/form-data")
    assert r.status_code == 201, r.json
    sub = client.get("/api/contests/2024/submissions/LV-LPX", headers=bearer(toks["secretariat"])).json
    assert sub["answers"] == {k: v for k, v in answers["LV-LPX"].items() if v is not None}


def test_requests_for_information_and_replies_are_events(
        client: FlaskClient, service: ContestService, toks: dict[str, str], open_round1: None) -> None:
    r = client.post("/api/contests/2024/submissions/LV-RIX/requests", headers=bearer(toks["secretariat"]),
                    json={"id": "budget-2024", "text": "Lūdzu, iesniedziet 2024. gada budžeta izpildi (§4.4)"})
    assert r.status_code == 201, r.json
    assert client.get("/api/contests/2024/submissions", headers=bearer(toks["secretariat"])).json[
        [m.code for m in service.contest(2024).municipalities].index("LV-RIX")]["open_requests"] == ["budget-2024"]
    r = client.post("/api/contests/2024/submissions/LV-RIX/requests/budget-2024/replies",
                    headers=bearer(toks["LV-RIX"]), json={"text": "Pielikumā"})
    assert r.status_code == 201 and r.json["requests"][0]["replies"][0]["text"] == "Pielikumā"
    assert client.post("/api/contests/2024/submissions/LV-RIX/requests/budget-2024/replies",
                       headers=bearer(toks["LV-JUR"]), json={"text": "x"}).status_code == 403


def test_whole_round_1_through_the_api(client: FlaskClient, service: ContestService, toks: dict[str, str],
                                       open_round1: None) -> None:
    """43 submissions (some via a CSV import), provisional results, close, the ten and one explanation."""
    answers = seeded(service)
    codes = [m.code for m in service.contest(2024).municipalities]
    imported = codes[:20]
    r = client.post("/api/contests/2024/submissions/import", headers=bearer(toks["secretariat"]),
                    data={"file": (io.BytesIO(_csv({c: answers[c] for c in imported}, service)), "a.csv")},
                    content_type="multipart/form-data")
    assert r.status_code == 201, r.json
    actor = system_actor("test")
    for code in codes[20:]:
        token = toks.get(code) or service.issue_token("municipality", actor=actor, municipality=code, year=2024)[0]
        given = {k: v for k, v in answers[code].items() if v is not None}
        if given:
            assert patch(client, token, code, given).status_code == 200
    # provisional: the secretariat's (D18); not public (§4.5)
    assert client.get("/api/contests/2024/round1/results").status_code == 409
    provisional = client.get("/api/contests/2024/round1/results", headers=bearer(toks["secretariat"])).json
    assert provisional["final"] is False and len(provisional["ranking"]) == 43
    closed = client.post("/api/contests/2024/round1/close", headers=bearer(toks["secretariat"]))
    assert closed.status_code == 200, closed.json
    final = client.get("/api/contests/2024/round1/results").json  # public now
    assert final["final"] is True
    assert final["advancing"] == provisional["advancing"] and len(final["advancing"]) >= 10
    assert final["ranking"] == provisional["ranking"]
    contest = service.contest(2024)
    assert contest.stage == "round2" and contest.round2_municipalities == final["advancing"]
    assert [r["municipality"] for r in contest.round1["ranking"]] == [r["municipality"] for r in final["ranking"]]
    top = final["advancing"][0]
    expl = client.get(f"/api/contests/2024/round1/results/{top}").json["explanation"]
    assert expl["place"] == 1 and expl["questions"]
    q0 = expl["questions"][0]
    assert {"question_id", "value", "place", "points", "weight", "section", "block"} <= set(q0)
    table = client.get("/api/contests/2024/round1/results.csv?lang=en").get_data(as_text=True).splitlines()
    assert table[0].startswith("\ufeffPlace;Code;Municipality") and len(table) == 44  # for Latvian Excel
    per_q = client.get(f"/api/contests/2024/round1/results/{top}.csv").get_data(as_text=True).splitlines()
    assert len(per_q) == len(expl["questions"]) + 1
    # from now on round-1 submissions are refused (409)
    some = dict(list(answers["LV-RIX"].items())[:2])
    r = patch(client, toks["LV-RIX"], "LV-RIX", some)
    assert r.status_code == 409 and r.json["rule"] == "§4.2"
    assert client.post("/api/contests/2024/round1/close", headers=bearer(toks["secretariat"])).status_code == 409
