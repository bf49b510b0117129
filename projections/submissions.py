"""Round-1 submissions (§4.2, §4.4): each municipality's current answers, how often it saved, and the
secretariat's requests for more information with their replies."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from domain.submission import Submission


@dataclass
class SubmissionState:
    municipality: str
    answers: dict[str, Any] = field(default_factory=dict)
    saves: int = 0
    imported_saves: int = 0
    last_saved_at: datetime | None = None
    requests: dict[str, dict[str, Any]] = field(default_factory=dict)
    saved_at: dict[str, datetime] = field(default_factory=dict)  # question id -> when a save last named it
    history: list[tuple[int, dict[str, Any]]] = field(default_factory=list)  # (position, answers saved)

    def summary(self) -> dict[str, Any]:
        open_requests = [r["id"] for r in self.requests.values() if not r["replies"]]
        return {
            "municipality": self.municipality,
            "answered": len(self.answers),
            "saves": self.saves,
            "imported_saves": self.imported_saves,
            "last_saved_at": self.last_saved_at,
            "requests": len(self.requests),
            "open_requests": open_requests,
        }


class SubmissionsView:
    handles = (Submission.Started, Submission.AnswersSaved, Submission.InformationRequested,
               Submission.InformationProvided)

    def __init__(self) -> None:
        self.by_year: dict[int, dict[str, SubmissionState]] = {}
        self.last_position: dict[int, int] = {}
        self._owner: dict[Any, tuple[int, str]] = {}

    def owner_of(self, submission_id: Any) -> tuple[int, str] | None:
        """The (year, municipality) of a submission started so far, or None."""
        return self._owner.get(submission_id)

    def _state(self, event: Any) -> SubmissionState:
        year, municipality = self._owner[event.originator_id]
        return self.by_year[year][municipality]

    def apply(self, event: Any, position: int) -> None:
        if isinstance(event, Submission.Started):
            self._owner[event.originator_id] = (event.year, event.municipality)
            self.by_year.setdefault(event.year, {})[event.municipality] = SubmissionState(event.municipality)
            return
        if event.originator_id not in self._owner:
            raise LookupError(f"submission {event.originator_id} has no Started event before position {position}")
        year, _ = self._owner[event.originator_id]
        state = self._state(event)
        self.last_position[year] = position
        if isinstance(event, Submission.AnswersSaved):
            state.history.append((position, dict(event.answers)))
            for qid, value in event.answers.items():
                state.saved_at[qid] = event.at
                if value is None:
                    state.answers.pop(qid, None)
                else:
                    state.answers[qid] = value
            state.saves += 1
            state.imported_saves += event.source == "import"
            state.last_saved_at = event.at
        elif isinstance(event, Submission.InformationRequested):
            state.requests[event.request_id] = {"id": event.request_id, "text": event.text, "asked_at": event.at,
                                                "asked_by": event.actor, "replies": []}
        elif isinstance(event, Submission.InformationProvided):
            state.requests[event.request_id]["replies"].append({"text": event.text, "at": event.at,
                                                                "by": event.actor})

    def answers(self, year: int) -> dict[str, dict[str, Any]]:
        return {m: dict(s.answers) for m, s in self.by_year.get(year, {}).items()}

    def get(self, year: int, municipality: str) -> SubmissionState | None:
        return self.by_year.get(year, {}).get(municipality)

    def answers_through(self, year: int, position: int) -> dict[str, dict[str, Any]]:
        """Every municipality's answers as they stood after the event at `position` (what round 1's close counts)."""
        result: dict[str, dict[str, Any]] = {}
        for municipality, state in self.by_year.get(year, {}).items():
            answers: dict[str, Any] = {}
            for saved_at, saved in state.history:
                if saved_at > position:
                    break
                for qid, value in saved.items():
                    if value is None:
                        answers.pop(qid, None)
                    else:
                        answers[qid] = value
            result[municipality] = answers
        return result
