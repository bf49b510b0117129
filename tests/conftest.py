"""Fixtures: every store-backed test runs on SQLite and on PostgreSQL.

CONTEST_TEST_STORES   which stores to run on (default "sqlite,postgresql")
CONTEST_TEST_POSTGRES the server to use (default postgresql://postgres@127.0.0.1:5432/test)

When PostgreSQL is expected and cannot be reached the PostgreSQL tests FAIL (they are never skipped): a green
run always means both stores were exercised. Each test gets a fresh store: a new SQLite file, or a new
PostgreSQL schema dropped afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest
from flask import Flask
from flask.testing import FlaskClient

from api.app import create_app
from contest.clock import FrozenClock
from contest.service import ContestService
from contest.settings import VoteSecrets
from contest.store import EventStore
from domain.actors import system_actor
from tests.support.smtp import Inbox, smtp_server

STORES = [s.strip() for s in os.environ.get("CONTEST_TEST_STORES", "sqlite,postgresql").split(",") if s.strip()]
PG_URL = os.environ.get("CONTEST_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")

SECRETS = VoteSecrets(voter=b"test-voter-secret-0123456789", receipt=b"test-receipt-secret-987654321")

# 10 June 2024, before round 1 and before the vote window (1 Aug 2024 00:00 Europe/Riga).
START = datetime(2024, 6, 10, 9, 0, tzinfo=UTC)


def _pg_conninfo() -> str:
    return PG_URL.replace("postgresql+psycopg://", "postgresql://")


@pytest.fixture(scope="session")
def postgres_server() -> str:
    try:
        with psycopg.connect(_pg_conninfo(), connect_timeout=5) as conn:
            conn.execute("select 1")
    except psycopg.Error as e:
        pytest.fail(f"PostgreSQL is expected at {PG_URL} (CONTEST_TEST_STORES={','.join(STORES)}) "
                    f"but cannot be reached: {e}. Start it, or set CONTEST_TEST_STORES=sqlite deliberately.")
    return PG_URL


@pytest.fixture(params=STORES)
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty store URL of each kind."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/events.sqlite3"
        return
    if request.param != "postgresql":
        raise ValueError(f"unknown store kind {request.param!r} in CONTEST_TEST_STORES")
    yield from _pg_schema_url(request.getfixturevalue("postgres_server"))


@pytest.fixture
def pg_store_url(postgres_server: str) -> Iterator[str]:
    """A fresh PostgreSQL store URL, for the tests of what only the PostgreSQL recorder does (its table lock)."""
    yield from _pg_schema_url(postgres_server)


def _pg_schema_url(server: str) -> Iterator[str]:
    schema = f"t_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(_pg_conninfo(), autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    sep = "&" if "?" in server else "?"
    try:
        yield f"{server}{sep}schema={schema}&pool_size=3"
    finally:
        with psycopg.connect(_pg_conninfo(), autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(START)


@pytest.fixture
def empty_service(store_url: str, clock: FrozenClock) -> Iterator[ContestService]:
    svc = ContestService(EventStore(store_url), clock, SECRETS)
    try:
        yield svc
    finally:
        svc.close()


@pytest.fixture
def service(empty_service: ContestService) -> ContestService:
    """A store with the 2024 contest loaded from its preset."""
    empty_service.init_from_preset("2024", actor=system_actor("test"))
    return empty_service


@pytest.fixture
def app(service: ContestService) -> Flask:
    app = create_app(service, {"TESTING": True})
    return app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def smtp(monkeypatch: pytest.MonkeyPatch) -> Iterator[Inbox]:
    """A real SMTP server on loopback (aiosmtpd) with the service's mail settings pointing at it; the test reads the
    mail from it (tests/support/smtp.py). The service reads the settings when it first sends (contest/settings.py)."""
    with smtp_server() as inbox:
        for name, value in inbox.env().items():
            monkeypatch.setenv(name, value)
        yield inbox


@pytest.fixture
def tokens(service: ContestService) -> dict[str, str]:
    """One token per role: secretariat, auditor, council, a juror (seat lm), a municipality (LV-RIX)."""
    actor = system_actor("test")
    issued = {
        "secretariat": service.issue_token("secretariat", actor=actor, name="Anna")[0],
        "auditor": service.issue_token("auditor", actor=actor)[0],
        "council": service.issue_token("council", actor=actor)[0],
        "juror": service.issue_token("juror", actor=actor, seat="lm", year=2024)[0],
        "municipality": service.issue_token("municipality", actor=actor, municipality="LV-RIX", year=2024)[0],
    }
    return issued


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
