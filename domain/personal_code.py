"""Latvian personal codes (personas kods) for the residents' vote (RULES.md §4.6.6, D10).

A resident is identified by a personal code, stored only as a keyed hash (D10). Two forms exist:

* **old form** ``DDMMYY-CNNNZ``: the birth date ``DDMMYY``, the century digit ``C`` (0, 1, 2 = born in the
  1800s, 1900s, 2000s), a serial ``NNN`` and the check digit ``Z = (1101 − Σ wᵢ·dᵢ) mod 11 mod 10`` with the
  weights 1, 6, 3, 7, 9, 10, 5, 8, 4, 2 over the first ten digits. The date must exist in that century
  (29 February only in leap years, so ``290200-2…`` is 29.02.2000 and valid, ``290200-1…`` would be
  29.02.1900 and is not), and it must not be after the day of the vote: the domain reads no clock, so the caller
  passes ``today`` (``Vote.cast`` gives the vote's day in the contest's time zone).
* **new form** (issued since 1 July 2017): eleven digits, the first ``3`` and the second ``2``–``9``. It carries no
  date and no published check digit, so only its form is checked (D10). ``30``/``31`` are not new-form prefixes:
  such a code is an old-form code of someone born on the 30th or 31st.

Both forms are accepted with or without the hyphen after the sixth digit; surrounding whitespace is stripped and
nothing else is tolerated (no inner spaces, no other separators, ASCII digits only).

A refusal is a :class:`PersonalCodeError` (an ``InvalidInput``, HTTP 422) naming which check failed, in English and
in Latvian (the voting page shows the Latvian). No message ever contains the code itself.

Note: python-stdnum 2.2 wrongly rejects new-form codes starting 33–39, so it is deliberately not used.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from datetime import date
from typing import Literal

from domain.errors import InvalidInput

__all__ = [
    "CHECKS",
    "FIELD",
    "WEIGHTS",
    "PersonalCodeCheck",
    "PersonalCodeError",
    "birth_date",
    "check_digit",
    "check_personal_code",
    "is_new_form",
    "receipt_code",
    "resident_key",
    "secret_fingerprint",
]

FIELD = "personal_code"

#: Weights of the old-form check digit over the first ten digits (D10).
WEIGHTS: tuple[int, ...] = (1, 6, 3, 7, 9, 10, 5, 8, 4, 2)

#: Century digit (7th digit) of the old form -> the century's first year (D10).
CENTURIES: dict[str, int] = {"0": 1800, "1": 1900, "2": 2000}

PersonalCodeCheck = Literal["format", "date", "future_date", "century", "check_digit", "new_form"]

#: Every check, in the order they are applied, with its English and Latvian message. The messages are constant
#: text: they never contain (any part of) the submitted code.
CHECKS: dict[PersonalCodeCheck, tuple[str, str]] = {
    "format": (
        "A personal code must be 11 digits, written DDMMYY-NNNNN or without the hyphen.",
        "Personas kodam jābūt 11 cipariem, rakstītiem formā DDMMGG-NNNNN vai bez defises.",
    ),
    "new_form": (
        "A personal code must start either with a day of the month (01–31, old form) "
        "or with 32–39 (new form since July 2017).",
        "Personas kodam jāsākas vai nu ar mēneša dienu (01–31, vecā parauga kods), "
        "vai ar 32–39 (jaunā parauga kods kopš 2017. gada jūlija).",
    ),
    "century": (
        "The 7th digit of an old-form personal code (the century) must be 0, 1 or 2.",
        "Vecā parauga personas koda 7. ciparam (gadsimtam) jābūt 0, 1 vai 2.",
    ),
    "date": (
        "The birth date in the personal code does not exist.",
        "Personas kodā norādītais dzimšanas datums neeksistē.",
    ),
    "future_date": (
        "The birth date in the personal code is after today; please check the code for a typo.",
        "Personas kodā norādītais dzimšanas datums ir vēlāks par šodienu; lūdzu, pārbaudiet, vai kods ievadīts "
        "bez kļūdām.",
    ),
    "check_digit": (
        "The check digit (the last digit) of the personal code is wrong; please check the code for a typo.",
        "Personas koda kontrolcipars (pēdējais cipars) nav pareizs; lūdzu, pārbaudiet, vai kods ievadīts bez kļūdām.",
    ),
}

_SHAPE = re.compile(r"([0-9]{6})-?([0-9]{5})", re.ASCII)
_NORMALISED = re.compile(r"[0-9]{11}", re.ASCII)
_NEW_FORM = re.compile(r"3[2-9][0-9]{9}", re.ASCII)

# Crockford's base32 alphabet: no I, L, O, U, so a receipt cannot be misread (1/I/L, 0/O).
_B32_STD = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
_B32_CROCKFORD = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_TO_CROCKFORD = bytes.maketrans(_B32_STD, _B32_CROCKFORD)
RECEIPT_LENGTH = 12


class PersonalCodeError(InvalidInput):
    """A personal code was refused (D10; HTTP 422 like every ``InvalidInput``).

    ``check`` is the stable machine code of the failed check (one of :data:`CHECKS`), ``errors`` is
    ``{"personal_code": [english message]}`` and ``message_lv`` the Latvian message for the voting page.
    """

    def __init__(self, check: PersonalCodeCheck) -> None:
        english, latvian = CHECKS[check]
        super().__init__({FIELD: [english]}, message=f"invalid personal code ({check})")
        self.check: PersonalCodeCheck = check
        self.message_en = english
        self.message_lv = latvian

    def as_dict(self) -> dict[str, object]:
        """The body an API returns: the field, the check and both messages (never the code)."""
        return {"field": FIELD, "check": self.check, "message": self.message_en, "message_lv": self.message_lv}


def check_digit(first_ten: str) -> int:
    """The old-form check digit ``(1101 − Σ wᵢ·dᵢ) mod 11 mod 10`` over the first ten digits (D10)."""
    if len(first_ten) != 10 or not first_ten.isascii() or not first_ten.isdigit():
        raise ValueError("check_digit needs exactly ten ASCII digits")
    total = sum(w * int(d) for w, d in zip(WEIGHTS, first_ten, strict=True))
    return (1101 - total) % 11 % 10


def is_new_form(normalised_code: str) -> bool:
    """Whether an 11-digit code is of the new form (``3`` then ``2``–``9``, since July 2017; D10)."""
    return _NEW_FORM.fullmatch(normalised_code) is not None


def birth_date(normalised_code: str) -> date | None:
    """The birth date of a valid old-form code; ``None`` for a new-form code, which carries no date (D10).

    The code must already be valid (see :func:`check_personal_code`).
    """
    if is_new_form(normalised_code):
        return None
    return _old_form_date(normalised_code)


def _old_form_date(code: str) -> date:
    """Date of an old-form code whose century digit is known to be valid; ``ValueError`` if it does not exist."""
    day, month, yy = int(code[0:2]), int(code[2:4]), int(code[4:6])
    return date(CENTURIES[code[6]] + yy, month, day)


def check_personal_code(raw: str, today: date | None = None) -> str:
    """Validate a Latvian personal code (§4.6.6, D10) and return it normalised to 11 digits without the hyphen.

    Checks, in order (the first failure is reported as :class:`PersonalCodeError` with its ``check``):

    1. ``format``: after stripping surrounding whitespace, ``DDMMYY-NNNNN`` or eleven ASCII digits;
    2. new form (first digits ``32``–``39``): accepted on its form alone;
       ``new_form``: the first two digits are neither a possible day (``0``–``3`` first) nor ``32``–``39``;
    3. ``century``: the 7th digit is 0, 1 or 2;
    4. ``date``: ``DDMMYY`` exists in that century (29 February only in leap years);
       ``future_date``: that date is after ``today`` (only when ``today`` is given; the domain has no clock);
    5. ``check_digit``: the 11th digit equals ``(1101 − Σ wᵢ·dᵢ) mod 11 mod 10``.
    """
    if not isinstance(raw, str):
        raise PersonalCodeError("format")
    match = _SHAPE.fullmatch(raw.strip())
    if match is None:
        raise PersonalCodeError("format")
    code = match.group(1) + match.group(2)
    if is_new_form(code):
        return code
    if code[0] not in "0123":
        raise PersonalCodeError("new_form")
    if code[6] not in CENTURIES:
        raise PersonalCodeError("century")
    try:
        born = _old_form_date(code)
    except ValueError:
        raise PersonalCodeError("date") from None
    if today is not None and born > today:
        raise PersonalCodeError("future_date")
    if int(code[10]) != check_digit(code[:10]):
        raise PersonalCodeError("check_digit")
    return code


def _require_normalised(normalised_code: str) -> None:
    if not isinstance(normalised_code, str) or _NORMALISED.fullmatch(normalised_code) is None:
        # A programming error (the caller skipped check_personal_code); the message must not echo the value.
        raise ValueError("expected a normalised personal code (11 ASCII digits) from check_personal_code")


def _require_secret(secret: bytes) -> None:
    if not isinstance(secret, bytes | bytearray) or not secret:
        raise ValueError("the secret must be non-empty bytes")


def resident_key(secret: bytes, normalised_code: str) -> str:
    """The keyed hash stored instead of the personal code (D10): hex HMAC-SHA256 of the normalised code.

    Deterministic for one secret (so a second vote by the same resident is found), unrelated across secrets.
    The space of personal codes is small, so the secret is what protects the codes: it must be kept out of the
    event store and exports.
    """
    _require_secret(secret)
    _require_normalised(normalised_code)
    return hmac.new(bytes(secret), normalised_code.encode("ascii"), hashlib.sha256).hexdigest()


def receipt_code(receipt_secret: bytes, normalised_code: str, contest_year: int) -> str:
    """A short receipt a resident can keep to prove their vote was recorded (D10), e.g. ``"7K3M-Q9XA-B2RT"``.

    The first 60 bits of HMAC-SHA256(receipt_secret, "receipt:<year>:<code>") in Crockford base32 (no I, L, O, U),
    grouped 4-4-4. It is a different secret and a domain-separated message from :func:`resident_key`, so a receipt
    cannot be linked to the person, nor to the stored resident key, without the receipt secret; and it differs
    per contest year.
    """
    _require_secret(receipt_secret)
    _require_normalised(normalised_code)
    if isinstance(contest_year, bool) or not isinstance(contest_year, int):
        raise ValueError("contest_year must be an int")
    message = f"receipt:{contest_year}:{normalised_code}".encode("ascii")
    digest = hmac.new(bytes(receipt_secret), message, hashlib.sha256).digest()
    text = base64.b32encode(digest).translate(_TO_CROCKFORD).decode("ascii")[:RECEIPT_LENGTH]
    return "-".join(text[i : i + 4] for i in range(0, RECEIPT_LENGTH, 4))


_CROCKFORD_READ = str.maketrans({"O": "0", "I": "1", "L": "1"})
_RECEIPT_TEXT = re.compile(r"[0-9A-HJKMNP-TV-Z]{12}", re.ASCII)


def normalise_receipt(raw: object) -> str | None:
    """A receipt as a resident types it ("7k3m q9xa b2rt", "7K3M-Q9XA-B2RT", an O for a 0) in its printed form
    "7K3M-Q9XA-B2RT"; None if it cannot be one (D10)."""
    if not isinstance(raw, str):
        return None
    text = "".join(c for c in raw.upper() if c not in " -\t.").translate(_CROCKFORD_READ)
    if not _RECEIPT_TEXT.fullmatch(text):
        return None
    return "-".join(text[i : i + 4] for i in range(0, RECEIPT_LENGTH, 4))


FINGERPRINT_CONTEXT = b"contest-vote-secret-fingerprint-v1|"
SECRET_PURPOSES = ("voter", "receipt")


def secret_fingerprint(secret: bytes, contest_year: int, purpose: Literal["voter", "receipt"]) -> str:
    """The fingerprint of a vote secret recorded with the contest (D10): lowercase hex HMAC-SHA256 keyed with the
    secret over ``contest-vote-secret-fingerprint-v1|<year>|voter`` (or ``|receipt``).

    It tells whether a process holds the secret the contest's votes were recorded with, and reveals nothing of the
    secret (the key of an HMAC cannot be recovered from its output). Different per year and per purpose, so it is
    unrelated to any resident key or receipt.
    """
    _require_secret(secret)
    if isinstance(contest_year, bool) or not isinstance(contest_year, int):
        raise ValueError("contest_year must be an int")
    if purpose not in SECRET_PURPOSES:
        raise ValueError("purpose must be 'voter' or 'receipt'")
    message = FINGERPRINT_CONTEXT + str(contest_year).encode("ascii") + b"|" + purpose.encode("ascii")
    return hmac.new(bytes(secret), message, hashlib.sha256).hexdigest()
