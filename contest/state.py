"""What queries read: the live state (the store's aggregates and the caught-up views) or the state as of a
position or a time in the past (a replay of the history up to there, contest/history.py: RULES.md "Audit": results
"as of" a moment)."""

from __future__ import annotations

from typing import Protocol

from contest.replay import Replay
from contest.unit_of_work import UnitOfWork
from domain.contest import Contest
from projections.views import Views


class ReadState(Protocol):
    @property
    def views(self) -> Views: ...

    def contest(self, year: int) -> Contest: ...

    def catch_up(self) -> int: ...


class LiveState:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow

    @property
    def views(self) -> Views:
        return self.uow.views

    def contest(self, year: int) -> Contest:
        # Queries only read the contest: the process's cached copy, revalidated by one indexed read (ContestGate),
        # instead of replaying its events and parsing the questionnaire twice on every request (docs/BENCHMARKS.md).
        return self.uow.gate.contest(year)

    def catch_up(self) -> int:
        return self.uow.readmodels.catch_up()


class PastState:
    def __init__(self, replay: Replay) -> None:
        self.replay = replay
        self.views = replay.views

    def contest(self, year: int) -> Contest:
        return self.replay.contest(year)

    def catch_up(self) -> int:
        return self.replay.position
