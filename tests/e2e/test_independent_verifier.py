"""The independent verifier (docs/AUDIT.md "Two verifiers"): it imports nothing of the project and runs under
`python3 -I`; and on a genuine export and on every kind of tampering, it and `contest audit verify` give the same
`ok` and the same first failing position (docs/AUDIT.md "Two verifiers")."""

from __future__ import annotations

import ast
import copy
import json
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from contest.audit import export_lines
from contest.clock import FrozenClock
from contest.service import ContestService
from tests.support.helpers import SEC, VOTE_DAY, all_ballots, bearer, close_vote, play_round1
from tests.support.round3 import FIVE_AT_E, FOUR_AT_E, Steps, reach_round3, score_all
from tests.support.verifiers import VERIFIER, rechain, run_both
from tests.support.votes import BURST, cast

VOTING = ["sif", "varam", "lm", "izm", "ugf", "vpd", "vk-pkc", "ldga", "fmt"]
PROJECT_PACKAGES = {"domain", "projections", "contest", "api", "bench", "tests"}
KINDS = {"Round1Closed": "round1_closed", "InterimResultPublished": "interim_result",
         "VotingWindowClosed": "window_closed", "Round2Closed": "round2_closed", "Round3Closed": "round3_closed",
         "ResultApproved": "approval"}


# ----- independence -----

def test_the_verifier_imports_nothing_of_the_project_and_only_the_standard_library() -> None:
    stdlib = set(sys.stdlib_module_names)
    files = sorted(VERIFIER.glob("*.py"))
    assert len(files) >= 8
    for path in files:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            for name in names:
                top = name.split(".")[0]
                assert top not in PROJECT_PACKAGES, f"{path.name} imports {name}"
                assert top in stdlib or top in ("verifier", "__future__"), f"{path.name} imports {name}"
        assert len(path.read_text(encoding="utf-8").splitlines()) < 400, path.name


# ----- a genuine history with every kind of event the checks read -----

def play_contest(service: ContestService, clock: FrozenClock, client: FlaskClient,
                 tokens: dict[str, str]) -> dict[str, Any]:
    """Round 1, votes (four from one network quarantined, one reinstated), ballots, round 2, round 3, approval."""
    r = play_round1(service, clock)
    outsider = next(m.code for m in service.contest(2024).municipalities if m.code not in r)
    clock.set(VOTE_DAY)
    burst = [cast(service, clock, f"{BURST}{i}", outsider, 5) for i in range(4)]
    for i, (m, rating) in enumerate([(r[7], 4), (r[7], 5), (r[0], 3), (r[2], 2), (outsider, 1), (r[7], 3)]):
        cast(service, clock, f"203.0.{113 + i}.1", m, rating, seconds=600)
    sec = bearer(tokens["secretariat"])
    assert client.post("/api/contests/2024/votes/quarantine", headers=sec,
                       json={"votes": burst, "reason": "Four votes in 20 seconds from one network"}).status_code == 200
    assert client.post("/api/contests/2024/votes/reinstate", headers=sec,
                       json={"votes": burst[:1], "reason": "A resident confirmed the vote"}).status_code == 200
    close_vote(service, clock)
    all_ballots(service, {s: r[:5] for s in VOTING})
    service.round2.close(2024, actor=SEC)
    finalists = service.contest(2024).finalists
    jurors = {seat: service.issue_token("juror", actor=SEC, seat=seat, year=2024)[0] for seat in [*VOTING, "lps"]}
    steps = Steps(client, clock, tokens["secretariat"], finalists)
    steps.all_visits(FIVE_AT_E)
    score_all(steps, jurors)
    assert steps.post("/round3/close").status_code == 200
    clock.set(datetime(2024, 12, 10, 9, tzinfo=UTC))
    r3 = steps.post("/approval", {"decision_number": "Nr. 12", "decision_date": "2024-12-09"}, tokens["council"])
    assert r3.status_code == 200, r3.json
    board = client.get("/api/contests/2024/votes/board.csv").get_data(as_text=True)
    return {"lines": list(export_lines(service.store)), "board": board}


@pytest.fixture
def genuine(service: ContestService, clock: FrozenClock, client: FlaskClient, tokens: dict[str, str]
            ) -> dict[str, Any]:
    return play_contest(service, clock, client, tokens)


# ----- the two reports (both verifiers run by tests.support.verifiers.run_both) -----


def first_failing(report: dict[str, Any]) -> tuple[int | None, int | None]:
    positions = [m["position"] for m in report["mismatches"] if m.get("position") is not None]
    if positions:
        return min(positions), None
    lines = [m["line"] for m in report["mismatches"] if m.get("line") is not None]
    return None, (min(lines) if lines else None)


def dumps(record: dict[str, Any]) -> str:
    return json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def index_of(records: list[dict[str, Any]], suffix: str, nth: int = 0) -> int:
    return [i for i, r in enumerate(records) if r["type"].endswith(suffix)][nth]


def renumbered(records: list[dict[str, Any]]) -> list[str]:
    for n, r in enumerate(records):
        r["position"] = n + 1
    return rechain(records)


# ----- the mutations: each returns (lines, board, options, expected first failing position) -----

Mutation = Callable[[list[dict[str, Any]], list[str], str], tuple[list[str], str | None, list[str], int | None]]


def m_changed_line(rs: list[dict[str, Any]], ls: list[str], board: str) -> Any:
    i = index_of(rs, "Vote.Cast", 5)
    r = copy.deepcopy(rs[i])
    r["payload"]["rating"] = 1 if r["payload"]["rating"] != 1 else 5
    return [*ls[:i], dumps(r), *ls[i + 1:]], None, [], r["position"]


def m_removed_line(rs: list[dict[str, Any]], ls: list[str], board: str) -> Any:
    i = index_of(rs, "Vote.Cast", 5)
    return ls[:i] + ls[i + 1:], None, [], rs[i + 1]["position"]


def m_swapped_lines(rs: list[dict[str, Any]], ls: list[str], board: str) -> Any:
    i = index_of(rs, "Vote.Cast", 5)
    return [*ls[:i], ls[i + 1], ls[i], *ls[i + 2:]], None, [], rs[i]["position"]


def m_duplicated_line(rs: list[dict[str, Any]], ls: list[str], board: str) -> Any:
    i = index_of(rs, "Vote.Cast", 5)
    return [*ls[:i + 1], ls[i], *ls[i + 1:]], None, [], rs[i]["position"]


def m_rating_rechained(rs: list[dict[str, Any]], ls: list[str], board: str) -> Any:
    i = index_of(rs, "Vote.Cast", 5)
    rs[i]["payload"]["rating"] = 1 if rs[i]["payload"]["rating"] != 1 else 5
    return rechain(rs), None, [], None  # caught at round 2's close (its tally and digest)


def forge_consistently(rs: list[dict[str, Any]]) -> list[str]:
    """A vote's rating edited, Round2Closed's tallies rewritten, every recorded digest and the chain recomputed."""
    i = index_of(rs, "Vote.Cast", 5)
    vote = rs[i]["payload"]
    old, new = vote["rating"], (4 if vote["rating"] != 4 else 3)
    vote["rating"] = new
    close = rs[index_of(rs, "Round2Closed")]["payload"]
    close["tallies"][vote["municipality"]][1] += new - old
    for row in close["outcome"]["explanation"]["vote_table"]:
        if row["municipality"] == vote["municipality"]:
            row["rating_sum"] += new - old
            row["average"] = round(row["rating_sum"] / row["votes"], 4)
    lines = rechain(rs)
    chain = {r["position"]: json.loads(line)["chain"] for r, line in zip(rs, lines, strict=True)}
    for r in rs:  # rewrite each recorded digest to the forged chain, then rechain again
        p = r["payload"]
        through = p.get("digest_through") if r["type"].endswith("ResultApproved") else p.get("included_through")
        if isinstance(through, int) and p.get("digest"):
            p["digest"] = chain[max(k for k in chain if k <= through)]
        if r["type"].endswith("ResultApproved"):
            p["round3_digest"] = rs[index_of(rs, "Round3Closed")]["payload"]["digest"]
        lines = rechain(rs)
        chain = {q["position"]: json.loads(line)["chain"] for q, line in zip(rs, lines, strict=True)}
    return rechain(rs)


def checkpoints_of(rs: list[dict[str, Any]]) -> dict[str, Any]:
    cps = []
    for r in rs:
        kind = KINDS.get(r["type"].rsplit(".", 1)[-1])
        p = r["payload"]
        through = p.get("digest_through") if kind == "approval" else p.get("included_through")
        if kind and isinstance(through, int) and p.get("digest"):
            cps.append({"kind": kind, "through": through, "digest": p["digest"], "at": r["time"]})
    return {"format": "contest-checkpoints-v1", "year": 2024, "checkpoints": cps}


def m_second_vote_same_resident(rs: list[dict[str, Any]], ls: list[str], board: str) -> Any:
    i = index_of(rs, "Vote.Cast", 5)
    again = copy.deepcopy(rs[i])
    again["aggregate_id"] = "00000000-0000-4000-8000-00000000000a"
    again["payload"]["receipt"] = "ZZZZ-ZZZZ-ZZZZ"
    rs.insert(i + 1, again)
    return renumbered(rs), None, [], i + 2


def m_vote_outside_window(rs: list[dict[str, Any]], ls: list[str], board: str) -> Any:
    i = index_of(rs, "Vote.Cast", 5)
    late = copy.deepcopy(rs[i])
    late["aggregate_id"] = "00000000-0000-4000-8000-00000000000b"
    late["payload"]["resident_key"] = "f" * 64
    late["payload"]["at"]["_data_"] = "2024-09-20T10:00:00+00:00"
    late["time"] = "2024-09-20T10:00:00Z"
    j = index_of(rs, "Round2Closed")
    rs.insert(j, late)
    return renumbered(rs), None, [], j + 1


def m_ballot_from_non_voting_seat(rs: list[dict[str, Any]], ls: list[str], board: str) -> Any:
    j = index_of(rs, "Round2Closed")
    opened, cast_ = copy.deepcopy(rs[index_of(rs, "Ballot.Opened")]), copy.deepcopy(rs[index_of(rs, "Ballot.Cast")])
    for r in (opened, cast_):
        r["aggregate_id"] = "00000000-0000-4000-8000-00000000000c"
    opened["payload"]["seat"] = "lps"
    cast_["actor"] = {"principal": "lps", "role": "juror"}
    cast_["payload"]["actor"] = cast_["actor"]
    rs[j:j] = [opened, cast_]
    return renumbered(rs), None, [], j + 1


def m_changed_answer(rs: list[dict[str, Any]], ls: list[str], board: str) -> Any:
    close = rs[index_of(rs, "Round1Closed")]["payload"]
    best, worst = close["ranking"][0]["municipality"], close["ranking"][-1]["municipality"]
    started = {r["aggregate_id"]: r["payload"]["municipality"] for r in rs if r["type"].endswith("Submission.Started")}
    saves = {started[r["aggregate_id"]]: r for r in rs if r["type"].endswith("AnswersSaved")}
    saves[worst]["payload"]["answers"] = copy.deepcopy(saves[best]["payload"]["answers"])
    return rechain(rs), None, [], None


def m_changed_ranking(rs: list[dict[str, Any]], ls: list[str], board: str) -> Any:
    i = index_of(rs, "Round1Closed")
    ranking = rs[i]["payload"]["ranking"]
    ranking[0]["municipality"], ranking[1]["municipality"] = ranking[1]["municipality"], ranking[0]["municipality"]
    return rechain(rs), None, [], rs[i]["position"]


def m_changed_finalists(rs: list[dict[str, Any]], ls: list[str], board: str) -> Any:
    i = index_of(rs, "Round2Closed")
    p = rs[i]["payload"]
    names = [f["municipality"] for f in p["finalists"]]
    other = next(m for m in rs[index_of(rs, "Round1Closed")]["payload"]["advancing"] if m not in names)
    p["finalists"][-1]["municipality"] = other
    return rechain(rs), None, [], rs[i]["position"]


def m_changed_winner(rs: list[dict[str, Any]], ls: list[str], board: str) -> Any:
    i = index_of(rs, "Round3Closed")
    result = rs[i]["payload"]["result"]
    finalists = [f["municipality"] for f in rs[index_of(rs, "Round2Closed")]["payload"]["finalists"]]
    result["winner"] = next(m for m in finalists if m != result["winner"])
    return rechain(rs), None, [], rs[i]["position"]


def m_approval_wrong_digest(rs: list[dict[str, Any]], ls: list[str], board: str) -> Any:
    i = index_of(rs, "ResultApproved")
    rs[i]["payload"]["digest"] = "0" * 64
    return rechain(rs), None, [], rs[i]["position"]


def m_quarantine_by_a_juror(rs: list[dict[str, Any]], ls: list[str], board: str) -> Any:
    i = index_of(rs, "VotesQuarantined")
    rs[i]["actor"] = {"principal": "lm", "role": "juror"}
    rs[i]["payload"]["actor"] = rs[i]["actor"]
    return rechain(rs), None, [], rs[i]["position"]


def m_wrong_expect_digest(rs: list[dict[str, Any]], ls: list[str], board: str) -> Any:
    return ls, None, ["--expect-digest", "f" * 64], None


def m_board_missing_a_row(rs: list[dict[str, Any]], ls: list[str], board: str) -> Any:
    rows = board.splitlines(keepends=True)
    return ls, "".join([rows[0], *rows[2:]]), [], None


MUTATIONS: dict[str, Mutation] = {name[2:]: f for name, f in globals().items() if name.startswith("m_")}


# The mutations are made to the exported file, whose lines do not depend on the store: on one store; the other
# store's genuine export is verified by both verifiers, with its checkpoints, in the next test (CI time).
@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
def test_both_verifiers_agree_on_the_genuine_history_and_every_mutation(genuine: dict[str, Any],
                                                                        tmp_path: Path) -> None:
    lines, board = genuine["lines"], genuine["board"]
    records = [json.loads(line) for line in lines]
    approved = records[index_of(records, "ResultApproved")]["payload"]["digest"]

    project, independent = run_both(tmp_path, "genuine", lines, board, ["--expect-digest", approved])
    assert independent["ok"], independent["mismatches"]
    disagreements: list[Any] = []
    if project["ok"] != independent["ok"]:
        disagreements.append(("genuine", project["ok"], project["mismatches"][:2], independent["mismatches"][:2]))
    assert independent["events"] == len(lines) and independent["digest"] == records[-1]["chain"]
    assert set(independent) == {"ok", "events", "digest", "mismatches", "matches", "results", "fingerprints"}

    outcomes: dict[str, Any] = {}
    for name, mutation in MUTATIONS.items():
        rs = [json.loads(line) for line in lines]
        mutated, mboard, options, expected = mutation(rs, list(lines), board)
        project, independent = run_both(tmp_path, name, mutated, mboard, options)
        outcomes[name] = (project["ok"], first_failing(project), independent["ok"], first_failing(independent))
        assert not independent["ok"], (name, independent)
        if expected is not None:
            assert first_failing(independent)[0] == expected, (name, independent["mismatches"][:3])
        if (project["ok"], first_failing(project)) != (independent["ok"], first_failing(independent)):
            disagreements.append((name, outcomes[name], project["mismatches"][:2], independent["mismatches"][:2]))

    # the self-consistent forgery passes both without outside knowledge, and is caught with what was published
    forged = forge_consistently([json.loads(line) for line in lines])
    project, independent = run_both(tmp_path, "forgery", forged)
    assert independent["ok"], independent["mismatches"]
    outcomes["forgery, alone"] = (project["ok"], first_failing(project), independent["ok"],
                                  first_failing(independent))
    if project["ok"] != independent["ok"]:
        disagreements.append(("forgery, alone", outcomes["forgery, alone"], project["mismatches"][:2], []))
    for label, options in (("--expect-digest", ["--expect-digest", approved]),):
        project, independent = run_both(tmp_path, "forgery", forged, None, options)
        outcomes[f"forgery, {label}"] = (project["ok"], first_failing(project), independent["ok"],
                                         first_failing(independent))
        assert not independent["ok"], label
        if (project["ok"], first_failing(project)) != (independent["ok"], first_failing(independent)):
            disagreements.append((f"forgery, {label}", outcomes[f"forgery, {label}"], project["mismatches"][:2],
                                  independent["mismatches"][:2]))
    for name, outcome in outcomes.items():
        print(name, json.dumps(outcome))
    assert not disagreements, json.dumps(disagreements, indent=1, default=str)


def test_both_verifiers_check_the_published_checkpoints(genuine: dict[str, Any], tmp_path: Path) -> None:
    """D16: `--checkpoints CP.json` (the JSON as downloaded) catches the self-consistent forgery."""
    lines = genuine["lines"]
    records = [json.loads(line) for line in lines]
    cps = tmp_path / "checkpoints.json"
    cps.write_text(json.dumps(checkpoints_of(records)), encoding="utf-8")
    project, independent = run_both(tmp_path, "genuine", lines, None, ["--checkpoints", str(cps)])
    assert independent["ok"] and project["ok"], (independent["mismatches"], project["mismatches"])
    forged = forge_consistently(records)
    project, independent = run_both(tmp_path, "forgery", forged, None, ["--checkpoints", str(cps)])
    assert not independent["ok"]
    assert (project["ok"], first_failing(project)) == (independent["ok"], first_failing(independent))
    beyond = tmp_path / "beyond.json"
    beyond.write_text(json.dumps([{"kind": "approval", "through": 10 ** 9, "digest": "0" * 64}]), encoding="utf-8")
    project, independent = run_both(tmp_path, "genuine", lines, None, ["--checkpoints", str(beyond)])
    assert not independent["ok"] and project["ok"] == independent["ok"]


def test_both_verifiers_accept_a_round3_tie_decided_by_the_jury(service: ContestService, clock: FrozenClock,
                                                                 client: FlaskClient, tokens: dict[str, str],
                                                                 tmp_path: Path) -> None:
    """D12: the chair cannot split A and B; the jury's recorded decision picks B (the case of
    tests/integration/test_round3.py)."""
    finalists = reach_round3(service, clock)
    jurors = {seat: service.issue_token("juror", actor=SEC, seat=seat, year=2024)[0] for seat in [*VOTING, "lps"]}
    steps = Steps(client, clock, tokens["secretariat"], finalists)
    a, b = finalists[:2]
    steps.all_visits(FIVE_AT_E)
    score_all(steps, jurors, chair=[4, 4, 3, 2, 1], ugf=[5, 4, 2, 3, 3])
    decision = {"kind": "winner", "tied": [a, b], "chosen": [b], "text": "Plašāks atbalsts ģimenēm ar bērniem",
                "votes_for": 4, "votes_total": 7}
    assert steps.post("/decisions", decision).status_code == 201
    assert steps.post("/round3/close").status_code == 200
    lines = list(export_lines(service.store))
    project, independent = run_both(tmp_path, "decided", lines)
    assert independent["ok"], independent["mismatches"]
    assert project["ok"] and independent["results"]["winner (2024)"] == b == project["results"]["winner (2024)"]
    records = [json.loads(line) for line in lines]
    i = index_of(records, "Round3Closed")
    records[i]["payload"]["result"]["winner"] = a  # the decision said B
    project, independent = run_both(tmp_path, "undecided", rechain(records))
    assert not independent["ok"] and first_failing(independent)[0] == records[i]["position"]


def test_both_verifiers_leave_out_a_short_visit_and_a_seat_with_too_few_visits(
        service: ContestService, clock: FrozenClock, client: FlaskClient, tokens: dict[str, str],
        tmp_path: Path) -> None:
    """§4.7.3: E's first visit had four voting seats and did not count; after a second visit, §4.7.4: vpd was at two
    counted visits only, so its scores do not count."""
    finalists = reach_round3(service, clock)
    jurors = {seat: service.issue_token("juror", actor=SEC, seat=seat, year=2024)[0] for seat in [*VOTING, "lps"]}
    steps = Steps(client, clock, tokens["secretariat"], finalists)
    steps.all_visits(FOUR_AT_E)
    score_all(steps, jurors)
    e = finalists[4]
    assert steps.post("/round3/close").status_code == 409  # §4.7.3: E's visit does not count
    clock.set(datetime(2024, 12, 2, 9, tzinfo=UTC))  # E visited again: rescheduled, a new notice, new attendance
    assert steps.post(f"/visits/{e}/reschedule", {"date": "2024-12-12", "arrival": "10:00", "duration_minutes": 180,
                                                  "reason": "only four voting members came"}).status_code == 200
    clock.set(datetime(2024, 12, 5, 9, tzinfo=UTC))
    assert steps.notice(e, "2024-12-05").status_code == 201
    clock.set(datetime(2024, 12, 12, 14, tzinfo=UTC))
    assert steps.attend(e, FIVE_AT_E[4]).status_code == 200
    assert steps.post("/round3/close").status_code == 200
    lines = list(export_lines(service.store))
    project, independent = run_both(tmp_path, "short", lines)
    assert independent["ok"], independent["mismatches"]
    assert project["ok"] and independent["results"]["winner (2024)"] == project["results"]["winner (2024)"]
    assert independent["results"]["theme prize (2024)"] == project["results"]["theme prize (2024)"]


def test_both_verifiers_recompute_round_1_with_the_configuration_in_force(service: ContestService,
                                                                          clock: FrozenClock, tmp_path: Path) -> None:
    """A questionnaire, a roster and the scoring changed before round 1 (as the desk's pages and the API's PUTs
    record them: Contest.QuestionnaireSet, JurySet, ScoringSet) are what round 1 is recomputed with."""
    questionnaire = service.contest(2024).questionnaire.to_dict()
    for question in questionnaire["questions"]:
        if question["section"] == 2:
            question["weight"] = 3.0
    questionnaire["questions"] = [q for q in questionnaire["questions"] if q["id"] != "s2.m1.q1"]
    service.configure(2024, "questionnaire", questionnaire, reason="2025. gada anketa", actor=SEC)
    service.configure(2024, "scoring", {"section_weights": {"3": 2.0}}, reason="svari", actor=SEC)
    service.set_jury_seat(2024, {**service.contest(2024).seat("lm").to_dict(), "person": "Ilze Kalniņa"},
                          reason="jauns pārstāvis", actor=SEC)
    play_round1(service, clock)
    project, independent = run_both(tmp_path, "reconfigured", list(export_lines(service.store)))
    assert project["ok"] and independent["ok"], (project["mismatches"][:2], independent["mismatches"][:2])
