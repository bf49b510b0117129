"""What a contest keeps of each round once it is recorded: typed, frozen, and exactly what the events recorded.

`Round1Record` (Round1Closed, §4.5), `Round2Record` (Round2Closed, §4.6.7), `Round3Record` (Round3Closed,
§4.7.9-§4.7.11), `Briefing` (JuryBriefed, §4.6.8) and `Approval` (ResultApproved, §7.4, D14) are the aggregate's
in-memory state; the events' payloads stay plain data. Each holds the payload's own values (the lists and dicts as
recorded), so nothing is recomputed or converted on replay.

A record is read by attribute (`contest.round2.finalists`). It also reads as the dict the aggregate used to keep
(`contest.round2["finalists"]`, `.get`, `dict(record)`, equal to that dict), with the same keys in the same order,
so code that reads it that way (the application, the pages, the API's JSON) keeps working; `to_dict()` is that dict.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, fields
from datetime import date, datetime
from typing import Any


class Record(Mapping[str, Any]):
    """A frozen dataclass that reads as a read-only mapping of its fields, in their order."""

    def __getitem__(self, key: str) -> Any:
        if key in self._names():
            return getattr(self, key)
        raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        return iter(self._names())

    def __len__(self) -> int:
        return len(self._names())

    def _names(self) -> tuple[str, ...]:
        return tuple(f.name for f in fields(self))  # type: ignore[arg-type]  # every subclass is a dataclass

    def to_dict(self) -> dict[str, Any]:
        """The record as the dict the aggregate kept before it was typed (the payload's values, not copies)."""
        return {name: getattr(self, name) for name in self._names()}


@dataclass(frozen=True, eq=False)  # eq: a Mapping's, so a record equals the dict it reads as
class Round1Record(Record):
    """Round 1 as it closed (§4.5, D7): the final ranking, who advances and the cut, on the answers recorded up to
    `included_through`, whose audit digest is `digest`; `confirmed_empty` and `reason`: closed with no submissions
    at all, as the secretariat confirmed, and why (§4.2, §4.5; false and None before the confirmation existed)."""

    ranking: list[dict[str, Any]]
    advancing: list[str]
    cut: dict[str, Any]
    included_through: int
    digest: str
    closed_at: datetime
    confirmed_empty: bool = False
    reason: str | None = None


@dataclass(frozen=True, eq=False)
class Round2Record(Record):
    """Round 2 as it closed (§4.6.7, D9-D11): the finalists and the whole table, the voting seats' ballots and the
    counted tallies (count, sum) per municipality; `quarantined` votes were left out of them."""

    finalists: list[dict[str, Any]]
    outcome: dict[str, Any]
    ballots: dict[str, dict[str, int]]
    tallies: dict[str, list[int]]
    included_through: int
    digest: str
    closed_at: datetime
    quarantined: int


@dataclass(frozen=True, eq=False)
class Round3Record(Record):
    """Round 3 as it closed (§4.7.9-§4.7.11, D12, D13): the winner, the theme-prize winner, the whole result, every
    visit and the seats' scorecards."""

    winner: str
    theme_winner: str
    result: dict[str, Any]
    visits: list[dict[str, Any]]
    scorecards: dict[str, dict[str, Any]]
    included_through: int
    digest: str
    closed_at: datetime


@dataclass(frozen=True, eq=False)
class Briefing(Record):
    """The day the jury received the full information on the finalists (§4.6.8), as last recorded."""

    date: date
    note: str
    recorded_at: datetime


@dataclass(frozen=True, eq=False)
class Approval(Record):
    """The Fund council's approval (§7.4, D14): its decision, and the history it approves (the audit digest through
    `digest_through`) with round 3's recorded digest."""

    decision_number: str
    decision_date: date
    digest: str
    digest_through: int
    round3_digest: str
    approved_at: datetime
    approved_by: dict[str, str]
