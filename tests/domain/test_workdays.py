"""Latvian working days for the round-3 notice (RULES.md §4.7.2) and the jury briefing (§4.6.8)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import holidays
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.errors import RuleViolation
from domain.workdays import (
    check_briefing_before_visits,
    check_notice_period,
    is_working_day,
    latest_notice_date,
    nth_working_day_before,
    working_days_between,
)


def _naive_nth_working_day_before(d: date, n: int) -> date:
    """The wrong way: Monday–Friday minus public holidays, ignoring Saturdays declared working days."""
    lv = holidays.country_holidays("LV", years=range(d.year - 1, d.year + 1))
    found = 0
    while found < n:
        d -= timedelta(days=1)
        if d.weekday() < 5 and d not in lv:
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
    assert working_days_between(date(2024, 11, 12), visit) == 5  # 12, 13, 14, 15, 19
    assert working_days_between(date(2024, 11, 13), visit) == 4  # 13, 14, 15, 19
    assert working_days_between(date(2024, 11, 11), visit) == 6


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
    assert working_days_between(date(2024, 12, 18), visit) == 5  # 18, 19, 20, 27, 28


def test_4_7_2_notice_on_the_latest_date_is_accepted_one_day_later_refused() -> None:
    visit = date(2024, 11, 20)
    check_notice_period(date(2024, 11, 12), visit)
    check_notice_period(date(2024, 11, 1), visit)
    with pytest.raises(RuleViolation) as caught:
        check_notice_period(date(2024, 11, 13), visit)
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
            check_notice_period(notice, visit)
        assert caught.value.details["working_days_given"] == 0
    with pytest.raises(RuleViolation, match="2024-12-18"):
        check_notice_period(date(2024, 12, 19), visit)


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
        check_notice_period(date(2025, 6, 18), date(2025, 6, 26))


def test_4_7_2_midsummer_2024_on_sunday_and_monday() -> None:
    # Visit Tue 25.06.2024: Mon 24 Midsummer Day, Sun 23 Midsummer Eve, Sat 22 (no);
    #   Fri 21 -> 1; Thu 20 -> 2; Wed 19 -> 3; Tue 18 -> 4; Mon 17 -> 5.
    assert latest_notice_date(date(2024, 6, 25)) == date(2024, 6, 17)
    assert working_days_between(date(2024, 6, 17), date(2024, 6, 25)) == 5


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
    visit=st.dates(min_value=date(2017, 1, 1), max_value=date(2026, 12, 31)),
    n=st.integers(min_value=1, max_value=15),
)
def test_4_7_2_latest_date_gives_exactly_n_working_days_and_a_day_later_one_fewer(visit: date, n: int) -> None:
    latest = latest_notice_date(visit, n)
    assert is_working_day(latest)
    assert working_days_between(latest, visit) == n
    assert working_days_between(latest + timedelta(days=1), visit) == n - 1
    check_notice_period(latest, visit, n)
    with pytest.raises(RuleViolation):
        check_notice_period(latest + timedelta(days=1), visit, n)


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
