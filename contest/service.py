"""The application's facade: the only way the API and the CLI touch the store.

ContestService holds one unit of work (contest/unit_of_work.py: the store, the clock, the read models, the audit
chain and the contest gate) and the rounds built on it (`round1`, `round2`, `round3`, `history`), and has the
commands on the contest's configuration and on access tokens. Every command loads its aggregate, lets the domain
decide (raising RuleViolation / InvalidInput) and saves the new events through `UnitOfWork.update`, which decides
again on the fresh state when a concurrent writer saved the same aggregate first, so no update is lost.
"""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError

from contest.audit import AuditChain
from contest.calendar import contest_calendar, creation_reason
from contest.clock import Clock
from contest.history import History
from contest.identity_settings import VoteMail
from contest.outbox import Notifications
from contest.presets import load_preset, load_roster
from contest.readmodels import ReadModels
from contest.replica import ReplicaStore, on_primary
from contest.round1 import Round1
from contest.round2 import Round2
from contest.round3 import Round3
from contest.sessions import StaffSessions
from contest.settings import Settings, VoteSecrets, session_policy_from_env, store_kind
from contest.store import EventStore
from contest.unit_of_work import ConcurrencyConflict, UnitOfWork
from domain.access import TOKEN_PREFIX, Credential, credential_id, token_digest, token_id_for
from domain.actors import JUROR, MUNICIPALITY, Actor, system_actor
from domain.carry_forward import carry_forward
from domain.contest import Contest, contest_id
from domain.errors import InvalidInput, NotFound, RuleViolation
from domain.registry import REGISTRY_ID, Registry
from projections.views import Views

__all__ = ["CONFIG_PARTS", "ConcurrencyConflict", "ContestService"]

CONFIG_PARTS = ("theme", "prizes", "window", "rules", "municipalities", "scoring", "questionnaire")


class ContestService:
    """Commands and queries over one event store."""

    RETRIES = UnitOfWork.RETRIES

    def __init__(self, store: EventStore, clock: Clock | None = None, secrets: VoteSecrets | None = None,
                 vote_mail: VoteMail | None = None, replica: EventStore | None = None) -> None:
        self.uow = uow = UnitOfWork(store, clock, secrets, replica)
        self.store_kind = store_kind(store.store_url)
        self.history = History(uow)
        self.round1 = Round1(uow)
        self.round2 = Round2(uow, vote_mail)  # vote_mail None: from the environment when first needed
        self.round3 = Round3(uow)
        self.notifications = Notifications(uow, vote_mail)  # the outbox (contest/outbox.py)
        self.sessions = StaffSessions(store, uow.clock, session_policy_from_env(os.environ))
        self._years: tuple[float, list[int]] | None = None  # years_for_pages: (when read, the years)

    @property
    def store(self) -> EventStore:
        """The store this context reads: the replica in a request that only reads, else the primary
        (contest/replica.py)."""
        return self.uow.store

    @property
    def primary(self) -> EventStore:
        return self.uow.primary

    @property
    def replica(self) -> EventStore | None:
        return self.uow.stores.replica

    @property
    def clock(self) -> Clock:
        return self.uow.clock

    @property
    def readmodels(self) -> ReadModels:
        return self.uow.readmodels

    @property
    def audit(self) -> AuditChain:
        return self.uow.audit

    @property
    def views(self) -> Views:
        return self.uow.views

    @classmethod
    def from_settings(cls, settings: Settings, clock: Clock | None = None, *,
                      create_tables: bool = True) -> ContestService:
        """`create_tables=False`: open the primary without a connection (no table created, the insert's type
        fetched by the first insert: contest/pgstore.py): for a worker starting while the primary is down, whose
        replica shows the tables exist (api/wsgi.py)."""
        replica = ReplicaStore(settings.read_store_url) if settings.read_store_url else None
        primary = EventStore(settings.store_url, None if create_tables else {"CREATE_TABLE": "n", "DEFER_TYPES": "y"})
        return cls(primary, clock, settings.secrets, settings.vote_mail, replica)

    def secrets(self) -> VoteSecrets:
        return self.uow.secrets()

    def close(self) -> None:
        self.uow.stores.close()

    def event_count(self) -> int:
        return self.store.event_count()

    # ----- contests -----

    YEARS_MAX_AGE = 1.0  # seconds: how old the pages' list of contests may be (years_for_pages)

    def years_for_pages(self) -> list[int]:
        """The contests' years as the pages choose their current contest from them: the registry as this process
        read it at most YEARS_MAX_AGE seconds ago (a contest this process creates is seen at once, one created by
        another process within that second), so that a public page costs one read of the store, the contest's
        revalidation, as /health does (docs/BENCHMARKS.md: the results page's p95 under the vote load)."""
        cached = self._years
        now = time.monotonic()
        if cached is not None and now - cached[0] < self.YEARS_MAX_AGE:
            return cached[1]
        years = self.years()
        if years:
            self._years = (now, years)
        return years

    def years(self) -> list[int]:
        try:
            registry: Registry = self.store.repository.get(REGISTRY_ID)
        except AggregateNotFoundError:
            return []
        return list(registry.years)

    def contest(self, year: int) -> Contest:
        return self.uow.contest(year)

    @on_primary
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
        finally:
            self._years = None
        return contest

    def init_from_preset(self, preset: str, *, actor: Actor) -> Contest:
        return self.create_contest(load_preset(preset), actor=actor)

    def carry_forward(self, year: int, source_year: int, *, actor: Actor) -> Contest:
        """Create the `year` contest from the `source_year` contest's recorded configuration
        (domain.carry_forward): its jury, rules, scoring and questionnaire, the vote window by the same calendar
        rule, the participants of the roster on the new roster day (contest/presets/municipalities.csv), the
        theme and prizes to be confirmed, and a new working-day calendar. 404 without the source contest, 422
        unless `year` is after it, 409 if the `year` contest exists."""
        source = self.contest(source_year)  # from the store, as it stands now; NotFound (404)
        setup = carry_forward(source.current_setup(), year, load_roster())  # InvalidInput (422)
        if year in self.years():
            raise RuleViolation(f"the {year} contest exists already", clause="§4.1", field="year")
        return self.create_contest(setup, actor=actor)

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

        def decide(contest: Contest, at: datetime) -> None:
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

        return self.uow.update(contest_id(year), decide, what="contest", key=year).aggregate

    def set_calendar(self, year: int, calendar: Mapping[str, Any], *, reason: str, actor: Actor) -> Contest:
        """Replace the recorded working-day calendar (§4.7.2, D17), with a reason; refused once round 3 starts."""
        return self.uow.update(contest_id(year),
                               lambda c, at: c.set_calendar(calendar, reason=reason, actor=actor, at=at),
                               what="contest", key=year).aggregate

    def calendar(self, year: int) -> dict[str, Any] | None:
        """The recorded calendar in its recorded form (None for a contest created without one)."""
        recorded = self.contest(year).calendar
        return recorded.to_dict() if recorded is not None else None

    def set_jury_seat(self, year: int, seat: Mapping[str, Any], *, reason: str, actor: Actor) -> Contest:
        return self.uow.update(contest_id(year), lambda c, at: c.set_jury_seat(seat, reason=reason, actor=actor, at=at),
                               what="contest", key=year).aggregate

    def remove_jury_seat(self, year: int, seat_id: str, *, reason: str, actor: Actor) -> Contest:
        return self.uow.update(contest_id(year),
                               lambda c, at: c.remove_jury_seat(seat_id, reason=reason, actor=actor, at=at),
                               what="contest", key=year).aggregate

    def open_round1(self, year: int, *, actor: Actor) -> Contest:
        return self.uow.update(contest_id(year), lambda c, at: c.open_round1(actor=actor, at=at),
                               what="contest", key=year).aggregate

    # ----- access -----

    @on_primary
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
        """Revoke a token; its signed-in sessions end with it (contest/sessions.py)."""
        credential = self.uow.update(credential_id(token_id),
                                     lambda c, at: c.revoke(reason=reason, actor=actor, at=at),
                                     what="token", key=token_id).aggregate
        self.sessions.end_token(token_id)
        return credential

    # ----- staff sessions (contest/sessions.py): a signed-in token without the token in the browser -----

    def sign_in(self, token: str, roles: Collection[str]) -> tuple[Actor | None, str | None]:
        """The actor of a token (None if it does not authenticate) and, if its role is one of `roles`, the id of
        a new session for it."""
        actor = self.authenticate(token)
        if actor is None or actor.role not in roles:
            return actor, None
        return actor, self.sessions.open(token_id_for(token_digest(token)))

    def session_actor(self, session_id: str) -> Actor | None:
        """The actor of a live session whose token is not revoked, or None."""
        token_id = self.sessions.token_id(session_id)
        if token_id is None:
            return None
        try:
            credential: Credential = self.store.repository.get(credential_id(token_id))
        except AggregateNotFoundError:
            return None
        if credential.revoked:
            self.sessions.end_token(token_id)
            return None
        return credential.as_actor()

    def sign_in_with_link(self, link: str) -> tuple[Actor, str]:
        """Spend a jury seat's one-time sign-in link (contest/outbox.py) and open a session for the seat: the
        session stands on a juror token issued for it (its id in the history, the token itself shown to nobody),
        so the secretariat ends it as any other by revoking that token."""
        year, seat = self.notifications.use_sign_in_link(link)
        _token, credential = self.issue_token(JUROR, actor=system_actor("sign-in link"), name="sign-in link",
                                              seat=seat, year=year)
        return credential.as_actor(), self.sessions.open(credential.token_id)

    def sign_out(self, session_id: str) -> None:
        self.sessions.end(session_id)
