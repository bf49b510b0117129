"""Bad input: every endpoint that takes a body answers hostile bodies with a clear 4xx naming the body or
the field, never a 500, and writes nothing. Broken JSON, another content type, an oversized body, a JSON array,
unknown fields, NaN, a number of 5,000 digits, deep nesting; then the values that pass the JSON decoder: control
and bidirectional characters, huge and negative amounts, an overlong comment."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from flask.testing import FlaskClient

from contest.clock import FrozenClock
from contest.service import ContestService
from domain.actors import system_actor
from tests.conftest import bearer
from tests.support.openapi import PARAMS

INSIDE_VOTE = datetime(2024, 8, 20, 12, 0, tzinfo=UTC)
BODIES: dict[str, dict[str, object]] = {
    "broken JSON": {"data": b'{"answers": {', "content_type": "application/json"},
    "not UTF-8": {"data": b'{"reason": "\xff\xfe"}', "content_type": "application/json"},
    "text/plain": {"data": b"rating=5", "content_type": "text/plain"},
    "form-encoded": {"data": b"rating=5", "content_type": "application/x-www-form-urlencoded"},
    "3 MB": {"data": b'{"reason": "' + b"x" * 3_000_000 + b'"}', "content_type": "application/json"},
    "an array": {"json": [1, 2, 3]},
    "unknown field": {"json": {"zz_not_a_field": 1}},
    "NaN": {"data": b'{"rating": NaN, "reason": NaN}', "content_type": "application/json"},
    "5000 digits": {"data": b'{"rating": 1' + b"0" * 5000 + b"}", "content_type": "application/json"},
    "deep nesting": {"data": b"[" * 50_000 + b"]" * 50_000, "content_type": "application/json"},
}
EXPECTED = {"broken JSON": 422, "not UTF-8": 422, "text/plain": 415, "form-encoded": 415, "3 MB": 413,
            "an array": 422, "unknown field": 422, "NaN": 422, "5000 digits": 422, "deep nesting": 422}


def body_operations(client: FlaskClient) -> list[tuple[str, str, str]]:
    """(method, url, role) of every operation with a JSON request body, from the OpenAPI document."""
    spec = client.get("/openapi.json").json
    ops = []
    for path, item in spec["paths"].items():
        for method, op in item.items():
            content = op.get("requestBody", {}).get("content", {}) if method in ("post", "put", "patch") else {}
            if "application/json" in content:
                url = re.sub(r"{(\w+)}", lambda m: PARAMS[m.group(1)], path)
                ops.append((method, url, op.get("x-roles", ["public"])[0]))
    return ops


@pytest.fixture
def role_headers(tokens: dict[str, str]) -> dict[str, dict[str, str]]:
    return {"public": {}} | {role: bearer(token) for role, token in tokens.items()}


def test_every_json_endpoint_refuses_hostile_bodies_and_writes_nothing(
        client: FlaskClient, service: ContestService, clock: FrozenClock,
        role_headers: dict[str, dict[str, str]]) -> None:
    clock.set(INSIDE_VOTE)
    ops = body_operations(client)
    assert len(ops) >= 25
    before = service.event_count()
    tried = 0
    for i, (method, url, role) in enumerate(ops):
        # each operation from a client address of its own: the vote's per-address limit (one budget for the vote,
        # its request by e-mail and its confirmation, api/ratelimit.py) is not what answers here
        address = {"REMOTE_ADDR": f"198.18.{i // 250}.{1 + i % 250}"}
        for name, body in BODIES.items():
            r = getattr(client, method)(url, headers=role_headers[role], environ_base=address, **body)
            want = EXPECTED[name]
            # an unknown field in an otherwise empty body may also be named with the missing required ones (422)
            assert r.status_code == want, (method, url, name, r.status_code, r.get_data(as_text=True)[:300])
            assert r.is_json and r.json["code"] == want and r.json["message"], (method, url, name)
            if want == 422:
                assert r.json["errors"], (method, url, name, r.json)
            tried += 1
    assert tried == len(ops) * len(BODIES)
    assert service.event_count() == before


def test_the_refusals_name_what_is_wrong(client: FlaskClient, clock: FrozenClock) -> None:
    clock.set(INSIDE_VOTE)
    url = "/api/contests/2024/votes"
    broken = client.post(url, **BODIES["broken JSON"]).json
    assert broken["errors"] == {
        "body": ["not valid JSON: Expecting property name enclosed in double quotes at character 13"]}
    digits = client.post(url, **BODIES["5000 digits"]).json
    assert digits["errors"] == {"body": ["not valid JSON: a number too long"]}
    nan = client.post(url, **BODIES["NaN"]).json
    assert nan["errors"] == {"body": ["not valid JSON: NaN is not a JSON number"]}
    assert "application/json" in client.post(url, **BODIES["text/plain"]).json["message"]
    too_big = client.post(url, **BODIES["3 MB"]).json
    assert "2097152 bytes" in too_big["message"]
    unknown = client.post(url, json={"personal_code": "150385-11503", "municipality": "LV-RIX", "rating": 5,
                                     "ip": "1.2.3.4"}).json
    assert unknown["errors"] == {"ip": ["Unknown field."]}


def test_hostile_values_in_a_vote(client: FlaskClient, service: ContestService, clock: FrozenClock) -> None:
    clock.set(INSIDE_VOTE)
    base = {"personal_code": "150385-11503", "municipality": "LV-RIX", "rating": 5}
    cases: list[tuple[dict[str, object], str]] = [
        ({"rating": 10**30}, "rating"),
        ({"rating": -1}, "rating"),
        ({"rating": 4.5}, "rating"),
        ({"rating": "5"}, "rating"),
        ({"rating": True}, "rating"),
        ({"comment": "x" * 1001}, "comment"),  # D10: a comment of at most 1000 characters
        ({"comment": 12}, "comment"),
        ({"municipality": "LV-RIX\u202e"}, "municipality"),
        ({"municipality": "Rīga; DROP TABLE stored_events"}, "municipality"),
        ({"personal_code": "150385-11503\x00"}, "personal_code"),
        ({"personal_code": "１５０３８５-１１５０３"}, "personal_code"),  # full-width digits are not a code
        ({"personal_code": "9" * 400}, "personal_code"),
    ]
    before = service.event_count()
    for change, field in cases:
        r = client.post("/api/contests/2024/votes", json=base | change)
        assert r.status_code == 422, (change, r.status_code, r.json)
        assert field in r.json["errors"], (change, r.json)
    assert service.event_count() == before
    # control characters are stripped from an accepted comment; the Latvian letters stay
    ok = client.post("/api/contests/2024/votes", json=base | {"comment": "Ļoti labi\x00\x1b bērniem 👍"})
    assert ok.status_code == 201, ok.json
    comments = client.get("/api/contests/2024/comments",
                          headers=bearer(service.issue_token("secretariat", actor=system_actor("test"))[0]))
    assert comments.status_code == 200
    assert "Ļoti labi bērniem 👍" in comments.get_data(as_text=True), comments.json


def test_hostile_values_in_answers(client: FlaskClient, service: ContestService, clock: FrozenClock,
                                   tokens: dict[str, str]) -> None:
    assert client.post("/api/contests/2024/round1/open", headers=bearer(tokens["secretariat"])).status_code == 200
    municipality = bearer(tokens["municipality"])
    amount, text = "s1.m1.q2", "s1.m1.q1"
    before = service.event_count()
    for value in (-5, -0.01, 1e308, 10**30, True, [1], {"a": 1}):
        body = {"answers": {amount: value}}
        r = client.patch("/api/contests/2024/submissions/LV-RIX", json=body, headers=municipality)
        assert r.status_code == 422, (value, r.status_code, r.json)
        assert any(amount in field for field in r.json["errors"]), (value, r.json)
    for value in ("x" * 20_001, 7):
        r = client.patch("/api/contests/2024/submissions/LV-RIX", json={"answers": {text: value}},
                         headers=municipality)
        assert r.status_code == 422, (value, r.status_code, r.json)
    r = client.patch("/api/contests/2024/submissions/LV-RIX", json={"answers": {"s99.q1": 1, "../../etc": 1}},
                     headers=municipality)
    assert r.status_code == 422 and {"s99.q1", "../../etc"} <= set(r.json["errors"]), r.json
    assert service.event_count() == before

