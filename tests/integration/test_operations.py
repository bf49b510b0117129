"""Operating safely: request ids, JSON logs without personal data, security headers, the vote's rate
limit (429 with Retry-After), and health with the projections' lag."""

from __future__ import annotations

import json
import logging
from datetime import datetime, timezone

import pytest
from flask.testing import FlaskClient

from api.app import create_app
from api.operations import JsonFormatter
from contest.clock import FrozenClock
from contest.service import ContestService
from tests.support.helpers import bearer

CODE = "150385-11503"


def test_security_headers_and_request_id(client: FlaskClient) -> None:
    r = client.get("/api/contests/2024", headers={"X-Request-ID": "abc-123"})
    assert r.headers["X-Request-ID"] == "abc-123"
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["X-Frame-Options"] == "DENY"
    assert "default-src 'self'" in r.headers["Content-Security-Policy"]
    assert r.headers["Cache-Control"] == "no-store"
    generated = client.get("/api/contests/2024", headers={"X-Request-ID": "bad id with spaces"})
    assert len(generated.headers["X-Request-ID"]) == 32


def test_json_access_log_has_path_but_never_the_code_or_query(client: FlaskClient, clock: FrozenClock,
                                                              caplog: pytest.LogCaptureFixture) -> None:
    clock.set(datetime(2024, 8, 20, 12, tzinfo=timezone.utc))
    with caplog.at_level(logging.INFO, logger="contest.access"):
        client.post("/api/contests/2024/votes", json={"personal_code": CODE, "municipality": "LV-RIX", "rating": 5})
        client.get(f"/api/contests/2024/round1/results?as_of={CODE}")
    lines = [JsonFormatter().format(r) for r in caplog.records if r.name == "contest.access"]
    assert len(lines) == 2
    entry = json.loads(lines[0])
    assert entry["path"] == "/api/contests/2024/votes" and entry["status"] == 201 and entry["request_id"]
    assert all(CODE not in line and CODE.replace("-", "") not in line for line in lines)


def test_the_vote_is_rate_limited_per_address(service: ContestService, clock: FrozenClock,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    from contest.residents import fake_personal_codes

    monkeypatch.setenv("CONTEST_VOTE_RATE_LIMIT", "3/minute")
    client = create_app(service, {"TESTING": True}).test_client()
    clock.set(datetime(2024, 8, 20, 12, tzinfo=timezone.utc))
    codes = fake_personal_codes(5, seed=3)
    statuses = []
    for code in codes:
        r = client.post("/api/contests/2024/votes", json={"personal_code": code, "municipality": "LV-RIX",
                                                          "rating": 4})
        statuses.append(r.status_code)
    assert statuses == [201, 201, 201, 429, 429]
    assert int(r.headers["Retry-After"]) > 0
    assert r.json["code"] == 429 and "too many votes" in r.json["message"]
    assert service.round2.vote_results(2024)["total"] == 3
    # other endpoints are not limited
    assert all(client.get("/api/contests/2024").status_code == 200 for _ in range(5))


def test_health_reports_the_store_and_the_projections_lag(client: FlaskClient, service: ContestService,
                                                          tokens: dict[str, str]) -> None:
    assert client.get("/health").json == {"status": "ok"}  # the public: up or down, no count (D10's turnout)
    body = client.get("/health/details", headers=bearer(tokens["secretariat"])).json
    assert body["status"] == "ok" and body["store"] in ("sqlite", "postgresql")
    assert body["events"] == service.event_count()
    assert body["projections"]["lag"] >= 0 and "snapshot_lag" in body["projections"]
