"""The secretariat's round 3 in the browser (api/desk_round3.py): the jury's briefing (§4.6.8), a visit's plan and
its rescheduling (§4.7.1, §4.7.7), its notice with the text shown before it is recorded (§4.7.2, working days by
the recorded calendar, D17) and its attendance (§4.7.3), and the score sheets received (§4.7.8). Each form records
the same event as the API's command given the same values, and a refusal is shown at its field in Latvian with
nothing stored."""

from __future__ import annotations

import html
import re
from typing import Any

from flask.testing import FlaskClient

from contest.clock import FrozenClock
from contest.service import ContestService
from domain.contest import Contest
from domain.visit import Visit
from tests.conftest import bearer
from tests.support.desk import field_errors, recorded, same_command, send, sign_in
from tests.support.pages import text
from tests.support.round3 import API, WHO, Steps, day, reach_round3, score_all

PAGE = "/sekretariats/3-karta"
PLAN = {"arrival": "10:00", "duration_minutes": 180, "mode": "on_site"}
NOTICE = {"municipality_email": WHO["municipality_email"], "mayor_name": WHO["mayor"]["name"],
          "mayor_email": WHO["mayor"]["email"], "contact_name": WHO["contact"]["name"],
          "contact_email": WHO["contact"]["email"]}


def visit_page(code: str) -> str:
    return f"{PAGE}/vizite/{code}"


def at_round3(client: FlaskClient, service: ContestService, clock: FrozenClock, tokens: dict[str, str],
              *, brief: bool = True) -> Steps:
    """Round 3 open (tests/support/round3.py), the briefing recorded on 1 Oct 2024 through the API."""
    steps = Steps(client, clock, tokens["secretariat"], reach_round3(service, clock))
    if brief:
        assert steps.brief().status_code == 201
    return steps


def nothing_stored(service: ContestService, before: int) -> bool:
    return service.event_count() == before


def test_the_briefing_form_records_what_the_api_records_and_refuses_a_day_to_come(
        client: FlaskClient, service: ContestService, clock: FrozenClock, tokens: dict[str, str]) -> None:
    at_round3(client, service, clock, tokens, brief=False)
    clock.set(day("2024-10-01", 12))
    sign_in(client, tokens["secretariat"])
    assert "Vēl nav reģistrēts." in text(client.get(PAGE))
    before = service.event_count()
    r = send(client, PAGE, PAGE + "/informesana", date="2024-10-02", note="Finālpašvaldību dati")
    assert r.status_code == 422
    assert field_errors(r) == {"briefing-date": "Informēšanu reģistrē, kad tā ir notikusi: datums nevar būt vēlāks "
                                                "par šodienu (2024. gada 1. oktobris)."}
    r = send(client, PAGE, PAGE + "/informesana", date="2024-09-15", note="Finālpašvaldību dati")
    assert r.status_code == 409 and "2. kārta (2024. gada 16. septembris)" in field_errors(r)["briefing-date"]
    r = send(client, PAGE, PAGE + "/informesana", date="", note="")
    assert r.status_code == 422 and field_errors(r) == {
        "briefing-date": "Ievadiet dienu, kad komisija saņēma informāciju."}
    assert nothing_stored(service, before)

    r = send(client, PAGE, PAGE + "/informesana", date="2024-10-01", note="Finālpašvaldību dati")
    assert r.status_code == 303 and r.headers["Location"] == PAGE
    page = text(client.get(PAGE))
    assert "Komisijas informēšana reģistrēta." in page and "2024. gada 1. oktobris" in page
    api = client.post(API + "/round3/briefing", json={"date": "2024-10-01", "note": "Finālpašvaldību dati"},
                      headers=bearer(tokens["secretariat"]))
    assert api.status_code == 201
    by_page, by_api = recorded(service, Contest.JuryBriefed)
    assert same_command(by_page, by_api) and by_page["actor"] == {"role": "secretariat", "principal": "Anna"}


def test_a_visit_is_planned_and_rescheduled_as_through_the_api_and_refused_at_its_fields(
        client: FlaskClient, service: ContestService, clock: FrozenClock, tokens: dict[str, str]) -> None:
    steps = at_round3(client, service, clock, tokens)
    f = steps.f
    sign_in(client, tokens["secretariat"])
    page, action = visit_page(f[0]), visit_page(f[0]) + "/planot"
    before = service.event_count()
    r = send(client, page, action, date="2024-10-05", **PLAN)  # §4.6.8: a week after the briefing of 1 Oct
    assert r.status_code == 409
    assert field_errors(r) == {"plan-date": "Vizīte notiek vismaz 7 dienas pēc komisijas informēšanas (2024. gada "
                                            "1. oktobris): agrākais datums ir 2024. gada 8. oktobris."}
    r = send(client, page, action, date="2024-11-20", **{**PLAN, "duration_minutes": 300})  # §4.7.7
    assert r.status_code == 409
    assert field_errors(r) == {"plan-duration": "Vizīte ilgst ne vairāk kā 4 stundas (240 minūtes)."}
    r = send(client, page, action, date="2024-11-20", **{**PLAN, "mode": "remote"})  # §4.7.1
    assert r.status_code == 409 and list(field_errors(r)) == ["plan-remote_reason"]
    r = send(client, page, action, date="2024-11-20", **{**PLAN, "arrival": "25:00", "duration_minutes": "trīs"})
    assert r.status_code == 422
    assert field_errors(r) == {
        "plan-arrival": "Ievadiet ierašanās laiku formā SS:MM pēc Latvijas laika, piemēram, 10:00.",
        "plan-duration": "Ievadiet plānoto ilgumu minūtēs: veselu skaitli no 1 līdz 1440."}
    assert nothing_stored(service, before)

    r = send(client, page, action, date="2024-11-20", **PLAN)
    assert r.status_code == 303 and r.headers["Location"] == page
    assert "Vizīte plānota." in text(client.get(page))
    assert steps.plan(f[1], "2024-11-20").status_code == 201
    by_page, by_api = recorded(service, Visit.Scheduled)
    assert same_command(by_page, by_api, "municipality") and by_page["municipality"] == f[0]

    before = service.event_count()
    r = send(client, page, page + "/parcelt", date="2024-11-22", reason="", **PLAN)
    assert r.status_code == 422 and field_errors(r) == {"plan-reason": "Norādiet, kāpēc vizīte tiek pārcelta."}
    r = send(client, page, page + "/parcelt", date="2024-11-20", reason="Tas pats", **PLAN)
    assert r.status_code == 422 and list(field_errors(r)) == ["plan-date"]
    assert nothing_stored(service, before)
    r = send(client, page, page + "/parcelt", date="2024-11-22", reason="Pašvaldības lūgums", **PLAN)
    assert r.status_code == 303
    api = steps.post(f"/visits/{f[1]}/reschedule", {"date": "2024-11-22", **PLAN, "reason": "Pašvaldības lūgums"})
    assert api.status_code == 200, api.json
    by_page, by_api = recorded(service, Visit.Rescheduled)
    assert same_command(by_page, by_api)
    assert "Pašvaldības lūgums" in text(client.get(page))


def notice_text(response: Any, language: str) -> str:
    match = re.search(rf'<pre class="notice-text" lang="{language}" id="notice-text-{language}">(.*?)</pre>',
                      response.get_data(as_text=True), re.S)
    assert match, "the page shows no notice text"
    return html.unescape(match.group(1))


def test_the_notice_is_shown_in_latvian_and_english_then_recorded_as_the_api_records_it(
        client: FlaskClient, service: ContestService, clock: FrozenClock, tokens: dict[str, str]) -> None:
    steps = at_round3(client, service, clock, tokens)
    f = steps.f
    assert steps.plan(f[0], "2024-11-20").status_code == 201
    clock.set(day("2024-11-14"))
    sign_in(client, tokens["secretariat"])
    page, action = visit_page(f[0]), visit_page(f[0]) + "/pazinojums"
    due = text(client.get(page))
    assert "2024. gada 12. novembrī vai agrāk" in due  # 5 working days before Wed 20 Nov (18 Nov is a holiday)
    before = service.event_count()
    for step in ("preview", "record"):  # §4.7.2: too late, whether shown or recorded
        r = send(client, page, action, notice_date="2024-11-14", action=step, **NOTICE)
        assert r.status_code == 409
        assert field_errors(r) == {"notice-notice_date": (
            "Paziņojumu nosūta vismaz 5 darbdienas pirms vizītes (2024. gada 20. novembris), t. i., 2024. gada "
            "12. novembrī vai agrāk. Šis datums atstāj 3 darbdienas.")}
    r = send(client, page, action, notice_date="2024-11-15", action="record", **{**NOTICE, "mayor_email": "mērs"})
    assert r.status_code == 422
    assert field_errors(r) == {"notice-mayor_email": "Ievadiet e-pasta adresi, piemēram, dome@example.lv."}
    r = send(client, page, action, notice_date="2024-11-16", action="record", **NOTICE)
    assert r.status_code == 422 and "šodienu (2024. gada 14. novembris)" in field_errors(r)["notice-notice_date"]
    assert nothing_stored(service, before)

    shown = send(client, page, action, notice_date="2024-11-12", action="preview", **NOTICE)
    assert shown.status_code == 200 and nothing_stored(service, before)  # the preview records nothing
    api = steps.post(f"/visits/{f[0]}/notice/preview", {"notice_date": "2024-11-12", **WHO})
    assert api.status_code == 200
    assert notice_text(shown, "lv") == api.json["lv"] and notice_text(shown, "en") == api.json["en"]
    assert "Paziņojums par vērtēšanas komisijas vizīti" in api.json["lv"]
    assert "Notice of the jury's visit" in api.json["en"]

    r = send(client, page, action, notice_date="2024-11-12", action="record", **NOTICE)
    assert r.status_code == 303
    after = text(client.get(page))
    assert "Paziņojums reģistrēts kopā ar tā tekstu." in after and "Nosūtīts 2024. gada 12. novembrī" in after
    assert steps.post(f"/visits/{f[0]}/notice", {"notice_date": "2024-11-12", **WHO}).status_code == 201
    by_page, by_api = recorded(service, Visit.NoticeRecorded)
    assert same_command(by_page, by_api)
    assert by_page["text_lv"] == api.json["lv"] and by_page["text_en"] == api.json["en"]


def test_attendance_names_the_seats_present_as_the_api_does_and_refuses_an_unknown_seat(
        client: FlaskClient, service: ContestService, clock: FrozenClock, tokens: dict[str, str]) -> None:
    steps = at_round3(client, service, clock, tokens)
    f = steps.f
    for m, on in ((f[0], "2024-11-20"), (f[1], "2024-11-21"), (f[2], "2024-11-26")):
        assert steps.plan(m, on).status_code == 201
    clock.set(day("2024-11-04"))
    for m in f[:2]:
        assert steps.notice(m, "2024-11-04").status_code == 201
    seats = {"seat-sif": "member", "seat-varam": "VARAM aizvietotājs", "seat-lm": "member", "seat-izm": "member",
             "seat-ugf": "member", "seat-vpd": ""}
    clock.set(day("2024-11-19"))
    sign_in(client, tokens["secretariat"])
    page, action = visit_page(f[0]), visit_page(f[0]) + "/apmeklejums"
    before = service.event_count()
    r = send(client, page, action, **seats)
    assert r.status_code == 409  # §4.7.3: before the visit
    assert field_errors(r) == {"form": "Apmeklējumu reģistrē, kad vizīte ir notikusi (2024. gada 20. novembrī)."}
    clock.set(day("2024-11-29"))
    sign_in(client, tokens["secretariat"])
    r = send(client, page, action, **seats, **{"seat-nav": "member"})
    assert r.status_code == 422 and field_errors(r) == {"form": "Komisijā nav vietas “nav”."}
    r = send(client, page, action, **{**seats, "seat-lm": "Kāds cits"})
    assert r.status_code == 422
    assert field_errors(r) == {"seat-lm": "Izvēlieties komisijas locekli, kādu no vietas deleģētajiem aizvietotājiem "
                                          "vai “nebija klāt”."}
    r = send(client, page, action, **{k: "" for k in seats})
    assert r.status_code == 422 and field_errors(r) == {"form": "Atzīmējiet vismaz vienu klātesošu vietu."}
    r = send(client, visit_page(f[2]), visit_page(f[2]) + "/apmeklejums", **seats)
    assert r.status_code == 409 and "nav derīga paziņojuma" in field_errors(r)["form"]  # §4.7.2: no notice
    assert nothing_stored(service, before)

    r = send(client, page, action, **seats)
    assert r.status_code == 303 and "Apmeklējums reģistrēts." in text(client.get(page))
    api = steps.put(f"/visits/{f[1]}/attendance", {"present": {
        "sif": "member", "varam": "VARAM aizvietotājs", "lm": "member", "izm": "member", "ugf": "member"}})
    assert api.status_code == 200, api.json
    by_page, by_api = recorded(service, Visit.AttendanceRecorded)
    assert same_command(by_page, by_api) and by_page["present"]["varam"] == "VARAM aizvietotājs"
    shown = client.get(page).get_data(as_text=True)
    assert re.search(r'<option value="VARAM aizvietotājs" selected>', shown)


def test_the_score_sheets_received_are_listed_read_only(
        client: FlaskClient, service: ContestService, clock: FrozenClock, tokens: dict[str, str]) -> None:
    from tests.support.council import juror_tokens
    from tests.support.round3 import FIVE_AT_E

    steps = at_round3(client, service, clock, tokens, brief=False)
    steps.all_visits(FIVE_AT_E)
    score_all(steps, juror_tokens(service))
    sign_in(client, tokens["secretariat"])
    page = client.get(PAGE).get_data(as_text=True)
    rows = dict(re.findall(r'<tr data-seat="([^"]+)">(.*?)</tr>', page, re.S))
    assert set(rows) == {"sif", "varam", "lm", "izm", "ugf", "vpd", "vk-pkc", "ldga", "fmt"}  # the voting seats
    assert "vēl nav" in rows["fmt"] and "vēl nav" not in rows["sif"]
    assert "2024. gada 29. novembris" in rows["sif"] and "komisijas loceklis" in rows["sif"]
    assert '<span class="no">pagaidām nē</span>' in rows["vpd"]  # at two counted visits only (§4.7.4)
    assert "saņemtas 6 vērtējumu lapas" in text(client.get(PAGE))
    assert "<form" not in page.split('id="scorecards"')[1].split("</table>")[0]  # read only


def test_a_form_sent_after_the_session_ended_stores_nothing(
        client: FlaskClient, service: ContestService, clock: FrozenClock, tokens: dict[str, str]) -> None:
    steps = at_round3(client, service, clock, tokens)
    sign_in(client, tokens["secretariat"])
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get(PAGE).get_data(as_text=True))
    assert token
    client.post("/sekretariats/iziet", data={"csrf_token": token.group(1)})
    before = service.event_count()
    fresh = re.search(r'name="csrf_token" value="([^"]+)"', client.get(PAGE).get_data(as_text=True))
    assert fresh
    r = client.post(visit_page(steps.f[0]) + "/planot", data={"csrf_token": fresh.group(1), "date": "2024-11-20",
                                                              **{k: str(v) for k, v in PLAN.items()}})
    assert r.status_code == 401 and "sesija ir beigusies" in text(r)
    assert nothing_stored(service, before)
