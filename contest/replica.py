"""Where reads go: the primary store (CONTEST_STORE) or its streaming replica (CONTEST_READ_STORE).

A PostgreSQL streaming replica holds the primary's tables byte for byte, some milliseconds behind: the same events
at the same positions, the same snapshot of the read models. Reads that need not be the newest (the public's
results and pages, the insiders' GETs) can therefore be served from it, and a replica is added for every few web
hosts, while every command goes to the primary, which alone takes writes (docs/SCALING.md).

The seam is one per-request flag, a context variable: inside `replica_reads()` the unit of work's `store`, the
read models' catch-up, the contest gate and the history read the replica (`Stores.current`); everywhere else,
and always inside a command (`UnitOfWork.update` runs under `primary_reads()`), they read the primary. The API
sets the flag for the requests that only read (api/read_side.py says which). Outside a request (the CLI, the
clock, the projector) nothing sets it: they read the primary.

What is read where, and why it stays right:

* A command decides on the primary: `update` loads its aggregate, the contest and the read models' tail from the
  primary, and the contest gate's version check is inside the primary's insert (contest/guard.py).
* A read on the replica sees a prefix of the history: the events' table lock makes commits follow positions, and
  the replica replays commits in the primary's order. Its contest comes from the replica too (the gate keeps one
  cache per store), so a position a contest names (round 1's `included_through`, an interim result's) is one the
  replica holds, and the read models, caught up to the replica's head, reflect it. The read models are shared by
  both sides and only move forward: a view caught up further by a command on the primary is still a correct view
  as of its own position.
* Nothing is ever written to the replica: its `save` refuses (`ReadOnlyReplica`), and the side tables (sessions,
  drafts, vote requests), the audit chain and the snapshot's writes hold the primary's connections.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
from functools import wraps
from typing import Any, TypeVar, cast

from contest.store import EventStore

_ON_REPLICA: ContextVar[bool] = ContextVar("contest_reads_on_replica", default=False)


class ReadOnlyReplica(RuntimeError):
    """A write reached the replica: a command that was not run through the unit of work in a read-only request."""


class ReplicaStore(EventStore):
    """The replica, opened like the primary but never creating a table (a standby refuses DDL) or saving."""

    name = EventStore.name  # the library names the tables after the application: the primary's tables

    def __init__(self, store_url: str) -> None:
        super().__init__(store_url, {"CREATE_TABLE": "n"})

    def save(self, *objs: Any, **kwargs: Any) -> Any:
        raise ReadOnlyReplica("a write reached the replica (CONTEST_READ_STORE); commands go to the primary")


class Stores:
    """The primary and, if configured, its replica; `current` is the one this context reads."""

    def __init__(self, primary: EventStore, replica: EventStore | None = None) -> None:
        self.primary = primary
        self.replica = replica

    @property
    def on_replica(self) -> bool:
        return self.replica is not None and _ON_REPLICA.get()

    @property
    def current(self) -> EventStore:
        if self.replica is not None and _ON_REPLICA.get():
            return self.replica
        return self.primary

    def close(self) -> None:
        self.primary.close()
        if self.replica is not None:
            self.replica.close()


def read_replica(flag: bool) -> Token[bool]:
    """Make this context read the replica (True) or the primary (False); give the token to `restore`."""
    return _ON_REPLICA.set(flag)


def restore(token: Token[bool]) -> None:
    _ON_REPLICA.reset(token)


@contextmanager
def replica_reads() -> Iterator[None]:
    """Reads inside go to the replica, where one is configured."""
    token = read_replica(True)
    try:
        yield
    finally:
        restore(token)


@contextmanager
def primary_reads() -> Iterator[None]:
    """Reads inside go to the primary (every command: its decisions are taken on the primary)."""
    token = read_replica(False)
    try:
        yield
    finally:
        restore(token)


F = TypeVar("F", bound=Callable[..., Any])


def on_primary(fn: F) -> F:
    """A command that saves without `UnitOfWork.update` (a new contest, a token, a table import) reads the
    primary too."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with primary_reads():
            return fn(*args, **kwargs)

    return cast(F, wrapper)
