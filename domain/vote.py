"""A resident's vote (§4.6.6, D10): one municipality rated 1-5, with an optional comment for the jury.

The personal code is checked and then replaced by a keyed hash (HMAC-SHA256 with a secret the store never sees);
the vote's aggregate id is derived from that hash, so the store's unique key on (aggregate id, version) lets
exactly one vote per resident and contest in, whatever the number of web workers racing: a second vote is a
duplicate key, never a read-then-write check. The resident gets a receipt (a second keyed hash) to find their
vote on the public board.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.comment import clean_comment
from domain.contest import NAMESPACE, Contest
from domain.errors import InvalidInput, RuleViolation
from domain.identity import Identity, require_level

RESIDENT = {"role": "public", "principal": "resident"}


def vote_id(year: int, key: str) -> UUID:
    return uuid5(NAMESPACE, f"vote/{year}/{key}")


class Vote(Aggregate):
    @staticmethod
    def create_id(year: int, resident_key: str) -> UUID:
        return vote_id(year, resident_key)

    @classmethod
    def cast(cls, contest: Contest, *, identity: Identity, municipality: str, rating: object,
             comment: str | None, at: datetime, network: str | None = None) -> Vote:
        """Check the vote against D10, D15 and §4.6.6 and make it (unsaved). 422 for a malformed rating or
        comment; 409 outside the window, for a municipality that is not eligible, or for an identity verified
        otherwise than the contest's level says (D15). The personal code was checked when `identity` was made
        (domain.identity.identify)."""
        contest.require_not_sealed()  # D14
        rules = contest.rules
        errors: dict[str, list[str]] = {}
        score = rating if isinstance(rating, int) and not isinstance(rating, bool) else None
        if score is None or not rules.vote_rating_min <= score <= rules.vote_rating_max:
            errors["rating"] = [f"must be a whole number from {rules.vote_rating_min} to {rules.vote_rating_max}"]
        try:
            comment = clean_comment(comment, rules.vote_comment_max_chars)
        except InvalidInput as e:
            errors.update(e.errors)
        if errors or score is None:  # a missing score is in errors already
            raise InvalidInput(errors)
        contest.require_vote_window(at)
        require_level(rules.vote_identity, identity.verified)
        if municipality not in contest.eligible_for_vote():
            if rules.vote_eligible == "round2":
                raise RuleViolation(f"{municipality} is not among the municipalities residents may rate this year",
                                    clause="D10", field="municipality")
            raise InvalidInput({"municipality": [f"{municipality!r} is not a participating municipality"]})
        return cls(year=contest.year, resident_key=identity.resident_key, municipality=municipality,
                   rating=int(score), comment=comment, receipt=identity.receipt, network=network,
                   actor=dict(RESIDENT), at=at, verified=identity.verified)

    @event("Cast")
    def __init__(self, year: int, resident_key: str, municipality: str, rating: int, comment: str | None,
                 receipt: str, network: str | None, actor: dict[str, str], at: datetime,
                 verified: str = "code") -> None:
        self.year = year
        self.resident_key = resident_key
        self.municipality = municipality
        self.rating = rating
        self.comment = comment
        self.receipt = receipt
        self.network = network
        self.at = at
        self.verified = verified  # D15: how the resident was verified, a level of domain.identity.LEVELS


def address_claim_id(year: int, address_key: str) -> UUID:
    return uuid5(NAMESPACE, f"vote-address/{year}/{address_key}")


class AddressClaim(Aggregate):
    """One counted vote per e-mail address (D15): saved in the same transaction as the vote it names, with an id
    derived from the address's keyed hash, so that the store's unique key lets one vote per address in, as the
    vote's own id lets one per personal code."""

    @staticmethod
    def create_id(year: int, address_key: str) -> UUID:
        return address_claim_id(year, address_key)

    @event("Claimed")
    def __init__(self, year: int, address_key: str, vote: str, at: datetime) -> None:
        self.year = year
        self.address_key = address_key
        self.vote = vote
        self.at = at
