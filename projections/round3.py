"""Round 3 read models (§4.7): each finalist's visit with its plan, notices (§4.7.2) and attendance (§4.7.3), and
each seat's counted scorecard (the last one submitted, §4.7.8, §4.7.11). Both keep the position of every event they
fold, so they also answer as things stood through a position: what round 3's close decided on (`included_through`)
and what the verifier recomputes it from."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from domain.notice import kept_recipients, mask_addresses, recorded_addresses
from domain.scorecard import Scorecard
from domain.visit import NoticeRecord, Visit, VisitFacts, VisitPlan


@dataclass
class VisitState:
    year: int
    municipality: str
    plan: VisitPlan
    scheduled_at: datetime
    notices: list[dict[str, Any]] = field(default_factory=list)
    attendance: dict[str, str] | None = None
    attendance_recorded_at: datetime | None = None
    reschedules: list[dict[str, Any]] = field(default_factory=list)
    history: list[tuple[int, VisitFacts]] = field(default_factory=list)  # (position, the facts after that event)

    def facts(self) -> VisitFacts:
        last = self.notices[-1] if self.notices else None
        notice = NoticeRecord(last["notice_date"], last["visit_date"], last["arrival"]) if last else None
        attendance = dict(self.attendance) if self.attendance is not None else None
        return VisitFacts(self.municipality, self.plan, notice, attendance, len(self.reschedules))


class VisitsView:
    handles = (Visit.Scheduled, Visit.Rescheduled, Visit.NoticeRecorded, Visit.AttendanceRecorded)

    def __init__(self) -> None:
        self._owner: dict[Any, tuple[int, str]] = {}
        self.by_year: dict[int, dict[str, VisitState]] = {}

    def apply(self, event: Any, position: int) -> None:
        if isinstance(event, Visit.Scheduled):
            self._owner[event.originator_id] = (event.year, event.municipality)
            plan = VisitPlan(event.visit_date, event.arrival, event.duration_minutes, event.mode, event.remote_reason)
            state = self.by_year.setdefault(event.year, {})[event.municipality] = VisitState(
                event.year, event.municipality, plan, event.at)
            state.history.append((position, state.facts()))
            return
        year, municipality = self._owner[event.originator_id]
        state = self.by_year[year][municipality]
        if isinstance(event, Visit.Rescheduled):
            state.reschedules.append({"from": state.plan, "reason": event.reason, "at": event.at,
                                      "attendance_cleared": event.attendance_cleared})
            state.plan = VisitPlan(event.visit_date, event.arrival, event.duration_minutes, event.mode,
                                   event.remote_reason)
            state.attendance = None
            state.attendance_recorded_at = None
        elif isinstance(event, Visit.NoticeRecorded):
            # never an address, in either form of the event (domain/notice.py): a notice recorded now names its
            # recipients by name and keyed hash; one from before held the addresses, kept here masked (they would
            # otherwise reach the persisted snapshot and the answers)
            clear = recorded_addresses(event.recipients)
            state.notices.append({"notice_date": event.notice_date, "visit_date": event.visit_date,
                                  "arrival": event.arrival, "recipients": kept_recipients(event.recipients),
                                  "text_lv": mask_addresses(event.text_lv, clear),
                                  "text_en": mask_addresses(event.text_en, clear), "recorded_at": event.at,
                                  "position": position})
        elif isinstance(event, Visit.AttendanceRecorded):
            state.attendance = dict(event.present)
            state.attendance_recorded_at = event.at
        state.history.append((position, state.facts()))

    def states(self, year: int) -> dict[str, VisitState]:
        return dict(self.by_year.get(year, {}))

    def facts(self, year: int) -> dict[str, VisitFacts]:
        return {m: s.facts() for m, s in self.by_year.get(year, {}).items()}

    def facts_through(self, year: int, position: int) -> dict[str, VisitFacts]:
        """Each visit as its events up to `position` left it (what round 3's close counts, §4.7.1-§4.7.3); a visit
        planned after `position` is left out."""
        result = {}
        for municipality, state in self.by_year.get(year, {}).items():
            facts = [f for at, f in state.history if at <= position]
            if facts:
                result[municipality] = facts[-1]
        return result


@dataclass
class ScorecardState:
    seat: str
    scores: dict[str, int]
    justifications: dict[str, str]
    theme_points: dict[str, int]
    cast_by: str
    submitted_at: datetime
    versions: int
    history: list[tuple[int, dict[str, Any]]] = field(default_factory=list)  # (position, card) of every submission

    def card(self) -> dict[str, Any]:
        return {"scores": dict(self.scores), "justifications": dict(self.justifications),
                "theme_points": dict(self.theme_points), "cast_by": self.cast_by}


class ScorecardsView:
    handles = (Scorecard.Opened, Scorecard.Submitted)

    def __init__(self) -> None:
        self._owner: dict[Any, tuple[int, str]] = {}
        self.by_year: dict[int, dict[str, ScorecardState]] = {}

    def apply(self, event: Any, position: int) -> None:
        if isinstance(event, Scorecard.Opened):
            self._owner[event.originator_id] = (event.year, event.seat)
            return
        year, seat = self._owner[event.originator_id]
        seats = self.by_year.setdefault(year, {})
        previous = seats.get(seat)
        state = ScorecardState(seat=seat, scores=dict(event.scores), justifications=dict(event.justifications),
                               theme_points=dict(event.theme_points), cast_by=event.cast_by, submitted_at=event.at,
                               versions=(previous.versions if previous else 0) + 1,
                               history=list(previous.history) if previous else [])
        state.history.append((position, state.card()))
        seats[seat] = state

    def states(self, year: int) -> dict[str, ScorecardState]:
        return dict(self.by_year.get(year, {}))

    def cards(self, year: int) -> dict[str, dict[str, Any]]:
        """seat -> its counted (last) scorecard, as domain.visit.assess_round3 reads it."""
        return {seat: s.card() for seat, s in self.by_year.get(year, {}).items()}

    def cards_through(self, year: int, position: int) -> dict[str, dict[str, Any]]:
        """seat -> its last scorecard submitted at or before `position` (what round 3's close counts, §4.7.8)."""
        result = {}
        for seat, state in self.by_year.get(year, {}).items():
            cards = [card for at, card in state.history if at <= position]
            if cards:
                result[seat] = {key: dict(value) if isinstance(value, dict) else value
                                for key, value in cards[-1].items()}
        return result
