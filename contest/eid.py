"""The residents' vote under the identity level `eid` (RULES.md D15): the personal code comes from the electronic
identity provider's verified ID token, never typed.

api/eid.py runs the OpenID Connect sign-in (state, nonce, PKCE, the ID token's signature, issuer, audience and
expiry) and hands the verified claims here. This module takes the personal code from the configured claim, checks
it as D10 says (domain.personal_code, through domain.identity.identify) and makes the resident's Identity: the keyed
hash of the code, the receipt, verified="eid". The code goes no further: the pages keep only the identity's hash
and receipt until the resident confirms the vote, which is then cast like any other (Votes.cast: the window, the
eligibility, one vote per resident, the contest's level).
"""

from __future__ import annotations

from collections.abc import Mapping

from contest.votes import Votes
from domain.identity import Identity, identify
from domain.vote import Vote

LEVEL = "eid"
# A provider may name the code with ETSI EN 319 412-1's semantics identifier, "PNOLV-" + the personal code (as the
# qualified certificates of Latvian eID cards do); what follows it is checked like any personal code.
ETSI_PREFIX = "PNOLV-"


class NoCodeClaim(Exception):
    """The verified ID token carries no personal code under the configured claim (or not as a string)."""

    def __init__(self, claim: str) -> None:
        super().__init__(f"the ID token has no personal code in its claim {claim!r}")
        self.claim = claim


def code_from_claims(claims: Mapping[str, object], claim: str) -> str:
    """The personal code the provider vouches for, as given (D10's checks follow); NoCodeClaim without one."""
    value = claims.get(claim)
    if not isinstance(value, str) or not value.strip():  # a number would have lost a leading zero
        raise NoCodeClaim(claim)
    value = value.strip()
    return value[len(ETSI_PREFIX):] if value.upper().startswith(ETSI_PREFIX) else value


def eid_identity(votes: Votes, year: int, claims: Mapping[str, object], claim: str) -> Identity:
    """The resident an eID sign-in verified (D15), from the ID token's claims as the OpenID Connect client
    validated them: NoCodeClaim without a code, PersonalCodeError (naming the failed check) for a code D10
    refuses. Only the keyed hash and the receipt leave this function."""
    code = code_from_claims(claims, claim)
    secrets = votes.uow.secrets()
    today = votes.uow.gate.contest(year).local_day(votes.uow.clock.now())
    return identify(code, verified=LEVEL, secret=secrets.voter, receipt_secret=secrets.receipt, year=year,
                    today=today)


def cast_eid_vote(votes: Votes, year: int, identity: Identity, *, municipality: str, rating: object,
                  comment: str | None = None, client_address: str | None = None) -> tuple[Vote, int]:
    """Cast the vote of a resident signed in with eID (D15) once they confirm it: recorded as any vote is
    (Votes.cast), with verified="eid"; the contest's level must be `eid`."""
    if identity.verified != LEVEL:
        raise ValueError("an eID vote needs an identity verified by eID")
    return votes.cast(year, lambda _contest, _at: identity, municipality=municipality, rating=rating,
                      comment=comment, client_address=client_address)
