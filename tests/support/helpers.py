"""Shared steps for tests that need the contest further along: round 1 played with seeded answers, ballots."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from typing import Any

from contest.clock import FrozenClock
from contest.residents import fake_personal_codes
from contest.seeding import generate_answers
from contest.service import ContestService
from contest.store import EventStore
from domain.actors import Actor

SEC = Actor(role="secretariat", principal="Anna")
ROUND1_OPENS = datetime(2024, 6, 10, 9, 0, tzinfo=timezone.utc)
ROUND1_CLOSES = datetime(2024, 7, 20, 12, 0, tzinfo=timezone.utc)
VOTE_DAY = datetime(2024, 8, 20, 12, 0, tzinfo=timezone.utc)
AFTER_VOTE = datetime(2024, 9, 16, 9, 0, tzinfo=timezone.utc)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def play_round1(service: ContestService, clock: FrozenClock, seed: int = 2024) -> list[str]:
    """Open round 1, save seeded answers for every municipality, close it. Returns the advancing ten."""
    clock.set(ROUND1_OPENS)
    service.open_round1(2024, actor=SEC)
    contest = service.contest(2024)
    answers = generate_answers(contest.questionnaire, [m.code for m in contest.municipalities], seed=seed)
    for code, given in answers.items():
        if given:
            service.round1.save_answers(2024, code, given, actor=Actor("municipality", code, municipality=code))
    clock.set(ROUND1_CLOSES)
    service.round1.close(2024, actor=SEC)
    return service.contest(2024).round2_municipalities


def ballot_for(round2: list[str], order: list[str]) -> tuple[dict[str, int], dict[str, str]]:
    """5, 4, 3, 2, 1 to the first five of `order`, 0 with a justification to the rest (§4.6.4, D8)."""
    points = dict.fromkeys(round2, 0)
    for p, m in zip((5, 4, 3, 2, 1), order, strict=False):
        points[m] = p
    justifications = {m: "Mazāk pakalpojumu ģimenēm nekā citām" for m, p in points.items() if p == 0}
    return points, justifications


def cast_votes(service: ContestService, clock: FrozenClock, plan: dict[str, list[int]], seed: int = 1) -> None:
    """plan: municipality -> ratings; one distinct resident per rating."""
    clock.set(VOTE_DAY)
    n = sum(len(r) for r in plan.values())
    codes = iter(fake_personal_codes(n, seed=seed))
    for municipality, ratings in plan.items():
        for rating in ratings:
            service.round2.cast_vote(2024, personal_code=next(codes), municipality=municipality, rating=rating)


def close_vote(service: ContestService, clock: FrozenClock) -> None:
    clock.set(AFTER_VOTE)
    service.round2.reconcile(2024, actor=Actor("system", "clock"))


def all_ballots(service: ContestService, orders: dict[str, list[str]]) -> dict[str, Any]:
    contest = service.contest(2024)
    round2 = contest.round2_municipalities
    for seat, order in orders.items():
        points, just = ballot_for(round2, order)
        service.round2.cast_ballot(2024, seat, points, just, cast_by=None,
                                   actor=Actor("juror", seat, seat=seat))
    return {"round2": round2}


def later(t: datetime, **kw: float) -> datetime:
    return t + timedelta(**kw)


# the 2024 jury's voting seats (§3.2.1, D1)
VOTING = ["sif", "varam", "lm", "izm", "ugf", "vpd", "vk-pkc", "ldga", "fmt"]


def play_round2(service: ContestService, clock: FrozenClock) -> list[str]:
    """A whole round 2 after play_round1: six votes (three for a municipality outside the ten), the vote closed,
    every voting seat's ballot, round 2 closed. Returns the round-1 ranking's codes."""
    r = play_round1(service, clock)
    outsider = next(m.code for m in service.contest(2024).municipalities if m.code not in r)
    cast_votes(service, clock, {outsider: [5, 5, 4], r[0]: [4, 3], r[5]: [2]})
    close_vote(service, clock)
    all_ballots(service, {s: r[:5] for s in VOTING})
    service.round2.close(2024, actor=SEC)
    return r


@contextmanager
def another_instance(store_url: str, clock: FrozenClock) -> Iterator[ContestService]:
    """A second service on the same store: another web worker, the clock process or another host."""
    from tests.conftest import SECRETS

    other = ContestService(EventStore(store_url), clock, SECRETS)
    try:
        yield other
    finally:
        other.close()
