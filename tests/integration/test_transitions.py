"""What blocks the next transition, the same everywhere (domain.transitions): GET /api/contests/<year>/transitions,
the close commands' refusals (409 naming the clause), the desk and `contest status`; closing an empty round 1 only
when confirmed with a reason (§4.2, §4.5); the round-1 results read from the close; D10's interim snapshot; the
finalists under other rule numbers (§4.6.7) recomputed by both verifiers."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask.testing import FlaskClient

from contest.audit import export_lines
from contest.cli import main as cli
from contest.clock import FrozenClock
from contest.residents import fake_personal_codes
from contest.service import ContestService
from domain.actors import Actor, system_actor
from domain.contest import Contest
from tests.support.helpers import (
    ROUND1_CLOSES,
    ROUND1_OPENS,
    SEC,
    VOTE_DAY,
    VOTING,
    all_ballots,
    bearer,
    cast_votes,
    close_vote,
    play_round1,
)

API = "/api/contests/2024"


def transitions(client: FlaskClient, tokens: dict[str, str]) -> dict:  # type: ignore[type-arg]
    r = client.get(f"{API}/transitions", headers=bearer(tokens["secretariat"]))
    assert r.status_code == 200, r.json
    return r.json  # type: ignore[no-any-return]


def close_round1(client: FlaskClient, tokens: dict[str, str], **body: object):  # type: ignore[no-untyped-def]
    return client.post(f"{API}/round1/close", headers=bearer(tokens["secretariat"]), json=body or None)


def test_the_transitions_are_the_secretariats(client: FlaskClient, tokens: dict[str, str]) -> None:
    assert client.get(f"{API}/transitions").status_code == 401
    assert client.get(f"{API}/transitions", headers=bearer(tokens["juror"])).status_code == 403
    state = transitions(client, tokens)
    assert (state["stage"], state["next"], state["blockers"]) == ("setup", "open_round1", [])
    assert state["actions"] == ["open_round1", "open_window", "close_window"] and state["window_now"] == "scheduled"


def test_s4_2_s4_5_an_empty_round1_is_blocked_then_closed_only_when_confirmed(
        client: FlaskClient, service: ContestService, clock: FrozenClock, tokens: dict[str, str]) -> None:
    clock.set(ROUND1_OPENS)
    service.open_round1(2024, actor=SEC)
    (blocker,) = transitions(client, tokens)["blockers"]
    assert blocker["code"] == "no_submissions" and blocker["clause"] == "§4.2, §4.5" and blocker["confirmable"]
    assert blocker["params"] == {"submitted": 0, "participants": 43} and blocker["transition"] == "close_round1"
    clock.set(ROUND1_CLOSES)
    refused = close_round1(client, tokens)
    assert refused.status_code == 409 and refused.json["rule"] == blocker["clause"]
    assert refused.json["field"] == "confirm_empty" and refused.json["details"]["blockers"] == [blocker]
    no_reason = close_round1(client, tokens, confirm_empty=True)
    assert no_reason.status_code == 422 and list(no_reason.json["errors"]) == ["reason"]
    assert close_round1(client, tokens, confirm_empty="yes please").status_code == 422
    assert service.contest(2024).stage == "round1"
    closed = close_round1(client, tokens, confirm_empty=True, reason="Anketas tika iesniegtas papīra formā")
    assert closed.status_code == 200, closed.json
    assert closed.json["confirmed_empty"] is True and len(closed.json["advancing"]) == 43
    record = next(json.loads(line) for line in export_lines(service.store) if "Contest.Round1Closed" in line)
    assert record["payload"]["confirmed_empty"] is True
    assert record["payload"]["reason"] == "Anketas tika iesniegtas papīra formā"
    # the public page says what happened, never "the 43 best advance"
    page = re.sub(r"\s+", " ", client.get("/rezultati?lang=lv").get_data(as_text=True))
    assert "labākās iekļūst" not in page and "ar augstāko vērtējumu iekļūst" not in page
    assert "1. kārtā neviena pašvaldība neiesniedza atbildes" in page and "visas 43 pašvaldības" in page
    english = re.sub(r"\s+", " ", client.get("/rezultati?lang=en").get_data(as_text=True))
    assert "all 43 municipalities go on to round 2" in english and "The 43 best" not in english


def test_s4_2_s4_5_a_confirmation_is_refused_once_someone_has_submitted(
        client: FlaskClient, service: ContestService, clock: FrozenClock, tokens: dict[str, str]) -> None:
    clock.set(ROUND1_OPENS)
    service.open_round1(2024, actor=SEC)
    question = next(q for q in service.contest(2024).questionnaire.questions if q.kind == "text")  # type: ignore[union-attr]
    service.round1.save_answers(2024, "LV-RIX", {question.id: "Ir"},
                                actor=Actor("municipality", "LV-RIX", municipality="LV-RIX"))
    assert transitions(client, tokens)["blockers"] == []
    r = close_round1(client, tokens, confirm_empty=True, reason="r")
    assert r.status_code == 422 and list(r.json["errors"]) == ["confirm_empty"]
    closed = close_round1(client, tokens)
    assert closed.status_code == 200 and closed.json["confirmed_empty"] is False
    assert service.contest(2024).round1["reason"] is None  # type: ignore[index]


def test_round1_results_are_read_from_the_close_not_scored_again(
        client: FlaskClient, service: ContestService, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch) -> None:
    play_round1(service, clock)
    recorded = service.contest(2024).round1
    assert recorded is not None

    def no_rescoring(self: Contest, answers: object) -> None:
        raise AssertionError("round 1 is closed: its result is the close's record")

    monkeypatch.setattr(Contest, "score_round1", no_rescoring)
    body = client.get(f"{API}/round1/results").json
    assert body["final"] is True and body["included_through"] == recorded["included_through"]
    assert body["advancing"] == recorded["advancing"] and body["cut"] == recorded["cut"]
    assert [{k: v for k, v in r.items() if k != "advances"} for r in body["ranking"]] == recorded["ranking"]
    assert [r["municipality"] for r in body["ranking"] if r["advances"]] == sorted(
        recorded["advancing"], key=[r["municipality"] for r in recorded["ranking"]].index)
    assert client.get(f"{API}/round1/results.csv").status_code == 200


def test_the_round2_close_refuses_exactly_what_the_transitions_list(
        client: FlaskClient, service: ContestService, clock: FrozenClock, tokens: dict[str, str]) -> None:
    r = play_round1(service, clock)
    all_ballots(service, {s: r[:5] for s in VOTING[:4]})
    listed = transitions(client, tokens)["blockers"]
    assert [b["code"] for b in listed] == ["window_not_closed", "quorum_not_met"]
    refused = client.post(f"{API}/round2/close", headers=bearer(tokens["secretariat"]))
    assert refused.status_code == 409 and refused.json["details"]["blockers"] == listed
    assert refused.json["rule"] == "§4.6.6, §4.6.7, §3.2.3, D9" and refused.json["details"]["needed"] == 5
    close_vote(service, clock)
    all_ballots(service, {s: r[:5] for s in VOTING})
    assert transitions(client, tokens)["blockers"] == []
    assert client.post(f"{API}/round2/close", headers=bearer(tokens["secretariat"])).status_code == 200
    assert transitions(client, tokens)["next"] == "close_round3"


def test_the_openapi_documents_the_transitions_and_the_confirmation(client: FlaskClient) -> None:
    spec = client.get("/openapi.json").json
    assert "get" in spec["paths"]["/api/contests/{year}/transitions"]
    body = spec["paths"]["/api/contests/{year}/round1/close"]["post"]["requestBody"]["content"]["application/json"]
    schema = spec["components"]["schemas"][body["schema"]["$ref"].rsplit("/", 1)[-1]]
    assert {"confirm_empty", "reason"} <= set(schema["properties"])


def test_contest_status_and_close_on_the_command_line(service: ContestService, clock: FrozenClock,
                                                      store_url: str) -> None:
    clock.set(ROUND1_OPENS)
    service.open_round1(2024, actor=SEC)
    runner = CliRunner()
    out = runner.invoke(cli, ["--store", store_url, "status"])
    assert out.exit_code == 0, out.output
    assert "contest 2024: round1" in out.output and "next transition: close_round1" in out.output
    assert "[§4.2, §4.5] no_submissions:" in out.output and "may be confirmed with a reason" in out.output
    as_json = json.loads(runner.invoke(cli, ["--store", store_url, "status", "--json"]).output)
    assert [b["code"] for b in as_json["blockers"]] == ["no_submissions"]
    refused = runner.invoke(cli, ["--store", store_url, "close", "round1"])
    assert refused.exit_code == 1 and "(§4.2, §4.5)" in refused.output
    no_reason = runner.invoke(cli, ["--store", store_url, "close", "round1", "--confirm-empty"])
    assert no_reason.exit_code == 1 and "reason" in no_reason.output
    done = runner.invoke(cli, ["--store", store_url, "close", "round1", "--confirm-empty", "--reason", "papīra"])
    assert done.exit_code == 0, done.output
    assert "round 1 closed: 43 advance to round 2 (closed with no submissions, as confirmed)" in done.output
    assert service.contest(2024).round1["reason"] == "papīra"  # type: ignore[index]
    status = runner.invoke(cli, ["--store", store_url, "status"]).output
    assert "next transition: close_round2" in status and "window_not_closed" in status


def test_d10_the_public_sees_an_interim_result_as_counted_when_published(
        client: FlaskClient, service: ContestService, clock: FrozenClock, tokens: dict[str, str]) -> None:
    clock.set(VOTE_DAY)
    service.round2.reconcile(2024, actor=system_actor("clock"))
    cast_votes(service, clock, {"LV-RIX": [5, 4], "LV-011": [3]})
    service.round2.publish_interim(2024, actor=SEC, reason="the first week")
    published = service.contest(2024).interim_published_at
    codes = fake_personal_codes(3, seed=99)
    for code in codes:
        service.round2.cast_vote(2024, personal_code=code, municipality="LV-011", rating=5)
    public = client.get(f"{API}/votes/results").json
    assert public["total"] == 3 and public["final"] is False and public["included_through"] is not None
    assert public["interim_published_at"].startswith(published.isoformat()[:19])  # type: ignore[union-attr]
    live = client.get(f"{API}/votes/results", headers=bearer(tokens["secretariat"])).json
    assert live["total"] == 6 and "included_through" not in live
    page = re.sub(r"\s+", " ", client.get("/rezultati/balsojums?lang=en").get_data(as_text=True))
    assert "Votes in total: 3." in page


def test_s4_6_7_two_by_the_jury_of_four_recomputed_by_both_verifiers(
        client: FlaskClient, service: ContestService, clock: FrozenClock, tmp_path: Path) -> None:
    from tests.support.verifiers import run_both

    service.configure(2024, "rules", {"finalists_by_jury": 2, "finalists_total": 4}, reason="test", actor=SEC)
    r = play_round1(service, clock)
    outsider = next(m.code for m in service.contest(2024).municipalities if m.code not in r)
    cast_votes(service, clock, {outsider: [5, 5, 4], r[0]: [4, 3]})
    close_vote(service, clock)
    all_ballots(service, {s: r[:5] for s in VOTING})
    outcome = service.round2.close(2024, actor=SEC)
    assert [(f.municipality, f.via) for f in outcome.finalists] == [
        (r[0], "jury"), (r[1], "jury"), (outsider, "residents_vote"), (r[2], "jury_fifth")]
    project, independent = run_both(tmp_path, "two-of-four", list(export_lines(service.store)))
    assert project["ok"] is True and independent["ok"] is True, (project["mismatches"], independent["mismatches"])
    assert project["results"]["finalists (2024)"] == independent["results"]["finalists (2024)"]


def test_the_desk_shows_the_same_blockers_in_the_readers_language(
        client: FlaskClient, service: ContestService, clock: FrozenClock, tokens: dict[str, str]) -> None:
    from tests.support.pages import login, text

    r = play_round1(service, clock)
    all_ballots(service, {s: r[:5] for s in VOTING[:3]})
    listed = [b["code"] for b in transitions(client, tokens)["blockers"]]
    login(client, tokens["secretariat"])
    page = client.get("/sekretariats?lang=lv").get_data(as_text=True)
    assert re.findall(r'data-code="(\w+)"', page) == listed == ["window_not_closed", "quorum_not_met"]
    assert "Vērtējumi saņemti no 3 balsstiesīgajiem komisijas locekļiem; vajadzīgi vismaz 5." in text(
        client.get("/sekretariats?lang=lv"))
    assert 'name="confirm_empty"' not in page  # only an empty round 1 is confirmed
