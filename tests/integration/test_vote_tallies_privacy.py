"""D10: the live tally is the secretariat's; the jury and auditors see the vote as the public does (the last
interim result, as counted then, or nothing) until the window closes, by every route: the vote's results and the
round-2 standings."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from contest.clock import FrozenClock
from contest.service import ContestService
from domain.actors import Actor
from tests.support.helpers import SEC, ballot_for, bearer, cast_votes, close_vote, play_round1

API = "/api/contests/2024"


@pytest.fixture
def voting(service: ContestService, clock: FrozenClock) -> list[str]:
    """Round 1 played, two ballots cast, three votes counted while the window is open."""
    r = play_round1(service, clock)
    for seat in ("lm", "sif"):
        points, just = ballot_for(r, r[:5])
        service.round2.cast_ballot(2024, seat, points, just, cast_by=None,
                                   actor=Actor("juror", seat, seat=seat))
    cast_votes(service, clock, {r[0]: [5, 5], r[1]: [2]})
    service.round2.reconcile(2024, actor=Actor("system", "clock"))  # the scheduler records the window's opening
    return r


def get(client: FlaskClient, path: str, token: str) -> tuple[int, dict]:
    r = client.get(f"{API}/{path}", headers=bearer(token))
    return r.status_code, r.json


@pytest.mark.parametrize("role", ["juror", "auditor"])
def test_d10_the_jury_and_auditors_do_not_read_the_live_tally(
        client: FlaskClient, tokens: dict[str, str], voting: list[str], role: str) -> None:
    status, body = get(client, "votes/results", tokens[role])
    assert status == 409 and body["rule"] == "D10"
    status, standings = get(client, "standings", tokens[role])
    assert status == 200
    assert standings["votes"] is None and standings["votes_view"] == "refused"
    assert standings["outcome"] is None  # the residents' finalist would tell who leads the vote
    assert standings["jury_points"][voting[0]] == 10  # the jury's own part stays
    assert "total" not in str(standings["votes"])


def test_d10_the_secretariat_reads_the_live_tally(client: FlaskClient, tokens: dict[str, str],
                                                  voting: list[str]) -> None:
    status, body = get(client, "votes/results", tokens["secretariat"])
    assert status == 200 and body["total"] == 3
    status, standings = get(client, "standings", tokens["secretariat"])
    assert standings["votes_view"] == "live" and standings["votes"]["total"] == 3
    assert standings["outcome"] is not None


@pytest.mark.parametrize("role", ["juror", "auditor"])
def test_d10_the_jury_sees_the_last_interim_result_as_counted_then(
        client: FlaskClient, service: ContestService, clock: FrozenClock, tokens: dict[str, str],
        voting: list[str], role: str) -> None:
    service.round2.publish_interim(2024, actor=SEC, reason="the first interim top")
    cast_votes(service, clock, {voting[1]: [5, 5, 5, 5]}, seed=2)  # after the snapshot: live only
    status, results = get(client, "votes/results", tokens[role])
    assert status == 200 and results["total"] == 3 and results["included_through"]
    status, standings = get(client, "standings", tokens[role])
    assert standings["votes_view"] == "interim"
    assert standings["votes"]["total"] == 3
    assert standings["votes"]["included_through"] == results["included_through"]
    assert standings["votes"]["municipalities"] == results["municipalities"]
    assert get(client, "votes/results", tokens["secretariat"])[1]["total"] == 7  # the live count stays theirs
    assert get(client, "standings", tokens["secretariat"])[1]["votes"]["total"] == 7


@pytest.mark.parametrize("role", ["juror", "auditor", "secretariat"])
def test_d10_everyone_reads_the_final_tally_once_the_window_closed(
        client: FlaskClient, service: ContestService, clock: FrozenClock, tokens: dict[str, str],
        voting: list[str], role: str) -> None:
    close_vote(service, clock)
    status, standings = get(client, "standings", tokens[role])
    assert status == 200 and standings["votes_view"] == "final" and standings["votes"]["total"] == 3
    assert standings["outcome"] is not None
    assert get(client, "votes/results", tokens[role])[1]["total"] == 3
