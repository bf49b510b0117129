"""The one-time link of the identity level `email` (D15, domain/vote_link.py): kept only as its SHA-256, good for
its lifetime and for one vote, the address shown back masked."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest

from domain.errors import NotFound, RuleViolation
from domain.vote_link import (
    FORGET_AFTER,
    LinkExpired,
    LinkPolicy,
    LinkUsed,
    TooManyLinks,
    UnknownLink,
    link_digest,
    mask_address,
    require_live,
)

SENT = datetime(2024, 8, 20, 12, 0, tzinfo=UTC)


def test_a_token_is_kept_as_its_sha256() -> None:
    token = "q3JX0bM2l6d0m8D7yXWcZ1n0rQe5sH2kPq9tVw4uYa8"
    assert link_digest(token) == hashlib.sha256(token.encode()).hexdigest() and token not in link_digest(token)


def test_a_link_lives_for_its_lifetime_and_is_forgotten_a_day_after() -> None:
    policy = LinkPolicy()
    assert policy.expires_at(SENT) == SENT + timedelta(minutes=30)
    assert LinkPolicy(timedelta(minutes=5)).expires_at(SENT) == SENT + timedelta(minutes=5)
    assert policy.forget_before(SENT) == SENT - FORGET_AFTER
    for bad in (timedelta(0), timedelta(minutes=-1), timedelta(days=1, seconds=1)):
        with pytest.raises(ValueError):
            LinkPolicy(bad)


def test_a_link_records_once_and_only_before_it_expires() -> None:
    expires = SENT + timedelta(minutes=30)
    require_live(expires, None, expires - timedelta(microseconds=1))
    with pytest.raises(LinkExpired) as e:
        require_live(expires, None, expires)
    assert (e.value.clause, e.value.field, e.value.details) == ("D15", "token", {"expires_at": "2024-08-20T12:30:00Z"})
    assert "expired" in e.value.message
    for now in (SENT, expires + timedelta(days=2)):  # used says used, expired since or not
        with pytest.raises(LinkUsed) as used:
            require_live(expires, SENT + timedelta(minutes=1), now)
        assert used.value.message == "this link has been used; your vote is recorded"
    assert isinstance(LinkExpired(expires), RuleViolation) and isinstance(LinkUsed(), RuleViolation)


def test_an_unknown_link_never_names_its_token() -> None:
    e = UnknownLink()
    assert isinstance(e, NotFound) and e.key == "<hidden>" and "not known" in str(e) and "D15" in str(e)


def test_too_many_links_names_the_field_and_until_when() -> None:
    e = TooManyLinks(SENT)
    assert (e.clause, e.field, e.details) == ("D15", "email", {"until": "2024-08-20T12:00:00Z"})
    assert "e-mail address" in e.message


@pytest.mark.parametrize(("address", "shown"), [
    ("vards.uzvards@example.lv", "v***@example.lv"), ("a@b.lv", "a***@b.lv"), ("ē@pasts.lv", "ē***@pasts.lv")])
def test_the_address_is_shown_back_masked(address: str, shown: str) -> None:
    assert mask_address(address) == shown
