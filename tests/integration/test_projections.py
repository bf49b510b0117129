"""Persisted read models (RULES.md "Audit"): a rebuild equals the live views; after a restart the views resume
from their snapshot and apply each later event once; a stale snapshot never overwrites a newer one."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

from contest.clock import FrozenClock
from contest.service import ContestService
from contest.store import EventStore
from tests.conftest import SECRETS
from tests.support.helpers import all_ballots, cast_votes, close_vote, play_round1

VOTING = ["sif", "varam", "lm", "izm", "ugf", "vpd", "vk-pkc", "ldga", "fmt"]


def results(svc: ContestService) -> dict[str, Any]:
    _, r1, final = svc.round1.results(2024)
    standings = svc.round2.standings(2024)
    standings.pop("position")
    return {"round1": r1.to_dict(explanations=False), "final": final, "standings": standings,
            "votes": svc.round2.vote_results(2024)}


def test_rebuild_equals_live(service: ContestService, clock: FrozenClock, store_url: str, tmp_path: Path) -> None:
    r = play_round1(service, clock)
    cast_votes(service, clock, {r[0]: [5, 4], r[3]: [3]})
    close_vote(service, clock)
    all_ballots(service, {s: r[:5] for s in VOTING})
    live = results(service)
    out = subprocess.run([sys.executable, "-m", "contest.cli", "projections", "rebuild"],
                         env={"CONTEST_STORE": store_url, "PATH": "/usr/bin:/bin"}, capture_output=True, text=True,
                         cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert "rebuilt from" in out.stdout
    fresh = ContestService(EventStore(store_url), clock, SECRETS)
    try:
        assert results(fresh) == live
        assert fresh.readmodels.applied == 0  # everything came from the rebuilt snapshot
    finally:
        fresh.close()


def test_restart_resumes_from_the_snapshot_and_applies_each_event_once(
        service: ContestService, clock: FrozenClock, store_url: str) -> None:
    r = play_round1(service, clock)
    first = ContestService(EventStore(store_url), clock, SECRETS)  # the projector before its restart
    try:
        first.readmodels.catch_up()
        assert first.readmodels.save_snapshot()
        saved_at = first.readmodels.position
        cast_votes(service, clock, {r[0]: [5, 4, 3], r[1]: [2]})  # four new events while it is down
        restarted = ContestService(EventStore(store_url), clock, SECRETS)
        try:
            restarted.readmodels.catch_up()
            assert restarted.readmodels.applied == 4  # only the events after the snapshot
            assert restarted.views.votes.total(2024) == 4
            assert restarted.readmodels.save_snapshot()
            # the old projector wakes up and tries to save its older state: refused by the tracking row
            assert first.readmodels.position == saved_at
            assert first.readmodels.save_snapshot() is False
            again = ContestService(EventStore(store_url), clock, SECRETS)
            try:
                again.readmodels.catch_up()
                assert again.readmodels.applied == 0 and again.views.votes.total(2024) == 4
            finally:
                again.close()
        finally:
            restarted.close()
    finally:
        first.close()
