"""The vote secrets are bound to the contest (D10): the contest's first vote records the fingerprints of
CONTEST_VOTER_SECRET and CONTEST_RECEIPT_SECRET (Contest.VoteSecretsBound); a service restarted with other secrets
takes no vote (503, nothing stored), so no resident votes twice under a new resident key; the verifier checks that
every vote follows the contest's one binding and reports the fingerprints; `contest serve` keeps the operator's
secrets whatever store is set."""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flask.testing import FlaskClient

from api.app import create_app
from contest.audit import export_lines
from contest.cli import main, serve_environment
from contest.clock import FrozenClock
from contest.residents import fake_personal_codes
from contest.service import ContestService
from contest.settings import Settings, VoteSecrets, VoteSecretsMismatch
from contest.store import EventStore
from contest.supervisor import Supervisor
from contest.verify import verify_file
from domain.actors import system_actor
from domain.contest import Contest
from domain.errors import InvalidInput, RuleViolation
from domain.identity import identify
from domain.personal_code import secret_fingerprint
from domain.vote import Vote
from projections.views import Views
from tests.conftest import SECRETS, START
from tests.support.helpers import SEC, VOTE_DAY
from tests.support.reliability import stored_votes

BOUND_TOPIC = "domain.contest:Contest.VoteSecretsBound"
OTHER_VOTER = b"another-voter-secret-000000000"
OTHER_RECEIPT = b"another-receipt-secret-11111111"


def post_vote(client: FlaskClient, code: str, municipality: str = "LV-RIX", rating: int = 4) -> Any:
    return client.post("/api/contests/2024/votes",
                       json={"personal_code": code, "municipality": municipality, "rating": rating})


def topics(service: ContestService) -> list[str]:
    return [n.topic for n in service.store.notifications()]


def bindings(service: ContestService) -> list[Any]:
    to_event = service.store.mapper.to_domain_event
    return [to_event(n) for n in service.store.notifications(topics=[BOUND_TOPIC])]


@contextmanager
def restarted(store_url: str, clock: FrozenClock, secrets: VoteSecrets) -> Iterator[ContestService]:
    """The service started again on the same store, as after a restart or on another host, with these secrets."""
    other = ContestService(EventStore(store_url), clock, secrets)
    try:
        yield other
    finally:
        other.close()


def verify(service: ContestService) -> Any:
    return verify_file(io.StringIO("".join(line + "\n" for line in export_lines(service.store))), Views())


# ----- the fingerprint and the binding in the domain -----

def test_the_fingerprint_is_the_documented_hmac_and_differs_per_year_and_purpose() -> None:
    secret = b"a-voter-secret-of-thirty-two-chars"
    expected = hmac.new(secret, b"contest-vote-secret-fingerprint-v1|2024|voter", hashlib.sha256).hexdigest()
    assert secret_fingerprint(secret, 2024, "voter") == expected
    assert len({secret_fingerprint(secret, 2024, "voter"), secret_fingerprint(secret, 2024, "receipt"),
                secret_fingerprint(secret, 2025, "voter"), secret_fingerprint(OTHER_VOTER, 2024, "voter")}) == 4
    assert SECRETS.fingerprints(2024) == (secret_fingerprint(SECRETS.voter, 2024, "voter"),
                                          secret_fingerprint(SECRETS.receipt, 2024, "receipt"))
    with pytest.raises(ValueError):
        secret_fingerprint(b"", 2024, "voter")


def test_a_contest_binds_its_vote_secrets_once(service: ContestService) -> None:
    contest = service.contest(2024)
    voter, receipt = SECRETS.fingerprints(2024)
    with pytest.raises(InvalidInput) as bad:
        contest.bind_vote_secrets(voter_fingerprint="not hex", receipt_fingerprint=receipt, actor=SEC, at=START)
    assert "voter_fingerprint" in bad.value.errors
    contest.bind_vote_secrets(voter_fingerprint=voter, receipt_fingerprint=receipt, actor=SEC, at=START)
    assert contest.vote_secrets == (voter, receipt)
    assert contest.vote_secrets_differing((voter, receipt)) == []
    assert contest.vote_secrets_differing((voter, "0" * 64)) == ["receipt"]
    with pytest.raises(RuleViolation) as again:
        contest.bind_vote_secrets(voter_fingerprint="1" * 64, receipt_fingerprint="2" * 64, actor=SEC, at=START)
    assert again.value.clause == "D10" and contest.vote_secrets == (voter, receipt)


# ----- the first vote records the binding -----

def test_the_first_vote_records_the_binding_once_before_it_and_never_the_secret(
        service: ContestService, client: FlaskClient, clock: FrozenClock) -> None:
    clock.set(VOTE_DAY)
    assert service.contest(2024).vote_secrets is None
    head = service.event_count()
    for code in fake_personal_codes(3, seed=401):
        assert post_vote(client, code).status_code == 201
    new = topics(service)[head:]
    assert new == [BOUND_TOPIC] + ["domain.vote:Vote.Cast"] * 3  # the binding, then the first vote's own event
    [bound] = bindings(service)
    assert (bound.voter_fingerprint, bound.receipt_fingerprint) == SECRETS.fingerprints(2024)
    assert bound.actor == {"role": "system", "principal": "vote-secrets"}
    assert service.contest(2024).vote_secrets == SECRETS.fingerprints(2024)
    stored = b"".join(n.state for n in service.store.notifications())
    export = "\n".join(export_lines(service.store))
    for secret in (SECRETS.voter, SECRETS.receipt):
        assert secret not in stored and secret.decode() not in export
    assert SECRETS.fingerprints(2024)[0] in export


def test_a_refused_vote_records_no_binding(service: ContestService, client: FlaskClient, clock: FrozenClock) -> None:
    head = service.event_count()  # before the window opens (§4.6.6)
    assert post_vote(client, fake_personal_codes(1, seed=402)[0]).status_code == 409
    clock.set(VOTE_DAY)
    assert post_vote(client, "123456-12345").status_code == 422  # a malformed personal code (D10)
    assert service.event_count() == head and service.contest(2024).vote_secrets is None


def test_workers_racing_to_take_the_first_vote_record_one_binding(
        store_url: str, service: ContestService, clock: FrozenClock) -> None:
    clock.set(VOTE_DAY)
    workers = [ContestService(EventStore(store_url), clock, SECRETS) for _ in range(3)]
    try:
        for w in workers:
            assert w.round2.gate.cached(2024).vote_secrets is None  # each holds the unbound contest
        codes = fake_personal_codes(len(workers), seed=403)
        start = threading.Barrier(len(workers))
        errors: list[BaseException] = []

        def vote(w: ContestService, code: str) -> None:
            start.wait()
            try:
                w.round2.cast_vote(2024, personal_code=code, municipality="LV-RIX", rating=5)
            except BaseException as e:  # reported below
                errors.append(e)

        threads = [threading.Thread(target=vote, args=(w, c)) for w, c in zip(workers, codes, strict=True)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
    finally:
        for w in workers:
            w.close()
    assert len(bindings(service)) == 1 and len(stored_votes(service.store)) == 3
    assert topics(service).index(BOUND_TOPIC) < topics(service).index("domain.vote:Vote.Cast")
    assert verify(service).ok


# ----- other secrets after a restart -----

@pytest.mark.parametrize("rotated", ["voter", "receipt", "both"])
def test_a_restart_with_other_secrets_takes_no_vote_and_nobody_votes_twice(
        store_url: str, service: ContestService, client: FlaskClient, clock: FrozenClock, rotated: str) -> None:
    clock.set(VOTE_DAY)
    first, newcomer = fake_personal_codes(2, seed=404)
    assert post_vote(client, first).status_code == 201
    secrets = VoteSecrets(voter=OTHER_VOTER if rotated != "receipt" else SECRETS.voter,
                          receipt=OTHER_RECEIPT if rotated != "voter" else SECRETS.receipt)
    named = {"voter": ["CONTEST_VOTER_SECRET"], "receipt": ["CONTEST_RECEIPT_SECRET"],
             "both": ["CONTEST_VOTER_SECRET", "CONTEST_RECEIPT_SECRET"]}[rotated]
    head = service.event_count()
    with restarted(store_url, clock, secrets) as other:
        again = create_app(other, {"TESTING": True}).test_client()
        for code in (first, newcomer):  # the resident who voted, and one who has not
            r = post_vote(again, code)
            assert r.status_code == 503, r.json
            assert r.json["details"]["settings"] == named and r.json["rule"] == "D10"
            assert all(name in r.json["message"] for name in named) and "restore" in r.json["message"]
            for secret in (*(s.decode() for s in (OTHER_VOTER, OTHER_RECEIPT)), SECRETS.voter.decode()):
                assert secret not in r.get_data(as_text=True)
        with pytest.raises(VoteSecretsMismatch):
            other.round2.cast_vote(2024, personal_code=newcomer, municipality="LV-RIX", rating=2)
    assert service.event_count() == head  # nothing stored
    assert len(stored_votes(service.store)) == 1 and len(bindings(service)) == 1
    report = verify(service)
    assert report.ok and report.fingerprints == {"2024": dict(zip(("voter", "receipt"),
                                                                  SECRETS.fingerprints(2024), strict=True))}
    # the recorded secrets restored: the service takes votes again, and the first vote still stands (D10)
    with restarted(store_url, clock, SECRETS) as restored:
        back = create_app(restored, {"TESTING": True}).test_client()
        assert post_vote(back, first).status_code == 409
        assert post_vote(back, newcomer).status_code == 201


def test_a_worker_with_other_secrets_holding_the_unbound_contest_refuses_once_another_bound_it(
        store_url: str, service: ContestService, client: FlaskClient, clock: FrozenClock) -> None:
    """The misconfigured worker cached the contest before any vote; its first vote finds the binding recorded by
    a correctly configured worker and is refused, without storing anything."""
    clock.set(VOTE_DAY)
    first, second = fake_personal_codes(2, seed=405)
    with restarted(store_url, clock, VoteSecrets(voter=OTHER_VOTER, receipt=OTHER_RECEIPT)) as other:
        assert other.round2.gate.cached(2024).vote_secrets is None
        assert post_vote(client, first).status_code == 201  # the correctly configured worker binds
        head = service.event_count()
        r = post_vote(create_app(other, {"TESTING": True}).test_client(), second)
        assert r.status_code == 503 and r.json["details"]["settings"] == ["CONTEST_VOTER_SECRET",
                                                                          "CONTEST_RECEIPT_SECRET"], r.json
    assert service.event_count() == head and len(bindings(service)) == 1


def test_the_voting_page_says_in_latvian_that_voting_is_unavailable(
        store_url: str, service: ContestService, client: FlaskClient, clock: FrozenClock) -> None:
    clock.set(VOTE_DAY)
    assert post_vote(client, fake_personal_codes(1, seed=406)[0]).status_code == 201
    head = service.event_count()
    with restarted(store_url, clock, VoteSecrets(voter=OTHER_VOTER, receipt=SECRETS.receipt)) as other:
        pages = create_app(other, {"TESTING": True}).test_client()
        shown = pages.get("/balsot")
        assert shown.status_code == 503 and "Balsošana īslaicīgi nav pieejama" in shown.get_data(as_text=True)
        assert 'name="personal_code"' not in shown.get_data(as_text=True)  # no form to fill in vain
        with pages.session_transaction() as session:  # a form opened before the restart, sent now
            session["csrf"] = "form-token"
        r = pages.post("/balsot", data={"csrf_token": "form-token", "municipality": "LV-RIX", "rating": "4",
                                        "comment": "", "personal_code": fake_personal_codes(1, seed=407)[0]})
        page = r.get_data(as_text=True)
        assert r.status_code == 503 and "Balsošana īslaicīgi nav pieejama" in page and "Nekas netika reģistrēts" in page
    assert service.event_count() == head


def test_a_worker_with_other_secrets_says_so_in_its_log_at_start(
        store_url: str, service: ContestService, client: FlaskClient, clock: FrozenClock,
        caplog: pytest.LogCaptureFixture) -> None:
    from api.operations import log_vote_secrets_problem

    clock.set(VOTE_DAY)
    assert not log_vote_secrets_problem(service, 2024)  # nothing bound yet: nothing to say
    assert post_vote(client, fake_personal_codes(1, seed=408)[0]).status_code == 201
    assert not log_vote_secrets_problem(service, 2024)
    with (restarted(store_url, clock, VoteSecrets(voter=SECRETS.voter, receipt=OTHER_RECEIPT)) as other,
          caplog.at_level("ERROR", logger="contest.secrets")):
        assert log_vote_secrets_problem(other, 2024)
    [record] = [r for r in caplog.records if r.name == "contest.secrets"]
    assert "CONTEST_RECEIPT_SECRET" in record.getMessage() and "CONTEST_VOTER_SECRET" not in record.getMessage()
    for secret in (SECRETS.voter, SECRETS.receipt, OTHER_RECEIPT):
        assert secret.decode() not in caplog.text


# ----- the verifier -----

def test_verify_reports_the_fingerprints_in_its_json(service: ContestService, client: FlaskClient,
                                                     clock: FrozenClock, tmp_path: Path) -> None:
    clock.set(VOTE_DAY)
    assert post_vote(client, fake_personal_codes(1, seed=409)[0]).status_code == 201
    path = tmp_path / "history.jsonl"
    path.write_text("".join(line + "\n" for line in export_lines(service.store)))
    run = CliRunner().invoke(main, ["audit", "verify", str(path), "--json"])
    assert run.exit_code == 0, run.output
    data = json.loads(run.output)
    voter, receipt = SECRETS.fingerprints(2024)
    assert data["ok"] and data["fingerprints"] == {"2024": {"voter": voter, "receipt": receipt}}
    assert voter in data["results"]["vote secrets (2024)"]
    text = CliRunner().invoke(main, ["audit", "verify", str(path)]).output
    assert f"voter fingerprint {voter}" in text and "VERIFIED" in text


def test_verify_flags_a_vote_recorded_before_the_binding(service: ContestService, clock: FrozenClock) -> None:
    """A history made by a service that skipped the binding (the votes before any VoteSecretsBound)."""
    clock.set(VOTE_DAY)
    early, later = fake_personal_codes(2, seed=410)
    contest = service.contest(2024)
    identity = identify(early, verified="code", secret=SECRETS.voter, receipt_secret=SECRETS.receipt, year=2024,
                        today=contest.local_day(clock.now()))
    vote = Vote.cast(contest, identity=identity, municipality="LV-RIX", rating=3, comment=None, at=clock.now())
    service.store.save(vote)
    service.round2.cast_vote(2024, personal_code=later, municipality="LV-RIX", rating=4)  # binds, then votes
    report = verify(service)
    assert not report.ok
    [finding] = report.mismatches
    assert "VoteSecretsBound" in finding.check
    assert finding.position == topics(service).index("domain.vote:Vote.Cast") + 1  # the early vote


def test_verify_flags_a_second_binding(store_url: str, service: ContestService, clock: FrozenClock) -> None:
    """A history where the secrets were bound again (by a service that did not refuse it): a mismatch."""
    clock.set(VOTE_DAY)
    [first] = fake_personal_codes(1, seed=411)
    service.round2.cast_vote(2024, personal_code=first, municipality="LV-RIX", rating=4)
    contest: Contest = service.contest(2024)
    other = VoteSecrets(voter=OTHER_VOTER, receipt=OTHER_RECEIPT).fingerprints(2024)
    contest._vote_secrets_bound(voter_fingerprint=other[0], receipt_fingerprint=other[1],
                                actor=system_actor("vote-secrets").as_dict(), at=clock.now())
    service.store.save(contest)
    with restarted(store_url, clock, VoteSecrets(voter=OTHER_VOTER, receipt=OTHER_RECEIPT)) as rebound:
        rebound.round2.cast_vote(2024, personal_code=first, municipality="LV-RIX", rating=1)  # a second vote
    report = verify(service)
    second_binding = topics(service).index(BOUND_TOPIC, topics(service).index(BOUND_TOPIC) + 1) + 1
    found = [m for m in report.mismatches if "one binding" in m.check]
    assert not report.ok and [m.position for m in found] == [second_binding]
    assert found[0].found == {"voter": other[0], "receipt": other[1]}
    assert report.fingerprints["2024"]["voter"] == SECRETS.fingerprints(2024)[0]  # the first, the votes' own


# ----- `contest serve` keeps the operator's secrets -----

OPERATOR = {"CONTEST_VOTER_SECRET": "operator-voter-secret-0123456789",
            "CONTEST_RECEIPT_SECRET": "operator-receipt-secret-9876543210"}


def test_serve_environment_keeps_the_operators_secrets_whatever_the_store(tmp_path: Path) -> None:
    secrets_file = tmp_path / "var" / "secrets.env"
    for store in (None, "sqlite:///elsewhere.sqlite3", "postgresql://u@db:5432/contest"):
        environ = {**OPERATOR, **({"CONTEST_STORE": store} if store else {})}
        env = serve_environment(Settings.from_env(environ), environ, secrets_file)
        assert {k: env[k] for k in OPERATOR} == OPERATOR
        assert not secrets_file.exists()
    made = serve_environment(Settings.from_env({}), {}, secrets_file)  # none set: a developer's pair, kept
    assert secrets_file.exists() and secrets_file.stat().st_mode & 0o777 == 0o600
    again = serve_environment(Settings.from_env({"CONTEST_STORE": "sqlite:///x.sqlite3"}), {}, secrets_file)
    assert {k: made[k] for k in OPERATOR} == {k: again[k] for k in OPERATOR}
    assert made["CONTEST_VOTER_SECRET"] != OPERATOR["CONTEST_VOTER_SECRET"]


def test_contest_serve_with_a_store_set_keeps_the_operators_secrets(
        store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI end to end up to the start of its processes: CONTEST_STORE and explicit secrets in the environment;
    the environment web, clock and projector would get carries the operator's secrets and no var/secrets.env is
    made."""
    started: dict[str, Any] = {}

    def supervise(supervisor: Supervisor) -> int:
        started.update(programs=supervisor.programs, env=supervisor.env)
        return 0

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(Supervisor, "run", supervise)
    run = CliRunner().invoke(main, ["serve", "--port", "1"], env={"CONTEST_STORE": store_url, **OPERATOR})
    assert run.exit_code == 0, run.output
    assert [p.name for p in started["programs"]] == ["web", "clock", "projector", "mailer"]  # one environment for all
    assert started["programs"][0].argv[-1] == "api.wsgi:app"
    assert {k: started["env"][k] for k in OPERATOR} == OPERATOR and started["env"]["CONTEST_STORE"] == store_url
    assert not (tmp_path / "var" / "secrets.env").exists()
    assert "from the environment" in run.output


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_contest_serve_records_the_operators_fingerprints_with_the_first_vote(store_url: str,
                                                                              tmp_path: Path) -> None:
    """A real `contest serve` (web, clock, projector) with CONTEST_STORE and the operator's secrets: after one vote
    the contest's binding is the fingerprints of the operator's secrets."""
    from datetime import UTC, datetime, timedelta

    now = datetime.now(UTC)
    # the contest with a window around now before serve starts, so its clock finds it open, not the preset's past
    # 2024 window to close (§4.6.6)
    with restarted(store_url, FrozenClock(now), SECRETS) as svc:
        svc.init_from_preset("2024", actor=system_actor("test"))
        svc.configure(2024, "window", {"opens_at": (now - timedelta(hours=1)).isoformat(),
                                       "closes_at": (now + timedelta(hours=2)).isoformat()},
                      reason="the test's vote", actor=SEC)
    port = _free_port()
    env = dict(os.environ, CONTEST_STORE=store_url, CONTEST_YEAR="2024", CONTEST_VOTE_RATE_LIMIT="off", **OPERATOR)
    proc = subprocess.Popen([sys.executable, "-m", "contest.cli", "serve", "--port", str(port), "--workers", "1"],
                            cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)
    try:
        assert proc.stdout is not None
        lines: list[str] = []
        while not any(line.strip().startswith("ctk_") for line in lines):
            line = proc.stdout.readline()
            assert line, "serve exited early:\n" + "".join(lines)
            lines.append(line)
        body = json.dumps({"personal_code": fake_personal_codes(1, seed=412)[0], "municipality": "LV-RIX",
                           "rating": 5}).encode()
        deadline = time.monotonic() + 90
        while True:
            try:
                req = urllib.request.Request(f"http://127.0.0.1:{port}/api/contests/2024/votes", data=body,
                                             headers={"Content-Type": "application/json"})
                # the first vote of a fresh service on a loaded machine can take seconds; it is not sent twice
                with urllib.request.urlopen(req, timeout=60) as r:
                    assert r.status == 201
                break
            except urllib.error.URLError as e:
                if isinstance(e, urllib.error.HTTPError):
                    raise AssertionError(f"{e.code}: {e.read()!r}") from None
                assert time.monotonic() < deadline, "service did not answer"
                time.sleep(0.1)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)
        if proc.stdout:
            proc.stdout.close()
    operator = VoteSecrets(voter=OPERATOR["CONTEST_VOTER_SECRET"].encode(),
                           receipt=OPERATOR["CONTEST_RECEIPT_SECRET"].encode())
    with restarted(store_url, FrozenClock(START), SECRETS) as svc:
        [bound] = bindings(svc)
        assert (bound.voter_fingerprint, bound.receipt_fingerprint) == operator.fingerprints(2024)
    assert not (tmp_path / "var" / "secrets.env").exists()
