"""Who sees the residents' vote tallies, and when (D10; domain.publication), one behaviour per test."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from domain.errors import RuleViolation
from domain.publication import vote_tallies_access

PUBLISHED = datetime(2024, 8, 15, 12, 0, tzinfo=UTC)
LATER = PUBLISHED + timedelta(days=3)


@dataclass
class FakeContest:
    window_status: str = "open"
    interim_published_at: datetime | None = None
    checkpoints: tuple[dict[str, Any], ...] = ()

    def window_times(self) -> dict[str, str]:
        return {"opens_at": "2024-07-31T21:00:00Z", "closes_at": "2024-09-15T20:59:59Z", "timezone": "Europe/Riga",
                "status": self.window_status}


def interim(at: datetime, through: int) -> dict[str, Any]:
    return {"kind": "interim_result", "through": through, "digest": "d" * 64, "at": at}


def test_d10_the_secretariat_reads_the_live_tally() -> None:
    access = vote_tallies_access(FakeContest(), "secretariat", LATER)
    assert access.visible and access.kind == "live" and not access.snapshot


@pytest.mark.parametrize("role", [None, "public", "municipality", "council", "juror", "auditor"])
def test_d10_nobody_else_sees_the_tallies_while_the_vote_is_open(role: str | None) -> None:
    access = vote_tallies_access(FakeContest(), role, LATER)
    assert not access.visible
    with pytest.raises(RuleViolation) as e:
        access.require()
    assert e.value.clause == "D10" and e.value.details["closes_at"] == "2024-09-15T20:59:59Z"


@pytest.mark.parametrize("role", [None, "secretariat", "municipality"])
def test_d10_everyone_sees_the_final_tally_once_the_window_has_closed(role: str | None) -> None:
    access = vote_tallies_access(FakeContest(window_status="closed"), role, LATER)
    assert access.visible and access.kind == "final" and not access.snapshot


def test_d10_an_interim_result_is_the_publics_as_counted_when_published() -> None:
    contest = FakeContest(interim_published_at=PUBLISHED, checkpoints=(interim(PUBLISHED, 120),))
    access = vote_tallies_access(contest, None, LATER)
    assert access.kind == "interim" and access.snapshot and access.through == 120
    assert access.published_at == PUBLISHED
    assert vote_tallies_access(contest, "secretariat", LATER).kind == "live"  # the live count stays theirs
    for role in ("juror", "auditor"):  # the jury and auditors see the vote as the public does (D10)
        seen = vote_tallies_access(contest, role, LATER)
        assert seen.kind == "interim" and seen.through == 120


def test_d10_the_latest_interim_result_is_shown() -> None:
    second = PUBLISHED + timedelta(days=1)
    contest = FakeContest(interim_published_at=second,
                          checkpoints=({"kind": "round1_closed", "through": 50, "digest": "x", "at": PUBLISHED},
                                       interim(PUBLISHED, 120), interim(second, 300)))
    assert vote_tallies_access(contest, None, LATER).through == 300


def test_d10_an_interim_result_counts_from_its_instant() -> None:
    contest = FakeContest(interim_published_at=PUBLISHED, checkpoints=(interim(PUBLISHED, 120),))
    assert not vote_tallies_access(contest, None, PUBLISHED - timedelta(seconds=1)).visible


def test_d10_an_interim_result_recorded_before_checkpoints_shows_the_tally_as_it_stands() -> None:
    access = vote_tallies_access(FakeContest(interim_published_at=PUBLISHED), None, LATER)
    assert access.visible and access.kind == "interim" and not access.snapshot and access.through is None
