"""A visit's plan and notice as plain values (§4.7.1, §4.7.2, §4.7.7): what a :class:`domain.visit.Visit`
holds, what a read model folds, and what :func:`domain.round3.assess_round3` reads (:class:`VisitFacts`).

Pure: no aggregate, no contest. Whether a plan fits the contest (the briefing, the calendar) is
:func:`domain.visit.check_plan`; whether a notice is valid for the visit as planned now is :func:`notice_status`,
counted by the working-day calendar recorded with the contest (:mod:`domain.workdays`, D17).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from domain.config import instant_str
from domain.errors import InvalidInput
from domain.workdays import WorkCalendar, latest_notice_date, working_days_between

ON_SITE, REMOTE = "on_site", "remote"
MODES = (ON_SITE, REMOTE)
ARRIVAL = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


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
        raw_minutes = data.get("duration_minutes")
        minutes = raw_minutes if type(raw_minutes) is int and 1 <= raw_minutes <= 24 * 60 else None
        if minutes is None:
            errors["duration_minutes"] = ["must be a whole number of minutes from 1 to 1440"]
        mode = data.get("mode", ON_SITE)
        if mode not in MODES:
            errors["mode"] = [f"must be one of {', '.join(MODES)}"]
        reason = data.get("remote_reason")
        if reason is not None and (not isinstance(reason, str) or len(reason) > 2000):
            errors["remote_reason"] = ["must be text of at most 2000 characters"]
        elif isinstance(reason, str) and reason.strip() and mode == ON_SITE:
            errors["remote_reason"] = ["is given only for a remote visit (§4.7.1)"]
        if errors or minutes is None:  # a missing length is in errors already
            raise InvalidInput(errors)
        reason = reason.strip() if isinstance(reason, str) and reason.strip() else None
        return cls(day=day, arrival=str(arrival), duration_minutes=int(minutes), mode=mode, remote_reason=reason)

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
