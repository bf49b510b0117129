"""Latvian working days for the round-3 deadlines (RULES.md §4.7.2, §4.6.8), from the calendar recorded with the
contest (D17).

§4.7.2: at least **five working days** before its visit, each finalist is told the round-2 results, the jury's
planned arrival time and the full jury composition. Working days exclude weekends and Latvian public holidays
(including days off moved by government order) and include the Saturdays declared working days (e.g. 14 and
28 December 2024).

D17: which days those are is not read from whatever library a machine has installed. The contest records its
calendar as an event (``Contest.CalendarSet``, a plain dict, parsed here into :class:`WorkCalendar`): a span
``first_day``..``last_day``, ``days_off`` (every Monday–Friday in the span that is not a working day: public
holidays, the weekday given off when a holiday falls on a weekend, days off moved by Cabinet order, each with its
name) and ``working_days`` (every Saturday or Sunday in the span declared a working day). A day in the span is a
working day iff it is in ``working_days``, or it is Monday–Friday and not in ``days_off``. A date outside the span
is refused (``RuleViolation``, "§4.7.2, D17"): the recorded calendar does not cover it, and nothing guesses. The
service, the replay and the verifiers all decide from the same recorded value, so a replay on another machine
decides every notice exactly as the service did. (The application produces the value from the maintained
``holidays`` library when a contest is created, contest/calendar.py; the domain never imports it.)

Counting convention (chosen so that the two functions agree exactly): the working days "before the visit" granted
by a notice dated ``n`` are the working days ``d`` with ``n <= d < visit``; the notice's own day counts if it is a
working day, the visit day never does. So :func:`latest_notice_date` is the ``k``-th working day strictly before the
visit, a notice dated that day has exactly ``k`` working days, and one dated a day later has ``k − 1``.

Example (§4.7.2): a visit on Wednesday 20 November 2024 counts back 19, 15, 14, 13, 12 November (Monday 18 November
is Proclamation Day, 16–17 are a weekend), so the notice must be dated 12 November 2024 or earlier.

Pure functions of the calendar and the dates given: nothing here reads the clock.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from domain.errors import InvalidInput, RuleViolation

__all__ = [
    "BRIEFING_DAYS",
    "CALENDAR_CLAUSE",
    "NOTICE_WORKING_DAYS",
    "WorkCalendar",
    "check_briefing_before_visits",
    "check_notice_period",
    "is_working_day",
    "latest_notice_date",
    "nth_working_day_before",
    "working_days_between",
]

#: §4.7.2: the notice precedes the visit by at least five working days.
NOTICE_WORKING_DAYS = 5
#: §4.6.8: the jury's briefing precedes round 3 by at least one week.
BRIEFING_DAYS = 7
#: The clause a calendar refusal names.
CALENDAR_CLAUSE = "§4.7.2, D17"
#: The countries a calendar may be recorded for: the contest is Latvian (§4.7.2 counts Latvian working days).
COUNTRIES = ("LV",)
#: The longest span a recorded calendar may cover (ten years; a contest needs its year and the next).
MAX_SPAN_DAYS = 3653

_ONE_DAY = timedelta(days=1)
_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _iso_day(value: object) -> date | None:
    """A date written YYYY-MM-DD, or None."""
    if not isinstance(value, str) or not _ISO_DAY.match(value):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


@dataclass(frozen=True)
class WorkCalendar:
    """The working-day calendar recorded with a contest (D17): see the module docstring for its meaning.

    Parse it with :meth:`parse` (``InvalidInput`` naming the field); :meth:`to_dict` gives the recorded form
    back (dates as ISO strings, days off in date order)."""

    country: str
    source: str
    first_day: date
    last_day: date
    days_off: tuple[tuple[date, str], ...]
    working_days: tuple[date, ...]
    _off: frozenset[date] = field(init=False, repr=False, compare=False)
    _worked: frozenset[date] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_off", frozenset(d for d, _ in self.days_off))
        object.__setattr__(self, "_worked", frozenset(self.working_days))

    @classmethod
    def parse(cls, data: object, where: str = "calendar") -> WorkCalendar:
        """Validate the recorded form: ISO dates, ``first_day <= last_day`` (at most ten years), ``days_off`` only
        Monday–Friday inside the span, each named; ``working_days`` only Saturday or Sunday inside the span."""
        if not isinstance(data, Mapping):
            raise InvalidInput({where: ["must be an object with country, source, first_day, last_day, days_off "
                                        "and working_days (D17)"]})
        errors: dict[str, list[str]] = {}

        def fail(key: str, message: str) -> None:
            errors.setdefault(f"{where}.{key}", []).append(message)

        unknown = sorted(str(k) for k in data if k not in ("country", "source", "first_day", "last_day", "days_off",
                                                           "working_days"))
        for key in unknown:
            fail(key, "unknown field")
        country = data.get("country")
        if country not in COUNTRIES:
            fail("country", f"must be one of {', '.join(COUNTRIES)} (§4.7.2 counts Latvian working days)")
        source = data.get("source")
        if not isinstance(source, str) or not 0 < len(source.strip()) <= 300:
            fail("source", "must name where the calendar comes from (e.g. the library and its version), at most "
                           "300 characters")
        first, last = _iso_day(data.get("first_day")), _iso_day(data.get("last_day"))
        if first is None:
            fail("first_day", "must be a date, YYYY-MM-DD")
        if last is None:
            fail("last_day", "must be a date, YYYY-MM-DD")
        if first is not None and last is not None:
            if first > last:
                fail("last_day", f"must not be earlier than first_day ({first.isoformat()})")
            elif (last - first).days >= MAX_SPAN_DAYS:
                fail("last_day", "the span covers at most ten years")
        in_span = (lambda d: first <= d <= last) if first is not None and last is not None else (lambda d: True)

        off: list[tuple[date, str]] = []
        raw_off = data.get("days_off")
        if not isinstance(raw_off, Mapping):
            fail("days_off", "must be an object: date (YYYY-MM-DD) -> the day's name")
            raw_off = {}
        for key, name in raw_off.items():
            d = _iso_day(key)
            if d is None:
                fail(f"days_off.{key}", "must be a date, YYYY-MM-DD")
                continue
            if d.weekday() >= 5:
                fail(f"days_off.{key}", f"is a {_WEEKDAY_NAMES[d.weekday()]}: days_off lists only Monday–Friday "
                                        "(a weekend is not a working day anyway)")
            elif not in_span(d):
                fail(f"days_off.{key}", "lies outside first_day..last_day")
            if not isinstance(name, str) or not 0 < len(name.strip()) <= 300:
                fail(f"days_off.{key}", "must be named (at most 300 characters)")
                continue
            off.append((d, name.strip()))

        worked: list[date] = []
        raw_worked = data.get("working_days")
        if not isinstance(raw_worked, list | tuple):
            fail("working_days", "must be a list of dates (YYYY-MM-DD)")
            raw_worked = []
        for i, value in enumerate(raw_worked):
            d = _iso_day(value)
            if d is None:
                fail(f"working_days[{i}]", "must be a date, YYYY-MM-DD")
            elif d.weekday() < 5:
                fail(f"working_days[{i}]", f"{d.isoformat()} is a {_WEEKDAY_NAMES[d.weekday()]}: working_days "
                                           "lists only Saturdays and Sundays declared working days")
            elif not in_span(d):
                fail(f"working_days[{i}]", f"{d.isoformat()} lies outside first_day..last_day")
            elif d in worked:
                fail(f"working_days[{i}]", f"{d.isoformat()} is listed twice")
            else:
                worked.append(d)
        if errors:
            raise InvalidInput(errors)
        assert first is not None and last is not None and isinstance(country, str) and isinstance(source, str)
        return cls(country=country, source=source.strip(), first_day=first, last_day=last,
                   days_off=tuple(sorted(off)), working_days=tuple(sorted(worked)))

    def to_dict(self) -> dict[str, Any]:
        return {"country": self.country, "source": self.source, "first_day": self.first_day.isoformat(),
                "last_day": self.last_day.isoformat(),
                "days_off": {d.isoformat(): name for d, name in self.days_off},
                "working_days": [d.isoformat() for d in self.working_days]}

    def summary(self) -> dict[str, Any]:
        """What the configuration shows: the country, the span, the source and how many days each list has."""
        return {"country": self.country, "source": self.source, "first_day": self.first_day.isoformat(),
                "last_day": self.last_day.isoformat(), "days_off": len(self.days_off),
                "working_days": len(self.working_days)}

    def covers(self, d: date) -> bool:
        return self.first_day <= d <= self.last_day

    def require_covers(self, d: date, name: str = "date") -> None:
        """Refuse a day the recorded calendar does not cover (D17): never guess a calendar."""
        if not self.covers(d):
            raise RuleViolation(
                f"the recorded calendar does not cover {d.isoformat()} (it covers {self.first_day.isoformat()} to "
                f"{self.last_day.isoformat()}, {self.source}); the secretariat records a calendar that covers it "
                "before round 3 starts",
                clause=CALENDAR_CLAUSE, field=name, date=d.isoformat(), first_day=self.first_day.isoformat(),
                last_day=self.last_day.isoformat())

    def is_working_day(self, d: date) -> bool:
        self.require_covers(d)
        if d.weekday() >= 5:
            return d in self._worked
        return d not in self._off

    def day_off_name(self, d: date) -> str | None:
        return dict(self.days_off).get(d)


def _as_date(value: date, name: str) -> date:
    # A datetime is a date subclass; refuse it rather than silently take its (UTC?) calendar day.
    if isinstance(value, datetime) or not isinstance(value, date):
        raise TypeError(f"{name} must be a datetime.date (convert datetimes to the Europe/Riga date first)")
    return value


def _as_calendar(calendar: WorkCalendar) -> WorkCalendar:
    if not isinstance(calendar, WorkCalendar):
        raise TypeError("calendar must be the contest's recorded WorkCalendar (D17)")
    return calendar


def is_working_day(calendar: WorkCalendar, d: date) -> bool:
    """Whether ``d`` is a Latvian working day (§4.7.2) by the recorded calendar (D17): not a weekend or a day off
    (public holidays, moved days off), or a Saturday or Sunday declared a working day. Outside the calendar's span:
    ``RuleViolation`` ("§4.7.2, D17")."""
    d = _as_date(d, "d")
    return _as_calendar(calendar).is_working_day(d)


def nth_working_day_before(calendar: WorkCalendar, d: date, n: int) -> date:
    """The ``n``-th working day strictly before ``d`` (``n >= 1``; §4.7.2), by the recorded calendar (D17)."""
    d = _as_date(d, "d")
    calendar = _as_calendar(calendar)
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError("n must be a positive int")
    calendar.require_covers(d, "visit_date")
    day = d
    found = 0
    while found < n:
        day -= _ONE_DAY
        if calendar.is_working_day(day):
            found += 1
    return day


def latest_notice_date(calendar: WorkCalendar, visit_date: date, working_days: int = NOTICE_WORKING_DAYS) -> date:
    """The last date a §4.7.2 notice may be dated so that at least ``working_days`` working days lie before the
    visit: the ``working_days``-th working day strictly before ``visit_date`` (its own day counts)."""
    return nth_working_day_before(calendar, visit_date, working_days)


def working_days_between(calendar: WorkCalendar, notice_date: date, visit_date: date) -> int:
    """The working days ``d`` with ``notice_date <= d < visit_date`` (§4.7.2); 0 if the notice is not earlier.

    A notice dated :func:`latest_notice_date` gets exactly the required number; one dated a day later, one fewer.
    Both dates must lie in the recorded calendar's span (D17).
    """
    notice_date = _as_date(notice_date, "notice_date")
    visit_date = _as_date(visit_date, "visit_date")
    calendar = _as_calendar(calendar)
    calendar.require_covers(notice_date, "notice_date")
    calendar.require_covers(visit_date, "visit_date")
    count = 0
    day = notice_date
    while day < visit_date:
        if calendar.is_working_day(day):
            count += 1
        day += _ONE_DAY
    return count


def check_notice_period(calendar: WorkCalendar, notice_date: date, visit_date: date,
                        working_days: int = NOTICE_WORKING_DAYS) -> None:
    """Refuse a notice given fewer than ``working_days`` working days before the visit (§4.7.2), counted by the
    recorded calendar (D17).

    Raises ``RuleViolation(clause="§4.7.2", field="notice_date")`` naming the latest allowed date, or
    ``RuleViolation(clause="§4.7.2, D17")`` for a date the recorded calendar does not cover.
    """
    notice_date = _as_date(notice_date, "notice_date")
    calendar = _as_calendar(calendar)
    calendar.require_covers(notice_date, "notice_date")
    latest = latest_notice_date(calendar, visit_date, working_days)
    if notice_date > latest:
        given = working_days_between(calendar, notice_date, visit_date)
        raise RuleViolation(
            f"the notice of a visit on {visit_date.isoformat()} must be given at least {working_days} working "
            f"days before it, i.e. dated {latest.isoformat()} or earlier; {notice_date.isoformat()} leaves "
            f"{given} working day(s)",
            clause="§4.7.2",
            field="notice_date",
            latest_notice_date=latest.isoformat(),
            working_days_required=working_days,
            working_days_given=given,
        )


def check_briefing_before_visits(briefing_date: date, first_visit_date: date, days: int = BRIEFING_DAYS) -> None:
    """Refuse a jury briefing given less than ``days`` calendar days (one week) before the first visit (§4.6.8).

    The briefing on day ``b`` is in time when ``first_visit_date − b >= days``: 7 days before is accepted, 6 refused.
    Raises ``RuleViolation(clause="§4.6.8", field="briefing_date")`` naming the latest allowed date.
    """
    briefing_date = _as_date(briefing_date, "briefing_date")
    first_visit_date = _as_date(first_visit_date, "first_visit_date")
    if isinstance(days, bool) or not isinstance(days, int) or days < 0:
        raise ValueError("days must be a non-negative int")
    latest = first_visit_date - timedelta(days=days)
    if briefing_date > latest:
        raise RuleViolation(
            f"the jury must receive the full information on the finalists at least {days} days before the first "
            f"visit on {first_visit_date.isoformat()}, i.e. on {latest.isoformat()} or earlier; "
            f"{briefing_date.isoformat()} is {(first_visit_date - briefing_date).days} day(s) before it",
            clause="§4.6.8",
            field="briefing_date",
            latest_briefing_date=latest.isoformat(),
            days_required=days,
            days_given=(first_visit_date - briefing_date).days,
        )
