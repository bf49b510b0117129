"""Round 2 (§4.6): ballots (§4.6.4, D8), quorum (D9), the finalists (§4.6.7, D10, D11) over HTTP."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from contest.clock import FrozenClock
from contest.service import ContestService
from domain.actors import system_actor
from tests.support.helpers import ballot_for, bearer, cast_votes, close_vote, play_round1

VOTING_SEATS = ["sif", "varam", "lm", "izm", "ugf", "vpd", "vk-pkc", "ldga", "fmt"]


@pytest.fixture
def round2(service: ContestService, clock: FrozenClock) -> list[str]:
    return play_round1(service, clock)


@pytest.fixture
def juror_tokens(service: ContestService) -> dict[str, str]:
    tokens = {seat: service.issue_token("juror", actor=system_actor("test"), seat=seat, year=2024)[0]
              for seat in [*VOTING_SEATS, "lps"]}
    tokens["secretariat"] = service.issue_token("secretariat", actor=system_actor("test"))[0]
    return tokens


def put_ballot(client: FlaskClient, token: str, seat: str, points: dict, justifications: dict, **extra: object):
    return client.put(f"/api/contests/2024/ballots/{seat}", headers=bearer(token),
                      json={"points": points, "justifications": justifications, **extra})


def test_a_valid_ballot_and_its_replacement_the_last_counts(client: FlaskClient, service: ContestService,
                                                            round2: list[str], juror_tokens: dict[str, str]) -> None:
    points, just = ballot_for(round2, round2[:5])
    r = put_ballot(client, juror_tokens["lm"], "lm", points, just)
    assert r.status_code == 200, r.json
    points2, just2 = ballot_for(round2, list(reversed(round2))[:5])
    r = put_ballot(client, juror_tokens["lm"], "lm", points2, just2, cast_by="LM aizvietotājs")
    assert r.status_code == 200 and r.json["casts"] == 2 and r.json["cast_by"] == "LM aizvietotājs"
    sec = service.issue_token("secretariat", actor=system_actor("t"))[0]
    standings = client.get("/api/contests/2024/standings", headers=bearer(sec)).json
    assert standings["ballots"]["lm"]["points"] == points2  # the last one counts (§4.6.4)
    assert standings["jury_points"][round2[-1]] == 5


@pytest.mark.parametrize(("mutate", "status", "rule"), [
    (lambda p, j, r: p.update({r[0]: 5, r[1]: 5}), 409, "D8"),                    # two 5s
    (lambda p, j, r: j.pop(r[9]), 409, "§4.6.4"),                                 # a 0 without justification
    (lambda p, j, r: j.update({r[9]: "   "}), 409, "§4.6.4"),                      # a blank justification
    (lambda p, j, r: p.pop(r[9]), 409, "§4.6.4"),                                 # a municipality left out
    (lambda p, j, r: p.update({"LV-ZZZ": 0}), 409, "§4.6.4"),                     # one not in round 2
    (lambda p, j, r: p.update({r[0]: 7}), 422, None),                             # not 0-5
    (lambda p, j, r: p.update({r[5]: 1}), 409, "§4.6.4"),                         # six with points
])
def test_each_ballot_rule(client: FlaskClient, service: ContestService, round2: list[str],
                          juror_tokens: dict[str, str], mutate, status: int, rule: str | None) -> None:
    points, just = ballot_for(round2, round2[:5])
    mutate(points, just, round2)
    before = service.event_count()
    r = put_ballot(client, juror_tokens["izm"], "izm", points, just)
    assert r.status_code == status, r.json
    if rule:
        assert r.json["rule"] == rule
    assert service.event_count() == before


def test_a_juror_cannot_cast_for_another_seat_nor_a_non_voting_seat(client: FlaskClient, service: ContestService,
                                                                    round2: list[str],
                                                                    juror_tokens: dict[str, str]) -> None:
    points, just = ballot_for(round2, round2[:5])
    sec = service.issue_token("secretariat", actor=system_actor("t"))[0]
    before = service.event_count()
    assert put_ballot(client, juror_tokens["lm"], "izm", points, just).status_code == 403
    r = put_ballot(client, juror_tokens["lps"], "lps", points, just)
    assert r.status_code == 409 and "D1" in r.json["rule"]
    r = put_ballot(client, juror_tokens["lm"], "lm", points, just, cast_by="Somebody Else")
    assert r.status_code == 422 and "cast_by" in r.json["errors"]
    assert put_ballot(client, sec, "lm", points, just).status_code == 403
    assert service.event_count() == before


def test_ballots_outside_round_2_are_409(client: FlaskClient, service: ContestService,
                                         juror_tokens: dict[str, str]) -> None:
    codes = [m.code for m in service.contest(2024).municipalities][:10]
    points, just = ballot_for(codes, codes[:5])
    r = put_ballot(client, juror_tokens["lm"], "lm", points, just)
    assert r.status_code == 409 and r.json["rule"] == "§4.6.4"


def _cast(client: FlaskClient, tokens: dict[str, str], round2: list[str], orders: dict[str, list[str]]) -> None:
    for seat, order in orders.items():
        points, just = ballot_for(round2, order)
        assert put_ballot(client, tokens[seat], seat, points, just).status_code == 200


def _close(client: FlaskClient, tokens: dict[str, str]):
    sec = tokens["secretariat"]
    return client.post("/api/contests/2024/round2/close", headers=bearer(sec)), sec


def test_quorum_and_the_open_vote_block_closing(client: FlaskClient, service: ContestService, clock: FrozenClock,
                                                round2: list[str], juror_tokens: dict[str, str]) -> None:
    r = round2
    _cast(client, juror_tokens, r, {s: r[:5] for s in VOTING_SEATS[:4]})
    resp, _ = _close(client, juror_tokens)
    assert resp.status_code == 409 and "§4.6.6" in resp.json["rule"]  # the vote is still to come
    close_vote(service, clock)
    before = service.event_count()
    resp, _ = _close(client, juror_tokens)
    assert resp.status_code == 409 and "D9" in resp.json["rule"]  # 4 ballots < quorum 5 (§3.2.3)
    assert service.event_count() == before
    _cast(client, juror_tokens, r, {"fmt": r[:5]})
    resp, _ = _close(client, juror_tokens)
    assert resp.status_code == 200, resp.json


def test_residents_choice_outside_the_jury_four(client: FlaskClient, service: ContestService, clock: FrozenClock,
                                                round2: list[str], juror_tokens: dict[str, str]) -> None:
    r = round2
    outsider = next(m.code for m in service.contest(2024).municipalities if m.code not in r)
    cast_votes(service, clock, {outsider: [5, 5, 5], r[0]: [4, 4], r[7]: [5, 4]})
    close_vote(service, clock)
    # every seat ranks r0 > r1 > r2 > r3 > r4: jury points 45, 36, 27, 18, 9
    _cast(client, juror_tokens, r, {s: r[:5] for s in VOTING_SEATS})
    resp, _ = _close(client, juror_tokens)
    assert resp.status_code == 200, resp.json
    finalists = resp.json["finalists"]
    assert [f["municipality"] for f in finalists] == [r[0], r[1], r[2], r[3], outsider]
    assert finalists[4]["via"] == "residents_vote"  # D10: from outside round 2, average 5.0
    assert client.get("/api/contests/2024").json["stage"] == "round3"
    assert [f["municipality"] for f in client.get("/api/contests/2024/finalists").json["finalists"]] == [
        r[0], r[1], r[2], r[3], outsider]


def test_residents_choice_inside_the_four_brings_the_jurys_fifth(
        client: FlaskClient, service: ContestService, clock: FrozenClock, round2: list[str],
        juror_tokens: dict[str, str]) -> None:
    r = round2
    cast_votes(service, clock, {r[1]: [5, 5], r[6]: [4, 5]})  # r1 averages 5.0, r6 4.5
    close_vote(service, clock)
    _cast(client, juror_tokens, r, {s: r[:5] for s in VOTING_SEATS})
    resp, _ = _close(client, juror_tokens)
    assert resp.status_code == 200, resp.json
    assert [f["municipality"] for f in resp.json["finalists"]] == [r[0], r[1], r[2], r[3], r[4]]
    assert resp.json["finalists"][4]["via"] == "jury_fifth"  # §4.6.7


def _tied_orders(r: list[str], chair_order: list[str]) -> dict[str, list[str]]:
    """Four seats rank r3 above r4 (a), four rank r4 above r3 (b): r3 = 4·2 + 4·1 = 12 = r4 = 4·1 + 4·2.
    The chair (sif) casts `chair_order` on top of these eight."""
    a, b = [r[0], r[1], r[2], r[3], r[4]], [r[0], r[1], r[2], r[4], r[3]]
    return {"varam": a, "lm": a, "izm": a, "fmt": a, "ugf": b, "vpd": b, "vk-pkc": b, "ldga": b,
            "sif": chair_order}


def test_a_jury_tie_at_the_fourth_place_broken_by_the_chair(
        client: FlaskClient, service: ContestService, clock: FrozenClock, round2: list[str],
        juror_tokens: dict[str, str]) -> None:
    r = round2
    outsider = next(m.code for m in service.contest(2024).municipalities if m.code not in r)
    cast_votes(service, clock, {outsider: [5]})
    close_vote(service, clock)
    # fmt stays home; the chair ranks like the "a" seats: a = varam, lm, izm, sif (4), b = ugf, vpd, vk-pkc, ldga (4)
    # r3 = 4·2 + 4·1 = 12, r4 = 4·1 + 4·2 = 12: tied for the 4th place; the chair gave r3 2 > r4 1 (D11, cf. §4.7.10)
    orders = _tied_orders(r, [r[0], r[1], r[2], r[3], r[4]])
    del orders["fmt"]
    _cast(client, juror_tokens, r, orders)
    resp, _ = _close(client, juror_tokens)
    assert resp.status_code == 200, resp.json
    assert [f["municipality"] for f in resp.json["finalists"]] == [r[0], r[1], r[2], r[3], outsider]
    jury = {row["municipality"]: row for row in resp.json["outcome"]["explanation"]["jury_table"]}
    assert jury[r[3]]["points"] == jury[r[4]]["points"] == 12
    assert (jury[r[3]]["chair_points"], jury[r[4]]["chair_points"]) == (2, 1)
    assert any(t["tiebreak"] and t["resolution"] == "tiebreak" for t in resp.json["outcome"]["explanation"]["ties"])


def test_an_unresolved_tie_blocks_until_the_jury_decides(
        client: FlaskClient, service: ContestService, clock: FrozenClock, round2: list[str],
        juror_tokens: dict[str, str]) -> None:
    r = round2
    outsider = next(m.code for m in service.contest(2024).municipalities if m.code not in r)
    cast_votes(service, clock, {outsider: [5]})
    close_vote(service, clock)
    # r3 = r4 = 12 from the eight seats; the chair ranks r0, r1, r2, r5, r6 and gives both 0: still tied (D11)
    _cast(client, juror_tokens, r, _tied_orders(r, [r[0], r[1], r[2], r[5], r[6]]))
    resp, sec = _close(client, juror_tokens)
    assert resp.status_code == 409 and resp.json["rule"] == "D11"
    open_ties = resp.json["details"]["open_ties"]
    assert sorted(open_ties[0]["tied"]) == sorted([r[3], r[4]])
    decision = {"kind": open_ties[0]["kind"], "tied": [r[3], r[4]], "chosen": [r[4]],
                "text": "Ilgtermiņa ieguldījumi infrastruktūrā", "votes_for": 4, "votes_total": 8}
    bad = client.post("/api/contests/2024/decisions", json=decision, headers=bearer(sec))
    assert bad.status_code == 409 and bad.json["rule"] == "§3.2.4"  # 4 of 8 is no majority
    decision["votes_for"] = 5
    assert client.post("/api/contests/2024/decisions", json=decision, headers=bearer(sec)).status_code == 201
    resp, _ = _close(client, juror_tokens)
    assert resp.status_code == 200, resp.json
    assert [f["municipality"] for f in resp.json["finalists"]] == [r[0], r[1], r[2], r[4], outsider]
