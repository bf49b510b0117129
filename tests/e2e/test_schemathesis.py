"""Bad input: schemathesis generates requests from the app's own OpenAPI document; no request may end
in a server error, every response must conform to its documented schema, and 405s carry Allow. Bounded: a few
examples per operation, derandomised, on SQLite, as the secretariat (so requests reach the validation and the
rules behind authentication)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import schemathesis
from flask import Flask
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import allow_header_conformance, response_schema_conformance

from api.app import create_app
from contest.clock import FrozenClock
from contest.service import ContestService
from contest.store import EventStore
from domain.actors import system_actor
from tests.conftest import SECRETS, START


def _app() -> Flask:
    """One app over a throwaway SQLite store for the whole module (schemathesis loads the schema at import)."""
    folder = Path(tempfile.mkdtemp(prefix="contest-schemathesis-"))
    service = ContestService(EventStore(f"sqlite:///{folder}/events.sqlite3"), FrozenClock(START), SECRETS)
    service.init_from_preset("2024", actor=system_actor("test"))
    app = create_app(service, {"TESTING": True})
    app.config["CONTEST_TEST_TOKEN"] = service.issue_token("secretariat", actor=system_actor("test"))[0]
    return app


APP = _app()
schema = schemathesis.openapi.from_wsgi("/openapi.json", APP)


@schema.parametrize()
@settings(max_examples=8, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
def test_no_server_error_and_responses_conform(case: schemathesis.Case) -> None:
    token = APP.config["CONTEST_TEST_TOKEN"]
    response = case.call_and_validate(headers={"Authorization": f"Bearer {token}"},
                                      checks=[not_a_server_error, response_schema_conformance,
                                              allow_header_conformance])
    assert response.status_code < 500
