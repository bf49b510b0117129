"""Round 3 and the end of the contest (§4.6.8, §4.7, §7, D12-D14) over HTTP, on SQLite and PostgreSQL.

Most tests reach round 3 through the service with the 2024 preset (round 1 with twelve municipalities answering,
the others send nothing, §3.3; no residents' votes, so the jury's fifth completes the finalists, §4.6.7); the last
test plays a whole contest through the HTTP API only.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest
from click.testing import CliRunner
from flask.testing import FlaskClient

from api.app import create_app
from contest.audit import AuditChain
from contest.calendar import contest_calendar
from contest.cli import main as cli
from contest.clock import FrozenClock
from contest.residents import fake_personal_codes
from contest.seeding import generate_answers
from contest.service import ContestService
from domain.actors import system_actor
from tests.support.helpers import ROUND1_CLOSES, ROUND1_OPENS, bearer
from tests.support.round3 import API, FIVE_AT_E, FOUR_AT_E, SEATS, WHO, Steps, day, reach_round3, score_all


@pytest.fixture
def finalists(service: ContestService, clock: FrozenClock) -> list[str]:
    return reach_round3(service, clock)


@pytest.fixture
def jurors(service: ContestService) -> dict[str, str]:
    return {seat: service.issue_token("juror", actor=system_actor("test"), seat=seat, year=2024)[0]
            for seat in [*SEATS, "lps"]}


@pytest.fixture
def steps(client: FlaskClient, clock: FrozenClock, tokens: dict[str, str], finalists: list[str]) -> Steps:
    return Steps(client, clock, tokens["secretariat"], finalists)


# ----- §4.7.2 working days, through the visit and notice commands -----

def test_4_7_2_the_notice_period_counts_latvian_working_days(steps: Steps, service: ContestService,
                                                             finalists: list[str]) -> None:
    a, b, c = finalists[:3]
    assert steps.brief().status_code == 201
    assert steps.plan(a, "2024-11-20").status_code == 201  # Wednesday
    assert steps.plan(b, "2024-11-27").status_code == 201  # Wednesday a week later, no holiday before it
    assert steps.plan(c, "2024-12-31").status_code == 201  # Tuesday, New Year's Eve
    steps.clock.set(day("2024-12-20"))

    # Wed 20 Nov: back from the day before: Tue 19 (1), Mon 18 is Proclamation Day (a holiday), Sun 17 and Sat 16
    # are a weekend, Fri 15 (2), Thu 14 (3), Wed 13 (4), Tue 12 (5): the notice is due by 12 Nov.
    # (Were 18 Nov a working day: 19, 18, 15, 14, 13 -> 13 Nov.)
    r = steps.notice(a, "2024-11-13")
    assert r.status_code == 409 and r.json["rule"] == "§4.7.2"
    assert r.json["details"]["latest_notice_date"] == "2024-11-12" and r.json["details"]["working_days_given"] == 4
    before = service.event_count()
    r = steps.post(f"/visits/{a}/notice/preview", {"notice_date": "2024-11-12", **WHO})
    assert r.status_code == 200 and "plkst. 10:00" in r.json["lv"] and "arrival time: 10:00" in r.json["en"]
    assert service.event_count() == before  # a preview records nothing
    assert steps.notice(a, "2024-11-12").status_code == 201

    # Wed 27 Nov, no holiday: 26, 25, 22, 21, 20 -> 20 Nov, exactly a week before.
    r = steps.notice(b, "2024-11-21")
    assert r.status_code == 409 and r.json["details"]["latest_notice_date"] == "2024-11-20"
    assert steps.notice(b, "2024-11-20").status_code == 201

    # Tue 31 Dec 2024: Mon 30 Dec is a day off (moved), Sun 29; Sat 28 Dec is a working Saturday (1); Fri 27 (2);
    # 26, 25, 24 Dec are Christmas holidays; Mon 23 Dec is a day off (moved); 22, 21 a weekend; Fri 20 (3),
    # Thu 19 (4), Wed 18 (5): the notice is due by 18 Dec.
    r = steps.notice(c, "2024-12-19")
    assert r.status_code == 409 and r.json["details"]["latest_notice_date"] == "2024-12-18"
    r = steps.notice(c, "2024-12-18")
    assert r.status_code == 201, r.json
    assert r.json["notice"]["valid"] and r.json["notice"]["working_days_given"] == 5
    notice = r.json["notices"][-1]
    assert notice["recipients"]["mayor"]["name"] == "Mērs Mēriņš"
    assert "2024. gada 31. decembris, otrdiena" in notice["text_lv"] and "Tuesday 31 December 2024" in notice["text_en"]
    assert "plkst. 10:00" in notice["text_lv"]


def test_4_6_8_visits_are_dated_a_week_after_the_briefing_and_keep_the_visit_rules(steps: Steps,
                                                                                    service: ContestService,
                                                                                    finalists: list[str]) -> None:
    a, b, c = finalists[:3]
    steps.clock.set(day("2024-10-01", 12))
    r = steps.plan(a, "2024-11-20")
    assert r.status_code == 409 and r.json["rule"] == "§4.6.8"  # no briefing recorded yet
    r = steps.post("/round3/briefing", {"date": "2024-09-15"})
    assert r.status_code == 409 and r.json["rule"] == "§4.6.8"  # before round 2 closed (16 Sep)
    assert steps.post("/round3/briefing", {"date": "2024-10-02"}).status_code == 422  # tomorrow
    assert steps.brief("2024-10-01").status_code == 201

    r = steps.plan(a, "2024-10-07")  # six days after the briefing
    assert r.status_code == 409 and r.json["rule"] == "§4.6.8"
    assert r.json["details"]["latest_briefing_date"] == "2024-09-30"
    assert steps.plan(a, "2024-10-08").status_code == 201  # seven days
    r = steps.brief("2024-10-02")  # a corrected briefing date must still be a week before the first visit
    assert r.status_code == 409 and r.json["rule"] == "§4.6.8"

    before = service.event_count()
    r = steps.plan(b, "2024-11-21", minutes=241)
    assert r.status_code == 409 and r.json["rule"] == "§4.7.7"
    r = steps.plan(b, "2024-11-21", mode="remote")
    assert r.status_code == 409 and r.json["rule"] == "§4.7.1"  # remote only with a reason
    assert steps.plan(b, "2024-11-21", remote_reason="pulcēšanās ierobežojumi").status_code == 422  # on site
    assert steps.plan(b, "2024-11-21", arrival="25:00").status_code == 422
    assert steps.plan(a, "2024-11-21").status_code == 409  # planned already: reschedule it
    outsider = next(m.code for m in service.contest(2024).municipalities if m.code not in finalists)
    r = steps.plan(outsider, "2024-11-21")
    assert r.status_code == 409 and "§4.7.1" in r.json["rule"]
    assert service.event_count() == before
    r = steps.plan(c, "2024-11-21", mode="remote", remote_reason="valstī izsludināti pulcēšanās ierobežojumi",
                   minutes=240)
    assert r.status_code == 201 and r.json["plan"]["mode"] == "remote"
    assert r.json["plan"]["arrival_at"] == "2024-11-21T08:00:00Z"  # 10:00 in Riga, winter time (UTC+2)


def test_4_7_2_rescheduling_needs_a_new_notice_and_attendance_needs_a_valid_one(
        steps: Steps, service: ContestService, finalists: list[str]) -> None:
    a = finalists[0]
    assert steps.brief().status_code == 201
    assert steps.plan(a, "2024-11-20").status_code == 201
    steps.clock.set(day("2024-11-12"))
    assert steps.notice(a, "2024-11-12").status_code == 201
    r = steps.post(f"/visits/{a}/reschedule", {"date": "2024-11-19", "arrival": "11:00", "duration_minutes": 120,
                                               "reason": "the mayor's request"})
    assert r.status_code == 200, r.json
    assert not r.json["notice"]["valid"] and "new notice" in r.json["notice"]["reason"]
    assert r.json["reschedules"][0]["from"]["date"] == "2024-11-20"

    steps.clock.set(day("2024-11-19", 14))
    r = steps.attend(a, SEATS[:5])
    assert r.status_code == 409 and r.json["rule"] == "§4.7.2"  # a visit without a valid notice is not held
    # Tue 19 Nov: 15, 14, 13, 12, 11 Nov (18 is a holiday): a notice of 12 Nov is too late now, 11 Nov is in time.
    r = steps.notice(a, "2024-11-12")
    assert r.status_code == 409 and r.json["details"]["latest_notice_date"] == "2024-11-11"
    assert steps.notice(a, "2024-11-11").status_code == 201

    steps.clock.set(day("2024-11-18"))
    r = steps.attend(a, SEATS[:5])
    assert r.status_code == 409 and r.json["rule"] == "§4.7.3"  # the visit has not taken place yet
    steps.clock.set(day("2024-11-19", 14))
    r = steps.attend(a, SEATS[:5], lm="Somebody Else")
    assert r.status_code == 422 and "present.lm" in r.json["errors"]
    r = steps.attend(a, SEATS[:5], lm="LM aizvietotājs")
    assert r.status_code == 200 and r.json["attendance"]["lm"] == "LM aizvietotājs"
    own = service.issue_token("municipality", actor=system_actor("test"), municipality=a, year=2024)[0]
    assert steps.get(f"/visits/{a}", own).json["attendance"]["lm"] == "LM aizvietotājs"  # its own visit
    assert steps.get(f"/visits/{finalists[1]}", own).status_code == 403


# ----- counting (§4.7.3, §4.7.4), ties (§4.7.10, D12), the theme prize (D13) -----

def test_4_7_3_a_visit_with_four_seats_and_4_7_4_a_seat_with_two_counted_visits_do_not_count(
        steps: Steps, service: ContestService, jurors: dict[str, str], finalists: list[str]) -> None:
    a, d, e = finalists[0], finalists[3], finalists[4]
    steps.all_visits(FOUR_AT_E)
    score_all(steps, jurors)
    r = steps.post("/round3/close")
    assert r.status_code == 409 and r.json["rule"] == "§4.7.3"
    assert [x["municipality"] for x in r.json["details"]["blockers"]] == [e]
    assert "4 voting seats present" in r.json["message"] and "needs 5" in r.json["message"]

    status = steps.get("/round3").json
    visit_e = next(v for v in status["assessment"]["visits"] if v["municipality"] == e)
    assert not visit_e["counted"] and visit_e["other_present"] == ["lps"]  # lps does not vote (D1)
    assert status["assessment"]["result"]["winner"] == a

    # E visited again with a fifth voting seat (a rescheduled visit, a new notice, new attendance)
    steps.clock.set(day("2024-12-02"))
    r = steps.post(f"/visits/{e}/reschedule", {"date": "2024-12-12", "arrival": "10:00", "duration_minutes": 180,
                                               "reason": "repeat the visit: only four voting members came"})
    assert r.status_code == 200 and r.json["attendance"] is None
    steps.clock.set(day("2024-12-05"))
    assert steps.notice(e, "2024-12-05").status_code == 201  # 5, 6, 9, 10, 11 Dec: five working days
    steps.clock.set(day("2024-12-12", 14))
    assert steps.attend(e, FIVE_AT_E[4]).status_code == 200

    seats = {s["seat"]: s for s in steps.get("/round3").json["assessment"]["result"]["explanation"]["seats"]}
    # vpd was at A and D only: two counted visits, so its scores do not count (§4.7.4)
    assert not seats["vpd"]["counted"] and seats["vpd"]["counted_visits"] == [a, d]
    assert "needs 3, §4.7.4" in seats["vpd"]["reason"]
    assert [s for s, row in seats.items() if row["counted"]] == ["izm", "lm", "sif", "ugf", "varam"]
    assert steps.post("/round3/close").status_code == 200


def test_4_7_10_the_chair_breaks_a_tie_and_d13_the_theme_prize(steps: Steps, client: FlaskClient,
                                                               service: ContestService, jurors: dict[str, str],
                                                               finalists: list[str]) -> None:
    a, b, c = finalists[:3]
    steps.all_visits(FIVE_AT_E)
    # scoring rules (§4.7.8, §4.7.11, §3.2.1)
    before = service.event_count()
    assert steps.score(jurors["lm"], "izm", [1, 2, 3, 4, 5], 0, 1).status_code == 403  # another seat
    r = steps.score(jurors["lps"], "lps", [1, 2, 3, 4, 5], 0, 1)
    assert r.status_code == 409 and "D1" in r.json["rule"]
    assert steps.score(jurors["lm"], "lm", [6, 2, 3, 4, 5], 0, 1).status_code == 422
    r = steps.score(jurors["lm"], "lm", [1, 2, 3, 4, 5], 0, 0)
    assert r.status_code == 409 and r.json["rule"] == "§4.7.11"
    body = {"scores": dict.fromkeys(finalists, 3), "justifications": {a: "labi"}, "theme_points": {a: 2, b: 1}}
    r = steps.put("/scores/lm", body, jurors["lm"])
    assert r.status_code == 409 and r.json["rule"] == "§4.7.8"
    assert service.event_count() == before

    score_all(steps, jurors)
    r = steps.score(jurors["lm"], "lm", [4, 5, 3, 3, 2], 3, 2, cast_by="LM aizvietotājs")  # replaces, last counts
    assert r.status_code == 200 and r.json["submissions"] == 2 and r.json["cast_by"] == "LM aizvietotājs"

    assert client.get(f"{API}/result").status_code == 409  # published when round 3 closes
    r = steps.post("/round3/close")
    assert r.status_code == 200, r.json
    result = client.get(f"{API}/result").json  # public now
    assert result["winner"]["municipality"] == a and result["winner"]["prize"]["amount_eur"] == 20000
    assert result["theme_winner"]["municipality"] == c and result["theme_winner"]["theme_points"] == 6
    assert result["theme_winner"]["prize"]["amount_eur"] == 10000
    assert result["status"] == "awaiting_approval" and not result["approved"]
    tie = next(t for t in result["round3"]["ties"] if t["kind"] == "winner")
    assert sorted(tie["tied"]) == sorted([a, b]) and tie["resolution"] == "tiebreak"
    assert tie["tiebreak_values"] == {a: 5, b: 4}  # the chair's scores (§4.7.10)
    table = {row["municipality"]: row for row in result["round3"]["table"]}
    assert table[a]["average"] == table[b]["average"] == 4.4
    assert table[b]["excluded_scores"] == {"vpd": 5}  # vpd does not count (§4.7.4)
    assert result["digest"] == AuditChain(service.store).digest_through(result["included_through"])
    assert client.get(f"{API}/round3", headers=bearer(steps.sec)).json["closed"]
    r = steps.score(jurors["lm"], "lm", [4, 5, 3, 3, 2], 3, 2)
    assert r.status_code == 409  # round 3 has closed


def test_d12_an_unresolved_tie_needs_a_jury_decision(steps: Steps, jurors: dict[str, str],
                                                     finalists: list[str]) -> None:
    a, b = finalists[:2]
    steps.all_visits(FIVE_AT_E)
    # the chair gives A and B 4 each; ugf A5 B4: A 4+4+4+5+5 = 22, B 4+5+5+4+4 = 22, and the chair cannot split
    score_all(steps, jurors, chair=[4, 4, 3, 2, 1], ugf=[5, 4, 2, 3, 3])
    r = steps.post("/round3/close")
    assert r.status_code == 409 and r.json["rule"] == "D12", r.json
    blocker = r.json["details"]["blockers"][0]
    assert a in blocker["message"] and b in blocker["message"] and "'winner'" in blocker["message"]
    decision = {"kind": "winner", "tied": [a, b], "chosen": [b], "text": "Plašāks atbalsts ģimenēm ar bērniem",
                "votes_for": 4, "votes_total": 7}
    r = steps.post("/decisions", decision)
    assert r.status_code == 201, r.json
    r = steps.post("/round3/close")
    assert r.status_code == 200, r.json
    assert r.json["winner"]["municipality"] == b
    tie = next(t for t in r.json["round3"]["ties"] if t["kind"] == "winner")
    assert tie["resolution"] == "decision" and tie["decision"]["votes_for"] == 4


def test_7_4_d14_approval_seals_the_contest(steps: Steps, client: FlaskClient, service: ContestService,
                                            tokens: dict[str, str], jurors: dict[str, str],
                                            finalists: list[str]) -> None:
    steps.all_visits(FIVE_AT_E)
    score_all(steps, jurors)
    steps.clock.set(day("2024-12-02"))
    council = tokens["council"]
    r = steps.post("/approval", {"decision_number": "Nr. 12", "decision_date": "2024-12-02"}, council)
    assert r.status_code == 409 and r.json["rule"] == "§7.4"  # round 3 is still open
    assert steps.post("/round3/close").status_code == 200
    r = steps.post("/supporter-nominations", {"supporter": "AS Piemērs", "nomination": "Drošākā skolas vide",
                                              "amount_eur": 2500, "municipality": finalists[2]})
    assert r.status_code == 201 and r.json["id"] == "supporter-1"

    assert steps.post("/approval", {"decision_number": "Nr. 12", "decision_date": "2024-12-02"}).status_code == 403
    steps.clock.set(day("2024-12-10"))
    r = steps.post("/approval", {"decision_number": "Nr. 12", "decision_date": "2024-12-01"}, council)
    assert r.status_code == 409 and r.json["rule"] == "§7.4, D14"  # before the result it would approve
    assert steps.post("/approval", {"decision_number": "Nr. 12", "decision_date": "2024-12-11"},
                      council).status_code == 422  # tomorrow
    through = service.event_count()
    r = steps.post("/approval", {"decision_number": "Protokols Nr. 12, 3.1", "decision_date": "2024-12-09"}, council)
    assert r.status_code == 200, r.json
    approval = r.json["approval"]
    assert r.json["approved"] and approval["digest_through"] == through
    assert approval["digest"] == AuditChain(service.store).digest_through(through)  # recomputed from the start

    sealed = [
        steps.put("/theme", {"title_lv": "x", "title_en": "x", "reason": "r"}),
        steps.put("/prizes", {**service.contest(2024).prizes.to_dict(), "reason": "a late supporter"}),
        steps.put("/rules", {"rules": {"quorum": 5}, "reason": "r"}),
        steps.put("/calendar", {"calendar": contest_calendar(2024), "reason": "r"}),
        client.patch(f"{API}/submissions/LV-RIX", json={"answers": {"s2.m1.q1": 100}},
                     headers=bearer(tokens["municipality"])),
        steps.post("/window/close", {"reason": "r"}),
        steps.post("/decisions", {"kind": "winner", "tied": finalists[:2], "chosen": finalists[:1], "text": "t",
                                  "votes_for": 5, "votes_total": 5}),
        steps.post(f"/visits/{finalists[0]}/reschedule", {"date": "2025-01-20", "arrival": "10:00",
                                                          "duration_minutes": 60, "reason": "r"}),
        steps.score(jurors["lm"], "lm", [4, 5, 3, 3, 2], 3, 2),
        steps.put("/ballots/lm", {"points": dict.fromkeys(service.contest(2024).round2_municipalities, 0),
                                  "justifications": {}}, jurors["lm"]),
        steps.post("/supporter-nominations", {"supporter": "S", "nomination": "N", "amount_eur": 1,
                                              "municipality": finalists[0]}),
        steps.post("/round3/briefing", {"date": "2024-12-10"}),
        steps.post("/approval", {"decision_number": "Nr. 13", "decision_date": "2024-12-10"}, council),
        client.post(f"{API}/votes", json={"personal_code": fake_personal_codes(1, seed=5)[0],
                                          "municipality": finalists[0], "rating": 5}),
    ]
    for r in sealed:
        assert r.status_code == 409 and r.json["message"] == "contest is sealed", r.json
        assert r.json["rule"] == "§7.4, D14"
    assert client.get(API).json["stage"] == "sealed"
    result = client.get(f"{API}/result").json
    assert result["status"] == "approved"
    assert result["prizes"]["supporter_nominations"][0]["amount_eur"] == 2500


# ----- a whole contest, from `contest init` to the council's approval, through the HTTP API only -----

def test_a_whole_contest_from_init_to_approval_over_http(store_url: str, empty_service: ContestService,
                                                         clock: FrozenClock) -> None:
    obj: dict[str, Any] = {}
    runner = CliRunner()
    try:
        out = runner.invoke(cli, ["--store", store_url, "init", "--preset", "2024"], obj=obj)
        assert out.exit_code == 0, out.output
        out = runner.invoke(cli, ["--store", store_url, "token", "issue", "--role", "secretariat", "--name", "Anna"],
                            obj=obj)
        assert out.exit_code == 0, out.output
        sec = out.stdout.strip().splitlines()[-1]
    finally:
        if "service" in obj:
            obj["service"].close()
    client = create_app(empty_service, {"TESTING": True}).test_client()
    s = Steps(client, clock, sec, [])

    def token(**body: Any) -> str:
        r = client.post("/api/tokens", json=body, headers=bearer(sec))
        assert r.status_code == 201, r.json
        return r.json["token"]

    # round 1 (§4.2-§4.5): twelve municipalities answer, the rest send nothing (§3.3)
    clock.set(ROUND1_OPENS)
    assert s.post("/round1/open").status_code == 200
    questionnaire = empty_service.contest(2024).questionnaire
    codes = [m["code"] for m in client.get(f"{API}/municipalities").json][:12]
    for code, given in generate_answers(questionnaire, codes, seed=7).items():
        r = client.patch(f"{API}/submissions/{code}", json={"answers": given},
                         headers=bearer(token(role="municipality", municipality=code, year=2024)))
        assert r.status_code == 200, r.json
    clock.set(ROUND1_CLOSES)
    assert s.post("/round1/close").status_code == 200
    top = client.get(f"{API}/round1/results").json
    round2 = [row["municipality"] for row in top["ranking"] if row["municipality"] in top["advancing"]]

    # round 2 (§4.6): residents vote in the window, the clock closes it, nine ballots, the finalists
    clock.set(datetime(2024, 8, 20, 12, tzinfo=UTC))
    assert s.post("/window/open", {"reason": "the scheduled opening"}).status_code == 200
    outsider = next(m for m in [m["code"] for m in client.get(f"{API}/municipalities").json] if m not in round2)
    for i, code in enumerate(fake_personal_codes(3, seed=11)):
        r = client.post(f"{API}/votes", json={"personal_code": code, "municipality": outsider, "rating": 5 - i // 2})
        assert r.status_code == 201, r.json
    clock.set(datetime(2024, 9, 16, 9, tzinfo=UTC))
    assert s.post("/window/close", {"reason": "the window's closing time has passed"}).status_code == 200
    jurors = {seat: token(role="juror", seat=seat, year=2024) for seat in SEATS}
    points = dict.fromkeys(round2, 0) | dict(zip(round2[:5], (5, 4, 3, 2, 1), strict=True))
    for seat in SEATS:
        r = s.put(f"/ballots/{seat}", {"points": points, "justifications": {m: "Mazāk" for m in round2
                                                                            if not points[m]}}, jurors[seat])
        assert r.status_code == 200, r.json
    r = s.post("/round2/close")
    assert r.status_code == 200, r.json
    s.f = [f["municipality"] for f in r.json["finalists"]]
    assert s.f == [*round2[:4], outsider]  # the residents' choice (D10) from outside round 2

    # round 3 (§4.7): briefing, visits and notices, attendance, scores
    s.all_visits(FIVE_AT_E)
    notice_text = s.get(f"/visits/{outsider}").json["notices"][0]["text_lv"]
    assert "iedzīvotāju balsojumā" in notice_text and "LPS pārstāvis" in notice_text
    score_all(s, jurors)
    r = s.post("/round3/close")
    assert r.status_code == 200, r.json
    winner = r.json["winner"]
    assert winner["municipality"] == s.f[0]

    # §7: a supporter's prize, the council approves, the report
    assert s.post("/supporter-nominations", {"supporter": "AS Piemērs", "nomination": "Gada atbalstītājs",
                                             "amount_eur": 1000, "municipality": s.f[2]}).status_code == 201
    council = token(role="council", name="SIF padome")
    clock.set(day("2024-12-10"))
    r = s.post("/approval", {"decision_number": "Protokols Nr. 12, 3.1", "decision_date": "2024-12-09"}, council)
    assert r.status_code == 200 and r.json["approved"], r.json
    html = client.get(f"{API}/result.html")
    assert html.status_code == 200 and html.mimetype == "text/html"
    page = html.get_data(as_text=True)
    assert winner["name"] in page and "Apstiprināts ar Fonda padomes lēmumu" in page and "Protokols Nr. 12, 3.1" in page
    assert "Gada atbalstītājs" in page and r.json["approval"]["digest"] in page
    assert not re.search(r"""(src|href)=["']https?://""", page)  # no external assets
    # the auditor: export the whole history over HTTP and verify it offline (a whole contest verifies)
    from contest.verify import verify_file
    from projections.views import Views

    auditor = token(role="auditor", name="Revidents")
    export = client.get("/api/audit/export", headers=bearer(auditor)).get_data(as_text=True)
    report = verify_file(iter(export.splitlines(keepends=True)), Views())
    assert report.ok, report.text()
    assert report.results["winner (2024)"] == winner["municipality"]
    assert report.results["approved digest"] == r.json["approval"]["digest"]
    assert "round 3: the winner and the theme-prize winner" in report.matches
    assert "the council's approval (D14): digest through position " + str(
        r.json["approval"]["digest_through"]) in report.matches
