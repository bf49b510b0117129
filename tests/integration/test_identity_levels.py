"""Identity levels in the vote and the audit (RULES.md D15): the level is configuration frozen when round 2 opens,
every vote records how its resident was verified, under `email` one vote counts per address, and both verifiers
check the level and count the votes by it."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from contest.audit import export_lines
from contest.clock import FrozenClock
from contest.residents import fake_personal_codes
from contest.service import ContestService
from contest.votes import AlreadyVoted
from domain.contest import Contest
from domain.errors import RuleViolation
from domain.identity import Identity, address_key, identify
from domain.vote import AddressClaim, Vote
from tests.conftest import SECRETS
from tests.support.helpers import SEC, VOTE_DAY, play_round1
from tests.support.verifiers import run_both

ADDRESS = "vards.uzvards@example.lv"


def post_vote(client: FlaskClient, code: str) -> object:
    return client.post("/api/contests/2024/votes", json={"personal_code": code, "municipality": "LV-RIX",
                                                         "rating": 4, "comment": None})


def verified_by(level: str, code: str) -> Callable[[Contest, datetime], Identity]:
    def identity(contest: Contest, at: datetime) -> Identity:
        return identify(code, verified=level, secret=SECRETS.voter, receipt_secret=SECRETS.receipt, year=2024,
                        today=contest.local_day(at))
    return identity


def export(service: ContestService, tmp_path: Path) -> list[str]:
    return list(export_lines(service.store))


def test_a_typed_code_vote_records_the_level_code(client: FlaskClient, service: ContestService,
                                                  clock: FrozenClock, tmp_path: Path) -> None:
    clock.set(VOTE_DAY)
    assert post_vote(client, fake_personal_codes(1, seed=5)[0]).status_code == 201
    lines = export(service, tmp_path)
    [vote] = [json.loads(line) for line in lines if "Vote.Cast" in line]
    assert vote["payload"]["verified"] == "code"
    ours, theirs = run_both(tmp_path, "code", lines)
    assert ours["ok"] and theirs["ok"], (ours["mismatches"], theirs["mismatches"])
    assert ours["results"]["votes by identity level (2024)"] == {"code": 1}
    assert theirs["results"]["votes by identity level (2024)"] == {"code": 1}


@pytest.mark.parametrize("level", ["email", "eid"])
def test_under_email_or_eid_a_typed_code_alone_is_refused_and_nothing_stored(
        level: str, client: FlaskClient, service: ContestService, clock: FrozenClock) -> None:
    """D15: a typed personal code proves nothing under `email` or `eid`: 409, the rule named, nothing stored."""
    service.configure(2024, "rules", {"vote_identity": level}, reason="council decision", actor=SEC)
    clock.set(VOTE_DAY)
    before = service.store.event_count()
    r = post_vote(client, fake_personal_codes(1, seed=6)[0])
    assert r.status_code == 409 and r.json["rule"] == "D15" and r.json["field"] == "personal_code"
    assert r.json["details"]["level"] == level
    assert service.store.event_count() == before


def test_the_level_can_no_longer_change_once_round_2_has_opened(service: ContestService, clock: FrozenClock) -> None:
    service.configure(2024, "rules", {"vote_identity": "email"}, reason="council decision", actor=SEC)
    assert service.contest(2024).rules.vote_identity == "email"
    play_round1(service, clock)
    with pytest.raises(RuleViolation) as e:
        service.configure(2024, "rules", {"vote_identity": "code"}, reason="too late", actor=SEC)
    assert e.value.clause == "D15"
    assert service.contest(2024).rules.vote_identity == "email"


def test_under_email_one_vote_per_code_and_per_address(service: ContestService, clock: FrozenClock,
                                                       tmp_path: Path) -> None:
    """D15: the vote and its address claim are saved together; a second vote from the same address, or by the same
    code from another address, is refused and stores nothing; both verifiers agree and count by level."""
    service.configure(2024, "rules", {"vote_identity": "email"}, reason="council decision", actor=SEC)
    clock.set(VOTE_DAY)
    first, second = fake_personal_codes(2, seed=7)
    key = address_key(SECRETS.voter, ADDRESS)
    votes = service.round2.votes
    vote, _ = votes.cast(2024, verified_by("email", first), municipality="LV-RIX", rating=5, address_key=key)
    assert vote.verified == "email" and votes.address_used(2024, key) and votes.has_voted(2024, vote.resident_key)
    count = service.store.event_count()
    with pytest.raises(AlreadyVoted):  # the same address, another code: the claim's id is taken
        votes.cast(2024, verified_by("email", second), municipality="LV-RIX", rating=1, address_key=key)
    with pytest.raises(AlreadyVoted):  # the same code, another address: the vote's id is taken
        votes.cast(2024, verified_by("email", first), municipality="LV-RIX", rating=1,
                   address_key=address_key(SECRETS.voter, "cits@example.lv"))
    assert service.store.event_count() == count
    lines = export(service, tmp_path)
    assert ADDRESS not in "".join(lines) and first not in "".join(lines)
    ours, theirs = run_both(tmp_path, "email", lines)
    assert ours["ok"] and theirs["ok"], (ours["mismatches"], theirs["mismatches"])
    assert ours["results"]["votes by identity level (2024)"] == {"email": 1}
    assert theirs["results"]["votes by identity level (2024)"] == {"email": 1}


def test_both_verifiers_flag_a_vote_of_another_level_and_an_email_vote_without_its_claim(
        service: ContestService, clock: FrozenClock, tmp_path: Path) -> None:
    """A history written around the service: under `email`, a vote saved with `verified` "code", and one saved
    as verified by e-mail but without its address claim. Both verifiers report each, and count by level."""
    service.configure(2024, "rules", {"vote_identity": "email"}, reason="council decision", actor=SEC)
    clock.set(VOTE_DAY)
    honest, typed, unclaimed = fake_personal_codes(3, seed=8)
    service.round2.votes.cast(2024, verified_by("email", honest), municipality="LV-RIX", rating=5,
                        address_key=address_key(SECRETS.voter, ADDRESS))
    contest = service.contest(2024)
    for code, level in ((typed, "code"), (unclaimed, "email")):
        identity = verified_by(level, code)(contest, clock.now())
        forged = Vote(year=2024, resident_key=identity.resident_key, municipality="LV-RIX", rating=1, comment=None,
                      receipt=identity.receipt, network=None, actor={"role": "public", "principal": "resident"},
                      at=clock.now(), verified=level)
        service.store.save(forged)
    ours, theirs = run_both(tmp_path, "forged", export(service, tmp_path))
    for report in (ours, theirs):
        checks = " | ".join(m["check"] for m in report["mismatches"])
        assert not report["ok"] and len(report["mismatches"]) == 2, checks
        assert "identity level" in checks or "vote_identity" in checks
        assert "address claim" in checks
        assert report["results"]["votes by identity level (2024)"] == {"code": 1, "email": 2}


def test_a_claim_naming_a_vote_not_verified_by_email_is_flagged(service: ContestService, clock: FrozenClock,
                                                              tmp_path: Path) -> None:
    clock.set(VOTE_DAY)
    vote, _ = service.round2.cast_vote(2024, personal_code=fake_personal_codes(1, seed=9)[0],
                                       municipality="LV-RIX", rating=3)
    service.store.save(AddressClaim(year=2024, address_key=address_key(SECRETS.voter, ADDRESS), vote=str(vote.id),
                                    at=clock.now()))
    ours, theirs = run_both(tmp_path, "claim", export(service, tmp_path))
    for report in (ours, theirs):
        [finding] = report["mismatches"]
        assert "address claim" in finding["check"] and "D15" in finding["check"]
