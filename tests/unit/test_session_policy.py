"""The staff sessions' lifetimes (domain/sessions.py) and their settings (contest/settings.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from contest.settings import SettingsError, session_policy_from_env
from domain.sessions import SessionPolicy, session_digest

T0 = datetime(2024, 8, 1, 9, 0, tzinfo=UTC)


def test_a_session_ends_idle_or_at_its_lifetime_whichever_comes_first() -> None:
    policy = SessionPolicy(idle=timedelta(minutes=30), absolute=timedelta(hours=12))
    assert policy.live(T0, T0, T0 + timedelta(minutes=29, seconds=59))
    assert not policy.live(T0, T0, T0 + timedelta(minutes=30))
    late = T0 + timedelta(hours=11, minutes=50)
    assert policy.ends_at(T0, late) == T0 + timedelta(hours=12)
    assert policy.live(T0, late, T0 + timedelta(hours=11, minutes=59))
    assert not policy.live(T0, late, T0 + timedelta(hours=12))
    assert not policy.live(T0, T0, T0 - timedelta(hours=1))  # a clock set far back does not open it
    assert policy.needs_touch(T0, T0 + timedelta(seconds=60)) and not policy.needs_touch(T0, T0 + timedelta(seconds=59))


def test_only_the_ids_digest_is_kept() -> None:
    assert session_digest("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


def test_the_settings() -> None:
    assert session_policy_from_env({}) == SessionPolicy(timedelta(minutes=30), timedelta(hours=12))
    policy = session_policy_from_env({"CONTEST_SESSION_IDLE_MINUTES": "10", "CONTEST_SESSION_HOURS": "1.5"})
    assert policy == SessionPolicy(timedelta(minutes=10), timedelta(minutes=90))
    for bad in ("0", "-5", "soon", "nan"):
        with pytest.raises(SettingsError, match="CONTEST_SESSION_IDLE_MINUTES"):
            session_policy_from_env({"CONTEST_SESSION_IDLE_MINUTES": bad})
