"""Quarantine instead of deletion (§4.6.6, §4.6.7, D10, D11, D14): votes carry only a keyed hash
of their client network; bursts from one network are reported as clusters; the secretariat quarantines and
reinstates votes by recorded events; results show the tally with and without them, the finalists come from the
tally without them, and an auditor recomputes the same from the export. Nothing is deleted, no address is kept."""

from __future__ import annotations

import io
import json
import logging
import re
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from eventsourcing.utils import get_topic
from flask.testing import FlaskClient

from contest.audit import export_lines
from contest.clock import FrozenClock
from contest.network import network_key, network_of
from contest.presets import load_preset
from contest.residents import fake_personal_codes
from contest.service import ContestService
from contest.verify import read_board, verify_file
from domain.actors import system_actor
from domain.contest import SEALED, Contest
from domain.errors import RuleViolation
from domain.vote import Vote
from projections.views import Views
from tests.conftest import SECRETS, bearer
from tests.support.helpers import SEC, VOTE_DAY, VOTING, all_ballots, close_vote, play_round1
from tests.support.verifiers import rechain
from tests.support.votes import BURST, cast, cast_http


def stored_topics(service: ContestService) -> list[str]:
    return [n.topic.rsplit(".", 1)[-1] for n in service.store.notifications()]


# ----- the network key -----

def test_the_network_key_is_stable_per_network_and_never_the_address() -> None:
    key = network_key(SECRETS.voter, "198.51.100.7")
    assert key is not None and re.fullmatch(r"[0-9a-f]{16}", key)
    assert network_key(SECRETS.voter, "198.51.100.250") == key  # the same /24
    assert network_key(SECRETS.voter, "::ffff:198.51.100.9") == key  # an IPv4 client seen through IPv6
    assert network_key(SECRETS.voter, "198.51.101.7") != key  # the next /24
    assert network_key(SECRETS.voter, "203.0.113.7") != key
    v6 = network_key(SECRETS.voter, "2001:db8:1:2::5")
    assert v6 == network_key(SECRETS.voter, "2001:db8:1:ffff::1")  # the same /48
    assert v6 != network_key(SECRETS.voter, "2001:db8:2::5") and v6 != key
    assert network_key(b"another-voter-secret-123456", "198.51.100.7") != key  # keyed: the secret decides
    assert network_of("198.51.100.7") == "198.51.100.0/24" and network_of("2001:db8:1:2::5") == "2001:db8:1::/48"
    for bad in (None, "", "not an address", "999.1.1.1"):
        assert network_key(SECRETS.voter, bad) is None
    for text in ("198", "51", "100", "198.51.100", "c633", "2001", "db8"):
        assert text not in key  # neither the address nor its network in any readable form


# ----- the clusters report -----

def test_a_burst_from_one_network_is_reported_as_a_cluster(client: FlaskClient, service: ContestService,
                                                           clock: FrozenClock, tokens: dict[str, str]) -> None:
    clock.set(VOTE_DAY)
    for i in range(6):  # six residents behind one /24 within half a minute, all for Rīga, all 5
        clock.set(VOTE_DAY + timedelta(seconds=5 * i))
        cast_http(client, f"{BURST}{10 + i}", "LV-RIX", 5)
    clock.set(VOTE_DAY + timedelta(minutes=3))
    cast_http(client, "203.0.113.5", "LV-VEN", 4)  # other networks
    cast_http(client, "2001:db8:7::1", "LV-VEN", 3)
    clock.set(VOTE_DAY + timedelta(hours=2))
    for i in range(3):  # the same network two hours later: a separate, smaller burst
        clock.set(VOTE_DAY + timedelta(hours=2, seconds=10 * i))
        cast_http(client, f"{BURST}{40 + i}", "LV-VEN", 2)
    ids = {str(n.originator_id): json.loads(n.state)
           for n in service.store.notifications(topics=[get_topic(Vote.Cast)])}
    assert len(ids) == 11

    sec, auditor = bearer(tokens["secretariat"]), bearer(tokens["auditor"])
    r = client.get("/api/contests/2024/votes/clusters?window=600&min_votes=5", headers=auditor)
    assert r.status_code == 200, r.json
    [cluster] = r.json["clusters"]
    assert cluster["network"] == network_key(SECRETS.voter, f"{BURST}1")
    assert cluster["count"] == 6 and cluster["municipalities"] == {"LV-RIX": 6} and cluster["ratings"] == {"5": 6}
    assert cluster["quarantined"] == 0
    assert sorted(cluster["votes"]) == sorted(v for v, e in ids.items() if e["municipality"] == "LV-RIX")
    assert cluster["first_at"].startswith("2024-08-20T12:00:00") and cluster["last_at"].startswith(
        "2024-08-20T12:00:25")
    both = client.get("/api/contests/2024/votes/clusters?window=600&min_votes=3", headers=sec).json["clusters"]
    assert [c["count"] for c in both] == [6, 3] and {c["network"] for c in both} == {cluster["network"]}
    assert client.get("/api/contests/2024/votes/clusters", headers=sec).json["clusters"] == []  # defaults: 20/600 s
    wide = client.get("/api/contests/2024/votes/clusters?window=86400&min_votes=5", headers=sec).json["clusters"]
    assert [c["count"] for c in wide] == [9]  # one day's window merges the two bursts
    assert client.get("/api/contests/2024/votes/clusters?min_votes=1", headers=sec).status_code == 422
    assert client.get("/api/contests/2024/votes/clusters", headers=bearer(tokens["juror"])).status_code == 403
    assert client.get("/api/contests/2024/votes/clusters").status_code == 401


# ----- quarantine and reinstatement -----

def test_quarantine_and_reinstate_are_events_and_results_show_both_tallies(
        client: FlaskClient, service: ContestService, clock: FrozenClock, tokens: dict[str, str]) -> None:
    clock.set(VOTE_DAY)
    burst = [cast(service, clock, f"{BURST}{i}", "LV-RIX", 5) for i in range(5)]
    others = [cast(service, clock, "203.0.113.9", "LV-RIX", 2), cast(service, clock, "2001:db8::1", "LV-VEN", 4),
              cast(service, clock, None, "LV-VEN", 3)]  # a vote with no address: no network key
    sec = bearer(tokens["secretariat"])
    key = network_key(SECRETS.voter, f"{BURST}1")
    casts = stored_topics(service).count("Cast")

    r = client.post("/api/contests/2024/votes/quarantine", headers=sec,
                    json={"cluster": key, "reason": "Five votes in 25 seconds from one network, all for Rīga"})
    assert r.status_code == 200, r.json
    assert r.json["recorded"] and sorted(r.json["changed"]) == sorted(burst) and r.json["quarantined"] == 5
    [event] = [json.loads(n.state) for n in service.store.notifications()
               if n.topic.endswith("VotesQuarantined")]
    assert sorted(event["votes"]) == sorted(burst) and event["actor"]["role"] == "secretariat"
    assert event["reason"].startswith("Five votes") and event["selection"]["cluster"] == key

    results = client.get("/api/contests/2024/votes/results", headers=sec).json
    assert (results["total"], results["quarantined"], results["total_all"]) == (3, 5, 8)
    rows = {row["municipality"]: row for row in results["municipalities"]}
    rix = rows["LV-RIX"]  # counted: the one 2; all: five 5s and the 2 (§4.6.7 reads the counted one)
    assert (rix["count"], rix["average"], rix["quarantined"]) == (1, 2.0, 5)
    assert (rix["all"]["count"], rix["all"]["average"]) == (6, 27 / 6) and rix["all"]["distribution"]["5"] == 5
    assert rix["distribution"]["5"] == 0
    assert (rows["LV-VEN"]["count"], rows["LV-VEN"]["quarantined"]) == (2, 0)
    assert [row["municipality"] for row in results["municipalities"]] == ["LV-VEN", "LV-RIX"]
    cluster = client.get("/api/contests/2024/votes/clusters?min_votes=5", headers=sec).json["clusters"][0]
    assert cluster["quarantined"] == 5

    again = client.post("/api/contests/2024/votes/quarantine", headers=sec,
                        json={"votes": burst[:2], "reason": "again"})
    assert again.status_code == 200 and not again.json["recorded"] and again.json["unchanged"] == sorted(burst[:2])
    assert stored_topics(service).count("VotesQuarantined") == 1  # idempotent: nothing recorded

    back = client.post("/api/contests/2024/votes/reinstate", headers=sec,
                       json={"votes": [*burst[:2], others[0]], "reason": "Two residents of one dormitory confirmed"})
    assert back.status_code == 200, back.json
    assert sorted(back.json["changed"]) == sorted(burst[:2]) and back.json["unchanged"] == [others[0]]
    assert back.json["quarantined"] == 3 and stored_topics(service).count("VotesReinstated") == 1
    rix = {row["municipality"]: row for row in service.round2.vote_results(2024)["municipalities"]}["LV-RIX"]
    assert (rix["count"], rix["quarantined"], rix["all"]["count"]) == (3, 3, 6)
    assert stored_topics(service).count("Cast") == casts  # nothing deleted

    # after the window: the public sees the counted tally and how many are in quarantine; the board keeps them all
    close_vote(service, clock)
    board = client.get("/api/contests/2024/votes/board").json
    assert board["total"] == 8 and sum(v["quarantined"] for v in board["votes"]) == 3
    held = next(v for v in board["votes"] if v["quarantined"])
    assert client.get(f"/api/contests/2024/votes/board/{held['receipt']}").json["quarantined"] is True
    page = re.sub(r"\s+", " ", client.get("/rezultati/balsojums?lang=lv").get_data(as_text=True))
    assert "Kopā balsis: 5." in page and "Vēl 3 balsis ir karantīnā" in page and ">Karantīnā<" in page
    mine = re.sub(r"\s+", " ", client.get(f"/rezultati/balsojums?kvits={held['receipt']}").get_data(as_text=True))
    assert "atrodas karantīnā un netiek ieskaitīta" in mine
    english = re.sub(r"\s+", " ", client.get("/rezultati/balsojums?lang=en").get_data(as_text=True))
    assert "3 further votes are in quarantine" in english


def test_refusals_name_the_field_or_the_rule_and_write_nothing(
        client: FlaskClient, service: ContestService, clock: FrozenClock, tokens: dict[str, str]) -> None:
    clock.set(VOTE_DAY)
    votes = [cast(service, clock, f"{BURST}{i}", "LV-RIX", 5) for i in range(3)]
    sec = bearer(tokens["secretariat"])
    before = service.event_count()
    url = "/api/contests/2024/votes/quarantine"
    cases: list[tuple[dict[str, Any], str]] = [
        ({"votes": votes}, "reason"),  # a reason is required
        ({"votes": votes, "reason": "   "}, "reason"),
        ({"votes": [*votes, str(uuid.uuid4())], "reason": "burst"}, "votes"),  # not a vote of this contest
        ({"votes": ["not-an-id"], "reason": "burst"}, "votes"),
        ({"votes": [], "reason": "burst"}, "votes"),
        ({"reason": "burst"}, "votes"),  # neither votes nor a cluster
        ({"votes": votes, "cluster": "0123456789abcdef", "reason": "burst"}, "votes"),  # both
        ({"cluster": "0123456789abcdef", "reason": "burst"}, "cluster"),  # no vote from that network
        ({"cluster": "198.51.100.0", "reason": "burst"}, "cluster"),  # an address is no network key
        ({"votes": votes, "from": "2024-08-20T12:00:00Z", "reason": "burst"}, "cluster"),
        ({"cluster": network_key(SECRETS.voter, f"{BURST}1"), "from": "2024-08-21T00:00:00Z",
          "to": "2024-08-20T00:00:00Z", "reason": "burst"}, "to"),
    ]
    for body, field in cases:
        for command in ("quarantine", "reinstate"):
            r = client.post(url.replace("quarantine", command), json=body, headers=sec)
            assert r.status_code == 422, (command, body, r.json)
            assert any(k.split("[")[0] == field for k in r.json["errors"]), (command, body, r.json)
    assert client.post(url, json={"votes": votes, "reason": "x"}, headers=bearer(tokens["auditor"])).status_code \
        == 403
    assert service.event_count() == before and service.contest(2024).quarantined == frozenset()


def test_a_sealed_contest_refuses_quarantine_d14() -> None:
    at = datetime(2024, 8, 20, tzinfo=timezone.utc)
    contest = Contest.create(load_preset("2024"), actor=system_actor("test"), at=at)
    contest.stage = SEALED  # as after the council's approval (§7.4)
    pending = len(contest.collect_events())
    for command in (contest.quarantine_votes, contest.reinstate_votes):
        with pytest.raises(RuleViolation) as refused:
            command(["v"], known={"v"}, reason="burst", selection=None, actor=SEC, at=at)
        assert refused.value.clause == "§7.4, D14"
    assert pending == 1 and not contest.collect_events()  # nothing recorded


# ----- the finalists and the audit -----

def test_the_finalists_come_from_the_tally_without_quarantined_votes_and_verify_agrees(
        client: FlaskClient, service: ContestService, clock: FrozenClock, tokens: dict[str, str]) -> None:
    r = play_round1(service, clock)
    outsider = next(m.code for m in service.contest(2024).municipalities if m.code not in r)
    clock.set(VOTE_DAY)
    burst = [cast(service, clock, f"{BURST}{i}", outsider, 5) for i in range(4)]  # all 5s from one network
    cast(service, clock, "203.0.113.1", r[7], 4, seconds=3600)
    cast(service, clock, "2001:db8:9::1", r[7], 4)
    cast(service, clock, "192.0.2.1", r[0], 3)
    all_ballots(service, {s: r[:5] for s in VOTING})  # jury points: r0 > r1 > r2 > r3 > r4
    standings = service.round2.standings(2024)
    assert standings["outcome"]["finalists"][4]["municipality"] == outsider  # with the burst: average 5.0

    sec = bearer(tokens["secretariat"])
    assert client.post("/api/contests/2024/votes/quarantine", headers=sec, json={
        "cluster": network_key(SECRETS.voter, f"{BURST}9"), "from": "2024-08-20T11:00:00Z",
        "to": "2024-08-20T12:10:00Z", "reason": "Four votes in 20 seconds from one network"}).status_code == 200
    standings = service.round2.standings(2024)
    assert standings["outcome"]["finalists"][4]["municipality"] == r[7]  # the counted vote: r7 averages 4.0
    close_vote(service, clock)
    outcome = service.round2.close(2024, actor=SEC)
    assert [f.municipality for f in outcome.finalists] == [r[0], r[1], r[2], r[3], r[7]]  # §4.6.7 on the counted
    recorded = service.contest(2024).round2
    assert outsider not in recorded["tallies"] and recorded["tallies"][r[7]] == [2, 8]
    assert recorded["quarantined"] == 4

    # once the finalists are fixed, neither a quarantine nor a reinstatement (§4.6.7, D11); nothing written
    before = service.event_count()
    for command in ("quarantine", "reinstate"):
        refused = client.post(f"/api/contests/2024/votes/{command}", headers=sec,
                              json={"votes": burst, "reason": "too late"})
        assert refused.status_code == 409 and "§4.6.7" in refused.json["rule"] and "D11" in refused.json["rule"]
    assert service.event_count() == before

    # an auditor recomputes the same from the export, quarantine events included (RULES.md "Audit")
    lines = list(export_lines(service.store))
    assert sum('VotesQuarantined' in json.loads(line)["type"] for line in lines) == 1
    report = verify_file(iter(line + "\n" for line in lines), Views())
    assert report.ok, report.text()
    assert "round 2: the vote tally (3 votes counted, 4 in quarantine left out)" in report.text()
    assert report.results["finalists (2024)"] == ", ".join([r[0], r[1], r[2], r[3], r[7]])
    assert report.results["votes in quarantine (2024)"].startswith("4 ")

    # the public board keeps every vote and marks the four in quarantine: its unmarked rows are the counted vote
    csv = client.get("/api/contests/2024/votes/board.csv").get_data(as_text=True)
    board = read_board(io.StringIO(csv))
    assert len(board) == 7 and sum(row[3] for row in board) == 4
    assert {row[1] for row in board if row[3]} == {outsider}
    assert verify_file(iter(line + "\n" for line in lines), Views(), board).ok
    flipped = [(row[0], row[1], row[2], not row[3]) if row[1] == r[7] else row for row in board]
    assert not verify_file(iter(line + "\n" for line in lines), Views(), flipped).ok  # a hidden quarantine

    # a forger who drops one vote from the quarantine event (and recomputes every hash) is caught at round 2
    records = [json.loads(line) for line in lines]
    event = next(rec for rec in records if rec["type"].endswith("VotesQuarantined"))
    event["payload"]["votes"] = event["payload"]["votes"][1:]
    forged = verify_file(iter(line + "\n" for line in rechain(records)), Views())
    assert not forged.ok
    assert any("vote tally recorded" in m.check for m in forged.mismatches), forged.text()


# ----- no address anywhere -----

def test_the_address_is_neither_stored_nor_exported_nor_logged(
        service: ContestService, clock: FrozenClock, caplog: pytest.LogCaptureFixture,
        monkeypatch: pytest.MonkeyPatch) -> None:
    from api.app import create_app
    from tests.support.pages import vote as page_vote

    monkeypatch.setenv("CONTEST_VOTE_RATE_LIMIT", "3/minute")
    client = create_app(service, {"TESTING": True}).test_client()
    clock.set(VOTE_DAY)
    caplog.set_level(logging.DEBUG)
    address = "198.51.100.77"
    env = {"REMOTE_ADDR": address}
    codes = fake_personal_codes(4, seed=77)
    client.environ_base.update(env)
    assert page_vote(client, personal_code=codes[3]).status_code == 200  # type: ignore[attr-defined]
    for code in codes[:3]:  # the third one exceeds the rate limit the page shares, which is logged (api/ratelimit.py)
        client.post("/api/contests/2024/votes", json={"personal_code": code, "municipality": "LV-RIX", "rating": 4},
                    environ_base=env)
    assert any(rec.name == "contest.ratelimit" for rec in caplog.records)  # the breach was logged ...
    casts = [json.loads(n.state) for n in service.store.notifications(topics=[get_topic(Vote.Cast)])]
    key = network_key(SECRETS.voter, address)
    assert len(casts) == 3 and {c["network"] for c in casts} == {key}  # the JSON endpoint and the page form
    raw = b"".join(n.state for n in service.store.notifications())
    exported = "\n".join(export_lines(service.store))
    for text in (address, "198.51.100.0/24", "198.51.100"):
        assert text.encode() not in raw and text not in exported
        assert text not in caplog.text  # ... without the address
