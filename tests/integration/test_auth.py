"""Roles and tokens: 401 without or with a bad token, 403 with the wrong role; only hashes stored."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from contest.service import ContestService
from domain.actors import system_actor
from tests.conftest import bearer

THEME = {"title_lv": "T", "title_en": "T", "reason": "r"}


def test_no_token_is_401_with_challenge(client: FlaskClient) -> None:
    r = client.put("/api/contests/2024/theme", json=THEME)
    assert r.status_code == 401
    assert r.headers["WWW-Authenticate"].startswith("Bearer")
    assert client.get("/api/me").status_code == 401


@pytest.mark.parametrize("header", [
    "Bearer ctk_not-a-real-token", "Bearer ", "Basic dXNlcjpwYXNz", "Bearer " + "x" * 500, "ctk_abc",
])
def test_bad_tokens_are_401(client: FlaskClient, service: ContestService, header: str) -> None:
    before = service.event_count()
    r = client.put("/api/contests/2024/theme", json=THEME, headers={"Authorization": header})
    assert r.status_code == 401
    assert service.event_count() == before


@pytest.mark.parametrize("role", ["auditor", "council", "juror", "municipality"])
def test_other_roles_may_not_configure_403(client: FlaskClient, service: ContestService, tokens: dict[str, str],
                                           role: str) -> None:
    before = service.event_count()
    for method, path in [("put", "theme"), ("put", "rules"), ("post", "round1/open"), ("put", "jury/lm")]:
        r = getattr(client, method)(f"/api/contests/2024/{path}", json=THEME, headers=bearer(tokens[role]))
        assert r.status_code == 403, (role, path)
        assert role in r.json["message"]
    r = client.post("/api/tokens", json={"role": "secretariat"}, headers=bearer(tokens[role]))
    assert r.status_code == 403
    assert service.event_count() == before


def test_me_names_role_and_binding(client: FlaskClient, tokens: dict[str, str]) -> None:
    assert client.get("/api/me", headers=bearer(tokens["juror"])).json == {
        "role": "juror", "principal": "lm", "seat": "lm", "municipality": None}
    assert client.get("/api/me", headers=bearer(tokens["municipality"])).json["municipality"] == "LV-RIX"
    assert client.get("/api/me", headers=bearer(tokens["secretariat"])).json["principal"] == "Anna"


def test_secretariat_issues_bound_tokens_and_revokes_them(client: FlaskClient, service: ContestService,
                                                          tokens: dict[str, str]) -> None:
    sec = bearer(tokens["secretariat"])
    r = client.post("/api/tokens", json={"role": "juror", "seat": "izm", "year": 2024}, headers=sec)
    assert r.status_code == 201 and r.json["seat"] == "izm"
    new = r.json["token"]
    assert client.get("/api/me", headers=bearer(new)).json["seat"] == "izm"
    # bindings are checked: a juror needs an existing seat, a municipality an existing municipality
    assert client.post("/api/tokens", json={"role": "juror", "year": 2024}, headers=sec).status_code == 422
    assert client.post("/api/tokens", json={"role": "juror", "seat": "zzz", "year": 2024},
                       headers=sec).status_code == 404
    assert client.post("/api/tokens", json={"role": "municipality", "municipality": "LV-ZZZ", "year": 2024},
                       headers=sec).status_code == 404
    assert client.post("/api/tokens", json={"role": "auditor", "seat": "lm"}, headers=sec).status_code == 422
    assert client.post("/api/tokens", json={"role": "king"}, headers=sec).status_code == 422
    r = client.delete(f"/api/tokens/{r.json['token_id']}?reason=left the jury", headers=sec)
    assert r.status_code == 204
    assert client.get("/api/me", headers=bearer(new)).status_code == 401
    r = client.delete(f"/api/tokens/{client.get('/api/me', headers=sec).json and 'tok-000000000000'}?reason=x",
                      headers=sec)
    assert r.status_code == 404


def test_only_token_hashes_are_stored(service: ContestService) -> None:
    token, cred = service.issue_token("auditor", actor=system_actor("test"))
    assert cred.digest != token and len(cred.digest) == 64
    for n in service.store.notifications():
        assert token.encode() not in n.state
        assert token[4:].encode() not in n.state
