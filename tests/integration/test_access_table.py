"""Access: every endpoint × every role, from the OpenAPI document's declared roles (x-roles): exactly the
allowed roles get past authentication and authorisation; the others get 401 (no token, a bad token) or 403, and
nothing is recorded. Bindings are checked too: a juror acting for another seat, a municipality for another."""

from __future__ import annotations

import re

import pytest
from flask.testing import FlaskClient

from contest.service import ContestService
from domain.actors import system_actor
from tests.support.openapi import PARAMS


@pytest.fixture
def role_tokens(service: ContestService) -> dict[str, str | None]:
    a = system_actor("test")
    return {
        "public": None,
        "bad token": "ctk_this-token-was-never-issued",
        "secretariat": service.issue_token("secretariat", actor=a)[0],
        "juror": service.issue_token("juror", actor=a, seat="lm", year=2024)[0],
        "municipality": service.issue_token("municipality", actor=a, municipality="LV-RIX", year=2024)[0],
        "auditor": service.issue_token("auditor", actor=a)[0],
        "council": service.issue_token("council", actor=a)[0],
    }


def operations(client: FlaskClient) -> list[tuple[str, str, list[str]]]:
    spec = client.get("/openapi.json").json
    ops = []
    for path, item in spec["paths"].items():
        for method, op in item.items():
            if method in ("get", "post", "put", "patch", "delete") and "x-roles" in op:
                url = re.sub(r"{(\w+)}", lambda m: PARAMS[m.group(1)], path)
                ops.append((method, url, op["x-roles"]))
    return ops


def test_every_endpoint_by_every_role(client: FlaskClient, service: ContestService,
                                      role_tokens: dict[str, str | None]) -> None:
    ops = operations(client)
    assert len(ops) >= 30  # every protected operation declares its roles
    before = service.event_count()
    denied = 0
    for method, url, allowed in ops:
        for role, token in role_tokens.items():
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            r = getattr(client, method)(url, json={}, headers=headers)
            if role in allowed:
                assert r.status_code not in (401, 403), (method, url, role, r.status_code, r.json)
            else:
                expected = 401 if role in ("public", "bad token") else 403
                assert r.status_code == expected, (method, url, role, r.status_code, r.json)
                denied += 1
    assert denied > 100
    # denied requests recorded nothing: every event recorded meanwhile (round transitions that need no body,
    # e.g. opening round 1) has an allowed actor
    import json

    new = [json.loads(n.state) for n in service.store.notifications(start=before + 1)]
    assert all(e["actor"]["role"] == "secretariat" for e in new), [e["actor"] for e in new]


def test_bindings_a_juror_for_another_seat_and_a_municipality_for_another(
        client: FlaskClient, role_tokens: dict[str, str | None]) -> None:
    juror = {"Authorization": f"Bearer {role_tokens['juror']}"}
    municipality = {"Authorization": f"Bearer {role_tokens['municipality']}"}
    assert client.put("/api/contests/2024/ballots/izm", json={"points": {"LV-RIX": 5}}, headers=juror).status_code \
        == 403
    assert client.patch("/api/contests/2024/submissions/LV-JUR", json={"answers": {"x": 1}},
                        headers=municipality).status_code == 403
    assert client.get("/api/contests/2024/submissions/LV-JUR", headers=municipality).status_code == 403
