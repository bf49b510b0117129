"""The unit of work: what every command holds (the store, the clock, the read models, the audit chain, the contest
gate) and the one loop every command runs, `update`: load, let the domain decide, save, and on a version conflict
decide again on the fresh state (optimistic concurrency, so no update is lost).

Adding a command takes one domain method and one line of application code. Say the secretariat may rename the
contest: write `Contest.rename(title, *, reason, actor, at)` in domain/contest.py (it checks the rules, raising
RuleViolation or InvalidInput, and records its @event), then, in ContestService (or the round it belongs to):

    def rename(self, year: int, title: str, *, reason: str, actor: Actor) -> Contest:
        return self.uow.update(contest_id(year), lambda c, at: c.rename(title, reason=reason, actor=actor, at=at),
                               what="contest", key=year).aggregate

and the command is retried when another command changed the contest first, refused with the domain's error,
and stores nothing if the domain recorded nothing. A command on another aggregate that is decided on the contest
(a ballot, a visit, a scorecard, the residents' vote) names the contest's year, `unchanged=year`: `decide` is then
given the contest as well, and the save is conditional on the contest being unchanged since (contest/guard.py):

    self.uow.update(ballot_id(year, seat), lambda b, contest, at: b.cast(contest, ..., at=at),
                    what="ballot", key=seat, new=lambda: Ballot(year=year, seat=seat), unchanged=year)

The residents' vote is such a command, on a new aggregate (`aggregate_id=None`, `exists=AlreadyVoted`): decided on
the process's copy of the contest, it reads nothing from the store before its insert (contest/votes.py).

What does not run through `update` saves new aggregates that nothing else can have changed, refused rather than
retried on a conflict: creating a contest with its registration (ContestService.create_contest: one transaction
over two new events, a conflict means someone else created it), a table import (Round1.import_table: many
submissions all or nothing) and a new token (a random id).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, cast
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError

from contest.audit import AuditChain
from contest.clock import Clock, SystemClock
from contest.gate import ContestGate
from contest.guard import AggregateChanged
from contest.projection_store import ProjectionStore
from contest.readmodels import ReadModels
from contest.replica import Stores, primary_reads
from contest.settings import SettingsError, VoteSecrets
from contest.store import EventStore
from domain.contest import Contest, contest_id
from domain.errors import DomainError, NotFound, RuleViolation
from projections.views import Views

R = TypeVar("R")


class ConcurrencyConflict(RuleViolation):
    def __init__(self, what: str) -> None:
        super().__init__(f"{what} kept changing under concurrent commands; try again", clause="concurrency")


@dataclass(frozen=True)
class Saved(Generic[R]):
    """What `update` did: the aggregate as saved (as loaded, if the decision recorded nothing), what `decide`
    returned, and the store position of the aggregate's last new event (None when nothing was recorded)."""

    aggregate: Any
    result: R
    position: int | None


class UnitOfWork:
    """One store with its clock, read models, audit chain and contest gate; shared by every command.

    With a replica (CONTEST_READ_STORE), `store` is the store this context reads (contest/replica.py): the replica
    in a request that only reads, the primary everywhere else and always inside `update`. `primary` is the
    primary whatever the context; the audit chain and the snapshot's writes hold it."""

    RETRIES = 8

    def __init__(self, store: EventStore, clock: Clock | None = None, secrets: VoteSecrets | None = None,
                 replica: EventStore | None = None) -> None:
        self.stores = Stores(store, replica)
        self.primary = store
        self.clock: Clock = clock or SystemClock()
        self.readmodels = ReadModels(self.stores, Views(), ProjectionStore(store),
                                     ProjectionStore(replica) if replica is not None else None)
        self.audit = AuditChain(store)
        self.gate = ContestGate(self.stores, self.contest)
        self._secrets = secrets

    @property
    def store(self) -> EventStore:
        return self.stores.current

    @property
    def views(self) -> Views:
        return self.readmodels.views  # not kept: loading a snapshot replaces the views

    def secrets(self) -> VoteSecrets:
        """This process's vote secrets (D10)."""
        if self._secrets is None:
            raise SettingsError("this service has no vote secrets (CONTEST_VOTER_SECRET, CONTEST_RECEIPT_SECRET)")
        return self._secrets

    # ----- reading -----

    def get(self, aggregate_id: UUID, *, what: str, key: object, new: Callable[[], Aggregate] | None = None) -> Any:
        """The aggregate as stored (a fresh copy, the caller's to change); a missing one is `new()`, or NotFound."""
        try:
            return self.store.repository.get(aggregate_id)
        except AggregateNotFoundError:
            if new is None:
                raise NotFound(what, key) from None
            return new()

    def contest(self, year: int) -> Contest:
        """A fresh copy of the contest (to change, or to read exactly as stored now)."""
        contest: Contest = self.get(contest_id(year), what="contest", key=year)
        return contest

    def checkpoint(self) -> tuple[int, str]:
        """The position of the last recorded event and the audit digest through it (D16): what a close, an interim
        result or the approval records."""
        through = self.store.event_count()
        return through, self.audit.digest_through(through)

    # ----- the one loop -----

    def update(self, aggregate_id: UUID | None, decide: Callable[..., R], *, what: str, key: object,
               new: Callable[[], Aggregate] | None = None, unchanged: int | None = None,
               exists: Callable[[], Exception] | None = None, group: bool = False) -> Saved[R]:
        """Load the aggregate, let the domain decide, save its new events; on a version conflict, again.

        Each attempt loads `aggregate_id` (a missing one is `new()`, else NotFound(what, key)) and calls
        `decide(aggregate, at)` with `at` the clock's now (a decision that first computes a checkpoint, a close or
        the approval, reads the clock again after it, so that its event is not dated before the events it
        includes); the domain refuses by raising (RuleViolation,
        InvalidInput, NotFound) and nothing is saved. A decision that records no event saves nothing (an
        idempotent command). With `aggregate_id=None` nothing is loaded: `decide(None, ...)` makes a new aggregate
        and returns it, or a tuple of new aggregates saved in one transaction (the first is `Saved.aggregate`: a
        vote and its address claim, D15); a save that finds an id taken raises `exists()`.

        `unchanged=year`: the decision reads that contest, and `decide(aggregate, contest, at)` is given it as this
        process holds it (ContestGate.cached: no read); the save is stored only if the contest is still at that
        version (contest/guard.py), checked inside the save's transaction. A refusal is given only on the current
        contest: refused on a copy the store says is outdated (one indexed read, on refusals only), the command
        is decided again on the current one. `decide` may raise AggregateChanged itself when it has changed the
        contest it was given (the vote's first save binds the secrets first, D10): it is decided again.

        `group=True`: the save is written by the process's group commit (contest/group_commit.py), in one
        transaction with the saves arriving at the same time; it returns, or raises, only once that transaction
        has committed, exactly as a lone save would (the residents' vote, contest/votes.py).

        A version conflict (IntegrityError: another command saved the aggregate first; AggregateChanged: the contest
        moved on) decides again on the fresh state, RETRIES times, then ConcurrencyConflict.

        Every read of a command is the primary's, also in a request that otherwise reads the replica
        (contest/replica.py): its decision, its read models' catch-up and its save."""
        with primary_reads():
            return self._update(aggregate_id, decide, what=what, key=key, new=new, unchanged=unchanged,
                                exists=exists, group=group)

    def _update(self, aggregate_id: UUID | None, decide: Callable[..., R], *, what: str, key: object,
                new: Callable[[], Aggregate] | None, unchanged: int | None,
                exists: Callable[[], Exception] | None, group: bool) -> Saved[R]:
        contest = None if unchanged is None else self.gate.cached(unchanged)
        for _ in range(self.RETRIES):
            aggregate = None if aggregate_id is None else self.get(aggregate_id, what=what, key=key, new=new)
            at = self.clock.now()
            try:
                result = decide(aggregate, at) if contest is None else decide(aggregate, contest, at)
            except AggregateChanged:
                if unchanged is None:
                    raise
                contest = self.gate.reload(unchanged)
                continue
            except DomainError:
                if unchanged is None or contest is None:
                    raise
                current = self.gate.contest(unchanged)
                if current.version == contest.version:
                    raise
                contest = current  # refused on an outdated copy: decide again on the current contest
                continue
            made = result if aggregate_id is None else aggregate
            together = tuple(made) if isinstance(made, tuple) else (made,)
            saving = cast(Aggregate, together[0])
            if not saving.pending_events:
                return Saved(saving, result, None)
            options: dict[str, Any] = {"group": True} if group else {}
            if contest is not None:
                options["unchanged"] = (contest.id, contest.version)
            try:
                recordings = self.store.save(*together, **options)
            except IntegrityError:
                if aggregate_id is None and exists is not None:
                    raise exists() from None
                continue
            except AggregateChanged:
                assert unchanged is not None
                contest = self.gate.reload(unchanged)
                continue
            return Saved(saving, result, recordings[-1].notification.id)
        raise ConcurrencyConflict(f"{what} {key}")
