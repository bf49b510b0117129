"""Saving on condition that another aggregate has not changed: the residents' vote against its contest.

A vote is decided against the contest (its window, the municipalities residents may rate, its rules: §4.6.6,
D10) as the web worker holds it in memory. Rather than asking the store for the contest's latest version before
every vote (one more round trip per vote, docs/BENCHMARKS.md), the vote's save carries the version it was decided
on, `store.save(vote, unchanged=(contest.id, contest.version))`; the library passes the keyword through
`Application.save` to `recorder.insert_events(stored_events, **kwargs)`, and the store's recorders
(contest/sqlitestore.py, contest/pgstore.py) check, inside the insert's own transaction and after taking the lock
that every insert of any event takes, that the contest has no event above that version. If it has, nothing is
stored and `AggregateChanged` is raised: the caller reloads the contest and decides again. Because every change of
the contest passes through the same lock, the check is exact: a vote is either committed before the change or
decided again after it (contest/unit_of_work.py: UnitOfWork.update with `unchanged=year`, which the vote, ballots,
visits and scorecards use).

An aggregate's versions run 1, 2, 3 ... without gaps (each event is its predecessor's version + 1, and the store's
key on (aggregate id, version) is unique), so "no event above version v" is checked as "no event at v + 1": one
lookup of the primary key.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from uuid import UUID

UNCHANGED = "unchanged"  # the keyword of store.save() / recorder.insert_events(): (aggregate id, version)
# The keyword of store.save() / recorder.insert_events() that hands the save to the process's group commit
# (contest/group_commit.py): written in one transaction with the saves arriving at the same time.
GROUP = "group"
# The SQLSTATE the PostgreSQL insert function raises when the aggregate has changed (a class of our own).
CHANGED_SQLSTATE = "CT409"


class AggregateChanged(Exception):
    """The aggregate named by `unchanged=` has events above the given version; nothing was stored."""

    def __init__(self, originator_id: UUID, version: int) -> None:
        super().__init__(f"aggregate {originator_id} has changed after version {version}; nothing was stored")
        self.originator_id = originator_id
        self.version = version


def grouped(kwargs: Mapping[str, Any]) -> bool:
    """Whether a save is to be written by the group commit (contest/group_commit.py)."""
    return bool(kwargs.get(GROUP))


def unchanged_of(kwargs: Mapping[str, Any]) -> tuple[UUID, int] | None:
    """The (aggregate id, version) a save is conditional on, if any."""
    value = kwargs.get(UNCHANGED)
    if value is None:
        return None
    originator_id, version = value
    return originator_id, int(version)
