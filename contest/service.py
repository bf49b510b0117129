"""The application's commands and queries: the only way the API and the CLI touch the store.

Each command loads its aggregate, lets the domain decide (raising RuleViolation / InvalidInput), and saves the
new events. A concurrent writer to the same aggregate makes the save fail on the store's unique
(aggregate id, version) key; the command is then retried on the fresh state, so no update is lost.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError

from contest.audit import AuditChain
from contest.calendar import contest_calendar, creation_reason
from contest.clock import Clock, SystemClock
from contest.presets import load_preset
from contest.projection_store import ProjectionStore
from contest.readmodels import ReadModels
from contest.round1 import Round1
from contest.round2 import Round2
from contest.round3 import Round3
from contest.settings import Settings, SettingsError, VoteSecrets, store_kind
from contest.state import History
from contest.store import EventStore
from domain.access import TOKEN_PREFIX, Credential, credential_id, token_digest, token_id_for
from domain.actors import JUROR, MUNICIPALITY, Actor
from domain.contest import Contest, contest_id
from domain.errors import InvalidInput, NotFound, RuleViolation
from domain.registry import REGISTRY_ID, Registry
from projections.views import Views

A = TypeVar("A", bound=Aggregate)

CONFIG_PARTS = ("theme", "prizes", "window", "rules", "municipalities", "scoring", "questionnaire")


class ConcurrencyConflict(RuleViolation):
    def __init__(self, what: str) -> None:
        super().__init__(f"{what} kept changing under concurrent commands; try again", clause="concurrency")


class ContestService:
    """Commands and queries over one event store."""

    RETRIES = 8

    def __init__(self, store: EventStore, clock: Clock | None = None, secrets: VoteSecrets | None = None) -> None:
        self._secrets = secrets
        self.store = store
        self.store_kind = store_kind(store.store_url)
        self.clock: Clock = clock or SystemClock()
        self.readmodels = ReadModels(store, Views(), ProjectionStore(store))
        self.audit = AuditChain(store)
        self.history = History(self)
        self.round1 = Round1(self)
        self.round2 = Round2(self)
        self.round3 = Round3(self)

    @property
    def views(self) -> Views:
        return self.readmodels.views

    @classmethod
    def from_settings(cls, settings: Settings, clock: Clock | None = None) -> ContestService:
        return cls(EventStore(settings.store_url), clock, settings.secrets)

    def secrets(self) -> VoteSecrets:
        if self._secrets is None:
            raise SettingsError("this service has no vote secrets (CONTEST_VOTER_SECRET, CONTEST_RECEIPT_SECRET)")
        return self._secrets

    def close(self) -> None:
        self.store.close()

    # ----- plumbing -----

    def _get(self, aggregate_id: UUID, what: str, key: object) -> Any:
        try:
            return self.store.repository.get(aggregate_id)
        except AggregateNotFoundError:
            raise NotFound(what, key) from None

    def _update(self, aggregate_id: UUID, what: str, key: object, command: Callable[[Any], None]) -> Any:
        """Load, decide, save; on a version conflict reload and decide again (optimistic concurrency)."""
        for _ in range(self.RETRIES):
            aggregate = self._get(aggregate_id, what, key)
            command(aggregate)
            try:
                self.store.save(aggregate)
            except IntegrityError:
                continue
            return aggregate
        raise ConcurrencyConflict(f"{what} {key}")

    def event_count(self) -> int:
        return self.store.event_count()

    # ----- contests -----

    def years(self) -> list[int]:
        try:
            registry: Registry = self.store.repository.get(REGISTRY_ID)
        except AggregateNotFoundError:
            return []
        return list(registry.years)

    def contest(self, year: int) -> Contest:
        return self._get(contest_id(year), "contest", year)

    def create_contest(self, setup: Mapping[str, Any], *, actor: Actor) -> Contest:
        """Create a contest (`Contest.Created`) and, by the same command, record its working-day calendar for its
        year and the next (`Contest.CalendarSet`, §4.7.2, D17), from the installed `holidays` library."""
        at = self.clock.now()
        contest = Contest.create(setup, actor=actor, at=at)
        contest.set_calendar(contest_calendar(contest.year), reason=creation_reason(), actor=actor, at=at)
        if contest.id in self.store.repository:
            raise RuleViolation(f"the {contest.year} contest exists already", clause="§4.1")
        try:
            registry: Registry = self.store.repository.get(REGISTRY_ID)
        except AggregateNotFoundError:
            registry = Registry()
        registry.register(contest.year, at=at)
        try:
            self.store.save(contest, registry)  # one transaction: both or neither
        except IntegrityError:
            raise RuleViolation(f"the {contest.year} contest was created concurrently", clause="§4.1") from None
        return contest

    def init_from_preset(self, preset: str, *, actor: Actor) -> Contest:
        return self.create_contest(load_preset(preset), actor=actor)

    def ensure_contest(self, preset: str, year: int, *, actor: Actor) -> tuple[Contest, bool]:
        """Load the preset when the contest does not exist yet (first start). Returns (contest, created)."""
        try:
            return self.contest(year), False
        except NotFound:
            pass
        try:
            return self.init_from_preset(preset, actor=actor), True
        except RuleViolation:  # another process created it at the same moment
            return self.contest(year), False

    def configure(self, year: int, part: str, value: Any, *, reason: str, actor: Actor) -> Contest:
        """Change one part of the configuration (an event); refused once the round it affects has started."""
        if part not in CONFIG_PARTS:
            raise InvalidInput({"part": [f"must be one of {', '.join(CONFIG_PARTS)}"]})
        at = self.clock.now()

        def command(contest: Contest) -> None:
            if part == "theme":
                contest.set_theme(value, reason=reason, actor=actor, at=at)
            elif part == "prizes":
                contest.set_prizes(value, reason=reason, actor=actor, at=at)
            elif part == "window":
                contest.set_window(value, reason=reason, actor=actor, at=at)
            elif part == "rules":
                contest.set_rules(value, reason=reason, actor=actor, at=at)
            elif part == "scoring":
                contest.set_scoring(value, reason=reason, actor=actor, at=at)
            elif part == "questionnaire":
                contest.set_questionnaire(value, reason=reason, actor=actor, at=at)
            else:
                contest.set_municipalities(value, reason=reason, actor=actor, at=at)

        return self._update(contest_id(year), "contest", year, command)

    def set_calendar(self, year: int, calendar: Mapping[str, Any], *, reason: str, actor: Actor) -> Contest:
        """Replace the recorded working-day calendar (§4.7.2, D17), with a reason; refused once round 3 starts."""
        at = self.clock.now()
        return self._update(contest_id(year), "contest", year,
                            lambda c: c.set_calendar(calendar, reason=reason, actor=actor, at=at))

    def calendar(self, year: int) -> dict[str, Any] | None:
        """The recorded calendar in its recorded form (None for a contest created without one)."""
        recorded = self.contest(year).calendar
        return recorded.to_dict() if recorded is not None else None

    def set_jury_seat(self, year: int, seat: Mapping[str, Any], *, reason: str, actor: Actor) -> Contest:
        at = self.clock.now()
        return self._update(contest_id(year), "contest", year,
                            lambda c: c.set_jury_seat(seat, reason=reason, actor=actor, at=at))

    def remove_jury_seat(self, year: int, seat_id: str, *, reason: str, actor: Actor) -> Contest:
        at = self.clock.now()
        return self._update(contest_id(year), "contest", year,
                            lambda c: c.remove_jury_seat(seat_id, reason=reason, actor=actor, at=at))

    def open_round1(self, year: int, *, actor: Actor) -> Contest:
        at = self.clock.now()
        return self._update(contest_id(year), "contest", year, lambda c: c.open_round1(actor=actor, at=at))

    # ----- access -----

    def issue_token(self, role: str, *, actor: Actor, name: str | None = None, seat: str | None = None,
                    municipality: str | None = None, year: int | None = None) -> tuple[str, Credential]:
        """Issue a bearer token. The token is returned once; only its SHA-256 is stored."""
        if role in (JUROR, MUNICIPALITY):
            if year is None:
                raise InvalidInput({"year": ["a juror's or municipality's token belongs to one contest"]})
            contest = self.contest(year)
            if seat is not None:
                contest.seat(seat)  # NotFound if the seat does not exist (§3.2.1)
            if municipality is not None:
                contest.municipality(municipality)
        else:
            year = None
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        credential = Credential.issue(
            digest=token_digest(token), role=role, name=name, seat=seat, municipality=municipality,
            contest_year=year, actor=actor, at=self.clock.now(),
        )
        self.store.save(credential)
        return token, credential

    def authenticate(self, token: str) -> Actor | None:
        """The actor a bearer token stands for, or None for an unknown, malformed or revoked token."""
        if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
            return None
        digest = token_digest(token)
        try:
            credential: Credential = self.store.repository.get(credential_id(token_id_for(digest)))
        except AggregateNotFoundError:
            return None
        return credential.as_actor() if credential.matches(digest) else None

    def revoke_token(self, token_id: str, *, reason: str, actor: Actor) -> Credential:
        at = self.clock.now()
        return self._update(credential_id(token_id), "token", token_id,
                            lambda c: c.revoke(reason=reason, actor=actor, at=at))
