"""A municipality's round-1 submission (§4.2, Annex): its answers to the questionnaire, saved in parts.

One aggregate per contest and municipality. Each save is an event holding the answers it changed (None clears an
answer); the current answers are the fold of all saves. The secretariat's requests for more information and the
municipality's replies (§4.4, §4.6.2) are events on the same aggregate, so the whole exchange is on record.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.actors import Actor
from domain.contest import NAMESPACE, ROUND1, ROUND2, SETUP
from domain.errors import InvalidInput, NotFound, RuleViolation
from domain.questionnaire import Questionnaire, validate_answers

SOURCES = ("municipality", "import")


def submission_id(year: int, municipality: str) -> UUID:
    return uuid5(NAMESPACE, f"submission/{year}/{municipality}")



def information_may_be_requested(stage: str) -> bool:
    """The secretariat asks a municipality for more information while round 1 or round 2 is open (§4.4, §4.6.2)."""
    return stage in (ROUND1, ROUND2)

class Submission(Aggregate):
    @staticmethod
    def create_id(year: int, municipality: str) -> UUID:
        return submission_id(year, municipality)

    @event("Started")
    def __init__(self, year: int, municipality: str) -> None:
        self.year = year
        self.municipality = municipality
        self.answers: dict[str, Any] = {}
        self.saves = 0
        self.last_saved_at: datetime | None = None
        self.requests: dict[str, dict[str, Any]] = {}

    # ----- answers (§4.2) -----

    def save_answers(self, answers: Mapping[str, object], *, questionnaire: Questionnaire, stage: str, source: str,
                     actor: Actor, at: datetime) -> dict[str, Any]:
        """Validate against the questionnaire (errors per question id, 422) and record the changed answers.

        Submissions are taken only while round 1 is open (§4.2); after it closes they are refused (409).
        Returns the normalised answers that were recorded."""
        if stage != ROUND1:
            when = "has not opened yet" if stage == SETUP else "is closed"
            raise RuleViolation(f"round 1 {when}: submissions are taken only while round 1 is open",
                                clause="§4.2", stage=stage)
        if source not in SOURCES:
            raise InvalidInput({"source": [f"must be one of {', '.join(SOURCES)}"]})
        if not answers:
            raise InvalidInput({"answers": ["give at least one answer"]})
        normalised = validate_answers(questionnaire, answers)
        self._answers_saved(answers=normalised, source=source, actor=actor.as_dict(), at=at)
        return normalised

    @event("AnswersSaved")
    def _answers_saved(self, answers: dict[str, Any], source: str, actor: dict[str, str], at: datetime) -> None:
        merged = dict(self.answers)
        for qid, value in answers.items():
            if value is None:
                merged.pop(qid, None)
            else:
                merged[qid] = value
        self.answers = merged
        self.saves += 1
        self.last_saved_at = at

    # ----- requests for more information (§4.4, §4.6.2) -----

    def request_information(self, request_id: str, text: str, *, stage: str, actor: Actor, at: datetime) -> None:
        if not information_may_be_requested(stage):
            raise RuleViolation("requests for more information are made in rounds 1 and 2", clause="§4.4, §4.6.2",
                                stage=stage)
        if not text.strip():
            raise InvalidInput({"text": ["must not be empty"]})
        if request_id in self.requests:
            raise RuleViolation(f"request {request_id} exists already", clause="§4.4")
        self._information_requested(request_id=request_id, text=text.strip(), actor=actor.as_dict(), at=at)

    @event("InformationRequested")
    def _information_requested(self, request_id: str, text: str, actor: dict[str, str], at: datetime) -> None:
        self.requests = {**self.requests, request_id: {"id": request_id, "text": text, "asked_at": at,
                                                       "asked_by": actor, "replies": []}}

    def reply(self, request_id: str, text: str, *, actor: Actor, at: datetime) -> None:
        if request_id not in self.requests:
            raise NotFound("information request", request_id)
        if not text.strip():
            raise InvalidInput({"text": ["must not be empty"]})
        self._information_provided(request_id=request_id, text=text.strip(), actor=actor.as_dict(), at=at)

    @event("InformationProvided")
    def _information_provided(self, request_id: str, text: str, actor: dict[str, str], at: datetime) -> None:
        request = self.requests[request_id]
        replies = [*request["replies"], {"text": text, "at": at, "by": actor}]
        self.requests = {**self.requests, request_id: {**request, "replies": replies}}
