"""The read replica's parts that need no store: the setting (CONTEST_READ_STORE), which store a context reads
(contest/replica.py), which requests read the replica (api/read_side.py), and the lag's arithmetic
(contest/replica_lag.py). The replica itself, run for real, is tests/e2e/test_replica.py's."""

from __future__ import annotations

from typing import Any, cast

import pytest
from flask import Flask, session

from api.read_side import READ_HEADER, reads_replica
from api.staff_login import SESSION_KEY
from contest.replica import Stores, on_primary, primary_reads, replica_reads
from contest.replica_lag import ReplicaLag, lsn_bytes
from contest.settings import Settings, SettingsError, read_store_from_env

PG = "postgresql://postgres@127.0.0.1:5432/contest"
REPLICA = "postgresql://postgres@127.0.0.1:5433/contest"


def test_the_read_store_is_a_postgresql_replica_of_a_postgresql_store() -> None:
    assert read_store_from_env({}, PG) is None
    assert read_store_from_env({"CONTEST_READ_STORE": " "}, PG) is None
    assert read_store_from_env({"CONTEST_READ_STORE": REPLICA}, PG) == REPLICA
    for read, store in ((REPLICA, "sqlite:///var/contest.sqlite3"), ("sqlite:///var/copy.sqlite3", PG),
                        ("mysql://db/contest", PG)):
        with pytest.raises(SettingsError, match="CONTEST_READ_STORE"):
            read_store_from_env({"CONTEST_READ_STORE": read}, store)
    settings = Settings.from_env({"CONTEST_STORE": PG, "CONTEST_READ_STORE": REPLICA})
    assert (settings.store_url, settings.read_store_url) == (PG, REPLICA)
    assert Settings.from_env({"CONTEST_STORE": PG}).read_store_url is None


def test_a_context_reads_the_replica_only_when_asked_and_never_inside_a_command() -> None:
    primary, replica = object(), object()
    stores = Stores(cast(Any, primary), cast(Any, replica))
    alone = Stores(cast(Any, primary))

    @on_primary
    def command() -> object:
        return stores.current

    assert stores.current is primary and not stores.on_replica
    with replica_reads():
        assert stores.current is replica and stores.on_replica
        assert alone.current is primary and not alone.on_replica  # no replica configured: the primary
        assert command() is primary
        with primary_reads():
            assert stores.current is primary
        assert stores.current is replica
    assert stores.current is primary


@pytest.fixture
def bare_app() -> Flask:
    """A Flask app of its own (no service): reads_replica needs only the request and the session."""
    app = Flask(__name__)
    app.secret_key = "test"
    return app


@pytest.mark.parametrize(("method", "path", "headers", "staff", "replica"), [
    ("GET", "/", {}, False, True),
    ("HEAD", "/rezultati/balsojums", {}, False, True),
    ("GET", "/api/contests/2024/votes/results", {}, False, True),
    ("GET", "/api/contests/2024/standings", {"Authorization": "Bearer x"}, False, True),
    ("GET", "/api/contests/2024/standings", {"Authorization": "Bearer x", READ_HEADER: "primary"}, False, False),
    ("GET", "/api/contests/2024/votes/results", {READ_HEADER: "primary"}, False, True),  # not for the anonymous
    ("GET", "/balsot", {}, False, False),  # the vote's pages lead into a vote
    ("GET", "/balsot/eid/atpakal", {}, False, False),
    ("GET", "/sekretariats", {"Cookie": "contest_session=x"}, True, False),  # staff read their own writes
    ("GET", "/sekretariats", {"Cookie": "contest_session=x"}, False, True),
    ("POST", "/api/contests/2024/votes", {}, False, False),
    ("POST", "/rezultati/balsojums", {}, False, False),
    ("PUT", "/api/contests/2024/ballots/lm", {"Authorization": "Bearer x"}, False, False),
])
def test_which_requests_read_the_replica(bare_app: Flask, method: str, path: str, headers: dict[str, str], staff: bool,
                                         replica: bool) -> None:
    with bare_app.test_request_context(path, method=method, headers=headers):
        if staff:
            session[SESSION_KEY] = "a-session-id"
        assert reads_replica() is replica


def test_the_lag_in_bytes_and_which_part_answers() -> None:
    assert lsn_bytes("0/0") == 0
    assert lsn_bytes("16/B374D848") == (0x16 << 32) + 0xB374D848
    assert lsn_bytes("0/3016060") - lsn_bytes("0/3016000") == 0x60
    both = ReplicaLag(primary="ok", replica="ok", lag_bytes=96, lag_seconds=0.004, primary_events=12,
                      replica_events=10)
    assert both.status == "ok"
    assert both.public() == {"status": "ok", "primary": "ok",
                             "replica": {"status": "ok", "lag_bytes": 96, "lag_seconds": 0.004}}
    assert both.details()["events_lag"] == 2 and "events" not in both.public()["replica"]  # D10: no position
    assert ReplicaLag(primary="down", replica="ok").status == "degraded"
    assert ReplicaLag(primary="ok", replica="down").status == "degraded"
    assert ReplicaLag(primary="ok", replica="not_a_replica").status == "degraded"
    assert ReplicaLag(primary="down", replica="down").status == "down"
