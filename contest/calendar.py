"""The working-day calendar a contest records (RULES.md §4.7.2, D17), produced from the maintained ``holidays``
library.

The library (``holidays.country_holidays("LV")``) knows the Latvian public holidays, the Monday given off when a
holiday falls on a weekend (since 2007), the days off moved by Cabinet orders ("Par darba dienu pārcelšanu …")
and, in ``weekend_workdays``, the Saturdays worked in exchange. :func:`latvian_calendar` turns what it says about
a span of years into the recorded form (domain/workdays.py ``WorkCalendar``, docs/AUDIT.md): ``days_off``, every
Monday–Friday of the span the library makes a day off, with its Latvian name, and ``working_days``, every
Saturday or Sunday of the span it declares a working day. The contest records that value as an event when it is
created (``Contest.CalendarSet``), and from then on every decision and every replay counts by the recorded value,
never by the library a machine happens to have installed.

Cabinet orders for a year are published the year before: a calendar produced by a ``holidays`` release that does
not know a year's moved days lacks them, and the secretariat corrects it (with a reason) before round 3 starts.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import holidays

from domain.workdays import WorkCalendar

COUNTRY = "LV"
LANGUAGE = "lv"


def library_source() -> str:
    """Where the calendar comes from: the library and its installed version, e.g. "holidays 0.109"."""
    return f"holidays {holidays.__version__}"


def latvian_calendar(first_year: int, last_year: int) -> dict[str, Any]:
    """The recorded calendar (the SPEC dict) for 1 January ``first_year`` to 31 December ``last_year``, from the
    installed ``holidays`` library; valid by construction (``WorkCalendar.parse`` accepts it)."""
    if first_year > last_year:
        raise ValueError("first_year must not be after last_year")
    # The neighbouring years too: a Cabinet order may move a day off across the new year (a Saturday worked in
    # one year for a day off in the next). expand=False: a lookup never adds years behind our back.
    lv = holidays.country_holidays(COUNTRY, years=range(first_year - 1, last_year + 2), language=LANGUAGE,
                                   expand=False)
    first, last = date(first_year, 1, 1), date(last_year, 12, 31)
    days_off: dict[str, str] = {}
    working_days: list[str] = []
    day = first
    while day <= last:
        if day.weekday() < 5:
            if not lv.is_working_day(day):
                days_off[day.isoformat()] = str(lv.get(day))
        elif lv.is_working_day(day):
            working_days.append(day.isoformat())
        day += timedelta(days=1)
    calendar = {"country": COUNTRY, "source": library_source(), "first_day": first.isoformat(),
                "last_day": last.isoformat(), "days_off": days_off, "working_days": working_days}
    WorkCalendar.parse(calendar)
    return calendar


def contest_calendar(year: int) -> dict[str, Any]:
    """The calendar recorded when the ``year`` contest is created: its year and the next (D17)."""
    return latvian_calendar(year, year + 1)


def creation_reason() -> str:
    return (f"recorded when the contest was created, from the maintained Latvian calendar of the {library_source()} "
            "library (§4.7.2, D17)")
