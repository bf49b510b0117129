"""Votes as the tests make them: one at a time from a client network, through the service or over HTTP (a burst
from one /24 is a cluster, §4.6.6, §4.6.7), and a history of votes with a quarantine and a partial reinstatement,
with the two ways of folding it that must agree (contest/rows.py's fast path and a replay of domain events)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask.testing import FlaskClient

from contest.clock import FrozenClock
from contest.replay import Replay, topics_of
from contest.residents import fake_personal_codes
from contest.service import ContestService
from projections.round2 import VotesView
from projections.views import Views
from tests.support.helpers import SEC, VOTE_DAY

BURST = "198.51.100."  # one /24: the burst's network


COUNTER = iter(range(1, 10_000))


def cast_http(client: FlaskClient, address: str, municipality: str, rating: int) -> Any:
    code = fake_personal_codes(1, seed=1000 + next(COUNTER))[0]
    r = client.post("/api/contests/2024/votes", json={"personal_code": code, "municipality": municipality,
                                                      "rating": rating}, environ_base={"REMOTE_ADDR": address})
    assert r.status_code == 201, r.json
    return r


def cast(service: ContestService, clock: FrozenClock, address: str | None, municipality: str, rating: int,
         seconds: float = 5) -> str:
    """One vote through the service, `seconds` after the previous one; returns the vote's id."""
    clock.set(clock.now() + timedelta(seconds=seconds))
    code = fake_personal_codes(1, seed=5000 + next(COUNTER))[0]
    vote, _ = service.round2.cast_vote(2024, personal_code=code, municipality=municipality, rating=rating,
                                       client_address=address)
    return str(vote.id)


NETWORKS = ["198.51.100.7", "203.0.113.9", "2001:db8:1::5", None]


def history(service: ContestService, clock: FrozenClock) -> dict[str, list[str]]:
    """Votes from four networks (one without an address), some with comments, a quarantined burst, a partial
    reinstatement, and votes after both. Returns the vote ids per network."""
    clock.set(VOTE_DAY)
    codes = iter(fake_personal_codes(60, seed=77))
    ids: dict[str, list[str]] = {}

    def vote(i: int) -> None:
        clock.set(clock.now() + timedelta(seconds=3))
        address = NETWORKS[i % len(NETWORKS)]
        municipality = ("LV-RIX", "LV-VEN", "LV-002")[i % 3]
        cast, _ = service.round2.cast_vote(2024, personal_code=next(codes), municipality=municipality,
                                           rating=1 + i % 5, comment="Labi bērnudārzi" if i % 7 == 0 else None,
                                           client_address=address)
        ids.setdefault(str(address), []).append(str(cast.id))

    for i in range(40):
        vote(i)
    burst = ids[NETWORKS[0]]
    service.round2.quarantine_votes(2024, votes=burst, reason="one network, many votes", actor=SEC)
    service.round2.reinstate_votes(2024, votes=burst[:3], reason="residents of one dormitory", actor=SEC)
    for i in range(40, 60):
        vote(i)
    return ids


def replayed(service: ContestService) -> Views:
    """The slow path: every event through the library's mapper, folded by `Replay` (as `as_of` and verify do)."""
    views = Views()
    to_event = service.store.mapper.to_domain_event
    Replay(views).apply_all((n.id, to_event(n)) for n in service.store.notifications(topics=topics_of(views)))
    return views


def votes_state(view: VotesView) -> dict[str, Any]:
    return {"tallies": {y: view.tallies_all(y) for y in view.by_year}, "held": view.held_tallies(2024),
            "counted": view.tallies(2024), "comments": view.comments, "quarantined": view.quarantined,
            "networks": view.networks, "decisions": view.decisions, "ids": bytes(view._ids),
            "kinds": [view._kinds[k] for k in view._kind_of],
            "clusters": view.clusters(2024, window_seconds=600, min_votes=3)}
