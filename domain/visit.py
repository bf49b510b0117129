"""Round 3's visits (§4.7.1-§4.7.3, §4.7.7): one aggregate per contest and finalist, holding its plan, the
notices given (§4.7.2) and who of the jury was there (§4.7.3); and :func:`assess_round3`, what round 3 adds up to
and what still blocks its closing.

Rules enforced here:

* A visit is planned for a finalist (§4.6.7) while round 3 is open, on a date at least ``rules.briefing_days``
  days after the jury's recorded briefing (§4.6.8); it lasts at most ``rules.visit_max_hours`` hours (§4.7.7);
  it is on site, or remote only with a stated reason (assemblies restricted, §4.7.1). The arrival time is local
  time in the contest's time zone (Europe/Riga).
* The notice (§4.7.2) is recorded with its date and who was told; the domain writes its text
  (:mod:`domain.notice`). It is refused unless dated at least ``rules.notice_working_days`` Latvian working days
  before the visit, counted by the calendar recorded with the contest (:mod:`domain.workdays`, D17); a visit is
  planned only on a day that calendar covers.
* A notice is *valid* for the visit while the visit keeps the date and arrival time it announced and the notice
  still lies far enough before it. Rescheduling is an event; a new date or time needs a new notice.
* Attendance (§4.7.3): which seats were there, each by its member or a named substitute (§3.2.1, D1); recorded
  once the visit has taken place and only for a visit with a valid notice. Recording again replaces it;
  rescheduling clears it (a repeated visit).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any
from uuid import UUID, uuid5
from zoneinfo import ZoneInfo

from eventsourcing.domain import Aggregate, event

from domain.actors import Actor
from domain.ballots import natural_key
from domain.config import instant_str
from domain.contest import NAMESPACE, ROUND3, Contest
from domain.errors import InvalidInput, RuleViolation
from domain.final_result import FinalResult, compute_final_result
from domain.notice import Recipients, notice_texts, round2_standing
from domain.workdays import (
    WorkCalendar,
    check_briefing_before_visits,
    check_notice_period,
    latest_notice_date,
    working_days_between,
)

ON_SITE, REMOTE = "on_site", "remote"
MODES = (ON_SITE, REMOTE)
ARRIVAL = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


def visit_id(year: int, municipality: str) -> UUID:
    return uuid5(NAMESPACE, f"visit/{year}/{municipality}")


def local_date(at: datetime, timezone: str) -> date:
    """The calendar day of an instant in the contest's time zone (the dates of §4.6.8 and §4.7.2 are local)."""
    return at.astimezone(ZoneInfo(timezone)).date()


def parse_date(value: object, key: str) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise InvalidInput({key: ["must be a date, YYYY-MM-DD"]})


def require_round3(contest: Contest, what: str, clause: str) -> None:
    contest.require_not_sealed()
    if contest.stage != ROUND3:
        raise RuleViolation(f"{what} while round 3 is open; the contest is in {contest.stage}", clause=clause,
                            stage=contest.stage)


@dataclass(frozen=True)
class VisitPlan:
    """When and how the jury visits (§4.7.1, §4.7.7): a date, the planned arrival (HH:MM local time), the planned
    length in minutes, on site or remote (with the reason)."""

    day: date
    arrival: str
    duration_minutes: int
    mode: str
    remote_reason: str | None = None

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> VisitPlan:
        errors: dict[str, list[str]] = {}
        try:
            day = parse_date(data.get("date"), "date")
        except InvalidInput as e:
            errors.update(e.errors)
            day = date.min
        arrival = data.get("arrival")
        if not isinstance(arrival, str) or not ARRIVAL.match(arrival):
            errors["arrival"] = ["must be a local time HH:MM (Europe/Riga)"]
        minutes = data.get("duration_minutes")
        if type(minutes) is not int or not 1 <= minutes <= 24 * 60:
            errors["duration_minutes"] = ["must be a whole number of minutes from 1 to 1440"]
        mode = data.get("mode", ON_SITE)
        if mode not in MODES:
            errors["mode"] = [f"must be one of {', '.join(MODES)}"]
        reason = data.get("remote_reason")
        if reason is not None and (not isinstance(reason, str) or len(reason) > 2000):
            errors["remote_reason"] = ["must be text of at most 2000 characters"]
        elif isinstance(reason, str) and reason.strip() and mode == ON_SITE:
            errors["remote_reason"] = ["is given only for a remote visit (§4.7.1)"]
        if errors:
            raise InvalidInput(errors)
        reason = reason.strip() if isinstance(reason, str) and reason.strip() else None
        return cls(day=day, arrival=str(arrival), duration_minutes=int(minutes), mode=mode,  # type: ignore[arg-type]
                   remote_reason=reason)

    def to_event(self) -> dict[str, Any]:
        """The plan as event fields (a ``datetime.date`` is transcoded by the store)."""
        return {"visit_date": self.day, "arrival": self.arrival, "duration_minutes": self.duration_minutes,
                "mode": self.mode, "remote_reason": self.remote_reason}

    def arrival_at(self, timezone: str) -> datetime:
        hours, minutes = (int(p) for p in self.arrival.split(":"))
        return datetime.combine(self.day, time(hours, minutes), tzinfo=ZoneInfo(timezone))

    def to_json(self, timezone: str) -> dict[str, Any]:
        return {"date": self.day.isoformat(), "arrival": self.arrival, "timezone": timezone,
                "arrival_at": instant_str(self.arrival_at(timezone)), "duration_minutes": self.duration_minutes,
                "mode": self.mode, "remote_reason": self.remote_reason}


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
    check_briefing_before_visits(contest.briefing["date"], plan.day, rules.briefing_days)
    if rules.notice_working_days:  # the notice's deadline must be decidable by the recorded calendar (D17)
        latest_notice_date(contest.work_calendar(), plan.day, rules.notice_working_days)


@dataclass(frozen=True)
class NoticeRecord:
    """A notice as recorded (§4.7.2): its date and the visit date and arrival time it announced."""

    notice_date: date
    visit_date: date
    arrival: str


@dataclass(frozen=True)
class NoticeStatus:
    valid: bool
    reason: str
    notice_date: date | None
    latest_notice_date: date
    working_days_required: int
    working_days_given: int | None

    def to_dict(self) -> dict[str, Any]:
        return {"valid": self.valid, "reason": self.reason,
                "date": self.notice_date.isoformat() if self.notice_date else None,
                "latest_notice_date": self.latest_notice_date.isoformat(),
                "working_days_required": self.working_days_required, "working_days_given": self.working_days_given}


def notice_status(calendar: WorkCalendar, notice: NoticeRecord | None, plan: VisitPlan,
                  working_days: int) -> NoticeStatus:
    """Whether the visit as planned now has a valid §4.7.2 notice, and why (not), by the contest's recorded
    calendar (D17)."""
    latest = latest_notice_date(calendar, plan.day, working_days) if working_days else plan.day
    if notice is None:
        return NoticeStatus(False, f"no notice recorded: it is due by {latest.isoformat()} (§4.7.2)", None, latest,
                            working_days, None)
    given = working_days_between(calendar, notice.notice_date, plan.day)
    if (notice.visit_date, notice.arrival) != (plan.day, plan.arrival):
        return NoticeStatus(
            False, f"the notice of {notice.notice_date.isoformat()} announced {notice.visit_date.isoformat()} at "
                   f"{notice.arrival}; the visit is now {plan.day.isoformat()} at {plan.arrival}: a new notice is "
                   f"needed, dated {latest.isoformat()} or earlier (§4.7.2)",
            notice.notice_date, latest, working_days, given)
    if given < working_days:
        return NoticeStatus(
            False, f"the notice of {notice.notice_date.isoformat()} leaves {given} working day(s) before the visit on "
                   f"{plan.day.isoformat()}; {working_days} are needed (dated {latest.isoformat()} or earlier, "
                   "§4.7.2)", notice.notice_date, latest, working_days, given)
    return NoticeStatus(True, f"given {notice.notice_date.isoformat()}, {given} working days before the visit "
                              f"(at least {working_days}, §4.7.2)", notice.notice_date, latest, working_days, given)


@dataclass(frozen=True)
class VisitFacts:
    """A visit as its events hold it: what :func:`assess_round3` reads (from the aggregate or a read model)."""

    municipality: str
    plan: VisitPlan
    notice: NoticeRecord | None
    attendance: Mapping[str, str] | None  # seat -> "member" or the substitute's name
    reschedules: int = 0


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

    def notice_texts(self, contest: Contest, notice_date: date, recipients: Recipients) -> dict[str, str]:
        """The notice's text for this visit as planned now (§4.7.2), in Latvian and English."""
        names = {m.code: m.name for m in contest.municipalities}
        standing = round2_standing(contest.round2 or {}, self.municipality, names,
                                   len(contest.round2_municipalities))
        return notice_texts(title=contest.title, notice_date=notice_date,
                            municipality_name=names.get(self.municipality, self.municipality),
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
        results_from = local_date(contest.round2["closed_at"], tz) if contest.round2 else None
        if results_from is not None and day < results_from:
            raise RuleViolation(f"the notice states the round-2 results, which exist from {results_from.isoformat()}"
                                f" (round 2 closed); {day.isoformat()} is earlier", clause="§4.7.2",
                                field="notice_date")
        check_notice_period(contest.work_calendar(), day, self.plan.day, contest.rules.notice_working_days)
        return day, who

    def record_notice(self, contest: Contest, notice_date: object, recipients: Mapping[str, Any], *, actor: Actor,
                      at: datetime) -> None:
        """Record that the finalist, its mayor and its contact person were told (§4.7.2), with the text sent."""
        day, who = self.check_notice(contest, notice_date, recipients, at=at)
        texts = self.notice_texts(contest, day, who)
        self._notice_recorded(notice_date=day, recipients=who.to_dict(), visit_date=self.plan.day,
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


# ----- what round 3 adds up to (§4.7.3, §4.7.4, §4.7.8-§4.7.11, D12, D13) -----

@dataclass(frozen=True)
class Blocker:
    """Something that keeps round 3 from closing, with the clause it comes from."""

    clause: str
    message: str
    municipality: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"clause": self.clause, "message": self.message, "municipality": self.municipality}


@dataclass(frozen=True)
class Round3Assessment:
    result: FinalResult
    visits: tuple[dict[str, Any], ...]
    blockers: tuple[Blocker, ...]

    @property
    def blocked(self) -> bool:
        return bool(self.blockers)

    def clauses(self) -> str:
        seen: list[str] = []
        for b in self.blockers:
            if b.clause not in seen:
                seen.append(b.clause)
        return ", ".join(seen)

    def to_dict(self) -> dict[str, Any]:
        return {"blocked": self.blocked, "blockers": [b.to_dict() for b in self.blockers],
                "visits": list(self.visits), "result": self.result.to_dict()}


def assess_round3(contest: Contest, visits: Mapping[str, VisitFacts],
                  scorecards: Mapping[str, Mapping[str, Any]]) -> Round3Assessment:
    """Round 3 as the visits, the scorecards and the recorded decisions stand (:func:`compute_final_result`),
    with every visit's notice and attendance, and what still blocks closing:

    * no recorded briefing (§4.6.8); a finalist without a planned visit (§4.7.1), without a valid notice
      (§4.7.2), without recorded attendance or whose visit does not count (§4.7.3);
    * fewer counted seats with scores than the quorum (§3.2.3: the jury decides with at least five members);
    * a tie that needs a recorded jury decision (D12 winner, D13 theme prize).

    ``scorecards``: seat -> {"scores": {m: 1-5}, "justifications": {m: text}, "theme_points": {m: 0/1/2}}.
    """
    rules = contest.rules
    tz = contest.window.timezone
    finalists = contest.finalists
    blockers: list[Blocker] = []
    if contest.briefing is None:
        blockers.append(Blocker("§4.6.8", "the jury's briefing on the finalists is not recorded"))
    attendance: dict[str, set[str]] = {}
    statuses: dict[str, NoticeStatus] = {}
    for m in finalists:
        facts = visits.get(m)
        if facts is None:
            blockers.append(Blocker("§4.7.1", f"{m} has no visit planned", m))
            continue
        status = statuses[m] = notice_status(contest.work_calendar(), facts.notice, facts.plan,
                                             rules.notice_working_days)
        if not status.valid:
            blockers.append(Blocker("§4.7.2", f"the visit to {m} has no valid notice: {status.reason}", m))
        if facts.attendance is None:
            blockers.append(Blocker("§4.7.3", f"the visit to {m} has no attendance recorded", m))
        else:
            attendance[m] = set(facts.attendance)
    scores = {seat: {m: (card["scores"][m], card["justifications"].get(m, "")) for m in card["scores"]}
              for seat, card in scorecards.items()}
    theme = {seat: dict(card["theme_points"]) for seat, card in scorecards.items()}
    result = compute_final_result(
        finalists, [s.id for s in contest.voting_seats], contest.chair.id, attendance, scores, theme,
        contest.decisions_of(contest.ROUND3_TIES), min_seats_per_visit=rules.visit_min_seats,
        min_visits_per_seat=rules.seat_min_visits)
    counted = {v.municipality: v for v in result.visits}
    rows: list[dict[str, Any]] = []
    for m in finalists:
        row = counted[m]
        facts = visits.get(m)
        if facts is not None and facts.attendance is not None and not row.counted:
            blockers.append(Blocker("§4.7.3", f"the visit to {m} does not count: {row.reason}", m))
        rows.append({
            "municipality": m,
            "planned": facts is not None,
            "plan": facts.plan.to_json(tz) if facts else None,
            "reschedules": facts.reschedules if facts else 0,
            "notice": statuses[m].to_dict() if m in statuses else None,
            "attendance": dict(facts.attendance) if facts and facts.attendance is not None else None,
            "voting_present": list(row.voting_present),
            "other_present": list(row.other_present),
            "counted": row.counted and (m in statuses and statuses[m].valid),
            "reason": row.reason,
        })
    scoring = [s.seat for s in result.seats if s.counted and s.scores_submitted]
    if len(scoring) < rules.quorum:
        blockers.append(Blocker(
            "§3.2.3", f"scores from {len(scoring)} counted seat(s) ({', '.join(scoring) or 'none'}); the jury "
                      f"decides with at least {rules.quorum} (§3.2.3, §4.7.4)"))
    for tie in result.open_ties:
        what = "winner" if tie.kind == "winner" else "theme prize"
        blockers.append(Blocker(tie.clause, f"the {what} is tied between {', '.join(tie.tied)}: a recorded jury "
                                            f"decision of kind '{tie.kind}' is needed (§3.2.4)"))
    return Round3Assessment(result, tuple(rows), tuple(blockers))
