"""Configuration changes are commands that become events: valid ones add one event; malformed ones get
422 naming each field; changes after the round they affect has started get 409 naming the clause; an error never
changes the event count."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from contest.service import ContestService
from tests.conftest import bearer

THEME = {"title_lv": "Jauna tēma", "title_en": "A new theme", "reason": "council decision 12/2024"}


def put(client: FlaskClient, token: str, path: str, body: dict[str, Any]) -> Any:
    return client.put(f"/api/contests/2024/{path}", json=body, headers=bearer(token))


def test_theme_change_is_one_event_with_its_actor(client: FlaskClient, service: ContestService,
                                                   tokens: dict[str, str]) -> None:
    before = service.event_count()
    r = put(client, tokens["secretariat"], "theme", THEME)
    assert r.status_code == 200, r.json
    assert r.json["theme"] == {"title_lv": "Jauna tēma", "title_en": "A new theme"}
    assert service.event_count() == before + 1
    last = service.store.notification_log.select(start=before + 1, limit=1)[0]
    assert last.topic.endswith("Contest.ThemeSet")
    assert b"Anna" in last.state and b"secretariat" in last.state  # actor: role and principal
    assert tokens["secretariat"].encode() not in last.state  # never the token


@pytest.mark.parametrize(("path", "body", "fields"), [
    ("theme", {"title_lv": "", "title_en": "x", "reason": "r"}, {"title_lv"}),
    ("theme", {"title_lv": "a", "title_en": "b"}, {"reason"}),
    ("theme", {"title_lv": "a", "title_en": "b", "reason": "r", "extra": 1}, {"extra"}),
    ("prizes", {"fund_eur": "many", "prizes": [], "reason": "r"}, {"fund_eur", "prizes"}),
    ("prizes", {"fund_eur": 30000, "prizes": [
        {"id": "main", "name": "M", "amount_eur": 25000, "kind": "main"},
        {"id": "theme", "name": "T", "amount_eur": 10000, "kind": "theme"}], "reason": "r"}, {"prizes"}),
    ("prizes", {"fund_eur": 30000, "prizes": [
        {"id": "main", "name": "M", "amount_eur": -5, "kind": "main"},
        {"id": "t", "name": "T", "amount_eur": 1, "kind": "theme"}], "reason": "r"}, {"prizes[0].amount_eur"}),
    ("window", {"opens_at": "2024-08-01T00:00:00", "closes_at": "2024-09-15T20:59:59Z", "reason": "r"},
     {"opens_at"}),
    ("window", {"opens_at": "2024-09-16T00:00:00Z", "closes_at": "2024-09-15T20:59:59Z", "reason": "r"},
     {"closes_at"}),
    ("rules", {"rules": {"quorum": 0}, "reason": "r"}, {"rules.quorum"}),
    ("rules", {"rules": {"quorum": 10}, "reason": "r"}, {"jury"}),  # 9 voting seats cannot reach 10 (§3.2.3)
    ("rules", {"rules": {"finalists_total": 11}, "reason": "r"}, {"finalists_total"}),
    ("rules", {"rules": {"nonsense": 1}, "reason": "r"}, {"rules.nonsense"}),
    ("jury/sif", {"organisation": "SIF", "person": "X", "chair": False, "reason": "r"}, {"jury"}),  # no chair
    ("jury/lm", {"organisation": "LM", "person": "", "reason": "r"}, {"person"}),
    ("municipalities", {"municipalities": [{"code": "LV-RIX", "name": "Rīga", "kind": "novads"},
                                           {"code": "LV-RIX", "name": "Rīga", "kind": "novads"}],
                        "reason": "r"}, {"municipalities[1].code"}),
    ("municipalities", {"municipalities": [{"code": "RIX", "name": "Rīga", "kind": "city"}], "reason": "r"},
     {"municipalities"}),
])
def test_malformed_configuration_is_422_naming_the_field_and_changes_nothing(
        client: FlaskClient, service: ContestService, tokens: dict[str, str], path: str, body: dict[str, Any],
        fields: set[str]) -> None:
    before = service.event_count()
    config_before = client.get("/api/contests/2024/config").json
    r = put(client, tokens["secretariat"], path, body)
    assert r.status_code == 422, r.json
    named = set(r.json["errors"])
    assert any(any(n == f or n.startswith(f) for n in named) for f in fields), named
    assert service.event_count() == before
    assert client.get("/api/contests/2024/config").json == config_before


def test_valid_changes_of_each_part(client: FlaskClient, service: ContestService, tokens: dict[str, str]) -> None:
    sec = tokens["secretariat"]
    start = service.event_count()
    r = put(client, sec, "window", {"opens_at": "2024-08-01T00:00:00+03:00", "closes_at": "2024-09-09T23:59:59+03:00",
                                    "reason": "the real 2024 vote closed on 9 September"})
    assert r.status_code == 200, r.json
    assert r.json["window"]["closes_at"] == "2024-09-09T20:59:59Z"  # stored as a UTC instant
    assert r.json["window"]["closes_local"] == "2024-09-09T23:59:59+03:00"
    r = put(client, sec, "rules", {"rules": {"cut_size": 12, "vote_eligible": "round2"}, "reason": "r"})
    assert r.status_code == 200 and r.json["rules"]["cut_size"] == 12 and r.json["rules"]["quorum"] == 5
    r = put(client, sec, "prizes", {"fund_eur": 35000, "reason": "a supporter joined (§7.3)", "prizes": [
        {"id": "main", "name": "Galvenā", "amount_eur": 20000, "kind": "main"},
        {"id": "theme", "name": "Tēma", "amount_eur": 10000, "kind": "theme"},
        {"id": "bank", "name": "Banka", "amount_eur": 5000, "kind": "supporter", "sponsor": "Banka AS"}]})
    assert r.status_code == 200 and len(r.json["prizes"]["prizes"]) == 3
    r = put(client, sec, "jury/lps", {"organisation": "Latvijas Pašvaldību savienība", "person": "Jānis",
                                      "voting": True, "reason": "council made the seat voting (D1)"})
    assert r.status_code == 200 and r.json["voting_seats"] == 10
    r = put(client, sec, "jury/varam", {"organisation": "VARAM", "person": "Ilze", "chair": True, "reason": "r"})
    assert r.status_code == 200 and r.json["chair"] == "varam"  # the chair moves (§3.2.2)
    r = client.delete("/api/contests/2024/jury/lps?reason=withdrawn", headers=bearer(sec))
    assert r.status_code == 200 and "lps" not in [s["id"] for s in r.json["seats"]]
    assert service.event_count() == start + 6


def test_changes_after_their_round_started_are_409_with_the_clause(
        client: FlaskClient, service: ContestService, tokens: dict[str, str]) -> None:
    sec = tokens["secretariat"]
    r = client.post("/api/contests/2024/round1/open", headers=bearer(sec))
    assert r.status_code == 200 and r.json["stage"] == "round1"
    before = service.event_count()
    refused = {
        "theme": (THEME, "§4.3"),
        "municipalities": ({"municipalities": [{"code": "LV-RIX", "name": "Rīga", "kind": "valstspilsēta"},
                                               {"code": "LV-JUR", "name": "Jūrmala", "kind": "valstspilsēta"}],
                            "reason": "r"}, "§3.3"),
        "rules": ({"rules": {"cut_size": 12}, "reason": "r"}, "§4.5"),
    }
    for path, (body, clause) in refused.items():
        r = put(client, sec, path, body)
        assert r.status_code == 409, (path, r.json)
        assert r.json["rule"] == clause
    # what governs later rounds can still change in round 1
    assert put(client, sec, "rules", {"rules": {"quorum": 6}, "reason": "r"}).status_code == 200
    assert put(client, sec, "jury/ugf", {"organisation": "UGF", "person": "Pēteris", "reason": "r"}).status_code == 200
    assert service.event_count() == before + 2
    # round 1 cannot open twice (§4.1)
    r = client.post("/api/contests/2024/round1/open", headers=bearer(sec))
    assert r.status_code == 409 and r.json["rule"] == "§4.1"
    assert service.event_count() == before + 2


def test_unknown_contest_seat_and_municipality_are_404(client: FlaskClient, tokens: dict[str, str]) -> None:
    assert client.get("/api/contests/1999").status_code == 404
    assert client.get("/api/contests/2024/jury/nobody").status_code == 404
    assert client.get("/api/contests/2024/municipalities/LV-ZZZ").status_code == 404
    r = client.delete("/api/contests/2024/jury/nobody?reason=x", headers=bearer(tokens["secretariat"]))
    assert r.status_code == 404


def test_public_reads(client: FlaskClient) -> None:
    assert [c["year"] for c in client.get("/api/contests").json] == [2024]
    summary = client.get("/api/contests/2024").json
    assert summary["municipalities"] == 43 and summary["jury_seats"] == 10 and summary["stage"] == "setup"
    assert summary["window"]["opens_local"] == "2024-08-01T00:00:00+03:00"
    assert len(client.get("/api/contests/2024/municipalities").json) == 43
    jury = client.get("/api/contests/2024/jury").json
    assert jury["chair"] == "sif" and jury["voting_seats"] == 9 and jury["quorum"] == 5
