"""The residents' vote (§4.6.6, D10): one vote per resident, the code checked and never stored, the window."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from flask.testing import FlaskClient

from contest.clock import FrozenClock
from contest.residents import fake_personal_codes
from contest.service import ContestService
from tests.conftest import bearer

OPENS = datetime(2024, 7, 31, 21, 0, tzinfo=timezone.utc)  # 1 Aug 2024 00:00 Europe/Riga
CLOSES = datetime(2024, 9, 15, 20, 59, 59, tzinfo=timezone.utc)  # 15 Sep 2024 23:59:59 Europe/Riga
INSIDE = datetime(2024, 8, 20, 12, 0, tzinfo=timezone.utc)

# 150385-11504: 1·1+6·5+3·0+7·3+9·8+10·5+5·1+8·1+4·5+2·0 = 1+30+0+21+72+50+5+8+20+0 = 207;
# (1101 − 207) mod 11 = 894 mod 11 = 3 (81·11 = 891); 3 mod 10 = 3 → check digit 3: 150385-11503.
OLD_CODE = "150385-11503"
NEW_CODE = "32579461005"


def vote(client: FlaskClient, code: str, municipality: str = "LV-RIX", rating: int = 5, **extra: object):
    return client.post("/api/contests/2024/votes",
                       json={"personal_code": code, "municipality": municipality, "rating": rating, **extra})


@pytest.fixture
def voting(clock: FrozenClock) -> FrozenClock:
    clock.set(INSIDE)
    return clock


def test_a_vote_is_recorded_with_a_receipt_and_only_a_keyed_hash(client: FlaskClient, service: ContestService,
                                                                  voting: FrozenClock) -> None:
    r = vote(client, OLD_CODE, comment="Labi bērnudārzi")
    assert r.status_code == 201, r.json
    assert r.json["municipality"] == "LV-RIX" and r.json["rating"] == 5
    assert len(r.json["receipt"]) == 14
    assert vote(client, NEW_CODE, "LV-011", 4).status_code == 201
    digits = [OLD_CODE, OLD_CODE.replace("-", ""), NEW_CODE]
    for n in service.store.notifications():
        for code in digits:
            assert code.encode() not in n.state
    assert OLD_CODE not in r.get_data(as_text=True)


def test_a_second_vote_by_the_same_resident_is_409_and_the_first_stands(
        client: FlaskClient, service: ContestService, voting: FrozenClock) -> None:
    assert vote(client, OLD_CODE, "LV-RIX", 5).status_code == 201
    before = service.event_count()
    for again in (OLD_CODE, OLD_CODE.replace("-", ""), f"  {OLD_CODE} "):
        r = vote(client, again, "LV-JUR", 1)
        assert r.status_code == 409, r.json
        assert r.json["rule"] == "§4.6.6, D10"
    assert service.event_count() == before
    results = client.get("/api/contests/2024/votes/results",
                         headers=bearer(service.issue_token("secretariat", actor=_sys())[0])).json
    assert results["total"] == 1
    assert results["municipalities"][0]["municipality"] == "LV-RIX"
    assert results["municipalities"][0]["average"] == 5


def _sys():
    from domain.actors import system_actor
    return system_actor("test")


@pytest.mark.parametrize(("code", "check"), [
    ("150385-1150", "format"),
    ("15038511503x", "format"),
    ("ABCDEF-GHIJK", "format"),
    ("421234-56789", "new_form"),   # neither a day of the month nor 32-39
    ("320385", "format"),
    ("310485-11503", "date"),      # 31 April does not exist
    ("290201-20002", "date"),      # 29 Feb 2001: not a leap year
    ("150385-31500", "century"),   # century digit 3 is none of 0/1/2
    ("150385-11504", "check_digit"),
])
def test_each_failed_check_is_named(client: FlaskClient, service: ContestService, voting: FrozenClock,
                                    code: str, check: str) -> None:
    before = service.event_count()
    r = vote(client, code)
    assert r.status_code == 422, r.json
    assert r.json["details"]["check"] == check
    assert r.json["details"]["message_lv"]
    assert "personal_code" in r.json["errors"]
    assert code not in r.get_data(as_text=True)
    assert service.event_count() == before


@pytest.mark.parametrize(("body", "field"), [
    ({"rating": 0}, "rating"), ({"rating": 6}, "rating"), ({"rating": "5"}, "rating"), ({"rating": True}, "rating"),
    ({"municipality": "LV-ZZZ"}, "municipality"), ({"comment": "x" * 1001}, "comment"),
    ({"extra": 1}, "extra"),
])
def test_malformed_votes_are_422(client: FlaskClient, service: ContestService, voting: FrozenClock,
                                 body: dict, field: str) -> None:
    before = service.event_count()
    payload = {"personal_code": OLD_CODE, "municipality": "LV-RIX", "rating": 4, **body}
    r = client.post("/api/contests/2024/votes", json=payload)
    assert r.status_code == 422, r.json
    assert field in r.json["errors"]
    assert service.event_count() == before


def test_a_personal_code_in_a_comment_is_redacted(client: FlaskClient, service: ContestService,
                                                  voting: FrozenClock) -> None:
    r = vote(client, OLD_CODE, comment=f"Mans kods ir {NEW_CODE}, paldies")
    assert r.status_code == 201
    sec = service.issue_token("secretariat", actor=_sys())[0]
    comments = client.get("/api/contests/2024/comments", headers=bearer(sec)).json
    assert comments[0]["comment"] == "Mans kods ir [redacted], paldies"
    assert client.get("/api/contests/2024/comments").status_code == 401  # never public (§4.6.3)


@pytest.mark.parametrize(("at", "accepted"), [
    (OPENS - timedelta(seconds=1), False),
    (OPENS, True),
    (OPENS + timedelta(seconds=1), True),
    (CLOSES - timedelta(seconds=1), True),
    (CLOSES, True),
    (CLOSES + timedelta(seconds=1), False),
])
def test_window_edges_even_when_the_clock_process_is_late(client: FlaskClient, clock: FrozenClock,
                                                          at: datetime, accepted: bool) -> None:
    """The vote command itself checks the UTC instants (§4.6.6): no reconcile has run in this test."""
    clock.set(at)
    r = vote(client, OLD_CODE)
    if accepted:
        assert r.status_code == 201, r.json
    else:
        assert r.status_code == 409, r.json
        assert r.json["rule"] == "§4.6.6"
        assert r.json["details"]["opens_at"] == "2024-07-31T21:00:00Z"
        assert r.json["details"]["closes_at"] == "2024-09-15T20:59:59Z"


def test_tallies_are_the_secretariats_until_the_window_closes(client: FlaskClient, service: ContestService,
                                                               clock: FrozenClock) -> None:
    clock.set(INSIDE)
    codes = fake_personal_codes(12, seed=7)
    for i, code in enumerate(codes):
        assert vote(client, code, ["LV-RIX", "LV-011", "LV-050"][i % 3], 1 + i % 5).status_code == 201
    assert client.get("/api/contests/2024/votes/results").status_code == 409  # D10: not public yet
    sec = bearer(service.issue_token("secretariat", actor=_sys())[0])
    live = client.get("/api/contests/2024/votes/results", headers=sec).json
    assert live["total"] == 12 and live["final"] is False
    # an interim publication (D10) makes them public while the vote goes on
    assert client.post("/api/contests/2024/window/open", json={"reason": "on time"}, headers=sec).status_code == 200
    assert client.post("/api/contests/2024/window/interim", json={"reason": "mid-August top"},
                       headers=sec).status_code == 200
    assert client.get("/api/contests/2024/votes/results").status_code == 200
    clock.set(CLOSES + timedelta(minutes=1))
    service.round2.reconcile(2024, actor=_sys())
    public = client.get("/api/contests/2024/votes/results").json
    assert public["final"] is True and public["total"] == 12
    riga = next(m for m in public["municipalities"] if m["municipality"] == "LV-RIX")
    # votes 0, 3, 6, 9 went to Rīga with ratings 1, 4, 2, 5: count 4, average 12/4 = 3
    assert riga["count"] == 4 and riga["average"] == 3 and riga["distribution"] == {
        "1": 1, "2": 1, "3": 0, "4": 1, "5": 1}


def test_the_service_refuses_to_start_without_vote_secrets(tmp_path) -> None:
    """D10: outside tests the keyed hash needs a secret from the environment; the WSGI entry point refuses."""
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith("CONTEST_")}
    env["CONTEST_STORE"] = f"sqlite:///{tmp_path}/e.sqlite3"
    out = subprocess.run([sys.executable, "-c", "import api.wsgi"], env=env, cwd=tmp_path, capture_output=True,
                         text=True)
    assert out.returncode != 0
    assert "CONTEST_VOTER_SECRET" in out.stderr
    env.update(CONTEST_VOTER_SECRET="x" * 20, CONTEST_RECEIPT_SECRET="x" * 20)
    out = subprocess.run([sys.executable, "-c", "import api.wsgi"], env=env, cwd=tmp_path, capture_output=True,
                         text=True)
    assert out.returncode != 0 and "must differ" in out.stderr


def test_vote_limited_to_the_round2_ten_when_configured(client: FlaskClient, service: ContestService,
                                                        clock: FrozenClock) -> None:
    """D10: every participant by default; configurable to the round-2 ten (then votes wait for round 2)."""
    from tests.support.helpers import SEC, play_round1

    service.configure(2024, "rules", {"vote_eligible": "round2"}, reason="council decision", actor=SEC)
    round2 = play_round1(service, clock)
    outsider = next(m.code for m in service.contest(2024).municipalities if m.code not in round2)
    clock.set(INSIDE)
    r = vote(client, OLD_CODE, outsider)
    assert r.status_code == 409 and r.json["rule"] == "D10"
    assert vote(client, OLD_CODE, round2[0]).status_code == 201
