"""A PostgreSQL streaming replica serving the reads (CONTEST_READ_STORE), run for real: a primary cluster and a replica
made from it with pg_basebackup -R, each a server process of the test's own on a loopback port
(tests/support/pgcluster.py), and gunicorn over both.

Votes go to the primary through the service; once the replica has replayed the primary's WAL (polled, with a
deadline), the results and the standings the service reads on the replica equal those it reads on the primary. With
the replica's replay paused the replica's answers stay where it is while the primary's move on (so the reads really
are the replica's), and /health shows the lag. With the primary stopped (pg_ctl stop -m fast) the reads, the
public pages and /health still answer from the replica, a vote gets a clear 503 naming the primary, and a worker
started meanwhile serves the reads too.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from api.app import create_app
from api.read_side import READ_HEADER
from contest.clock import SystemClock
from contest.replica import ReadOnlyReplica, ReplicaStore, replica_reads
from contest.residents import fake_personal_codes
from contest.service import ContestService
from contest.store import EventStore
from tests.conftest import SECRETS, bearer
from tests.support.live import call, gunicorn, start_gunicorn, stop_group
from tests.support.pgcluster import replica_pair, wait_replayed
from tests.support.reliability import SEC, contest_with_open_window, post_vote, reap_processes

RESULTS = "/api/contests/2024/votes/results"
STANDINGS = "/api/contests/2024/standings"
PAGES = ("/", "/rezultati", "/rezultati/balsojums", "/kontrolpunkti")
UNAVAILABLE = "the event store is unavailable"


@pytest.fixture(autouse=True)
def _reap() -> Iterator[None]:
    yield from reap_processes()


def secretariat_token(url: str) -> str:
    svc = ContestService(EventStore(url), SystemClock(), SECRETS)
    try:
        return svc.issue_token("secretariat", actor=SEC, name="replica test")[0]
    finally:
        svc.close()


def read(base: str, path: str, token: str, *, primary: bool = False) -> tuple[int, Any]:
    """A GET with the secretariat's token: on the replica, or on the primary when asked (api/read_side.py)."""
    return call("GET", base + path, headers={**bearer(token), **({READ_HEADER: "primary"} if primary else {})})


def page_status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=30) as r:
            r.read()
            return int(r.status)
    except urllib.error.HTTPError as e:
        return e.code


def vote(base: str, code: str, municipalities: list[str], i: int) -> int | None:
    return post_vote(base, code, municipalities[i % len(municipalities)], 1 + i % 5).status


@pytest.mark.slow
def test_the_replica_serves_the_reads_and_outlives_the_primary(tmp_path: Path) -> None:
    codes = fake_personal_codes(51, seed=808)
    with replica_pair() as (primary, replica):
        url, read_url = primary.url + "?pool_size=3", replica.url + "?pool_size=3"
        municipalities = contest_with_open_window(url)
        token = secretariat_token(url)
        wait_replayed(primary, replica)
        with gunicorn(url, tmp_path, workers=2, extra_env={"CONTEST_READ_STORE": read_url}) as (base, log):
            assert [vote(base, code, municipalities, i) for i, code in enumerate(codes[:40])] == [201] * 40

            # caught up, the replica's answers are the primary's
            wait_replayed(primary, replica)
            for path in (RESULTS, STANDINGS):
                on_replica, on_primary = read(base, path, token), read(base, path, token, primary=True)
                assert on_replica[0] == 200 and on_replica == on_primary, path
            assert read(base, RESULTS, token)[1]["total"] == 40
            status, health = call("GET", base + "/health")
            assert status == 200 and health["status"] == "ok" and health["primary"] == "ok", health
            assert health["replica"]["status"] == "ok" and health["replica"]["lag_bytes"] >= 0, health

            # the replica's replay paused: its answers stay where it is while the primary's move on
            replica.one("SELECT pg_wal_replay_pause()::text")
            assert [vote(base, code, municipalities, i) for i, code in enumerate(codes[40:50])] == [201] * 10
            assert read(base, RESULTS, token)[1]["total"] == 40
            health = call("GET", base + "/health")[1]
            assert health["replica"]["lag_bytes"] > 0 and health["replica"]["lag_seconds"] >= 0, health
            details = call("GET", base + "/health/details", headers=bearer(token))[1]
            assert details["replica"]["events_lag"] == 10 and details["events"] == details["replica"]["events"] + 10
            assert read(base, RESULTS, token, primary=True)[1]["total"] == 50
            replica.one("SELECT pg_wal_replay_resume()::text")
            wait_replayed(primary, replica)
            for path in (RESULTS, STANDINGS):
                assert read(base, path, token) == read(base, path, token, primary=True), path
            assert read(base, RESULTS, token)[1]["total"] == 50

            # the primary stops: the reads go on from the replica, a vote is a clear 503
            primary.stop()
            results = read(base, RESULTS, token)
            assert results[0] == 200 and results[1]["total"] == 50, results
            assert read(base, STANDINGS, token)[0] == 200
            assert {path: page_status(base + path) for path in PAGES} == dict.fromkeys(PAGES, 200)
            status, health = call("GET", base + "/health")
            assert status == 200, health
            assert health == {"status": "degraded", "primary": "down",
                              "replica": {"status": "ok", "lag_bytes": None, "lag_seconds": None}}
            refused = post_vote(base, codes[50], municipalities[0], 3)
            assert refused.status == 503 and refused.body["message"].startswith(UNAVAILABLE), refused
            assert refused.body["details"] == {"store": "unavailable", "part": "primary"}, refused.body
            assert int(refused.headers.get("Retry-After", "0")) >= 1
            assert page_status(base + "/balsot") == 503  # the vote's page reads the primary: no vote now

            # a worker that starts while the primary is down serves the reads from the replica
            (tmp_path / "late").mkdir()
            late, late_base, late_log = start_gunicorn(url, tmp_path / "late", workers=1,
                                                       extra_env={"CONTEST_READ_STORE": read_url})
            try:
                assert read(late_base, RESULTS, token)[1]["total"] == 50
                assert page_status(late_base + "/rezultati") == 200
            finally:
                stop_group(late)
            assert "serves reads from the replica" in late_log.read_text()
        assert "Traceback" not in log.read_text()


@pytest.mark.slow
def test_a_read_on_the_replica_sees_the_replicas_contest_and_a_command_decides_on_the_primary() -> None:
    """In one process: a command inside a read on the replica still decides and saves on the primary; the replica
    never takes a write; an interim result published on the primary is not shown from the replica until the replica
    holds it, and then exactly as counted at its position (D10, D16), never as a shorter history; with the replica
    stopped its reads are a 503 naming it, and the primary still takes votes."""
    codes = fake_personal_codes(30, seed=909)
    with replica_pair() as (primary, replica):
        municipalities = contest_with_open_window(primary.url)
        svc = ContestService(EventStore(primary.url), SystemClock(), SECRETS, replica=ReplicaStore(replica.url))
        client = create_app(svc).test_client()
        try:
            svc.round2.reconcile(2024, actor=SEC)  # the clock opens the window
            with replica_reads():
                for i, code in enumerate(codes[:20]):
                    svc.round2.cast_vote(2024, personal_code=code, municipality=municipalities[i % 5], rating=4)
                with pytest.raises(ReadOnlyReplica):
                    svc.store.save()
            assert svc.primary.event_count() >= 20
            wait_replayed(primary, replica)
            assert client.get(RESULTS).status_code == 409  # the window is open, no interim result yet (D10)

            # the replica's replay paused: five more votes, the interim result that counts them, five after it
            replica.one("SELECT pg_wal_replay_pause()::text")
            for i, code in enumerate(codes[20:25]):
                svc.round2.cast_vote(2024, personal_code=code, municipality=municipalities[i], rating=2)
            contest = svc.round2.publish_interim(2024, actor=SEC, reason="replica test")
            through = contest.checkpoints[-1]["through"]
            for code in codes[25:]:
                last, _ = svc.round2.cast_vote(2024, personal_code=code, municipality=municipalities[0], rating=1)
            own = client.get(f"/api/contests/2024/votes/receipts/{last.receipt}")  # not on the replica yet
            assert own.status_code == 200 and own.json["rating"] == 1, own.json  # read-your-writes: the primary's
            with replica_reads():
                assert svc.round2.gate.contest(2024).interim_published_at is None  # the replica's contest
            assert svc.round2.gate.contest(2024).interim_published_at is not None  # the primary's
            assert client.get(RESULTS).status_code == 409  # not shown from a replica that does not hold it yet

            replica.one("SELECT pg_wal_replay_resume()::text")
            wait_replayed(primary, replica)
            shown = client.get(RESULTS)
            assert shown.status_code == 200, shown.json
            counted = svc.round2.vote_results(2024, svc.history.state(str(through)))
            assert shown.json["included_through"] == through and shown.json["total"] == counted["total"] == 25

            # the replica stops: its reads answer 503 naming it (no fall-back onto the primary), commands go on
            replica.stop()
            refused = client.get(RESULTS)
            assert refused.status_code == 503 and refused.json["details"]["part"] == "replica", refused.json
            health = client.get("/health")
            assert health.status_code == 200 and health.json["status"] == "degraded", health.json
            assert health.json["primary"] == "ok" and health.json["replica"]["status"] == "down"
            svc.round2.cast_vote(2024, personal_code=fake_personal_codes(1, seed=4242)[0],
                                 municipality=municipalities[0], rating=5)
        finally:
            svc.close()
