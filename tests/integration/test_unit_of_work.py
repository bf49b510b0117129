"""The unit of work's one loop (contest/unit_of_work.py: UnitOfWork.update) on the real store. Another service
instance on the same store stands for another worker: its save lands between this command's load and its save,
so this save fails on the store's unique (aggregate id, version) key, and the command is decided again on the fresh
state (no update is lost); a contest that keeps changing ends in ConcurrencyConflict after RETRIES attempts. A save
conditional on the contest (`unchanged=year`, contest/guard.py) that the contest outran stores nothing and is
decided again on the contest as it now stands; a refusal on an outdated copy of the contest is decided again, a
refusal on the current one stands; a decision that records nothing stores nothing."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from contest.clock import FrozenClock
from contest.seeding import generate_answers
from contest.service import ContestService
from contest.unit_of_work import ConcurrencyConflict, UnitOfWork
from domain.actors import Actor
from domain.contest import Contest, contest_id
from domain.errors import RuleViolation
from domain.submission import Submission, submission_id
from tests.support.helpers import ROUND1_OPENS, SEC, another_instance

RIX = "LV-RIX"
RIX_ACTOR = Actor("municipality", RIX, municipality=RIX)
THEME = {"title_lv": "Ģimene un darbs", "title_en": "Family and work"}


def extra_seat(n: int = 0) -> dict[str, Any]:
    return {"id": "extra", "organisation": "Observers", "person": f"Observer {n}", "voting": False, "chair": False,
            "substitutes": []}


def test_a_save_beaten_by_a_concurrent_one_is_decided_again_on_the_fresh_state(
        store_url: str, service: ContestService, clock: FrozenClock) -> None:
    start = service.contest(2024).version
    seen: list[int] = []
    with another_instance(store_url, clock) as other:

        def decide(contest: Contest, at: datetime) -> str:
            seen.append(contest.version)
            if len(seen) == 1:  # another worker saves a change of the contest after this command loaded it
                other.set_jury_seat(2024, extra_seat(), reason="added on another worker", actor=SEC)
            contest.set_theme(THEME, reason="changed on this worker", actor=SEC, at=at)
            return "decided"

        saved = service.uow.update(contest_id(2024), decide, what="contest", key=2024)
    assert seen == [start, start + 1]  # the first decision failed on the version; the second saw the change
    assert saved.result == "decided" and saved.position == service.event_count()
    fresh = service.contest(2024)
    assert fresh.version == start + 2 == saved.aggregate.version
    assert fresh.theme.to_dict()["title_en"] == "Family and work"  # this command's change
    assert "extra" in {s.id for s in fresh.jury}  # and the other worker's: nothing lost


def test_a_contest_that_keeps_changing_ends_in_a_concurrency_conflict(
        store_url: str, service: ContestService, clock: FrozenClock) -> None:
    start = service.contest(2024)
    attempts: list[int] = []
    with another_instance(store_url, clock) as other:

        def decide(contest: Contest, at: datetime) -> None:
            attempts.append(contest.version)
            other.set_jury_seat(2024, extra_seat(len(attempts)), reason="changed again", actor=SEC)  # beaten again
            contest.set_theme(THEME, reason="never saved", actor=SEC, at=at)

        with pytest.raises(ConcurrencyConflict) as refused:
            service.uow.update(contest_id(2024), decide, what="contest", key=2024)
    assert refused.value.clause == "concurrency" and "contest 2024" in refused.value.message
    assert attempts == [start.version + n for n in range(UnitOfWork.RETRIES)]
    fresh = service.contest(2024)
    assert fresh.version == start.version + UnitOfWork.RETRIES  # only the other worker's changes are stored
    assert fresh.theme.to_dict() == start.theme.to_dict()


def save_answers_on(answers: dict[str, Any], seen: list[int]) -> Any:
    def decide(submission: Submission, contest: Contest, at: datetime) -> None:
        seen.append(contest.version)
        submission.save_answers(answers, questionnaire=contest.questionnaire, stage=contest.stage,
                                source="municipality", actor=RIX_ACTOR, at=at)
    return decide


def rix_answers(service: ContestService) -> dict[str, Any]:
    return generate_answers(service.contest(2024).questionnaire, [RIX], seed=7)[RIX]


def test_a_save_conditional_on_the_contest_is_decided_again_once_the_contest_moved_on(
        store_url: str, service: ContestService, clock: FrozenClock) -> None:
    clock.set(ROUND1_OPENS)
    service.open_round1(2024, actor=SEC)
    held = service.uow.gate.cached(2024).version  # this worker holds the contest
    seen: list[int] = []
    answers = rix_answers(service)
    decide = save_answers_on(answers, seen)
    with another_instance(store_url, clock) as other:

        def decide_then_change(submission: Submission, contest: Contest, at: datetime) -> None:
            decide(submission, contest, at)
            if len(seen) == 1:  # the contest moves on between this decision and its save
                other.set_jury_seat(2024, extra_seat(), reason="added on another worker", actor=SEC)

        head = service.event_count()
        saved = service.uow.update(submission_id(2024, RIX), decide_then_change, what="submission", key=RIX,
                                   new=lambda: Submission(year=2024, municipality=RIX), unchanged=2024)
    assert seen == [held, held + 1]  # stored nothing on the outrun version; decided again on the reloaded one
    assert service.uow.gate.cached(2024).version == held + 1
    assert saved.position == service.event_count() == head + 1 + 2  # the seat, then the submission's two events
    assert service.round1.submission(2024, RIX)["saves"] == 1


def test_a_refusal_on_an_outdated_copy_is_decided_again_and_one_on_the_current_copy_stands(
        store_url: str, service: ContestService, clock: FrozenClock) -> None:
    clock.set(ROUND1_OPENS)
    held = service.uow.gate.cached(2024).version  # held before round 1 opens: it refuses answers
    answers = rix_answers(service)
    seen: list[int] = []
    update = service.uow.update
    new = lambda: Submission(year=2024, municipality=RIX)  # noqa: E731
    with pytest.raises(RuleViolation):  # refused on the current contest: stands, decided once
        update(submission_id(2024, RIX), save_answers_on(answers, seen), what="submission", key=RIX, new=new,
               unchanged=2024)
    assert seen == [held]
    with another_instance(store_url, clock) as other:
        other.open_round1(2024, actor=SEC)  # another worker opens round 1; this one's copy is outdated
    seen.clear()
    saved = update(submission_id(2024, RIX), save_answers_on(answers, seen), what="submission", key=RIX, new=new,
                   unchanged=2024)
    assert seen == [held, held + 1]  # refused on the held copy, taken on the current contest
    assert saved.position == service.event_count()


def test_a_decision_that_records_nothing_stores_nothing(service: ContestService) -> None:
    head = service.event_count()
    saved = service.uow.update(contest_id(2024), lambda contest, at: contest.version, what="contest", key=2024)
    assert saved.position is None and saved.result == saved.aggregate.version
    assert service.event_count() == head
