"""Latvian working days for the round-3 notice (RULES.md §4.7.2) and the jury briefing (§4.6.8), counted by the
calendar recorded with the contest (D17): here the recorded form as contest/calendar.py produces it from the
maintained ``holidays`` library (2017-2026), and a hand-written one for the checks of the recorded form itself."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import partial
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contest.calendar import contest_calendar, latvian_calendar
from domain.errors import InvalidInput, RuleViolation
from domain.workdays import (
    WorkCalendar,
    check_briefing_before_visits,
    check_notice_period,
    working_days_between,
)
from domain.workdays import is_working_day as _is_working_day
from domain.workdays import latest_notice_date as _latest_notice_date
from domain.workdays import nth_working_day_before as _nth_working_day_before

# The recorded calendar for the years the examples below use (2017-2026), as the service records it.
LV = WorkCalendar.parse(latvian_calendar(2017, 2026))
is_working_day = partial(_is_working_day, LV)
latest_notice_date = partial(_latest_notice_date, LV)
nth_working_day_before = partial(_nth_working_day_before, LV)
between = partial(working_days_between, LV)
check = partial(check_notice_period, LV)


def _naive_nth_working_day_before(d: date, n: int) -> date:
    """The wrong way: Monday–Friday minus days off, ignoring Saturdays declared working days."""
    off = {day for day, _ in LV.days_off}
    found = 0
    while found < n:
        d -= timedelta(days=1)
        if d.weekday() < 5 and d not in off:
            found += 1
    return d


# --- the calendar ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2024, 11, 18), False),  # Mon: Proclamation Day
        (date(2024, 11, 19), True),  # Tue
        (date(2024, 11, 16), False),  # Sat
        (date(2024, 12, 14), True),  # Sat declared a working day (for Mon 23 Dec)
        (date(2024, 12, 28), True),  # Sat declared a working day (for Mon 30 Dec)
        (date(2024, 12, 21), False),  # an ordinary Saturday
        (date(2024, 12, 23), False),  # Mon: day off moved from 14 Dec
        (date(2024, 12, 30), False),  # Mon: day off moved from 28 Dec
        (date(2024, 12, 24), False),  # Christmas Eve
        (date(2024, 12, 31), False),  # New Year's Eve
        (date(2024, 5, 6), False),  # Mon: 4 May fell on a Saturday and is given on the next Monday
        (date(2024, 3, 29), False),  # Good Friday
        (date(2024, 4, 1), False),  # Easter Monday
        (date(2024, 6, 24), False),  # Midsummer Day (Mon)
        (date(2024, 6, 25), True),  # Midsummer Eve fell on Sunday 23 June: not moved
        (date(2025, 6, 23), False),  # Midsummer Eve (Mon)
        (date(2025, 6, 24), False),  # Midsummer Day (Tue)
        (date(2025, 11, 8), True),  # Sat declared a working day (for Mon 17 Nov 2025)
        (date(2025, 11, 17), False),
        (date(2026, 1, 2), False),  # Fri: day off moved from Sat 17 Jan 2026
        (date(2026, 1, 17), True),
    ],
)
def test_4_7_2_working_days_follow_the_latvian_calendar(day: date, working: bool) -> None:
    assert is_working_day(day) is working


def test_4_7_2_datetimes_are_refused_not_silently_truncated() -> None:
    with pytest.raises(TypeError):
        is_working_day(datetime(2024, 11, 18, 23, 30))  # type: ignore[arg-type]


# --- the notice period (§4.7.2) -------------------------------------------------------------------------------


def test_4_7_2_visit_on_wednesday_20_november_2024() -> None:
    # Counting back from Wed 20.11.2024:
    #   Tue 19 -> 1; Mon 18 Proclamation Day (no); Sun 17, Sat 16 weekend (no);
    #   Fri 15 -> 2; Thu 14 -> 3; Wed 13 -> 4; Tue 12 -> 5.
    visit = date(2024, 11, 20)
    assert latest_notice_date(visit) == date(2024, 11, 12)
    assert nth_working_day_before(visit, 5) == date(2024, 11, 12)
    # Without the 18 November holiday it would be 19, 18, 15, 14, 13 -> the 13th:
    assert _naive_weekdays_only(visit, 5) == date(2024, 11, 13)
    assert between(date(2024, 11, 12), visit) == 5  # 12, 13, 14, 15, 19
    assert between(date(2024, 11, 13), visit) == 4  # 13, 14, 15, 19
    assert between(date(2024, 11, 11), visit) == 6


def _naive_weekdays_only(d: date, n: int) -> date:
    found = 0
    while found < n:
        d -= timedelta(days=1)
        if d.weekday() < 5:
            found += 1
    return d


def test_4_7_2_visit_on_tuesday_31_december_2024_counts_the_working_saturday() -> None:
    # Counting back from Tue 31.12.2024:
    #   Mon 30 day off (moved from Sat 28) (no); Sun 29 (no); Sat 28 declared a working day -> 1;
    #   Fri 27 -> 2; Thu 26, Wed 25, Tue 24 Christmas (no); Mon 23 day off (moved from Sat 14) (no);
    #   Sun 22, Sat 21 (no); Fri 20 -> 3; Thu 19 -> 4; Wed 18 -> 5.
    visit = date(2024, 12, 31)
    assert latest_notice_date(visit) == date(2024, 12, 18)
    # Weekdays minus public holidays skips Saturday 28 and counts 27, 20, 19, 18, 17: one day too early.
    naive = _naive_nth_working_day_before(visit, 5)
    assert naive == date(2024, 12, 17)
    assert naive != latest_notice_date(visit)
    assert between(date(2024, 12, 18), visit) == 5  # 18, 19, 20, 27, 28


def test_4_7_2_notice_on_the_latest_date_is_accepted_one_day_later_refused() -> None:
    visit = date(2024, 11, 20)
    check(date(2024, 11, 12), visit)
    check(date(2024, 11, 1), visit)
    with pytest.raises(RuleViolation) as caught:
        check(date(2024, 11, 13), visit)
    error = caught.value
    assert error.clause == "§4.7.2"
    assert error.field == "notice_date"
    assert "2024-11-12" in error.message
    assert error.details["latest_notice_date"] == "2024-11-12"
    assert error.details["working_days_given"] == 4
    assert error.as_dict()["rule"] == "§4.7.2"


def test_4_7_2_notice_on_or_after_the_visit_is_refused() -> None:
    visit = date(2024, 12, 31)
    for notice in (visit, visit + timedelta(days=1)):
        with pytest.raises(RuleViolation) as caught:
            check(notice, visit)
        assert caught.value.details["working_days_given"] == 0
    with pytest.raises(RuleViolation, match="2024-12-18"):
        check(date(2024, 12, 19), visit)


def test_4_7_2_easter_2024() -> None:
    # Visit Wed 03.04.2024: Tue 2 -> 1; Mon 1 Easter Monday, Sun 31 Easter, Sat 30, Fri 29 Good Friday (no);
    #   Thu 28 -> 2; Wed 27 -> 3; Tue 26 -> 4; Mon 25 -> 5.
    assert latest_notice_date(date(2024, 4, 3)) == date(2024, 3, 25)
    # Without Good Friday and Easter Monday: 2, 1, 29, 28, 27 -> 27 March.
    assert _naive_weekdays_only(date(2024, 4, 3), 5) == date(2024, 3, 27)


def test_4_7_2_midsummer_2025() -> None:
    # Visit Thu 26.06.2025: Wed 25 -> 1; Tue 24 Midsummer Day, Mon 23 Midsummer Eve, Sun 22, Sat 21 (no);
    #   Fri 20 -> 2; Thu 19 -> 3; Wed 18 -> 4; Tue 17 -> 5.
    assert latest_notice_date(date(2025, 6, 26)) == date(2025, 6, 17)
    with pytest.raises(RuleViolation, match="2025-06-17"):
        check(date(2025, 6, 18), date(2025, 6, 26))


def test_4_7_2_midsummer_2024_on_sunday_and_monday() -> None:
    # Visit Tue 25.06.2024: Mon 24 Midsummer Day, Sun 23 Midsummer Eve, Sat 22 (no);
    #   Fri 21 -> 1; Thu 20 -> 2; Wed 19 -> 3; Tue 18 -> 4; Mon 17 -> 5.
    assert latest_notice_date(date(2024, 6, 25)) == date(2024, 6, 17)
    assert between(date(2024, 6, 17), date(2024, 6, 25)) == 5


def test_4_7_2_across_the_new_year() -> None:
    # Visit Mon 05.01.2026: Fri 2 Jan day off (moved to Sat 17 Jan), Thu 1 Jan New Year, Wed 31 Dec New Year's Eve;
    #   Tue 30 Dec -> 1; Mon 29 -> 2; Fri 26, Thu 25, Wed 24 Christmas (no); Tue 23 -> 3; Mon 22 -> 4; Fri 19 -> 5.
    assert latest_notice_date(date(2026, 1, 5)) == date(2025, 12, 19)


def test_4_7_2_arguments_are_validated() -> None:
    with pytest.raises(ValueError):
        nth_working_day_before(date(2024, 11, 20), 0)
    assert latest_notice_date(date(2024, 11, 20), working_days=1) == date(2024, 11, 19)


@settings(max_examples=200, deadline=None, derandomize=True)
@given(
    visit=st.dates(min_value=date(2017, 2, 1), max_value=date(2026, 12, 31)),
    n=st.integers(min_value=1, max_value=15),
)
def test_4_7_2_latest_date_gives_exactly_n_working_days_and_a_day_later_one_fewer(visit: date, n: int) -> None:
    latest = latest_notice_date(visit, n)
    assert is_working_day(latest)
    assert between(latest, visit) == n
    assert between(latest + timedelta(days=1), visit) == n - 1
    check(latest, visit, n)
    with pytest.raises(RuleViolation):
        check(latest + timedelta(days=1), visit, n)


# --- the briefing (§4.6.8) ------------------------------------------------------------------------------------


def test_4_6_8_briefing_at_least_one_week_before_the_first_visit() -> None:
    first_visit = date(2024, 11, 20)
    check_briefing_before_visits(date(2024, 11, 13), first_visit)  # 7 days before: accepted
    check_briefing_before_visits(date(2024, 11, 1), first_visit)
    with pytest.raises(RuleViolation) as caught:
        check_briefing_before_visits(date(2024, 11, 14), first_visit)  # 6 days before: refused
    error = caught.value
    assert error.clause == "§4.6.8"
    assert error.field == "briefing_date"
    assert "2024-11-13" in error.message
    assert error.details["days_given"] == 6
    with pytest.raises(RuleViolation):
        check_briefing_before_visits(first_visit, first_visit)


# --- the recorded calendar itself (D17) -----------------------------------------------------------------------

# A hand-written recorded calendar for the end of 2024: the same answers as the library's for these days.
DEC_2024: dict[str, Any] = {
    "country": "LV", "source": "hand-written for the tests", "first_day": "2024-11-01", "last_day": "2024-12-31",
    "days_off": {"2024-11-18": "Latvijas Republikas Proklamēšanas diena", "2024-12-23": "Brīvdiena",
                 "2024-12-24": "Ziemassvētku vakars", "2024-12-25": "Pirmie Ziemassvētki",
                 "2024-12-26": "Otrie Ziemassvētki", "2024-12-30": "Brīvdiena", "2024-12-31": "Vecgada diena"},
    "working_days": ["2024-12-14", "2024-12-28"],
}


def test_d17_the_library_calendar_for_2024_2025_is_recorded_in_the_agreed_form() -> None:
    data = contest_calendar(2024)
    assert set(data) == {"country", "source", "first_day", "last_day", "days_off", "working_days"}
    assert (data["country"], data["first_day"], data["last_day"]) == ("LV", "2024-01-01", "2025-12-31")
    assert data["source"].startswith("holidays ")
    assert data["working_days"] == ["2024-12-14", "2024-12-28", "2025-05-10", "2025-11-08"]
    assert data["days_off"]["2024-11-18"] == "Latvijas Republikas Proklamēšanas diena"  # names in Latvian
    assert data["days_off"]["2024-01-01"] == "Jaungada diena"
    assert "2024-05-06" in data["days_off"]  # 4 May 2024 was a Saturday: Monday 6 May is given off
    assert "2024-12-23" in data["days_off"] and "2024-12-30" in data["days_off"]  # moved by Cabinet order
    assert all(date.fromisoformat(d).weekday() < 5 for d in data["days_off"])  # Sunday 23 June is not listed
    assert WorkCalendar.parse(data).to_dict() == data  # the recorded form round-trips exactly


def test_d17_the_examples_hold_on_a_hand_written_calendar_too() -> None:
    cal = WorkCalendar.parse(DEC_2024)
    assert _latest_notice_date(cal, date(2024, 12, 31)) == date(2024, 12, 18)
    assert _latest_notice_date(cal, date(2024, 11, 20)) == date(2024, 11, 12)
    assert _is_working_day(cal, date(2024, 12, 14)) and _is_working_day(cal, date(2024, 12, 28))
    assert not _is_working_day(cal, date(2024, 12, 21))
    # Without Proclamation Day in the recorded calendar, the notice of a 20 November visit is due a day later.
    without = WorkCalendar.parse({**DEC_2024, "days_off": {k: v for k, v in DEC_2024["days_off"].items()
                                                           if k != "2024-11-18"}})
    assert _latest_notice_date(without, date(2024, 11, 20)) == date(2024, 11, 13)


@pytest.mark.parametrize("outside", [date(2024, 10, 31), date(2025, 1, 1)])
def test_d17_a_date_the_recorded_calendar_does_not_cover_is_refused(outside: date) -> None:
    cal = WorkCalendar.parse(DEC_2024)
    with pytest.raises(RuleViolation) as caught:
        _is_working_day(cal, outside)
    assert caught.value.clause == "§4.7.2, D17"
    assert "the recorded calendar does not cover " + outside.isoformat() in caught.value.message
    assert caught.value.details["first_day"] == "2024-11-01"
    with pytest.raises(RuleViolation, match="does not cover"):
        check_notice_period(cal, date(2024, 12, 20), outside)


def test_d17_counting_back_past_the_span_is_refused_not_guessed() -> None:
    cal = WorkCalendar.parse(DEC_2024)
    assert _latest_notice_date(cal, date(2024, 11, 8)) == date(2024, 11, 1)  # 7, 6, 5, 4, 1 November
    with pytest.raises(RuleViolation, match="does not cover 2024-10-31"):
        _latest_notice_date(cal, date(2024, 11, 7))  # would need 31 October


@pytest.mark.parametrize(("change", "field"), [
    ({"first_day": "2024-13-01"}, "calendar.first_day"),
    ({"last_day": "1.12.2024"}, "calendar.last_day"),
    ({"first_day": "2025-01-01"}, "calendar.last_day"),  # first_day after last_day
    ({"last_day": "2040-12-31"}, "calendar.last_day"),  # more than ten years
    ({"country": "EE"}, "calendar.country"),
    ({"source": " "}, "calendar.source"),
    ({"days_off": {"2024-12-21": "sestdiena"}}, "calendar.days_off.2024-12-21"),  # a Saturday
    ({"days_off": {"2025-01-01": "Jaungada diena"}}, "calendar.days_off.2025-01-01"),  # outside the span
    ({"days_off": {"2024-02-30": "x"}}, "calendar.days_off.2024-02-30"),
    ({"days_off": {"2024-12-02": ""}}, "calendar.days_off.2024-12-02"),  # unnamed
    ({"days_off": ["2024-12-02"]}, "calendar.days_off"),
    ({"working_days": ["2024-12-16"]}, "calendar.working_days[0]"),  # a Monday
    ({"working_days": ["2024-12-14", "2025-01-04"]}, "calendar.working_days[1]"),  # outside the span
    ({"working_days": ["2024-12-14", "2024-12-14"]}, "calendar.working_days[1]"),
    ({"working_days": "2024-12-14"}, "calendar.working_days"),
    ({"extra": 1}, "calendar.extra"),
])
def test_d17_a_malformed_calendar_is_refused_naming_the_field(change: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        WorkCalendar.parse({**DEC_2024, **change})
    assert field in caught.value.errors, caught.value.errors


def test_d17_the_functions_take_only_a_recorded_calendar() -> None:
    with pytest.raises(TypeError):
        _is_working_day(DEC_2024, date(2024, 12, 2))  # type: ignore[arg-type]
    with pytest.raises(InvalidInput):
        WorkCalendar.parse(None)
