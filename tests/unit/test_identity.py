"""Identity levels (RULES.md D15): the resident's identity from a checked code, e-mail addresses as keyed hashes,
the level as a rule number frozen when round 2 opens."""

from __future__ import annotations

from datetime import date

import pytest

from domain.config import Rules
from domain.config_changes import RULE_FREEZES_AT, changed_rules
from domain.errors import InvalidInput, RuleViolation
from domain.identity import LEVELS, address_key, check_address, identify, require_level
from domain.personal_code import PersonalCodeError
from domain.stages import ROUND2

SECRET, RECEIPT = b"voter-secret-0123456789", b"receipt-secret-0123456789"
CODE = "32345678901"  # a new-form code
TODAY = date(2024, 8, 20)


def test_the_same_code_is_the_same_resident_whatever_the_level() -> None:
    """D15: one vote per personal code under every level, since the key is the code's keyed hash."""
    by_level = {level: identify(CODE, verified=level, secret=SECRET, receipt_secret=RECEIPT, year=2024,
                                today=TODAY) for level in LEVELS}
    assert len({i.resident_key for i in by_level.values()}) == 1
    assert len({i.receipt for i in by_level.values()}) == 1
    assert {level: i.verified for level, i in by_level.items()} == {level: level for level in LEVELS}
    assert CODE not in repr(by_level)


def test_identify_checks_the_code_and_knows_only_the_three_levels() -> None:
    with pytest.raises(PersonalCodeError):
        identify("12345", verified="code", secret=SECRET, receipt_secret=RECEIPT, year=2024, today=TODAY)
    with pytest.raises(ValueError):
        identify(CODE, verified="sms", secret=SECRET, receipt_secret=RECEIPT, year=2024, today=TODAY)


def test_a_vote_is_taken_only_at_the_contests_level() -> None:
    require_level("email", "email")
    with pytest.raises(RuleViolation) as e:
        require_level("eid", "code")
    assert e.value.clause == "D15" and e.value.field == "personal_code" and "eID" in e.value.message


@pytest.mark.parametrize("raw, normalised", [
    ("  Vards.Uzvards@Example.LV ", "vards.uzvards@example.lv"),
    ("ｖａｒｄｓ@example.lv", "vards@example.lv"),  # full-width letters, NFKC
    ("a+b@pasts.gov.lv", "a+b@pasts.gov.lv"),
])
def test_an_address_is_normalised(raw: str, normalised: str) -> None:
    assert check_address(raw) == normalised


@pytest.mark.parametrize("raw", ["", "   ", None, 42, "vards", "vards@", "@example.lv", "a@b", "a b@example.lv",
                                 "a@example.lv, b@example.lv", "<a@example.lv>", "a@-example.lv",
                                 "x" * 65 + "@example.lv", "a@" + "b" * 250 + ".lv"])
def test_a_malformed_address_is_refused_at_the_field(raw: object) -> None:
    with pytest.raises(InvalidInput) as e:
        check_address(raw)
    assert list(e.value.errors) == ["email"] and "D15" in e.value.errors["email"][0]


def test_an_address_is_kept_as_a_keyed_hash_of_its_own_context() -> None:
    """Comparable (the same address, the same key) but not readable, and never equal to a resident key."""
    key = address_key(SECRET, "vards@example.lv")
    assert key == address_key(SECRET, check_address("VARDS@example.lv"))
    assert key != address_key(b"another-secret-0123456789", "vards@example.lv")
    assert len(key) == 64 and "vards" not in key
    resident = identify(CODE, verified="code", secret=SECRET, receipt_secret=RECEIPT, year=2024, today=TODAY)
    assert address_key(SECRET, CODE) != resident.resident_key
    with pytest.raises(ValueError):
        address_key(b"short", "vards@example.lv")


def test_the_level_is_a_rule_number_code_by_default() -> None:
    assert Rules().vote_identity == "code"
    assert Rules.parse({"vote_identity": "eid"}).vote_identity == "eid"
    with pytest.raises(InvalidInput) as e:
        Rules.parse({"vote_identity": "sms"})
    assert "D15" in e.value.errors["vote_identity"][0]


def test_the_level_freezes_when_round_2_opens() -> None:
    """D15: recorded and frozen when round 2 opens, so every vote of the window is verified the same way."""
    assert RULE_FREEZES_AT["vote_identity"] == (ROUND2, "D15")
    with pytest.raises(RuleViolation) as e:
        changed_rules(ROUND2, Rules(), {"vote_identity": "email"}, [])
    assert e.value.clause == "D15"
