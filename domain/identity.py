"""How a resident proves to be one person before the vote counts (RULES.md D15).

The level is contest configuration (`Rules.vote_identity`), recorded and frozen when round 2 opens:

- `code`: the personal code as typed, checked as D10 says;
- `email`: the personal code and an e-mail address; the vote is recorded only once the resident opens the one-time
  link sent to that address, and one vote counts per personal code and per address;
- `eid`: sign-in with an electronic identity provider, whose verified ID token supplies the personal code; it is
  never typed.

Whatever the level, the code becomes the same keyed hash (the resident key, one vote per resident) and the same
receipt; a vote records how it was verified (`Vote.Cast.verified`), and the public board shows only the receipt,
the municipality and the rating. An e-mail address is kept only as a keyed hash too (`address_key`), under a
context of its own, so that it can be compared but not read.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from domain.errors import InvalidInput, RuleViolation
from domain.personal_code import check_personal_code, receipt_code, resident_key

CLAUSE = "D15"
LEVELS = ("code", "email", "eid")
ADDRESS_FIELD = "email"
ADDRESS_CONTEXT = b"contest-vote-address-v1|"
ADDRESS_MAX = 254  # RFC 5321's limit on a forward path
# One address: a local part and a domain with at least one dot, nothing that a mail system would read otherwise.
_ADDRESS = re.compile(r"[^@\s<>()\[\],;:\\\"]{1,64}@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}", re.ASCII)


@dataclass(frozen=True)
class Identity:
    """A resident as the vote knows them: the keyed hash of the personal code, the receipt and how the code was
    verified (a level of LEVELS)."""

    resident_key: str
    receipt: str
    verified: str


def identify(personal_code: str, *, verified: str, secret: bytes, receipt_secret: bytes, year: int,
             today: date) -> Identity:
    """Check a personal code (D10; PersonalCodeError names the failed check) and make the resident's identity, as
    verified by `verified`. The code itself goes no further."""
    if verified not in LEVELS:
        raise ValueError(f"unknown identity level {verified!r}")
    code = check_personal_code(personal_code, today=today)
    return Identity(resident_key(secret, code), receipt_code(receipt_secret, code, year), verified)


def require_level(level: str, verified: str) -> None:
    """A vote is taken only as the contest's level says (D15): under `email` or `eid` a typed code alone counts
    for nothing, under `code` no other proof is asked."""
    if verified != level:
        how = {"code": "the personal code", "email": "the personal code and a link sent by e-mail",
               "eid": "sign-in with an electronic identity (eID)"}[level]
        raise RuleViolation(f"this contest's residents are verified by {how} (identity level '{level}')",
                            clause=CLAUSE, field="personal_code", level=level)


def check_address(raw: object) -> str:
    """An e-mail address, normalised (Unicode NFKC, stripped, lowercase), or InvalidInput on the field `email`."""
    if not isinstance(raw, str) or not raw.strip():
        raise InvalidInput({ADDRESS_FIELD: ["enter the e-mail address the confirmation link is sent to (D15)"]})
    address = unicodedata.normalize("NFKC", raw).strip().lower()
    if len(address) > ADDRESS_MAX or not _ADDRESS.fullmatch(address):
        raise InvalidInput({ADDRESS_FIELD: ["must be one e-mail address, like vards@example.lv (D15)"]})
    return address


def address_key(secret: bytes, address: str) -> str:
    """The keyed hash an e-mail address is kept as (D15): HMAC-SHA256 under the voter secret with a context of its
    own, so it never equals a resident key; `address` is check_address's normalised form."""
    if not isinstance(secret, bytes) or len(secret) < 16:
        raise ValueError("the voter secret must be at least 16 bytes")
    return hmac.new(secret, ADDRESS_CONTEXT + address.encode(), hashlib.sha256).hexdigest()
