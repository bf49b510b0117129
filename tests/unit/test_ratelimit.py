"""The vote's per-address rate limit (api/ratelimit.py; §4.6.6): parsing the setting, windows per address and limit,
refusals not counted, the slots of ended windows taken again, a full table letting the vote through, a layout of
before remade; a fake clock, no sleeps. The HTTP behaviour (429, Retry-After, JSON
body) is in tests/integration/test_operations.py and tests/integration/test_pages.py; the budget shared by the
routes and the processes in tests/integration/test_ratelimit_shared.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from api import ratelimit
from api.ratelimit import Counters, Rate, parse_rates


def test_the_setting_is_parsed_or_refused_naming_it() -> None:
    assert parse_rates("120/minute;20/second") == [Rate(120, 60), Rate(20, 1)]
    assert parse_rates("10 per hour, 2/5 seconds") == [Rate(10, 3600), Rate(2, 5)]
    assert parse_rates("OFF") == []
    for bad in ("", "many", "0/minute", "5/fortnight", "-1/second"):
        with pytest.raises(ValueError, match="CONTEST_VOTE_RATE_LIMIT"):
            parse_rates(bad)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_each_limit_has_a_window_per_address_and_refusals_are_not_counted(tmp_path: Path) -> None:
    clock = Clock()
    counters = Counters(tmp_path / "rl.counters", clock)
    rates = [Rate(3, 60), Rate(2, 1)]
    assert [counters.hit("a", rates) for _ in range(2)] == [0, 0]
    assert counters.hit("a", rates) == 1.0  # the per-second limit: wait for its window to end
    assert counters.hit("b", rates) == 0  # another address: windows of its own
    clock.now += 1
    assert counters.hit("a", rates) == 0  # a new second; the refused vote did not count
    wait = counters.hit("a", rates)
    assert wait == pytest.approx(59.0)  # three in the minute: until the minute's window ends
    clock.now += 59
    assert counters.hit("a", rates) == 0


def small_table(monkeypatch: pytest.MonkeyPatch, slots: int) -> None:
    monkeypatch.setattr(ratelimit, "SLOTS", slots)
    monkeypatch.setattr(ratelimit, "PROBES", slots)


def test_the_slots_of_ended_windows_are_taken_again(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    small_table(monkeypatch, 8)
    clock = Clock()
    counters = Counters(tmp_path / "rl.counters", clock)
    rates = [Rate(5, 60)]
    assert [counters.hit(f"address {i}", rates) for i in range(8)] == [0] * 8
    assert len(counters) == 8
    clock.now += 61  # every window has ended: nothing is swept, each slot is free for the next address
    assert [counters.hit(f"late {i}", rates) for i in range(8)] == [0] * 8
    assert len(counters) == 8
    assert [counters.hit("late 3", rates) for _ in range(5)] == [0, 0, 0, 0, 60.0]  # its window, in its slot
    assert counters.blocked("late 3", rates) == 60.0 and len(counters) == 8


def test_two_limits_of_one_vote_take_two_slots(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    small_table(monkeypatch, 4)
    clock = Clock()
    counters = Counters(tmp_path / "rl.counters", clock)
    rates = [Rate(2, 60), Rate(3, 1)]
    assert [counters.hit("a", rates) for _ in range(3)] == [0, 0, 60.0]
    assert counters.hit("b", rates) == 0
    assert len(counters) == 4


def test_a_full_table_lets_the_vote_through_and_warns(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                      caplog: pytest.LogCaptureFixture) -> None:
    small_table(monkeypatch, 4)
    counters = Counters(tmp_path / "rl.counters", Clock())
    rates = [Rate(1, 60)]
    assert [counters.hit(f"address {i}", rates) for i in range(4)] == [0] * 4
    assert counters.hit("address 0", rates) == 60.0  # the table holds its windows
    assert counters.hit("a fifth", rates) == 0  # no slot is free: let through, not refused
    assert "not available (TableFull)" in caplog.text and "a fifth" not in caplog.text


def test_a_file_of_another_layout_is_remade(tmp_path: Path) -> None:
    path = tmp_path / "rl.counters"
    path.write_bytes(b"SQLite format 3\0" + bytes(4096))  # the counters of before were a SQLite file
    counters = Counters(path, Clock())
    assert counters.hit("a", [Rate(1, 60)]) == 0 and counters.hit("a", [Rate(1, 60)]) == 60.0
    assert path.read_bytes().startswith(ratelimit.MAGIC)
    again = Counters(path, Clock())  # a second worker keeps what the first made
    assert again.hit("a", [Rate(1, 60)]) == 60.0
