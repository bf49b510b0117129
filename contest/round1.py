"""Round 1 commands and queries (§4.2-4.5): submissions, imports, requests for information, results, the cut."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from eventsourcing.persistence import IntegrityError

from contest.answer_import import parse_answers_table
from contest.replica import on_primary
from contest.state import LiveState, ReadState
from contest.unit_of_work import UnitOfWork
from domain.actors import Actor
from domain.contest import ROUND1, Contest, contest_id
from domain.errors import RuleViolation
from domain.scoring import Round1Result
from domain.submission import Submission, submission_id


class Round1:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self._cache: dict[tuple[int, int, int], Round1Result] = {}
        self._cache_lock = threading.Lock()

    # ----- submissions -----

    def _submission(self, year: int, municipality: str) -> Submission:
        return self.uow.get(submission_id(year, municipality), what="submission", key=municipality,
                            new=_blank(year, municipality))

    @on_primary  # its check that the save is counted reads the contest after the save
    def save_answers(self, year: int, municipality: str, answers: Mapping[str, object], *, actor: Actor,
                     source: str = "municipality") -> Submission:
        """Save (part of) a municipality's answers while round 1 is open (§4.2); each save is one event."""
        uow = self.uow

        def decide(submission: Submission, at: datetime) -> None:
            contest = uow.gate.contest(year)  # as stored now, only read (the gate reloads it if it has changed)
            contest.require_not_sealed()  # D14: "contest is sealed" before "round 1 is closed"
            contest.municipality(municipality)
            submission.save_answers(answers, questionnaire=contest.questionnaire, stage=contest.stage,
                                    source=source, actor=actor, at=at)

        saved = uow.update(submission_id(year, municipality), decide, what="submission", key=municipality,
                           new=_blank(year, municipality))
        if saved.position is not None:
            self._check_not_late(year, saved.position)
        return saved.aggregate

    def _check_not_late(self, year: int, position: int) -> None:
        """A save that raced the closing of round 1 and landed after the answers it counted is on record but
        does not count (the close event names the position it included); say so instead of acknowledging it."""
        closed = self.uow.gate.contest(year).round1  # as stored now: the gate reloads it if it has changed
        if closed is not None and position > closed["included_through"]:
            raise RuleViolation("round 1 closed while this save was being recorded; it is not counted",
                                clause="§4.2", position=position, included_through=closed["included_through"])

    @on_primary
    def import_table(self, year: int, data: bytes, filename: str, *, actor: Actor) -> dict[str, Any]:
        """Import answers for many municipalities from CSV or XLSX, all or nothing (every bad cell reported)."""
        uow = self.uow
        contest = uow.contest(year)
        contest.require_not_sealed()
        if contest.stage != ROUND1:
            raise RuleViolation(f"round 1 is not open (the contest is in {contest.stage}); imports are refused",
                                clause="§4.2", stage=contest.stage)
        table = parse_answers_table(data, filename, contest.questionnaire,
                                    [m.code for m in contest.municipalities])
        at = uow.clock.now()
        submissions = []
        for municipality, answers in table.items():
            if not answers:
                continue
            submission = self._submission(year, municipality)
            submission.save_answers(answers, questionnaire=contest.questionnaire, stage=contest.stage,
                                    source="import", actor=actor, at=at)
            submissions.append(submission)
        try:
            uow.store.save(*submissions)  # one transaction: all rows or none
        except IntegrityError:
            raise RuleViolation("a municipality saved answers during the import; nothing was imported, try again",
                                clause="concurrency") from None
        return {"municipalities": len(submissions), "answers": sum(len(a) for a in table.values())}

    def request_information(self, year: int, municipality: str, request_id: str, text: str, *,
                            actor: Actor) -> Submission:
        """The secretariat asks a municipality for more information (§4.4, §4.6.2)."""
        uow = self.uow

        def decide(submission: Submission, at: datetime) -> None:
            contest = uow.contest(year)
            contest.require_not_sealed()
            contest.municipality(municipality)
            submission.request_information(request_id, text, stage=contest.stage, actor=actor, at=at)

        return uow.update(submission_id(year, municipality), decide, what="submission", key=municipality,
                          new=_blank(year, municipality)).aggregate

    def reply(self, year: int, municipality: str, request_id: str, text: str, *, actor: Actor) -> Submission:
        self.uow.contest(year).require_not_sealed()  # D14 before "no such request"
        return self.uow.update(submission_id(year, municipality),
                               lambda s, at: s.reply(request_id, text, actor=actor, at=at),
                               what="information request", key=request_id).aggregate

    # ----- queries -----

    # The queries read the process's copy of the contest (contest/gate.py), revalidated by one indexed read:
    # rebuilding the contest from its events (its questionnaire too) on every page was most of a page's time.

    def submissions(self, year: int) -> list[dict[str, Any]]:
        contest = self.uow.gate.contest(year)
        view = self.uow.views.submissions
        self.uow.readmodels.catch_up()
        rows = []
        for m in contest.municipalities:
            state = view.get(year, m.code)
            row = state.summary() if state else {"municipality": m.code, "answered": 0, "saves": 0,
                                                 "imported_saves": 0, "last_saved_at": None, "requests": 0,
                                                 "open_requests": []}
            rows.append({**row, "name": m.name})
        return rows

    def submission(self, year: int, municipality: str) -> dict[str, Any]:
        """A municipality's answers in force, its saves, the requests for information with their replies (§4.4),
        and `saved_at`: per question id, when a save last named it (what the municipality has sent, per part)."""
        self.uow.gate.contest(year).municipality(municipality)
        self.uow.readmodels.catch_up()
        state = self.uow.views.submissions.get(year, municipality)
        if state is None:
            return {"municipality": municipality, "answers": {}, "saves": 0, "requests": [], "saved_at": {}}
        return {"municipality": municipality, "answers": dict(sorted(state.answers.items())), "saves": state.saves,
                "last_saved_at": state.last_saved_at, "requests": list(state.requests.values()),
                "saved_at": dict(state.saved_at)}

    def results(self, year: int, state: ReadState | None = None) -> tuple[Contest, Round1Result, bool]:
        """(contest, result, final). Final once round 1 closed: recomputed from the answers it included;
        provisional (from the answers so far) while round 1 is open. `state`: live, or as of a past position."""
        state = state or LiveState(self.uow)
        contest = state.contest(year)
        position = state.catch_up()
        if contest.round1 is not None:
            through = contest.round1["included_through"]
            return contest, self._cached((year, through, contest.version), contest, state, through), True
        if contest.stage != ROUND1:
            raise RuleViolation("round 1 has not opened yet: there are no answers to score", clause="§4.2")
        return contest, self._cached((year, position, contest.version), contest, state, position), False

    def _cached(self, key: tuple[int, int, int], contest: Contest, state: ReadState, through: int) -> Round1Result:
        with self._cache_lock:
            if key in self._cache:
                return self._cache[key]
        result = contest.score_round1(state.views.submissions.answers_through(contest.year, through))
        with self._cache_lock:
            if len(self._cache) > 32:
                self._cache.clear()
            self._cache[key] = result
        return result

    def answers_through(self, year: int, through: int | None) -> dict[str, dict[str, Any]]:
        """Every municipality's answers as recorded up to position `through` (None: now)."""
        self.uow.readmodels.catch_up()
        if through is None:
            return self.uow.views.submissions.answers(year)
        return self.uow.views.submissions.answers_through(year, through)

    # ----- the cut -----

    def close(self, year: int, *, actor: Actor, confirm_empty: bool = False, reason: str | None = None) -> Contest:
        """Close round 1 (§4.5, D7): record the final ranking and the advancing municipalities in the event
        itself, and open round 2. Submissions from then on are refused (409). With no submissions at all it is
        refused unless `confirm_empty` with a `reason` (§4.2, §4.5; both recorded in the event)."""
        uow = self.uow

        def decide(contest: Contest, _: datetime) -> None:
            through = uow.store.event_count()
            answers = self.answers_through(year, through)
            digest = uow.audit.digest_through(through)
            contest.close_round1(answers, included_through=through, digest=digest, actor=actor,
                                 at=uow.clock.now(),  # dated after the checkpoint it records
                                 confirm_empty=confirm_empty, reason=reason)

        return uow.update(contest_id(year), decide, what="contest", key=year).aggregate


def _blank(year: int, municipality: str) -> Callable[[], Submission]:
    """A municipality's submission before its first save."""
    return lambda: Submission(year=year, municipality=municipality)
