"""Access credentials: a bearer token's hash, bound to one role (and a seat or a municipality).

The token itself is shown once when issued and never stored: the aggregate id and the recorded hash are derived
from SHA-256 of the token, so a request is authenticated by one keyed read, compared in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.actors import JUROR, MUNICIPALITY, TOKEN_ROLES, Actor
from domain.contest import NAMESPACE
from domain.errors import InvalidInput, RuleViolation

TOKEN_PREFIX = "ctk_"


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def token_id_for(digest: str) -> str:
    """The public id of a token (its principal id when no name is given): a prefix of the hash, not the token."""
    return "tok-" + digest[:12]


def credential_id(token_id: str) -> UUID:
    return uuid5(NAMESPACE, f"credential/{token_id}")


class Credential(Aggregate):
    @staticmethod
    def create_id(token_id: str) -> UUID:
        return credential_id(token_id)

    @classmethod
    def issue(cls, *, digest: str, role: str, name: str | None, seat: str | None, municipality: str | None,
              contest_year: int | None, actor: Actor, at: datetime) -> Credential:
        errors: dict[str, list[str]] = {}
        if role not in TOKEN_ROLES:
            errors["role"] = [f"must be one of {', '.join(TOKEN_ROLES)}"]
        if role == JUROR and not seat:
            errors["seat"] = ["a juror's token is bound to one seat (§3.2.1)"]
        if role != JUROR and seat:
            errors["seat"] = ["only a juror's token has a seat"]
        if role == MUNICIPALITY and not municipality:
            errors["municipality"] = ["a municipality's token is bound to one municipality (§3.3)"]
        if role != MUNICIPALITY and municipality:
            errors["municipality"] = ["only a municipality's token has a municipality"]
        if name is not None and not (0 < len(name.strip()) <= 80):
            errors["name"] = ["must be 1-80 characters"]
        if errors:
            raise InvalidInput(errors)
        token_id = token_id_for(digest)
        principal = seat or municipality or (name.strip() if name else token_id)
        return cls(token_id=token_id, digest=digest, role=role, principal=principal, seat=seat,
                   municipality=municipality, contest_year=contest_year, actor=actor.as_dict(), at=at)

    @event("Issued")
    def __init__(self, token_id: str, digest: str, role: str, principal: str, seat: str | None,
                 municipality: str | None, contest_year: int | None, actor: dict[str, str], at: datetime) -> None:
        self.token_id = token_id
        self.digest = digest
        self.role = role
        self.principal = principal
        self.seat = seat
        self.municipality = municipality
        self.contest_year = contest_year
        self.revoked = False

    def matches(self, digest: str) -> bool:
        return hmac.compare_digest(self.digest, digest) and not self.revoked

    def as_actor(self) -> Actor:
        return Actor(role=self.role, principal=self.principal, seat=self.seat, municipality=self.municipality)

    def revoke(self, *, reason: str, actor: Actor, at: datetime) -> None:
        if self.revoked:
            raise RuleViolation(f"token {self.token_id} is already revoked", clause="access")
        self._revoked(reason=reason, actor=actor.as_dict(), at=at)

    @event("Revoked")
    def _revoked(self, reason: str, actor: dict[str, str], at: datetime) -> None:
        self.revoked = True
