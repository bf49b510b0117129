"""Round 3's visits (§4.7.1-§4.7.3, §4.7.7): one aggregate per contest and finalist, holding its plan, the
notices given (§4.7.2) and who of the jury was there (§4.7.3). The plan and notice values are in
:mod:`domain.visit_plan`, what round 3 adds up to (:func:`assess_round3`) in :mod:`domain.round3`; both are
re-exported here.

Rules enforced here:

* A visit is planned for a finalist (§4.6.7) while round 3 is open, on a date at least ``rules.briefing_days``
  days after the jury's recorded briefing (§4.6.8); it lasts at most ``rules.visit_max_hours`` hours (§4.7.7);
  it is on site, or remote only with a stated reason (assemblies restricted, §4.7.1). The arrival time is local
  time in the contest's time zone (Europe/Riga).
* The notice (§4.7.2) is recorded with its date and who was told, by name and by the keyed hash of each address (the
  caller's `key_of`; the addresses themselves go to the address book, never the history); the domain writes its text
  (:mod:`domain.notice`), which names the recipients without their addresses. It is refused unless dated at least
  ``rules.notice_working_days`` Latvian working days before the visit, counted by the calendar recorded with the
  contest (:mod:`domain.workdays`, D17); a visit is planned only on a day that calendar covers.
* A notice is *valid* for the visit while the visit keeps the date and arrival time it announced and the notice
  still lies far enough before it. Rescheduling is an event; a new date or time needs a new notice.
* Attendance (§4.7.3): which seats were there, each by its member or a named substitute (§3.2.1, D1); recorded
  once the visit has taken place and only for a visit with a valid notice. Recording again replaces it;
  rescheduling clears it (a repeated visit).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.actors import Actor
from domain.ballots import natural_key
from domain.contest import NAMESPACE, ROUND3, Contest
from domain.errors import InvalidInput, RuleViolation
from domain.notice import Recipients, notice_texts, round2_standing
from domain.round3 import Blocker, Round3Assessment, assess_round3
from domain.visit_plan import (
    ARRIVAL,
    MODES,
    ON_SITE,
    REMOTE,
    NoticeRecord,
    NoticeStatus,
    VisitFacts,
    VisitPlan,
    local_date,
    notice_status,
    parse_date,
)
from domain.workdays import check_briefing_before_visits, check_notice_period, latest_notice_date

# Re-exported: callers import the plan and notice values and round 3's assessment from here too.
__all__ = [
    "ARRIVAL",
    "MODES",
    "ON_SITE",
    "REMOTE",
    "Blocker",
    "NoticeRecord",
    "NoticeStatus",
    "Round3Assessment",
    "Visit",
    "VisitFacts",
    "VisitPlan",
    "assess_round3",
    "check_plan",
    "local_date",
    "notice_status",
    "parse_date",
    "require_round3",
    "visit_id",
]


def visit_id(year: int, municipality: str) -> UUID:
    return uuid5(NAMESPACE, f"visit/{year}/{municipality}")


def require_round3(contest: Contest, what: str, clause: str) -> None:
    contest.require_not_sealed()
    if contest.stage != ROUND3:
        raise RuleViolation(f"{what} while round 3 is open; the contest is in {contest.stage}", clause=clause,
                            stage=contest.stage)


def check_plan(contest: Contest, plan: VisitPlan) -> None:
    """The visit rules that depend on the contest (§4.6.8, §4.7.1, §4.7.7)."""
    rules = contest.rules
    if plan.duration_minutes > rules.visit_max_hours * 60:
        raise RuleViolation(
            f"a visit lasts at most {rules.visit_max_hours} hours; {plan.duration_minutes} minutes were planned",
            clause="§4.7.7", field="duration_minutes", max_minutes=rules.visit_max_hours * 60)
    if plan.mode == REMOTE and not plan.remote_reason:
        raise RuleViolation("a visit is remote only when assemblies are restricted: state the reason",
                            clause="§4.7.1", field="remote_reason")
    if contest.briefing is None:
        raise RuleViolation("record the jury's briefing on the finalists first: visits are dated at least "
                            f"{rules.briefing_days} days after it", clause="§4.6.8", field="date")
    check_briefing_before_visits(contest.briefing.date, plan.day, rules.briefing_days)
    if rules.notice_working_days:  # the notice's deadline must be decidable by the recorded calendar (D17)
        latest_notice_date(contest.work_calendar(), plan.day, rules.notice_working_days)


class Visit(Aggregate):
    """The jury's visit to one finalist (§4.7.1); its notices (§4.7.2) and attendance (§4.7.3)."""

    @staticmethod
    def create_id(year: int, municipality: str) -> UUID:
        return visit_id(year, municipality)

    @classmethod
    def schedule(cls, contest: Contest, municipality: str, plan: Mapping[str, Any], *, actor: Actor,
                 at: datetime) -> Visit:
        require_round3(contest, "visits are planned", "§4.7.1")
        if municipality not in contest.finalists:
            raise RuleViolation(f"{municipality} is not a finalist; the jury visits the finalists "
                                f"({', '.join(contest.finalists)})", clause="§4.7.1, §4.6.7", field="municipality")
        parsed = VisitPlan.parse(plan)
        check_plan(contest, parsed)
        return cls(year=contest.year, municipality=municipality, **parsed.to_event(), actor=actor.as_dict(), at=at)

    @event("Scheduled")
    def __init__(self, year: int, municipality: str, visit_date: date, arrival: str, duration_minutes: int,
                 mode: str, remote_reason: str | None, actor: dict[str, str], at: datetime) -> None:
        self.year = year
        self.municipality = municipality
        self.plan = VisitPlan(visit_date, arrival, duration_minutes, mode, remote_reason)
        self.notices: list[dict[str, Any]] = []
        self.attendance: dict[str, str] | None = None
        self.reschedules = 0

    # ----- queries -----

    @property
    def notice(self) -> NoticeRecord | None:
        if not self.notices:
            return None
        n = self.notices[-1]
        return NoticeRecord(n["notice_date"], n["visit_date"], n["arrival"])

    def facts(self) -> VisitFacts:
        return VisitFacts(self.municipality, self.plan, self.notice, self.attendance, self.reschedules)

    def notice_status(self, contest: Contest) -> NoticeStatus:
        return notice_status(contest.work_calendar(), self.notice, self.plan, contest.rules.notice_working_days)

    # ----- commands -----

    def reschedule(self, contest: Contest, plan: Mapping[str, Any], *, reason: str, actor: Actor,
                   at: datetime) -> None:
        """Move the visit (an event). A new date or arrival time needs a new notice (§4.7.2); attendance already
        recorded is cleared: the visit is held again."""
        require_round3(contest, "visits are rescheduled", "§4.7.1")
        if not isinstance(reason, str) or not reason.strip():
            raise InvalidInput({"reason": ["say why the visit is rescheduled"]})
        parsed = VisitPlan.parse(plan)
        if parsed == self.plan:
            raise InvalidInput({"date": ["the new plan is the same as the current one"]})
        check_plan(contest, parsed)
        self._rescheduled(**parsed.to_event(), reason=reason.strip(), previous=self.plan.to_event(),
                          attendance_cleared=self.attendance is not None, actor=actor.as_dict(), at=at)

    @event("Rescheduled")
    def _rescheduled(self, visit_date: date, arrival: str, duration_minutes: int, mode: str,
                     remote_reason: str | None, reason: str, previous: dict[str, Any], attendance_cleared: bool,
                     actor: dict[str, str], at: datetime) -> None:
        self.plan = VisitPlan(visit_date, arrival, duration_minutes, mode, remote_reason)
        self.attendance = None
        self.reschedules += 1

    def municipality_name(self, contest: Contest) -> str:
        return next((m.name for m in contest.municipalities if m.code == self.municipality), self.municipality)

    def notice_texts(self, contest: Contest, notice_date: date, recipients: Recipients) -> dict[str, str]:
        """The notice's text for this visit as planned now (§4.7.2), in Latvian and English."""
        names = {m.code: m.name for m in contest.municipalities}
        standing = round2_standing(contest.round2 or {}, self.municipality, names,
                                   len(contest.round2_municipalities))
        return notice_texts(title=contest.title, notice_date=notice_date,
                            municipality_name=self.municipality_name(contest),
                            recipients=recipients, visit_date=self.plan.day, arrival=self.plan.arrival,
                            duration_minutes=self.plan.duration_minutes, mode=self.plan.mode,
                            remote_reason=self.plan.remote_reason, max_hours=contest.rules.visit_max_hours,
                            standing=standing, jury=contest.jury)

    def check_notice(self, contest: Contest, notice_date: object, recipients: Mapping[str, Any], *,
                     at: datetime) -> tuple[date, Recipients]:
        """Validate a notice before recording or previewing it: 422 for malformed fields, 409 for §4.7.2."""
        require_round3(contest, "notices are given", "§4.7.2")
        day = parse_date(notice_date, "notice_date")
        who = Recipients.parse(recipients)
        tz = contest.window.timezone
        if day > local_date(at, tz):
            raise InvalidInput({"notice_date": [f"a notice is recorded once given: {day.isoformat()} is later than "
                                                f"today ({local_date(at, tz).isoformat()}, {tz})"]})
        results_from = local_date(contest.round2.closed_at, tz) if contest.round2 else None
        if results_from is not None and day < results_from:
            raise RuleViolation(f"the notice states the round-2 results, which exist from {results_from.isoformat()}"
                                f" (round 2 closed); {day.isoformat()} is earlier", clause="§4.7.2",
                                field="notice_date")
        check_notice_period(contest.work_calendar(), day, self.plan.day, contest.rules.notice_working_days)
        return day, who

    def record_notice(self, contest: Contest, notice_date: object, recipients: Mapping[str, Any], *,
                      key_of: Callable[[str], str], actor: Actor, at: datetime) -> None:
        """Record that the finalist, its mayor and its contact person were told (§4.7.2), with the text sent; each
        recipient by name and `key_of(address)` (the keyed hash the outbox names it by), never the address."""
        day, who = self.check_notice(contest, notice_date, recipients, at=at)
        texts = self.notice_texts(contest, day, who)
        named = who.to_event(self.municipality_name(contest), key_of)
        self._notice_recorded(notice_date=day, recipients=named, visit_date=self.plan.day,
                              arrival=self.plan.arrival, duration_minutes=self.plan.duration_minutes,
                              mode=self.plan.mode, text_lv=texts["lv"], text_en=texts["en"], actor=actor.as_dict(),
                              at=at)

    @event("NoticeRecorded")
    def _notice_recorded(self, notice_date: date, recipients: dict[str, Any], visit_date: date, arrival: str,
                         duration_minutes: int, mode: str, text_lv: str, text_en: str, actor: dict[str, str],
                         at: datetime) -> None:
        self.notices = [*self.notices, {"notice_date": notice_date, "visit_date": visit_date, "arrival": arrival,
                                        "recipients": recipients, "text_lv": text_lv, "text_en": text_en,
                                        "recorded_at": at}]

    def record_attendance(self, contest: Contest, present: Mapping[str, str | None], *, actor: Actor,
                          at: datetime) -> None:
        """Record which seats were at the visit, each by its member or a named substitute (§4.7.3, §3.2.1, D1).
        The visit counts only with at least ``rules.visit_min_seats`` voting seats; that is judged when round 3
        is assessed, so a visit with fewer is recorded as it happened."""
        require_round3(contest, "attendance is recorded", "§4.7.3")
        status = self.notice_status(contest)
        if not status.valid:
            raise RuleViolation(f"the visit to {self.municipality} has no valid notice, so it cannot be held: "
                                f"{status.reason}", clause="§4.7.2", field="notice", **status.to_dict())
        tz = contest.window.timezone
        if local_date(at, tz) < self.plan.day:
            raise RuleViolation(f"attendance is recorded once the visit has taken place ({self.plan.day.isoformat()})",
                                clause="§4.7.3", field="present")
        if not present:
            raise InvalidInput({"present": ["name at least one seat that was present"]})
        errors: dict[str, list[str]] = {}
        clean: dict[str, str] = {}
        seats = {s.id: s for s in contest.jury}
        for seat_id, who in present.items():
            seat = seats.get(seat_id)
            if seat is None:
                errors[f"present.{seat_id}"] = ["no such jury seat (§3.2.1)"]
            elif who is None or who == "member":
                clean[seat_id] = "member"
            elif who in seat.substitutes:
                clean[seat_id] = who
            else:
                errors[f"present.{seat_id}"] = [f"must be 'member' or one of seat {seat_id}'s substitutes (§3.2.1, D1)"]
        if errors:
            raise InvalidInput(errors)
        ordered = {k: clean[k] for k in sorted(clean, key=natural_key)}
        self._attendance_recorded(present=ordered, actor=actor.as_dict(), at=at)

    @event("AttendanceRecorded")
    def _attendance_recorded(self, present: dict[str, str], actor: dict[str, str], at: datetime) -> None:
        self.attendance = dict(present)
