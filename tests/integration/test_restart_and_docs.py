"""State comes back from events after a restart; OpenAPI and the Swagger UI are served. `contest serve` as a real
process is tests/e2e/test_serve.py."""

from __future__ import annotations

import re

from flask.testing import FlaskClient

from api.app import create_app
from contest.clock import FrozenClock
from contest.service import ContestService
from contest.store import EventStore
from domain.actors import Actor, system_actor


def test_restart_keeps_everything(store_url: str, clock: FrozenClock) -> None:
    first = ContestService(EventStore(store_url), clock)
    first.init_from_preset("2024", actor=system_actor("test"))
    sec = Actor(role="secretariat", principal="Anna")
    first.configure(2024, "theme", {"title_lv": "A", "title_en": "B"}, reason="r", actor=sec)
    first.set_jury_seat(2024, {"id": "lps", "organisation": "LPS", "person": "P", "voting": True}, reason="r",
                        actor=sec)
    first.open_round1(2024, actor=sec)
    token, _ = first.issue_token("auditor", actor=sec)
    before = (first.contest(2024).configuration(), first.event_count())
    first.close()

    second = ContestService(EventStore(store_url), clock)
    try:
        contest, created = second.ensure_contest("2024", 2024, actor=system_actor("preset-loader"))
        assert not created  # the preset is not loaded again over existing history
        assert (contest.configuration(), second.event_count()) == before
        assert contest.stage == "round1" and contest.theme.title_lv == "A"
        assert second.authenticate(token) is not None and second.authenticate(token).role == "auditor"
    finally:
        second.close()


def test_openapi_lists_the_endpoints_with_bearer_security(client: FlaskClient) -> None:
    spec = client.get("/openapi.json").json
    assert spec["openapi"].startswith("3.")
    for path in ("/api/contests", "/api/contests/{year}", "/api/contests/{year}/config",
                 "/api/contests/{year}/municipalities", "/api/contests/{year}/jury", "/api/tokens", "/health"):
        assert path in spec["paths"], path
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    theme_put = spec["paths"]["/api/contests/{year}/theme"]["put"]
    assert theme_put["security"] == [{"bearerAuth": []}]
    assert {"401", "403", "409", "422"} <= set(theme_put["responses"])


def test_swagger_ui_is_served_from_local_files(client: FlaskClient) -> None:
    page = client.get("/docs")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    # the bundle's files, and ours that make it accessible (api/templates/swagger_ui.html): nothing from elsewhere
    assert sources and all(s.startswith(("/static/swagger-ui/", "/static/pages/docs.")) for s in sources), sources
    ours = {"/static/pages/docs.css", "/static/pages/docs.js"}
    assert {"/static/swagger-ui/swagger-ui-bundle.js", *ours} <= set(sources)
    assert '<html lang="en">' in html
    for s in sources:
        asset = client.get(s)
        assert asset.status_code == 200, s
        asset.close()


def test_405_keeps_the_allow_header(client: FlaskClient) -> None:
    r = client.delete("/api/contests")
    assert r.status_code == 405
    assert "GET" in r.headers["Allow"]
    assert r.json["code"] == 405


def test_app_factory_builds_independent_apps(service: ContestService) -> None:
    a, b = create_app(service, {"TESTING": True}), create_app(service, {"TESTING": True})
    assert a is not b and a.extensions["contest.service"] is service
