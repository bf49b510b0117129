"""The working-day calendar recorded with the contest (RULES.md §4.7.2, D17), on SQLite and PostgreSQL: recorded
when the contest is created, read and replaced through the API until round 3 starts, and the only calendar a
notice is decided by, in the service and in a replay on a machine whose `holidays` library says otherwise."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import holidays
import pytest
from flask.testing import FlaskClient

from contest.audit import export_lines
from contest.calendar import contest_calendar
from contest.clock import FrozenClock
from contest.service import ContestService
from contest.verify import verify_file
from domain.actors import system_actor
from projections.views import Views
from tests.support import ROOT
from tests.support.helpers import bearer
from tests.support.round3 import API, FIVE_AT_E, Steps, day, reach_round3, score_all

# A holidays package that disagrees with the maintained one: no Proclamation Day (18 November), and every weekday
# from 4 to 15 November 2024 a holiday, so that every notice of round 3 below would be too late by it.
STUB_HOLIDAYS = '''
from datetime import date

__version__ = "0.0+a-different-calendar"


class _DifferentLatvia(dict):
    def is_working_day(self, day):
        if date(2024, 11, 4) <= day <= date(2024, 11, 15):
            return False
        return day.weekday() < 5


def country_holidays(*args, **kwargs):
    return _DifferentLatvia()
'''


def without_proclamation_day() -> dict[str, Any]:
    calendar = contest_calendar(2024)
    calendar["days_off"] = {d: n for d, n in calendar["days_off"].items() if d != "2024-11-18"}
    calendar["source"] += ", corrected by the secretariat"
    return calendar


@pytest.fixture
def sec(tokens: dict[str, str]) -> dict[str, str]:
    return bearer(tokens["secretariat"])


@pytest.fixture
def jurors(service: ContestService) -> dict[str, str]:
    return {seat: service.issue_token("juror", actor=system_actor("test"), seat=seat, year=2024)[0]
            for seat in ["sif", "varam", "lm", "izm", "ugf", "vpd", "vk-pkc", "ldga", "fmt", "lps"]}


# ----- the calendar recorded at creation, and the endpoint -----

def test_d17_the_calendar_is_recorded_at_creation_and_public(client: FlaskClient, service: ContestService) -> None:
    r = client.get(f"{API}/calendar")  # no token: public
    assert r.status_code == 200
    recorded = r.json["calendar"]
    assert recorded == contest_calendar(2024)
    assert recorded["source"] == f"holidays {holidays.__version__}"
    assert (recorded["first_day"], recorded["last_day"]) == ("2024-01-01", "2025-12-31")
    assert recorded["working_days"][:2] == ["2024-12-14", "2024-12-28"]
    config = client.get(f"{API}/config").json["calendar"]
    assert config == {"country": "LV", "source": recorded["source"], "first_day": "2024-01-01",
                      "last_day": "2025-12-31", "days_off": len(recorded["days_off"]),
                      "working_days": len(recorded["working_days"])}


def test_d17_the_secretariat_replaces_the_calendar_with_a_reason(client: FlaskClient, service: ContestService,
                                                                 sec: dict[str, str]) -> None:
    body = {"calendar": without_proclamation_day(), "reason": "Proclamation Day moved by a (hypothetical) order"}
    r = client.put(f"{API}/calendar", json=body, headers=sec)
    assert r.status_code == 200, r.json
    assert "2024-11-18" not in r.json["calendar"]["days_off"]
    assert client.get(f"{API}/calendar").json["calendar"] == body["calendar"]
    last = json.loads(list(export_lines(service.store))[-1])
    assert last["type"].endswith("Contest.CalendarSet") and last["actor"]["role"] == "secretariat"
    assert last["payload"]["reason"] == body["reason"] and last["payload"]["calendar"] == body["calendar"]


@pytest.mark.parametrize(("change", "where"), [
    ({"reason": None}, "reason"),
    ({"reason": ""}, "reason"),
    ({"calendar": {**contest_calendar(2024), "first_day": "2024-13-01"}}, "calendar"),
    ({"calendar": {**contest_calendar(2024), "country": "EE"}}, "calendar"),
    ({"calendar": {**contest_calendar(2024), "days_off": {"2024-12-21": "sestdiena"}}},
     "calendar.days_off.2024-12-21"),
    ({"calendar": {**contest_calendar(2024), "working_days": ["2024-12-16"]}}, "calendar.working_days[0]"),
    ({"calendar": {**contest_calendar(2024), "first_day": "2026-01-01"}}, "calendar.last_day"),
])
def test_d17_a_malformed_calendar_or_no_reason_is_422_naming_the_field(
        client: FlaskClient, service: ContestService, sec: dict[str, str], change: dict[str, Any],
        where: str) -> None:
    body = {"calendar": contest_calendar(2024), "reason": "r", **change}
    body = {k: v for k, v in body.items() if v is not None}
    before = service.event_count()
    r = client.put(f"{API}/calendar", json=body, headers=sec)
    assert r.status_code == 422, r.json
    assert where in json.dumps(r.json["errors"]), r.json
    assert service.event_count() == before


def test_d17_only_the_secretariat_replaces_the_calendar(client: FlaskClient, tokens: dict[str, str]) -> None:
    body = {"calendar": contest_calendar(2024), "reason": "r"}
    assert client.put(f"{API}/calendar", json=body).status_code == 401
    for role in ("auditor", "council", "juror", "municipality"):
        assert client.put(f"{API}/calendar", json=body, headers=bearer(tokens[role])).status_code == 403


def test_d17_the_calendar_is_frozen_once_round_3_starts(client: FlaskClient, service: ContestService,
                                                        clock: FrozenClock, sec: dict[str, str]) -> None:
    reach_round3(service, clock)
    before = service.event_count()
    r = client.put(f"{API}/calendar", json={"calendar": without_proclamation_day(), "reason": "too late"},
                   headers=sec)
    assert r.status_code == 409 and r.json["rule"] == "§4.7.2, D17" and r.json["field"] == "calendar"
    assert service.event_count() == before
    assert client.get(f"{API}/calendar").json["calendar"] == contest_calendar(2024)


# ----- a notice is decided by the recorded calendar, not by the library -----

def test_d17_a_notice_is_decided_by_the_recorded_calendar(client: FlaskClient, service: ContestService,
                                                          clock: FrozenClock, tokens: dict[str, str],
                                                          sec: dict[str, str]) -> None:
    # Before round 3 the secretariat records a calendar without Proclamation Day (18 November 2024).
    r = client.put(f"{API}/calendar", json={"calendar": without_proclamation_day(), "reason": "corrected"},
                   headers=sec)
    assert r.status_code == 200
    finalists = reach_round3(service, clock)
    steps = Steps(client, clock, tokens["secretariat"], finalists)
    assert steps.brief().status_code == 201
    assert steps.plan(finalists[0], "2024-11-20").status_code == 201
    clock.set(day("2024-11-14"))
    # By the library 18 November is a holiday and a notice of 13 November leaves 4 working days (refused, as
    # tests/integration/test_round3.py shows); by the recorded calendar 19, 18, 15, 14, 13 are five: accepted.
    assert steps.get(f"/visits/{finalists[0]}").json["notice"]["latest_notice_date"] == "2024-11-13"
    r = steps.notice(finalists[0], "2024-11-14")
    assert r.status_code == 409 and r.json["details"]["latest_notice_date"] == "2024-11-13"
    r = steps.notice(finalists[0], "2024-11-13")
    assert r.status_code == 201, r.json
    assert r.json["notice"]["valid"] and r.json["notice"]["working_days_given"] == 5


def test_d17_a_visit_the_recorded_calendar_does_not_cover_is_refused(
        client: FlaskClient, service: ContestService, clock: FrozenClock, tokens: dict[str, str],
        sec: dict[str, str]) -> None:
    short = {**contest_calendar(2024), "last_day": "2024-12-31"}
    short["days_off"] = {d: n for d, n in short["days_off"].items() if d <= "2024-12-31"}
    short["working_days"] = [d for d in short["working_days"] if d <= "2024-12-31"]
    assert client.put(f"{API}/calendar", json={"calendar": short, "reason": "one year"}, headers=sec).status_code \
        == 200
    finalists = reach_round3(service, clock)
    steps = Steps(client, clock, tokens["secretariat"], finalists)
    assert steps.brief().status_code == 201
    r = steps.plan(finalists[0], "2025-01-08")
    assert r.status_code == 409 and r.json["rule"] == "§4.7.2, D17"
    assert "does not cover 2025-01-08" in r.json["message"]


# ----- a replay decides by the recorded calendar, whatever `holidays` says -----

def test_d17_verify_with_a_different_holidays_library_gives_the_same_result(
        client: FlaskClient, service: ContestService, clock: FrozenClock, tokens: dict[str, str],
        jurors: dict[str, str], tmp_path: Path) -> None:
    finalists = reach_round3(service, clock)
    steps = Steps(client, clock, tokens["secretariat"], finalists)
    steps.all_visits(FIVE_AT_E)  # notices of 4 November for visits of 20-28 November
    score_all(steps, jurors)
    steps.clock.set(day("2024-12-02"))
    r = steps.post("/round3/close")
    assert r.status_code == 200, r.json
    winners = (service.contest(2024).round3["winner"], service.contest(2024).round3["theme_winner"])
    export = tmp_path / "history.jsonl"
    export.write_text("".join(line + "\n" for line in export_lines(service.store)), encoding="utf-8")

    stub = tmp_path / "stub" / "holidays"
    stub.mkdir(parents=True)
    (stub / "__init__.py").write_text(STUB_HOLIDAYS, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(stub.parent), str(ROOT)]),
           "CONTEST_STORE": "postgresql://nobody@127.0.0.1:1/none"}
    # That machine's library really disagrees: the calendar it would produce lacks Proclamation Day, and by it
    # every notice of 4 November would be too late.
    probe = subprocess.run(
        [sys.executable, "-c", "import holidays; from contest.calendar import contest_calendar; "
                               "c = contest_calendar(2024); print(holidays.__version__, '2024-11-18' in c['days_off'],"
                               " '2024-11-05' in c['days_off'])"],
        env=env, capture_output=True, text=True, check=True, cwd=tmp_path)
    assert probe.stdout.split() == ["0.0+a-different-calendar", "False", "True"]

    out = subprocess.run([sys.executable, "-m", "contest.cli", "audit", "verify", str(export), "--json"], env=env,
                         capture_output=True, text=True, cwd=tmp_path)
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-2000:]
    report = json.loads(out.stdout)
    assert report["ok"] is True and report["mismatches"] == []
    assert "round 3: the winner and the theme-prize winner" in report["matches"]
    assert (report["results"]["winner (2024)"], report["results"]["theme prize (2024)"]) == winners
    with export.open(encoding="utf-8") as f:  # and in-process, with the real library, the same
        here = verify_file(f, Views())
    assert here.ok and here.results["winner (2024)"] == winners[0]


def test_d17_nothing_in_the_replay_or_the_projections_reads_holidays() -> None:
    code = ("import sys, contest.verify, contest.replay, contest.state, projections.views, domain.visit\n"
            "print('holidays' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT,
                         env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert out.stdout.strip() == "False"
