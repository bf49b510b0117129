"""The vote's per-address rate limit (api/ratelimit.py; §4.6.6): parsing the setting, windows per address and limit,
refusals not counted, finished windows swept; a fake clock, no sleeps. The HTTP behaviour (429, Retry-After, JSON
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
    counters = Counters(tmp_path / "rl.sqlite3", clock)
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


def test_finished_windows_are_swept(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(ratelimit, "SWEEP_EVERY", 10)
    clock = Clock()
    counters = Counters(tmp_path / "rl.sqlite3", clock)
    rates = [Rate(5, 60)]
    for i in range(9):
        counters.hit(f"address {i}", rates)
    assert len(counters) == 9
    clock.now += 61
    counters.hit("late", rates)  # the tenth hit sweeps the nine finished windows
    assert len(counters) == 1
