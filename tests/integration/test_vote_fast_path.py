"""The vote's fast path (api/vote_path.py): a plain vote is answered in front of Flask exactly as the route answers
it (§4.6.6, D10: the receipt, the headers, the access log's line), a refused one by the app's error handlers, counted
once by the rate limit, and every other request goes the whole way through Flask."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from api.app import create_app
from api.operations import JsonFormatter
from contest.clock import FrozenClock
from contest.residents import fake_personal_codes
from contest.service import ContestService

INSIDE = datetime(2024, 8, 20, 12, 0, tzinfo=UTC)
VOTES = "/api/contests/2024/votes"
PLAIN = "application/json"
CODES = fake_personal_codes(6, seed=11)
VARYING = {"X-Request-ID", "Content-Length"}


@pytest.fixture
def routed(app: Flask, clock: FrozenClock) -> list[str]:
    """The requests that reached the route's view (Flask's whole way); the window open."""
    clock.set(INSIDE)
    reached: list[str] = []
    view: Callable[..., Any] = app.view_functions["round2.Votes"]

    def counted(*args: Any, **kwargs: Any) -> Any:
        reached.append("route")
        return view(*args, **kwargs)

    app.view_functions["round2.Votes"] = counted
    return reached


def post(client: FlaskClient, body: object, content_type: str = PLAIN, **headers: str) -> Any:
    data = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
    return client.post(VOTES, data=data, content_type=content_type, headers=headers)


def vote(code: str, **extra: object) -> dict[str, object]:
    return {"personal_code": code, "municipality": "LV-RIX", "rating": 4, **extra}


def test_a_plain_vote_is_answered_in_front_of_flask_as_the_route_answers_it(
        client: FlaskClient, routed: list[str], service: ContestService) -> None:
    fast = post(client, vote(CODES[0], comment="Labi bērnudārzi"), **{"X-Request-ID": "req-1"})
    assert fast.status_code == 201 and routed == [], fast.get_data(as_text=True)
    # the same kind of vote the route takes (a charset parameter is webargs' to judge): the same answer
    full = post(client, vote(CODES[1], comment="Labi bērnudārzi"), content_type="application/json; charset=utf-8",
                **{"X-Request-ID": "req-2"})
    assert full.status_code == 201 and routed == ["route"], full.get_data(as_text=True)
    assert fast.json.keys() == full.json.keys() == {"receipt", "municipality", "rating", "at"}
    assert fast.json["at"] == full.json["at"] and fast.json["municipality"] == "LV-RIX" and fast.json["rating"] == 4
    assert fast.headers["X-Request-ID"] == "req-1" and full.headers["X-Request-ID"] == "req-2"
    assert ({k: v for k, v in fast.headers.items() if k not in VARYING}
            == {k: v for k, v in full.headers.items() if k not in VARYING})
    shape = json.dumps(fast.json, ensure_ascii=False, separators=(",", ":")) + "\n"
    assert fast.get_data(as_text=True) == shape  # Flask's JSON, as the route's: compact, one line
    assert full.get_data(as_text=True) == json.dumps(full.json, ensure_ascii=False, separators=(",", ":")) + "\n"
    assert service.round2.vote_results(2024)["total"] == 2
    assert client.get(f"{VOTES}/receipts/{fast.json['receipt']}").status_code == 200  # the resident finds it


def test_a_refused_plain_vote_is_answered_by_the_error_handlers_and_stores_nothing(
        client: FlaskClient, routed: list[str], service: ContestService) -> None:
    assert post(client, vote(CODES[0])).status_code == 201
    before = service.event_count()
    again = post(client, {**vote(CODES[0]), "municipality": "LV-JUR"})  # the same resident (§4.6.6, D10)
    assert again.status_code == 409 and again.json["rule"] == "§4.6.6, D10", again.json
    assert again.json["field"] == "personal_code"
    unknown = post(client, {**vote(CODES[1]), "municipality": "LV-XXX"})  # not a participant (D10)
    assert unknown.status_code == 422 and "municipality" in unknown.json["errors"], unknown.json
    assert "X-Request-ID" in again.headers and again.headers["X-Content-Type-Options"] == "nosniff"
    assert routed == ["route", "route"]  # answered by the route's error handling, not here
    assert service.event_count() == before
    assert post(client, vote(CODES[0]), content_type="text/plain").status_code in (415, 422)  # not JSON: the route's


def test_a_refused_vote_counts_once_against_the_address(service: ContestService, clock: FrozenClock,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONTEST_VOTE_RATE_LIMIT", "3/minute")
    client = create_app(service, {"TESTING": True}).test_client()
    clock.set(INSIDE)
    statuses = [post(client, vote(code)).status_code for code in (CODES[0], CODES[0], CODES[1], CODES[2])]
    assert statuses == [201, 409, 201, 429]  # counted twice, the second vote taken would have been 429
    assert service.round2.vote_results(2024)["total"] == 2


def test_the_access_log_line_of_a_plain_vote_is_the_routes(client: FlaskClient, routed: list[str],
                                                           caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="contest.access"):
        post(client, vote(CODES[0]), **{"X-Request-ID": "fast-1"})
        post(client, vote(CODES[1]), content_type="application/json; charset=utf-8", **{"X-Request-ID": "full-1"})
    entries = [json.loads(JsonFormatter().format(r)) for r in caplog.records if r.name == "contest.access"]
    assert [e["request_id"] for e in entries] == ["fast-1", "full-1"] and routed == ["route"]
    for e in entries:
        assert {k: e[k] for k in ("method", "path", "status", "level")} == {
            "method": "POST", "path": VOTES, "status": 201, "level": "info"}
        assert e["duration_ms"] >= 0
    assert not any(code in caplog.text or code.replace("-", "") in caplog.text for code in CODES)


@pytest.mark.parametrize("body", [
    b'{"personal_code": "x", "personal_code": "y", "municipality": "LV-RIX", "rating": 4}',  # a key twice
    json.dumps(vote(CODES[0], rating=9)).encode(),  # off the scale
    json.dumps(vote(CODES[0], comment="ā" * 12_000), ensure_ascii=True).encode(),  # over the fast path's length
])
def test_every_other_body_goes_the_whole_way_and_is_refused_at_its_field(
        client: FlaskClient, routed: list[str], service: ContestService, body: bytes) -> None:
    before = service.event_count()
    r = post(client, body)
    assert r.status_code == 422 and routed == ["route"], r.get_data(as_text=True)
    assert service.event_count() == before
