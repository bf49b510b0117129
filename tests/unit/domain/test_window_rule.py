"""The vote window as a calendar rule (§4.6.6, domain/window_rule.py): the same wall-clock times in Riga in another
year, stored as UTC instants with that year's offset (summer time UTC+3, winter UTC+2)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from domain.config import VotingWindow
from domain.errors import InvalidInput
from domain.window_rule import WindowRule

RIGA = ZoneInfo("Europe/Riga")


def riga(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=RIGA).astimezone(UTC)


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


WINDOW_2024 = VotingWindow(riga(2024, 8, 1, 0, 0, 0), riga(2024, 9, 15, 23, 59, 59), "Europe/Riga")


def test_s4_6_6_the_2024_window_is_1_august_to_15_september_in_riga() -> None:
    rule = WindowRule.of(WINDOW_2024, 2024)
    assert rule.describe() == "1 August 00:00:00 to 15 September 23:59:59, Europe/Riga"
    assert rule.for_year(2024) == WINDOW_2024  # the rule gives back its own year's window


def test_s4_6_6_the_2027_window_by_the_same_rule_is_stored_in_utc_with_summer_time() -> None:
    window = WindowRule.of(WINDOW_2024, 2024).for_year(2027)
    assert window.opens_at == utc(2027, 7, 31, 21, 0, 0)  # 1 August 2027 00:00 EEST (UTC+3)
    assert window.closes_at == utc(2027, 9, 15, 20, 59, 59)  # 15 September 2027 23:59:59 EEST
    assert window.to_dict() == {"opens_at": "2027-07-31T21:00:00Z", "closes_at": "2027-09-15T20:59:59Z",
                                "timezone": "Europe/Riga"}


def test_a_window_across_the_change_of_clocks_keeps_each_ends_wall_clock_time() -> None:
    # 2024: opens 20 March 10:00 EET (UTC+2), closes 20 April 10:00 EEST (UTC+3); in 2027 the clocks change on
    # 28 March, so both ends keep their offsets, and 10:00 stays 10:00 on the wall
    window = VotingWindow(riga(2024, 3, 20, 10, 0, 0), riga(2024, 4, 20, 10, 0, 0), "Europe/Riga")
    moved = WindowRule.of(window, 2024).for_year(2027)
    assert (moved.opens_at, moved.closes_at) == (utc(2027, 3, 20, 8, 0, 0), utc(2027, 4, 20, 7, 0, 0))


def test_a_window_into_the_next_year_stays_there_in_winter_time() -> None:
    window = VotingWindow(riga(2024, 12, 1, 0, 0, 0), riga(2025, 1, 15, 23, 59, 59), "Europe/Riga")
    rule = WindowRule.of(window, 2024)
    assert rule.describe() == "1 December 00:00:00 to 15 January, the next year 23:59:59, Europe/Riga"
    moved = rule.for_year(2027)
    assert (moved.opens_at, moved.closes_at) == (utc(2027, 11, 30, 22, 0, 0), utc(2028, 1, 15, 21, 59, 59))


def test_a_day_the_new_year_does_not_have_is_refused_not_moved() -> None:
    window = VotingWindow(riga(2024, 2, 29, 12, 0, 0), riga(2024, 3, 15, 12, 0, 0), "Europe/Riga")
    with pytest.raises(InvalidInput) as refused:
        WindowRule.of(window, 2024).for_year(2027)
    assert "window.opens_at" in refused.value.errors


def test_an_hour_skipped_by_summer_time_in_the_new_year_is_refused() -> None:
    # 28 March 2024 03:30 exists (a Thursday); on 28 March 2027 Riga's clocks jump from 03:00 to 04:00
    window = VotingWindow(riga(2024, 3, 28, 3, 30, 0), riga(2024, 4, 30, 12, 0, 0), "Europe/Riga")
    with pytest.raises(InvalidInput) as refused:
        WindowRule.of(window, 2024).for_year(2027)
    assert "summer time" in refused.value.errors["window.opens_at"][0]
