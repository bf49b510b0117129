"""The read models' fast path (contest/rows.py): the rebuild and every catch-up read votes as plain rows
and fold them straight into the votes view; every other event goes through the library's mapper. These tests pin
that both ways give the same views as a replay of domain events, including quarantines (§4.6.7, D10, D11), and
that the votes view's compact per-vote index finds exactly the recorded votes."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID, uuid4

from contest.clock import FrozenClock
from contest.network import network_key
from contest.readmodels import ReadModels
from contest.residents import fake_personal_codes
from contest.rows import CAST_TOPIC, votes_shortcut
from contest.service import ContestService
from domain.vote import Vote
from projections.round2 import VotesView
from projections.views import Views
from tests.conftest import SECRETS
from tests.support.helpers import VOTE_DAY
from tests.support.votes import NETWORKS, history, replayed, votes_state


def test_the_rows_fast_path_gives_the_views_a_replay_of_domain_events_gives(
        service: ContestService, clock: FrozenClock) -> None:
    ids = history(service, clock)
    fast = ReadModels(service.store, Views())
    assert votes_shortcut(service.store, fast._dispatch, fast.views.votes)  # the shortcut is what is tested here
    fast.catch_up()
    slow = replayed(service)
    assert votes_state(fast.views.votes) == votes_state(slow.votes)
    for name in ("submissions", "ballots", "visits", "scorecards"):
        assert vars(getattr(fast.views, name)) == vars(getattr(slow, name))
    view = fast.views.votes
    assert view.total(2024) == 60 and view.quarantined_total(2024) == 10 - 3
    assert sum(view.comments.values()) == len([i for i in range(60) if i % 7 == 0])
    assert sum(len(n) for n in view.networks[2024].values()) == 45  # the 15 votes without an address have no key
    # the cluster report names the votes by their ids, as the store does
    clusters = {c["network"]: c for c in view.clusters(2024, window_seconds=600, min_votes=10)}
    assert len(clusters) == 3  # 15 votes in three minutes from each network with an address
    burst = clusters[network_key(SECRETS.voter, NETWORKS[0])]
    assert sorted(burst["votes"]) == sorted(ids[NETWORKS[0]]) and burst["quarantined"] == 7


def test_catching_up_in_steps_gives_the_same_views_as_one_rebuild(service: ContestService,
                                                                  clock: FrozenClock) -> None:
    history(service, clock)
    stepped = ReadModels(service.store, Views())
    head = service.event_count()
    for stop in range(1, head + 7, 7):
        stepped.catch_up(up_to=stop)
    assert stepped.position == head
    once = ReadModels(service.store, Views())
    once.catch_up()
    assert votes_state(stepped.views.votes) == votes_state(once.views.votes)
    assert stepped.applied == once.applied


class SeesVotes:
    """Another view reading Vote.Cast: the shortcut must then not be taken, and both views get domain events."""

    handles = (Vote.Cast,)

    def __init__(self) -> None:
        self.seen: list[tuple[int, str]] = []

    def apply(self, event: Any, position: int) -> None:
        assert isinstance(event, Vote.Cast)
        self.seen.append((position, event.municipality))


def test_with_another_view_of_votes_every_row_goes_through_the_mapper(service: ContestService,
                                                                     clock: FrozenClock) -> None:
    history(service, clock)
    models = ReadModels(service.store, Views())
    extra = SeesVotes()
    models._dispatch[CAST_TOPIC].append(extra.apply)
    assert not votes_shortcut(service.store, models._dispatch, models.views.votes)
    models.catch_up()
    assert len(extra.seen) == 60
    assert votes_state(models.views.votes) == votes_state(replayed(service).votes)


def test_the_votes_index_finds_exactly_the_recorded_votes() -> None:
    view = VotesView()
    a, b = uuid4(), uuid4()
    straddling = UUID(bytes=a.bytes[8:] + b.bytes[:8])  # its bytes occur in the index, but across two votes
    view.cast(a.bytes, 2024, "LV-RIX", 5, "net", 1, False)
    view.cast(b.bytes, 2024, "LV-VEN", 4, "net", 2, False)
    assert view.years_of([str(a), str(b), str(straddling), "not-an-id", str(uuid4())]) == {str(a): 2024,
                                                                                          str(b): 2024}
    view.cast(straddling.bytes, 2023, "LV-002", 1, None, 0, True)
    assert view.years_of([str(straddling)]) == {str(straddling): 2023}
    many = [uuid4() for _ in range(100)]  # more than 32 ids at once: one pass over the index instead
    for i, vote_id in enumerate(many):
        view.cast(vote_id.bytes, 2024, "LV-RIX", 1 + i % 5, None, 0, False)
    asked = [str(v) for v in many[::2]] + [str(uuid4()) for _ in range(40)] + [str(straddling)]
    assert view.years_of(asked) == {**{str(v): 2024 for v in many[::2]}, str(straddling): 2023}
    assert view.from_network(2024, "net") == [str(a), str(b)]
    assert len(view._kinds) == 7  # one shared CastVote per (year, municipality, rating), not one per vote


def test_a_vote_of_the_fast_path_carries_its_network_instant_exactly(service: ContestService,
                                                                    clock: FrozenClock) -> None:
    clock.set(VOTE_DAY + timedelta(microseconds=123_457))
    code = fake_personal_codes(1, seed=5)[0]
    vote, _ = service.round2.cast_vote(2024, personal_code=code, municipality="LV-RIX", rating=3,
                                       client_address="198.51.100.7")
    models = ReadModels(service.store, Views())
    models.catch_up()
    [rows] = models.views.votes.networks[2024].values()
    assert vote.at.microsecond == 123_457
    assert list(rows.times) == [int(vote.at.replace(microsecond=0).timestamp()) * 1_000_000 + 123_457]
    key = network_key(SECRETS.voter, "198.51.100.7")
    assert key is not None and models.views.votes.from_network(2024, key) == [str(vote.id)]
    assert models.views.votes.from_network(2024, key, start=vote.at + timedelta(microseconds=1)) == []
    assert models.views.votes.from_network(2024, key, start=vote.at, end=vote.at) == [str(vote.id)]
