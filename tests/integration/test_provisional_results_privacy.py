"""D18: while round 1 is open, scores, places and medians are the secretariat's; a municipality sees its own
answers (no place, median or points, by any route: the results, their CSV, the explanations, as of a past
position, the pages). Everything is public once round 1 closes."""

from __future__ import annotations

import csv
import io

import pytest
from flask.testing import FlaskClient

from contest.clock import FrozenClock
from contest.seeding import generate_answers
from contest.service import ContestService
from domain.actors import Actor
from tests.support.helpers import ROUND1_CLOSES, ROUND1_OPENS, SEC, bearer

API = "/api/contests/2024"
SCORED = {"place", "median", "points", "weighted_points", "counted", "excluded_by_group"}


@pytest.fixture
def open_round1(service: ContestService, clock: FrozenClock) -> dict[str, dict]:
    """Round 1 open, every municipality's seeded answers saved."""
    clock.set(ROUND1_OPENS)
    service.open_round1(2024, actor=SEC)
    contest = service.contest(2024)
    answers = generate_answers(contest.questionnaire, [m.code for m in contest.municipalities], seed=2024)
    for code, given in answers.items():
        if given:
            service.round1.save_answers(2024, code, given, actor=Actor("municipality", code, municipality=code))
    return answers


def test_d18_a_municipality_reads_no_place_median_or_points_while_round1_is_open(
        client: FlaskClient, service: ContestService, tokens: dict[str, str], open_round1: dict) -> None:
    own = bearer(tokens["municipality"])  # LV-RIX
    position = service.event_count()
    for path in ("round1/results", "round1/results.csv", "round1/results.xlsx", f"round1/results?as_of={position}",
                 "round1/results/LV-JUR", "round1/results/LV-JUR.csv", f"round1/results/LV-JUR?as_of={position}"):
        r = client.get(f"{API}/{path}", headers=own)
        assert r.status_code == 403, (path, r.status_code)
        assert "D18" in r.json["message"]
    for path in ("round1/results/LV-RIX", f"round1/results/LV-RIX?as_of={position}"):
        r = client.get(f"{API}/{path}", headers=own)
        assert r.status_code == 200, r.json
        body = r.json["explanation"]
        assert r.json["final"] is False
        assert not {"place", "overall", "indices", "sections", "raw_points", "advances"} & set(body)
        assert "D18" in body["withheld"]
        given = {q["question_id"]: q["value"] for q in body["questions"] if q["provided"]}
        assert given and all(open_round1["LV-RIX"][k] == v for k, v in given.items())  # its own answers
        assert all(not SCORED & set(q) for q in body["questions"])
    table = client.get(f"{API}/round1/results/LV-RIX.csv?lang=en", headers=own).data.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(table), delimiter=";"))  # for Latvian Excel (README, "Downloads")
    assert rows and all(row["Place"] == row["Median"] == row["Points"] == row["Counted"] == "" for row in rows)


@pytest.mark.parametrize("role", ["juror", "auditor", "council"])
def test_d18_the_jury_auditors_and_the_council_read_no_provisional_results(
        client: FlaskClient, tokens: dict[str, str], open_round1: dict, role: str) -> None:
    for path in ("round1/results", "round1/results.csv", "round1/results.xlsx", "round1/results/LV-RIX"):
        assert client.get(f"{API}/{path}", headers=bearer(tokens[role])).status_code == 403, path


def test_d18_the_secretariat_reads_the_provisional_results(client: FlaskClient, tokens: dict[str, str],
                                                            open_round1: dict) -> None:
    sec = bearer(tokens["secretariat"])
    results = client.get(f"{API}/round1/results", headers=sec).json
    assert results["final"] is False and results["ranking"][0]["place"] == 1
    q = client.get(f"{API}/round1/results/LV-RIX", headers=sec).json["explanation"]["questions"][0]
    assert {"place", "median", "points"} <= set(q)


def test_d18_the_public_pages_show_no_provisional_place(client: FlaskClient, open_round1: dict) -> None:
    assert "Vieta" not in client.get("/rezultati/LV-RIX").get_data(as_text=True)
    assert client.get(f"{API}/round1/results").status_code == 409  # published when round 1 closes (§4.5)


@pytest.mark.parametrize("role", ["municipality", "juror", "auditor", None])
def test_d18_everything_is_public_once_round1_closes(
        client: FlaskClient, service: ContestService, clock: FrozenClock, tokens: dict[str, str],
        open_round1: dict, role: str | None) -> None:
    clock.set(ROUND1_CLOSES)
    service.round1.close(2024, actor=SEC)
    headers = bearer(tokens[role]) if role else {}
    results = client.get(f"{API}/round1/results", headers=headers).json
    assert results["final"] is True and results["ranking"][0]["place"] == 1
    for code in ("LV-RIX", "LV-JUR"):
        q = client.get(f"{API}/round1/results/{code}", headers=headers).json["explanation"]["questions"][0]
        assert {"place", "median", "points"} <= set(q)
