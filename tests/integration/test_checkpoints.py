"""Published checkpoints (RULES.md D16) and the one meaning of `--expect-digest` (D14), on SQLite and PostgreSQL.

A whole contest is played (round 1, the clock opens the vote, votes, an interim result, the clock closes the vote,
ballots, round 2, round 3 over HTTP, the council's approval); each of the six kinds of event publishes "the history
through position T has digest D". An auditor who downloaded that list before anything was forged catches a
self-consistent forgery that plain `verify` cannot: nothing inside the file anchors the history.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from contest.audit import GENESIS, chain_next, dumps, export_lines, line_without_chain
from contest.clock import FrozenClock
from contest.scheduler import CLOCK, WindowClock
from contest.service import ContestService
from contest.verify import Verifier, read_checkpoints, verify_file
from domain.ties import fraction_to_json
from projections.views import Views
from tests.support.helpers import AFTER_VOTE, SEC, VOTE_DAY, all_ballots, cast_votes, play_round1
from tests.support.round3 import FIVE_AT_E, SEATS, Steps, day, score_all

API = "/api/contests/2024"
KINDS = ["round1_closed", "interim_result", "window_closed", "round2_closed", "round3_closed", "approval"]


@dataclass
class Played:
    service: ContestService
    lines: list[str]  # the genuine export
    checkpoints: dict[str, Any]  # GET /api/contests/2024/checkpoints, downloaded before anything is forged
    approved: str  # the digest the council approved (D14)
    digest_through: int


@pytest.fixture
def played(service: ContestService, clock: FrozenClock, client: FlaskClient, tokens: dict[str, str]) -> Played:
    r = play_round1(service, clock)
    outsider = next(m.code for m in service.contest(2024).municipalities if m.code not in r)
    clock.set(VOTE_DAY)
    assert WindowClock(service, 2024).reconcile() == ["opened"]
    cast_votes(service, clock, {outsider: [5, 5, 4], r[0]: [4, 3], r[5]: [2]})
    service.round2.publish_interim(2024, actor=SEC, reason="the interim result after the first week (D10)")
    clock.set(AFTER_VOTE)
    assert WindowClock(service, 2024).reconcile() == ["closed"]  # the clock closes the window (§4.6.6)
    all_ballots(service, {s: r[:5] for s in SEATS})
    service.round2.close(2024, actor=SEC)
    steps = Steps(client, clock, tokens["secretariat"], service.contest(2024).finalists)
    jurors = {seat: service.issue_token("juror", actor=SEC, seat=seat, year=2024)[0] for seat in [*SEATS, "lps"]}
    steps.all_visits(FIVE_AT_E)
    score_all(steps, jurors)
    assert steps.post("/round3/close").status_code == 200
    clock.set(day("2024-12-10"))
    approval = steps.post("/approval", {"decision_number": "Protokols Nr. 12, 3.1", "decision_date": "2024-12-09"},
                          tokens["council"])
    assert approval.status_code == 200, approval.json
    downloaded = client.get(f"{API}/checkpoints")
    assert downloaded.status_code == 200
    return Played(service, list(export_lines(service.store)), downloaded.json, approval.json["approval"]["digest"],
                  approval.json["approval"]["digest_through"])


def write(tmp_path: Path, name: str, content: str) -> Path:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    return path


def cli_verify(history: Path, *options: str) -> subprocess.CompletedProcess[str]:
    """`contest audit verify` as an auditor runs it: a subprocess with no store reachable (it reads only files)."""
    env = {"CONTEST_STORE": "postgresql://nobody@127.0.0.1:1/none", "PATH": "/usr/bin:/bin"}
    return subprocess.run([sys.executable, "-m", "contest.cli", "audit", "verify", str(history), "--json", *options],
                          env=env, capture_output=True, text=True)


def forge(lines: list[str]) -> list[str]:
    """A careful forger: one vote's rating raised (2 -> 3), round 2's recorded tally and vote table rewritten to
    match, then every recorded digest (each closing, interim result, the window's close, the approval and its
    round3_digest) and the whole chain recomputed. The result is self-consistent."""
    records = [json.loads(x) for x in lines]
    vote = next(r for r in records if r["type"].endswith("Vote.Cast") and r["payload"]["rating"] == 2)
    vote["payload"]["rating"] = 3
    m = vote["payload"]["municipality"]
    closed = next(r for r in records if r["type"].endswith("Contest.Round2Closed"))["payload"]
    count, total = closed["tallies"][m]
    closed["tallies"][m] = [count, total + 1]
    for row in closed["outcome"]["explanation"]["vote_table"]:
        if row["municipality"] == m:
            row["rating_sum"] += 1
            row["average"] = fraction_to_json(Fraction(row["rating_sum"], row["votes"]))
    chain, at = GENESIS, {0: GENESIS}
    round3_digest = None
    for record in records:
        payload = record["payload"]
        through = payload.get("included_through", payload.get("digest_through"))
        if isinstance(through, int) and "digest" in payload:
            payload["digest"] = at[max(p for p in at if p <= through)]
        if record["type"].endswith("Contest.Round3Closed"):
            round3_digest = payload["digest"]
        if record["type"].endswith("Contest.ResultApproved"):
            payload["round3_digest"] = round3_digest
        chain = chain_next(chain, line_without_chain(record))
        record["chain"] = chain
        at[record["position"]] = chain
    return [dumps(r) for r in records]


def kinds_of(report: dict[str, Any]) -> set[str]:
    return {m["check"] for m in report["mismatches"]}


# ----- the checkpoints are published, in the events and publicly -----

def test_every_kind_of_checkpoint_is_published_in_order(played: Played, client: FlaskClient) -> None:
    doc = played.checkpoints
    assert doc["format"] == "contest-checkpoints-v1" and doc["year"] == 2024
    assert [cp["kind"] for cp in doc["checkpoints"]] == KINDS
    chain = played.service.audit
    for cp in doc["checkpoints"]:
        assert cp["digest"] == chain.digest_through(cp["through"]), cp
        assert cp["at"].endswith("Z")
    records = [json.loads(x) for x in played.lines]
    closed = next(r for r in records if r["type"].endswith("Contest.VotingWindowClosed"))
    # the clock's closing records its checkpoint: the history before it, every vote included (§4.6.6, D16)
    assert closed["actor"] == CLOCK.as_dict()
    assert closed["payload"]["included_through"] == closed["position"] - 1
    assert closed["payload"]["digest"] == doc["checkpoints"][2]["digest"]
    interim = next(r for r in records if r["type"].endswith("Contest.InterimResultPublished"))
    votes = [r["position"] for r in records if r["type"].endswith("Vote.Cast")]
    assert interim["payload"]["included_through"] >= max(votes)
    # D14: the approval names the chain through the position before its own line
    approval = records[-1]
    assert approval["type"].endswith("Contest.ResultApproved")
    assert doc["checkpoints"][-1] == {"kind": "approval", "through": approval["position"] - 1,
                                      "digest": played.approved, "at": approval["time"]}
    assert client.get("/openapi.json").json["paths"]["/api/contests/{year}/checkpoints"]["get"]
    assert client.get("/api/contests/2023/checkpoints").status_code == 404


def test_the_checkpoints_page_in_latvian_and_english(played: Played, client: FlaskClient) -> None:
    lv = client.get("/kontrolpunkti")
    assert lv.status_code == 200
    page = lv.get_data(as_text=True)
    for words in ("1. kārtas noslēgums", "Starprezultāts", "Balsošanas beigas", "2. kārtas noslēgums",
                  "3. kārtas noslēgums", "Padomes apstiprinājums", "contest audit verify --checkpoints"):
        assert words in page, words
    for cp in played.checkpoints["checkpoints"]:
        assert f'<code class="digest">{cp["digest"]}</code>' in page
        assert re.search(rf'<td class="num" data-label="[^"]+">{cp["through"]}</td>', page)  # the position, named
    assert f'href="{API}/checkpoints"' in page
    en = client.get("/kontrolpunkti?lang=en").get_data(as_text=True)
    assert "Round 1 closed" in en and "The council&#39;s approval" in en and played.approved in en
    for path in ("/", "/rezultati"):
        assert 'href="/kontrolpunkti"' in client.get(path).get_data(as_text=True), path


# ----- verifying a genuine export -----

def test_a_genuine_export_passes_the_approved_digest_and_the_checkpoints(played: Played, tmp_path: Path) -> None:
    history = write(tmp_path, "history.jsonl", "".join(x + "\n" for x in played.lines))
    checkpoints = write(tmp_path, "checkpoints.json", json.dumps(played.checkpoints))
    # D14: the approval names the chain through the position before it; the file's final chain includes the
    # approval's own line, so it is another value: --expect-digest compares with the approval, not the end
    assert json.loads(played.lines[-1])["chain"] != played.approved
    done = cli_verify(history, "--expect-digest", played.approved, "--checkpoints", str(checkpoints))
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(done.stdout)
    assert report["ok"] and not report["mismatches"]
    matched = [m for m in report["matches"] if m.startswith("checkpoint ")]
    assert len(matched) == len(KINDS) and all(played.checkpoints["checkpoints"][i]["digest"] in m
                                               for i, m in enumerate(matched))
    assert any(m.startswith("the approved digest (D14): " + played.approved) for m in report["matches"])
    # a JSON list of checkpoint objects is read too
    listed = write(tmp_path, "list.json", json.dumps(played.checkpoints["checkpoints"][:2]))
    assert cli_verify(history, "--checkpoints", str(listed)).returncode == 0


def test_a_wrong_digest_or_checkpoint_fails(played: Played, tmp_path: Path) -> None:
    history = write(tmp_path, "history.jsonl", "".join(x + "\n" for x in played.lines))
    final = json.loads(played.lines[-1])["chain"]
    failed = cli_verify(history, "--expect-digest", final)  # the file's end is not what the council approved
    assert failed.returncode == 1
    found = json.loads(failed.stdout)["mismatches"]
    assert found == [{"position": json.loads(played.lines[-1])["position"], "line": None,
                      "check": "the council's approval names the expected digest (D14)", "expected": final,
                      "found": played.approved}]
    # an approval missing from the file (the file stops before it)
    cut = write(tmp_path, "cut.jsonl", "".join(x + "\n" for x in played.lines[:-1]))
    missing = json.loads(cli_verify(cut, "--expect-digest", played.approved).stdout)
    assert not missing["ok"] and missing["mismatches"][0]["found"] == "no Contest.ResultApproved line"
    # a checkpoint with a wrong digest, one whose event is not in the file, one beyond the file's end
    cps = played.checkpoints["checkpoints"]
    wrong = {**cps[2], "digest": "0" * 64}
    unpublished = {**cps[3], "kind": "interim_result"}
    beyond = {**cps[-1], "through": json.loads(played.lines[-1])["position"] + 5}
    bad = write(tmp_path, "bad.json", json.dumps({**played.checkpoints, "checkpoints": [wrong, unpublished, beyond]}))
    report = json.loads(cli_verify(history, "--checkpoints", str(bad)).stdout)
    by_position = {m["position"]: m for m in report["mismatches"]}
    assert by_position[cps[2]["through"]]["expected"] == "0" * 64
    assert by_position[cps[2]["through"]]["found"] == cps[2]["digest"]
    assert "the file holds the event that published it" in by_position[cps[3]["through"]]["check"]
    assert "the file reaches that position" in by_position[beyond["through"]]["check"]
    # a malformed checkpoints file is a usage error (exit 2), not a verdict
    garbage = write(tmp_path, "garbage.json", json.dumps({"format": "something-else"}))
    assert cli_verify(history, "--checkpoints", str(garbage)).returncode == 2


# ----- the self-consistent forgery -----

def test_a_self_consistent_forgery_passes_plain_verify_but_not_the_checkpoints(played: Played,
                                                                             tmp_path: Path) -> None:
    forged = forge(played.lines)
    assert forged != played.lines
    # Plain verify cannot catch it: the chain is not keyed, every recorded digest and tally agrees with the file,
    # and the results follow from its events. This is what the checkpoints are for (D16).
    plain = verify_file(iter(x + "\n" for x in forged), Views())
    assert plain.ok, plain.text()
    history = write(tmp_path, "forged.jsonl", "".join(x + "\n" for x in forged))
    checkpoints = write(tmp_path, "checkpoints.json", json.dumps(played.checkpoints))
    assert cli_verify(history).returncode == 0

    with_checkpoints = cli_verify(history, "--checkpoints", str(checkpoints))
    assert with_checkpoints.returncode == 1
    report = json.loads(with_checkpoints.stdout)
    cps = {cp["kind"]: cp for cp in played.checkpoints["checkpoints"]}
    failed = {m["position"]: m for m in report["mismatches"]}
    # round 1 closed before any vote: still matches; every checkpoint after the edited vote fails at its position
    assert any(m.startswith("checkpoint round1_closed") for m in report["matches"])
    for kind in ("interim_result", "window_closed", "round2_closed", "round3_closed", "approval"):
        mismatch = failed[cps[kind]["through"]]
        assert mismatch["expected"] == cps[kind]["digest"] and mismatch["found"] != cps[kind]["digest"], kind
    assert min(failed) == cps["interim_result"]["through"]

    with_digest = cli_verify(history, "--expect-digest", played.approved)
    assert with_digest.returncode == 1
    [mismatch] = json.loads(with_digest.stdout)["mismatches"]
    assert mismatch["check"] == "the council's approval names the expected digest (D14)"
    assert mismatch["expected"] == played.approved and mismatch["found"] != played.approved


def test_a_forgery_that_keeps_the_approved_digest_fails_on_the_chain(played: Played) -> None:
    """A forger who leaves the approval's digest as approved (so the approval "names" it) is caught by the chain
    through digest_through, which is what --expect-digest recomputes (D14)."""
    forged = [json.loads(x) for x in forge(played.lines)]
    forged[-1]["payload"]["digest"] = played.approved
    lines = [dumps({k: v for k, v in r.items() if k != "chain"}) for r in forged]
    chain, out = GENESIS, []
    for line, record in zip(lines, forged, strict=True):
        chain = chain_next(chain, line)
        out.append(dumps({**record, "chain": chain}))
    report = verify_file(iter(x + "\n" for x in out), Views(), expect_digest=played.approved)
    checks = [m for m in report.mismatches if m.check.startswith("the approved digest (D14): the chain through")]
    assert checks and checks[0].expected == played.approved and checks[0].position == forged[-1]["position"]


def test_checkpoints_read_from_the_downloaded_json(played: Played) -> None:
    read = read_checkpoints(played.checkpoints)
    assert [c.kind for c in read] == KINDS and all(c.year == 2024 for c in read)
    with pytest.raises(ValueError, match="kind"):
        read_checkpoints([{"kind": "other", "through": 1, "digest": "0" * 64}])


def test_events_recorded_before_checkpoints_existed_still_replay(played: Played) -> None:
    """A window's close and an interim result recorded without included_through/digest (before D16) replay, and
    publish no checkpoint; the verifier checks no digest for them."""
    records = [json.loads(x) for x in played.lines]
    for r in records:
        if r["type"].endswith(("Contest.VotingWindowClosed", "Contest.InterimResultPublished")):
            del r["payload"]["included_through"], r["payload"]["digest"]
    chain, lines = GENESIS, []
    for r in records:  # the chain recomputed; later closings' digests now differ (not what this test is about)
        chain = chain_next(chain, line_without_chain(r))
        lines.append(dumps({**r, "chain": chain}))
    verifier = Verifier(Views())
    report = verifier.run(iter(lines))
    failing = {m.check.split(":")[0] for m in report.mismatches}
    assert not any("an event" in c for c in failing), report.text()  # every event rebuilt and applied
    assert [cp["kind"] for cp in verifier.replay.contest(2024).checkpoints] == [
        "round1_closed", "round2_closed", "round3_closed", "approval"]
    assert not any("window's closing" in m or "interim result" in m for m in report.matches)
