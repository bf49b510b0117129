"""The quarantine outside the API (§4.6.6, §4.6.7, D10, D11): the log of decisions at
GET /api/contests/<year>/votes/quarantine (secretariat and auditor), and the secretariat's desk, which shows the
suspicious vote clusters, quarantines and reinstates their votes with a recorded reason through the same round-2
commands as the API, lists the decisions, and says in Latvian why it refuses (no reason; round 2 closed)."""

from __future__ import annotations

import html
import json
import re
from datetime import timedelta
from typing import Any

import schemathesis
from eventsourcing.utils import get_topic
from flask.testing import FlaskClient

from contest.clock import FrozenClock
from contest.network import network_key
from contest.service import ContestService
from domain.contest import Contest
from tests.conftest import SECRETS, bearer
from tests.support.helpers import SEC, VOTE_DAY, VOTING, all_ballots, close_vote, play_round1
from tests.support.pages import login, text
from tests.support.votes import BURST, cast

QUARANTINE = "/api/contests/2024/votes/quarantine"
DECISION_TOPICS = [get_topic(Contest.VotesQuarantined), get_topic(Contest.VotesReinstated)]


def decision_events(service: ContestService) -> list[tuple[int, str, dict[str, Any]]]:
    """(position, kind, payload) of every VotesQuarantined / VotesReinstated event in the store."""
    return [(n.id, n.topic.rsplit(".", 1)[-1], json.loads(n.state))
            for n in service.store.notifications(topics=DECISION_TOPICS)]


def forms(page: str, action: str) -> list[dict[str, str]]:
    """The fields (name -> value) of every form on the page that posts to `action`."""
    found = []
    for body in re.findall(rf'<form method="post" action="{re.escape(action)}"[^>]*>(.*?)</form>', page, re.S):
        fields = {}
        for tag in re.findall(r"<input[^>]*>", body):
            name, value = re.search(r'name="([^"]+)"', tag), re.search(r'value="([^"]*)"', tag)
            if name:
                fields[name.group(1)] = html.unescape(value.group(1)) if value else ""
        found.append(fields)
    return found


def burst(service: ContestService, clock: FrozenClock, n: int = 20, municipality: str = "LV-RIX") -> list[str]:
    """`n` votes from one /24 five seconds apart: a cluster by the report's defaults (20 within 600 s)."""
    return [cast(service, clock, f"{BURST}{i + 1}", municipality, 5) for i in range(n)]


# ----- the API: the log of decisions (§4.6.6, D10) -----

def test_the_quarantine_log_lists_every_decision_in_order_for_the_secretariat_and_auditors(
        client: FlaskClient, service: ContestService, clock: FrozenClock, tokens: dict[str, str]) -> None:
    clock.set(VOTE_DAY)
    held = burst(service, clock, 5)
    other = cast(service, clock, "203.0.113.9", "LV-VEN", 4)
    sec, auditor = bearer(tokens["secretariat"]), bearer(tokens["auditor"])
    empty = client.get(QUARANTINE, headers=auditor)
    assert empty.status_code == 200, empty.json
    assert empty.json["decisions"] == [] and empty.json["quarantined"] == 0 and empty.json["reviewable"] is True

    key = network_key(SECRETS.voter, f"{BURST}1")
    clock.set(clock.now() + timedelta(minutes=1))
    assert client.post(QUARANTINE, headers=sec, json={
        "cluster": key, "from": "2024-08-20T12:00:00Z", "to": "2024-08-20T12:10:00Z",
        "reason": "Five votes in 25 seconds from one network"}).status_code == 200
    clock.set(clock.now() + timedelta(minutes=1))
    assert client.post(QUARANTINE, headers=sec, json={"votes": [other], "reason": "Reported by the municipality"}
                       ).status_code == 200
    clock.set(clock.now() + timedelta(minutes=1))
    assert client.post("/api/contests/2024/votes/reinstate", headers=sec, json={
        "votes": held[:2], "reason": "Two residents of one dormitory confirmed"}).status_code == 200
    assert client.post(QUARANTINE, headers=sec, json={"votes": [other], "reason": "again"}).json["recorded"] is False

    documented = schemathesis.openapi.from_dict(client.get("/openapi.json").json)
    operation = documented["/api/contests/{year}/votes/quarantine"]["GET"]
    for headers in (sec, auditor):
        r = client.get(QUARANTINE, headers=headers)
        assert r.status_code == 200, r.json
        operation.validate_response(r)  # the OpenAPI document describes a populated log too
        log = r.json
        assert log["year"] == 2024 and log["quarantined"] == 4  # 5 + 1 - 2: the current set's size
        assert [d["kind"] for d in log["decisions"]] == ["quarantine", "quarantine", "reinstate"]
        first, second, third = log["decisions"]
        assert (first["count"], sorted(first["votes"])) == (5, sorted(held))
        assert first["reason"] == "Five votes in 25 seconds from one network"
        assert first["selection"] == {"cluster": key, "from": "2024-08-20T12:00:00Z", "to": "2024-08-20T12:10:00Z"}
        assert first["held_now"] == 3
        assert (second["count"], second["votes"], second["selection"]) == (1, [other], None)
        assert second["reason"] == "Reported by the municipality" and second["held_now"] == 1
        assert (third["count"], sorted(third["votes"])) == (2, sorted(held[:2]))
        assert third["reason"] == "Two residents of one dormitory confirmed" and third["held_now"] == 0
        assert all(d["actor"]["role"] == "secretariat" for d in log["decisions"])
        assert first["at"] < second["at"] < third["at"] and first["at"].startswith("2024-08-20T12:01:30")

    # the log is the store's events, folded in their global order by the read model (not a second truth)
    stored = decision_events(service)
    assert [(d["position"], d["kind"]) for d in log["decisions"]] == [
        (p, "quarantine" if kind == "VotesQuarantined" else "reinstate") for p, kind, _ in stored]
    assert [d["reason"] for d in log["decisions"]] == [e["reason"] for _, _, e in stored]
    assert [d.kind for d in service.views.votes.quarantine_log(2024)] == ["quarantine", "quarantine", "reinstate"]

    # secretariat and auditors only (README "Roles")
    assert client.get(QUARANTINE).status_code == 401
    for role in ("juror", "municipality", "council"):
        assert client.get(QUARANTINE, headers=bearer(tokens[role])).status_code == 403, role
    assert client.get("/api/contests/2031/votes/quarantine", headers=sec).status_code == 404


def test_the_listing_says_when_votes_can_no_longer_be_reviewed_d11(
        client: FlaskClient, service: ContestService, clock: FrozenClock, tokens: dict[str, str]) -> None:
    r = play_round1(service, clock)
    clock.set(VOTE_DAY)
    held = burst(service, clock, 3, r[0])
    service.round2.quarantine_votes(2024, reason="burst", actor=SEC, votes=held)
    all_ballots(service, {s: r[:5] for s in VOTING})
    close_vote(service, clock)
    service.round2.close(2024, actor=SEC)
    log = client.get(QUARANTINE, headers=bearer(tokens["auditor"])).json
    assert log["reviewable"] is False and log["quarantined"] == 3 and len(log["decisions"]) == 1  # §4.6.7, D11


# ----- the desk: clusters, quarantine, reinstatement, decisions -----

def test_the_desk_shows_a_burst_as_a_cluster_and_quarantines_and_reinstates_it_with_a_reason(
        client: FlaskClient, service: ContestService, clock: FrozenClock, tokens: dict[str, str]) -> None:
    clock.set(VOTE_DAY)
    held = burst(service, clock)  # 20 votes, 12:00:05 to 12:01:40 UTC: 15:00:05 to 15:01:40 in Riga (EEST)
    cast(service, clock, "203.0.113.9", "LV-VEN", 4, seconds=3600)
    login(client, tokens["secretariat"])
    key = network_key(SECRETS.voter, f"{BURST}1")
    assert key is not None

    page = client.get("/sekretariats").get_data(as_text=True)
    flat = re.sub(r"\s+", " ", page)
    assert "Aizdomīgas balsu grupas" in flat and "Balsis karantīnā pašlaik: 0." in flat
    [row] = re.findall(r'<tr class="cluster">(.*?)</tr>', page, re.S)
    row = re.sub(r"\s+", " ", row)
    assert f'title="{key}">{key[:8]}…</code>' in row  # the network key, shortened
    assert '<td class="cluster-count">20</td>' in row and '<td class="cluster-held">0</td>' in row
    assert "plkst. 15.00.05" in row and "plkst. 15.01.40" in row and "Rīga (20)" in row  # Europe/Riga
    assert forms(page, "/sekretariats/balsis/atjaunot") == []  # nothing in quarantine yet
    [form] = forms(page, "/sekretariats/balsis/karantina")
    assert form["network"] == key and form["csrf_token"] and "reason" in form
    assert 'name="reason" type="text" required' in row
    assert "Lēmumu vēl nav." in flat

    # no reason: refused in Latvian, nothing written (§4.6.6, D10: a quarantine is a decision with its reason)
    before = service.event_count()
    for reason in ("", "   "):
        r = client.post("/sekretariats/balsis/karantina", data={**form, "reason": reason})
        assert r.status_code == 303
        assert "Norādiet izmaiņu iemeslu" in text(client.get("/sekretariats"))
    assert service.event_count() == before and service.contest(2024).quarantined == frozenset()

    # with a reason: one VotesQuarantined event with the reason, the selection and the secretariat as actor
    r = client.post("/sekretariats/balsis/karantina", data={**form, "reason": "20 balsis 95 sekundēs no viena tīkla"})
    assert r.status_code == 303 and r.headers["Location"].endswith("#h-quarantine")
    page = client.get("/sekretariats").get_data(as_text=True)
    flat = re.sub(r"\s+", " ", page)
    assert "Karantīnā ievietotas balsis: 20" in flat and "Balsis karantīnā pašlaik: 20." in flat
    [(_, kind, event)] = decision_events(service)
    assert kind == "VotesQuarantined" and sorted(event["votes"]) == sorted(held)
    assert event["reason"] == "20 balsis 95 sekundēs no viena tīkla"
    assert event["actor"] == service.authenticate(tokens["secretariat"]).as_dict()  # type: ignore[union-attr]
    assert event["actor"]["role"] == "secretariat"
    assert event["selection"]["cluster"] == key and event["selection"]["from"].startswith("2024-08-20T12:00:05")
    assert service.round2.vote_results(2024)["total"] == 1  # the burst is kept, not counted (§4.6.7)
    assert '<td class="cluster-held">20</td>' in page and forms(page, "/sekretariats/balsis/karantina") == []
    [decision] = re.findall(r'<tr class="decision">(.*?)</tr>', page, re.S)
    decision = re.sub(r"\s+", " ", decision)
    assert "Ievietotas karantīnā" in decision and "20 balsis 95 sekundēs no viena tīkla" in decision
    assert "sekretariāts" in decision and key[:8] in decision

    # reinstate the cluster's votes: one VotesReinstated event with its reason
    [back] = forms(page, "/sekretariats/balsis/atjaunot")[:1]
    assert back["network"] == key
    assert client.post("/sekretariats/balsis/atjaunot", data={**back, "reason": ""}).status_code == 303
    assert len(decision_events(service)) == 1  # no reason, nothing written
    client.post("/sekretariats/balsis/atjaunot", data={**back, "reason": "Kopmītnes iedzīvotāji apstiprināja"})
    page = text(client.get("/sekretariats"))
    assert "Atjaunotas balsis: 20" in page and "Balsis karantīnā pašlaik: 0." in page
    kinds = [(k, e["reason"], e["actor"]["role"]) for _, k, e in decision_events(service)]
    assert kinds[-1] == ("VotesReinstated", "Kopmītnes iedzīvotāji apstiprināja", "secretariat")
    assert service.contest(2024).quarantined == frozenset() and service.round2.vote_results(2024)["total"] == 21

    # quarantine again, then reinstate by the decision's own form (its votes, whatever selected them)
    client.post("/sekretariats/balsis/karantina", data={**form, "reason": "Otrreiz: tas pats tīkls"})
    page = client.get("/sekretariats").get_data(as_text=True)
    by_decision = [f for f in forms(page, "/sekretariats/balsis/atjaunot") if "decision" in f]
    # each quarantine decision whose votes are (again) in quarantine, by its position in the store
    assert [f["decision"] for f in by_decision] == [str(p) for p, k, _ in decision_events(service)
                                                    if k == "VotesQuarantined"]
    client.post("/sekretariats/balsis/atjaunot", data={**by_decision[-1], "reason": "Pārbaudīts"})
    stored = decision_events(service)
    assert [k for _, k, _ in stored] == ["VotesQuarantined", "VotesReinstated", "VotesQuarantined",
                                         "VotesReinstated"]
    assert sorted(stored[-1][2]["votes"]) == sorted(held) and stored[-1][2]["reason"] == "Pārbaudīts"
    page = client.get("/sekretariats").get_data(as_text=True)
    assert "Atjaunotas balsis: 20" in re.sub(r"\s+", " ", page)
    assert forms(page, "/sekretariats/balsis/atjaunot") == []  # nothing left in quarantine to reinstate

    # English on request
    english = text(client.get("/sekretariats?lang=en"))
    assert "Suspicious vote clusters" in english and "Decisions on votes in quarantine" in english


def test_the_desk_refuses_a_forged_cluster_form_and_writes_nothing(
        client: FlaskClient, service: ContestService, clock: FrozenClock, tokens: dict[str, str]) -> None:
    clock.set(VOTE_DAY)
    burst(service, clock)
    login(client, tokens["secretariat"])
    [form] = forms(client.get("/sekretariats").get_data(as_text=True), "/sekretariats/balsis/karantina")
    before = service.event_count()
    for bad in ({"network": "198.51.100.0"}, {"from": "yesterday"}, {"to": "2024-08-20T12:00:00"}):
        client.post("/sekretariats/balsis/karantina", data={**form, **bad, "reason": "burst"})
        assert "Veidlapu neizdevās nolasīt" in text(client.get("/sekretariats"))
    client.post("/sekretariats/balsis/karantina", data={**form, "network": "0123456789abcdef", "reason": "burst"})
    assert "no šī tīkla norādītajā laikposmā nav saņemta neviena balss" in text(client.get("/sekretariats"))
    assert service.event_count() == before
    client.post("/sekretariats/iziet", data={"csrf_token": form["csrf_token"]})
    r = client.post("/sekretariats/balsis/karantina", data={**form, "reason": "burst"})
    assert r.status_code == 401 and service.event_count() == before  # the desk's session is needed


def test_after_round_2_closed_the_desk_says_so_and_refuses_in_latvian_d11(
        client: FlaskClient, service: ContestService, clock: FrozenClock, tokens: dict[str, str]) -> None:
    r = play_round1(service, clock)
    outsider = next(m.code for m in service.contest(2024).municipalities if m.code not in r)
    clock.set(VOTE_DAY)
    burst(service, clock, 20, outsider)
    all_ballots(service, {s: r[:5] for s in VOTING})
    close_vote(service, clock)
    login(client, tokens["secretariat"])
    stale = client.get("/sekretariats").get_data(as_text=True)  # opened before the close
    [form] = forms(stale, "/sekretariats/balsis/karantina")
    service.round2.close(2024, actor=SEC)  # the finalists are fixed from the tally as it stood (§4.6.7)

    page = client.get("/sekretariats").get_data(as_text=True)
    flat = re.sub(r"\s+", " ", page)
    assert "Aizdomīgas balsu grupas" in flat and '<tr class="cluster">' in page  # the votes exist: still shown
    assert "2. kārta ir noslēgta un finālisti ir noteikti: balsis vairs nevar ievietot karantīnā" in flat
    assert forms(page, "/sekretariats/balsis/karantina") == [] and forms(page, "/sekretariats/balsis/atjaunot") == []

    before = service.event_count()
    client.post("/sekretariats/balsis/karantina", data={**form, "reason": "Par vēlu"})
    refused = text(client.get("/sekretariats"))
    assert "Atteikts saskaņā ar noteikumu §4.6.7, D10, D11: 2. kārta ir noslēgta un finālisti ir noteikti" in refused
    client.post("/sekretariats/balsis/atjaunot", data={**form, "reason": "Par vēlu"})
    assert "vairs nevar ievietot karantīnā vai atjaunot" in text(client.get("/sekretariats"))
    assert service.event_count() == before and service.contest(2024).quarantined == frozenset()
