"""Audit (RULES.md "Audit", D14): the export, its hash chain, and `verify` recomputing every result from the file
alone, catching each kind of tampering at the right position."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from contest.audit import export_lines
from contest.clock import FrozenClock
from contest.service import ContestService
from contest.verify import verify_file
from domain.actors import system_actor
from projections.views import Views
from tests.support.helpers import bearer, play_round2
from tests.support.verifiers import rechain


@pytest.fixture
def history(service: ContestService, clock: FrozenClock, tmp_path: Path) -> tuple[ContestService, list[str]]:
    play_round2(service, clock)
    return service, list(export_lines(service.store))


def write(tmp_path: Path, lines: list[str], name: str = "history.jsonl") -> Path:
    path = tmp_path / name
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def verify(lines: list[str]) -> Any:
    return verify_file(iter(line + "\n" for line in lines), Views())


def position_of(lines: list[str], type_suffix: str, nth: int = 0) -> int:
    found = [i for i, line in enumerate(lines) if json.loads(line)["type"].endswith(type_suffix)]
    return found[nth]


def test_a_clean_history_verifies(history: tuple[ContestService, list[str]]) -> None:
    service, lines = history
    report = verify(lines)
    assert report.ok, report.text()
    assert report.digest == service.audit.digest_through(service.event_count())
    text = report.text()
    assert "round 1 ranking of 43 municipalities" in text and "round 2 finalists" in text
    assert "round 1 closing: digest" in text and "round 2 closing: digest" in text
    finalists = [f["municipality"] for f in service.contest(2024).round2["finalists"]]
    assert report.results["finalists (2024)"] == ", ".join(finalists)


def test_export_lines_are_canonical_and_carry_no_personal_code(history: tuple[ContestService, list[str]]) -> None:
    _, lines = history
    first = json.loads(lines[0])
    assert set(first) == {"position", "time", "actor", "type", "aggregate_id", "version", "payload", "chain"}
    for line in lines:
        record = json.loads(line)
        assert line == json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    votes = [json.loads(x) for x in lines if json.loads(x)["type"].endswith("Vote.Cast")]
    assert votes and all(len(v["payload"]["resident_key"]) == 64 for v in votes)
    assert all(v["actor"] == {"role": "public", "principal": "resident"} for v in votes)


def test_an_edited_payload_is_caught_at_its_position(history: tuple[ContestService, list[str]]) -> None:
    _, lines = history
    i = position_of(lines, "Vote.Cast", 0)
    record = json.loads(lines[i])
    record["payload"]["rating"] = 1 if record["payload"]["rating"] != 1 else 5
    tampered = [*lines[:i], json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False),
                *lines[i + 1:]]
    report = verify(tampered)
    assert not report.ok
    chain = [m for m in report.mismatches if m.check.startswith("chain hash")]
    assert chain[0].position == record["position"]
    # and a forger who recomputes the chain is still caught: the tally recorded at round 2 no longer matches
    forged = verify(rechain([json.loads(x) for x in tampered]))
    assert any("vote tally" in m.check for m in forged.mismatches)
    assert any("round 2 closing: the digest" in m.check for m in forged.mismatches)


def test_a_deleted_line_is_caught(history: tuple[ContestService, list[str]]) -> None:
    _, lines = history
    i = position_of(lines, "Vote.Cast", 1)
    deleted = json.loads(lines[i])["position"]
    report = verify(lines[:i] + lines[i + 1:])
    assert not report.ok
    assert report.mismatches[0].position == json.loads(lines[i + 1])["position"]  # the next line's chain breaks
    forged = verify(rechain([json.loads(x) for x in lines[:i] + lines[i + 1:]]))
    assert any("vote tally" in m.check for m in forged.mismatches), deleted


def test_an_inserted_line_is_caught(history: tuple[ContestService, list[str]]) -> None:
    _, lines = history
    i = position_of(lines, "Submission.AnswersSaved", 3)
    record = json.loads(lines[i])
    record["version"] += 1  # a second save squeezed in after it
    record["position"] = record["position"] + 0  # same position: also out of order
    report = verify([*lines[: i + 1], json.dumps(record), *lines[i + 1:]])
    assert not report.ok
    assert any(m.position == record["position"] and "strictly increasing" in m.check for m in report.mismatches)


def test_a_duplicated_line_is_caught(history: tuple[ContestService, list[str]]) -> None:
    _, lines = history
    i = position_of(lines, "Vote.Cast", 0)
    report = verify([*lines[: i + 1], lines[i], *lines[i + 1:]])
    position = json.loads(lines[i])["position"]
    checks = {m.check.split(" (")[0] for m in report.mismatches if m.position == position}
    assert {"positions strictly increasing", "chain hash"} <= checks


def test_reordered_lines_are_caught(history: tuple[ContestService, list[str]]) -> None:
    _, lines = history
    i = position_of(lines, "Vote.Cast", 0)
    swapped = [*lines[:i], lines[i + 1], lines[i], *lines[i + 2:]]
    report = verify(swapped)
    assert any("strictly increasing" in m.check and m.position == json.loads(lines[i])["position"]
               for m in report.mismatches)


def test_a_vote_added_after_the_window_is_caught(history: tuple[ContestService, list[str]]) -> None:
    _, lines = history
    records = [json.loads(x) for x in lines]
    vote = next(r for r in records if r["type"].endswith("Vote.Cast"))
    forged = json.loads(json.dumps(vote))
    forged["position"] = records[-1]["position"] + 1
    forged["aggregate_id"] = "00000000-0000-4000-8000-000000000001"
    forged["payload"]["resident_key"] = "f" * 64
    forged["payload"]["at"]["_data_"] = "2024-09-20T10:00:00+00:00"  # five days after the window closed
    report = verify(rechain([*records, forged]))
    found = [m for m in report.mismatches if "inside the window" in m.check]
    assert found and found[0].position == forged["position"]


def test_a_ballot_from_a_seat_that_does_not_exist_is_caught(history: tuple[ContestService, list[str]]) -> None:
    _, lines = history
    records = [json.loads(x) for x in lines]
    close_at = next(i for i, r in enumerate(records) if r["type"].endswith("Contest.Round2Closed"))
    opened = next(r for r in records if r["type"].endswith("Ballot.Opened"))
    forged = json.loads(json.dumps(opened))
    forged["aggregate_id"] = "00000000-0000-4000-8000-000000000002"
    forged["payload"]["seat"] = "ghost"
    forged["position"] = records[close_at - 1]["position"] + 0
    records.insert(close_at, forged)
    for n, r in enumerate(records):
        r["position"] = n + 1
    report = verify(rechain(records))
    found = [m for m in report.mismatches if "voting seat" in m.check]
    assert found and found[0].position == close_at + 1 and found[0].found == "ghost"


def test_cli_export_and_verify_read_only_the_file(history: tuple[ContestService, list[str]], store_url: str,
                                                  tmp_path: Path) -> None:
    _, lines = history
    out = tmp_path / "export.jsonl"
    env = {"CONTEST_STORE": store_url, "PATH": "/usr/bin:/bin"}
    subprocess.run([sys.executable, "-m", "contest.cli", "audit", "export", "--out", str(out)], check=True,
                   env=env, capture_output=True)
    assert out.read_text(encoding="utf-8").splitlines() == lines
    # verify gets no store at all: an unreachable CONTEST_STORE proves it never connects
    env_nostore = {"CONTEST_STORE": "postgresql://nobody@127.0.0.1:1/none", "PATH": "/usr/bin:/bin"}
    ok = subprocess.run([sys.executable, "-m", "contest.cli", "audit", "verify", str(out), "--json"],
                        env=env_nostore, capture_output=True, text=True)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert json.loads(ok.stdout)["ok"] is True
    bad = write(tmp_path, [lines[0], *lines[2:]], "bad.jsonl")
    failed = subprocess.run([sys.executable, "-m", "contest.cli", "audit", "verify", str(bad)], env=env_nostore,
                            capture_output=True, text=True)
    assert failed.returncode == 1 and "MISMATCH at position" in failed.stdout


def test_the_export_endpoint_is_for_auditors(client: FlaskClient, history: tuple[ContestService, list[str]]) -> None:
    service, lines = history
    auditor = service.issue_token("auditor", actor=system_actor("t"))[0]
    sec = service.issue_token("secretariat", actor=system_actor("t"))[0]
    assert client.get("/api/audit/export").status_code == 401
    assert client.get("/api/audit/export", headers=bearer(sec)).status_code == 403
    body = client.get("/api/audit/export", headers=bearer(auditor)).get_data(as_text=True)
    assert body.splitlines()[: len(lines)] == lines


def test_results_as_of_a_position_or_a_time(client: FlaskClient, history: tuple[ContestService, list[str]],
                                            store_url: str) -> None:
    service, lines = history
    records = [json.loads(x) for x in lines]
    closed1 = next(r for r in records if r["type"].endswith("Contest.Round1Closed"))
    first_vote = next(r for r in records if r["type"].endswith("Vote.Cast"))
    assert client.get("/api/contests/2024?as_of=1").json["stage"] == "setup"
    assert client.get(f"/api/contests/2024?as_of={closed1['position'] - 1}").json["stage"] == "round1"
    assert client.get(f"/api/contests/2024?as_of={closed1['position']}").json["stage"] == "round2"
    now = client.get("/api/contests/2024/round1/results").json
    then = client.get(f"/api/contests/2024/round1/results?as_of={closed1['position']}").json
    assert then == now and then["final"] is True
    # before the close the ranking was provisional: not public (§4.5), the secretariat's alone (D18); an auditor
    # reads the history through the export
    auditor = service.issue_token("auditor", actor=system_actor("t"))[0]
    sec = service.issue_token("secretariat", actor=system_actor("t"))[0]
    assert client.get(f"/api/contests/2024/round1/results?as_of={closed1['position'] - 1}").status_code == 409
    assert client.get(f"/api/contests/2024/round1/results?as_of={closed1['position'] - 1}",
                      headers=bearer(auditor)).status_code == 403
    provisional = client.get(f"/api/contests/2024/round1/results?as_of={closed1['position'] - 1}",
                             headers=bearer(sec)).json
    assert provisional["final"] is False and provisional["advancing"] == now["advancing"]
    # by time: just before the first vote no vote had been cast; by the end all six had (the live tally as it
    # stood then is the secretariat's, D10)
    before_votes = first_vote["time"].replace("12:00:00Z", "11:59:59Z")
    r = client.get(f"/api/contests/2024/votes/results?as_of={before_votes}", headers=bearer(sec)).json
    assert r["total"] == 0
    assert client.get("/api/contests/2024/votes/results").json["total"] == 6
    assert client.get("/api/contests/2024?as_of=yesterday").status_code == 422
    out = subprocess.run([sys.executable, "-m", "contest.cli", "results", "stage", "--as-of", "1"],
                         env={"CONTEST_STORE": store_url, "PATH": "/usr/bin:/bin"}, capture_output=True, text=True)
    assert json.loads(out.stdout)["stage"] == "setup", out.stderr


def test_the_public_vote_board_matches_the_history(client: FlaskClient, history: tuple[ContestService, list[str]],
                                                   tmp_path: Path) -> None:
    _, lines = history
    board = client.get("/api/contests/2024/votes/board.csv").get_data(as_text=True)  # public: the window closed
    rows = board.splitlines()
    assert rows[0] == "receipt,municipality,rating,quarantined" and len(rows) == 7
    receipt = rows[1].split(",")[0]
    assert client.get(f"/api/contests/2024/votes/board/{receipt}").json["receipt"] == receipt
    assert client.get("/api/contests/2024/votes/board/XXXX-XXXX-XXXX").status_code == 404
    page = client.get("/api/contests/2024/votes/board?limit=4").json
    assert page["total"] == 6 and len(page["votes"]) == 4 and page["next_after"]
    rest = client.get(f"/api/contests/2024/votes/board?limit=4&after={page['next_after']}").json
    assert len(rest["votes"]) == 2 and rest["next_after"] is None
    export = write(tmp_path, lines)
    (tmp_path / "board.csv").write_text(board)
    ok = subprocess.run([sys.executable, "-m", "contest.cli", "audit", "verify", str(export), "--board",
                         str(tmp_path / "board.csv")], capture_output=True, text=True,
                        env={"PATH": "/usr/bin:/bin"})
    assert ok.returncode == 0 and "the vote board lists exactly the 6 votes" in ok.stdout, ok.stdout
    code, municipality, rating, held = rows[1].split(",")
    tampered = board.replace(rows[1], ",".join([code, municipality, "1" if rating != "1" else "5", held]))
    (tmp_path / "bad-board.csv").write_text(tampered)
    bad = subprocess.run([sys.executable, "-m", "contest.cli", "audit", "verify", str(export), "--board",
                          str(tmp_path / "bad-board.csv")], capture_output=True, text=True,
                         env={"PATH": "/usr/bin:/bin"})
    assert bad.returncode == 1 and "vote board" in bad.stdout


def test_the_board_waits_for_the_window_to_close(client: FlaskClient, service: ContestService) -> None:
    r = client.get("/api/contests/2024/votes/board")
    assert r.status_code == 409 and r.json["rule"] == "D10"
