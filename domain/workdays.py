"""Latvian working days for the round-3 deadlines (RULES.md §4.7.2, §4.6.8).

§4.7.2: at least **five working days** before its visit, each finalist is told the round-2 results, the jury's
planned arrival time and the full jury composition. Working days exclude weekends and Latvian public holidays
(including days off moved by government order) and include the Saturdays declared working days (e.g. 14 and
28 December 2024).

The calendar is the maintained ``holidays`` library (``holidays.country_holidays("LV")``), never a hand-written
list: it knows the public holidays, the Monday given off when a holiday falls on a weekend (since 2007), the days
off moved by Cabinet orders ("Par darba dienu pārcelšanu …") and, in ``weekend_workdays``, the Saturdays worked in
exchange; its ``is_working_day`` combines all of these. Cabinet orders for a year are published the year before,
so a year beyond what the installed ``holidays`` release knows would lack its moved days: keep the library updated.

Counting convention (chosen so that the two functions agree exactly): the working days "before the visit" granted
by a notice dated ``n`` are the working days ``d`` with ``n <= d < visit``; the notice's own day counts if it is a
working day, the visit day never does. So :func:`latest_notice_date` is the ``k``-th working day strictly before the
visit, a notice dated that day has exactly ``k`` working days, and one dated a day later has ``k − 1``.

Example (§4.7.2): a visit on Wednesday 20 November 2024 counts back 19, 15, 14, 13, 12 November (Monday 18 November
is Proclamation Day, 16–17 are a weekend), so the notice must be dated 12 November 2024 or earlier.

Pure functions of the dates given: nothing here reads the clock.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import lru_cache

import holidays

from domain.errors import RuleViolation

__all__ = [
    "BRIEFING_DAYS",
    "NOTICE_WORKING_DAYS",
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

_ONE_DAY = timedelta(days=1)


@lru_cache(maxsize=32)
def _calendar(year: int) -> holidays.HolidayBase:
    """The Latvian calendar around ``year``: the neighbouring years too, because a Cabinet order may move a day
    off across the new year (a Saturday worked in one year for a day off in the next). ``expand=False`` so that a
    lookup never mutates the shared object."""
    return holidays.country_holidays("LV", years=range(year - 1, year + 2), expand=False)


def _as_date(value: date, name: str) -> date:
    # A datetime is a date subclass; refuse it rather than silently take its (UTC?) calendar day.
    if isinstance(value, datetime) or not isinstance(value, date):
        raise TypeError(f"{name} must be a datetime.date (convert datetimes to the Europe/Riga date first)")
    return value


def is_working_day(d: date) -> bool:
    """Whether ``d`` is a Latvian working day (§4.7.2): not a weekend or public holiday (moved days off included),
    or a Saturday declared a working day."""
    d = _as_date(d, "d")
    return bool(_calendar(d.year).is_working_day(d))


def nth_working_day_before(d: date, n: int) -> date:
    """The ``n``-th working day strictly before ``d`` (``n >= 1``; §4.7.2)."""
    d = _as_date(d, "d")
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError("n must be a positive int")
    day = d
    found = 0
    while found < n:
        day -= _ONE_DAY
        if is_working_day(day):
            found += 1
    return day


def latest_notice_date(visit_date: date, working_days: int = NOTICE_WORKING_DAYS) -> date:
    """The last date a §4.7.2 notice may be dated so that at least ``working_days`` working days lie before the
    visit: the ``working_days``-th working day strictly before ``visit_date`` (its own day counts)."""
    return nth_working_day_before(visit_date, working_days)


def working_days_between(notice_date: date, visit_date: date) -> int:
    """The working days ``d`` with ``notice_date <= d < visit_date`` (§4.7.2); 0 if the notice is not earlier.

    A notice dated :func:`latest_notice_date` gets exactly the required number; one dated a day later, one fewer.
    """
    notice_date = _as_date(notice_date, "notice_date")
    visit_date = _as_date(visit_date, "visit_date")
    count = 0
    day = notice_date
    while day < visit_date:
        if is_working_day(day):
            count += 1
        day += _ONE_DAY
    return count


def check_notice_period(notice_date: date, visit_date: date, working_days: int = NOTICE_WORKING_DAYS) -> None:
    """Refuse a notice given fewer than ``working_days`` working days before the visit (§4.7.2).

    Raises ``RuleViolation(clause="§4.7.2", field="notice_date")`` naming the latest allowed date.
    """
    notice_date = _as_date(notice_date, "notice_date")
    latest = latest_notice_date(visit_date, working_days)
    if notice_date > latest:
        given = working_days_between(notice_date, visit_date)
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
