"""Round 2 read models (§4.6): each seat's counted ballot (the last one, §4.6.4), and the residents' vote
tallied per municipality: count, sum and the distribution of ratings (§4.6.6, D10), counted and with the votes in
quarantine (issue 9: nothing is deleted), the votes' network keys for the report of suspicious clusters, and the
log of the secretariat's quarantine decisions (§4.6.6, §4.6.7, D10, D11)."""

from __future__ import annotations

from array import array
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from domain.ballot import Ballot
from domain.contest import Contest, contest_id
from domain.vote import Vote


@dataclass
class BallotState:
    seat: str
    points: dict[str, int]
    justifications: dict[str, str]
    cast_by: str
    cast_at: datetime
    versions: int
    history: list[tuple[int, dict[str, int]]] = field(default_factory=list)  # (position, points) of every cast


class BallotsView:
    handles = (Ballot.Opened, Ballot.Cast)

    def __init__(self) -> None:
        self._owner: dict[Any, tuple[int, str]] = {}
        self.by_year: dict[int, dict[str, BallotState]] = {}

    def apply(self, event: Any, position: int) -> None:
        if isinstance(event, Ballot.Opened):
            self._owner[event.originator_id] = (event.year, event.seat)
            return
        year, seat = self._owner[event.originator_id]
        seats = self.by_year.setdefault(year, {})
        previous = seats.get(seat)
        history = [*(previous.history if previous else []), (position, dict(event.points))]
        seats[seat] = BallotState(seat=seat, points=dict(event.points), justifications=dict(event.justifications),
                                  cast_by=event.cast_by, cast_at=event.at,
                                  versions=(previous.versions if previous else 0) + 1, history=history)

    def ballots(self, year: int) -> dict[str, dict[str, int]]:
        return {seat: dict(b.points) for seat, b in self.by_year.get(year, {}).items()}

    def ballots_through(self, year: int, position: int) -> dict[str, dict[str, int]]:
        """Each seat's last ballot cast at or before `position` (what round 2's close counted)."""
        result = {}
        for seat, state in self.by_year.get(year, {}).items():
            cast = [points for at, points in state.history if at <= position]
            if cast:
                result[seat] = dict(cast[-1])
        return result

    def states(self, year: int) -> dict[str, BallotState]:
        return dict(self.by_year.get(year, {}))


@dataclass
class Tally:
    count: int = 0
    total: int = 0
    distribution: dict[int, int] = field(default_factory=dict)

    def add(self, rating: int) -> None:
        self.count += 1
        self.total += rating
        self.distribution[rating] = self.distribution.get(rating, 0) + 1

    def remove(self, rating: int) -> None:
        self.count -= 1
        self.total -= rating
        self.distribution[rating] = self.distribution.get(rating, 0) - 1

    def minus(self, other: Tally | None) -> Tally:
        if other is None:
            return Tally(self.count, self.total, dict(self.distribution))
        return Tally(self.count - other.count, self.total - other.total,
                     {r: n - other.distribution.get(r, 0) for r, n in self.distribution.items()})

    @property
    def average(self) -> float | None:
        return self.total / self.count if self.count else None


@dataclass(frozen=True)
class QuarantineDecision:
    """One recorded decision on votes in quarantine (issue 9; §4.6.6, §4.6.7, D10, D11): a VotesQuarantined or a
    VotesReinstated event as the log of decisions lists it."""

    kind: str  # "quarantine" or "reinstate"
    votes: tuple[str, ...]
    reason: str
    selection: dict[str, Any]  # {} for named votes; {cluster, from, to} for a reported cluster's votes
    actor: dict[str, str]
    at: datetime
    position: int


@dataclass(frozen=True)
class CastVote:
    """What a vote counts for. One shared instance per (year, municipality, rating): a million votes hold
    references to a few hundred objects, not a million of them (memory, and the garbage collector's work)."""

    year: int
    municipality: str
    rating: int


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)


def _micros(at: datetime) -> int:
    """An instant as whole microseconds since the epoch: exact, unlike a float timestamp."""
    return ((at if at.tzinfo else at.replace(tzinfo=UTC)) - EPOCH) // MICROSECOND


class NetworkVotes:
    """The votes from one network key: their instants (microseconds, in a compact array) and ids, in the order
    they were cast."""

    __slots__ = ("ids", "times")

    def __init__(self) -> None:
        self.times = array("q")
        self.ids: list[str] = []

    def add(self, at: datetime, vote_id: str) -> None:
        self.times.append(_micros(at))
        self.ids.append(vote_id)

    def __len__(self) -> int:
        return len(self.ids)

    def __eq__(self, other: object) -> bool:  # a snapshot compared with a rebuild (tests/reliability.py)
        return isinstance(other, NetworkVotes) and self.times == other.times and self.ids == other.ids

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"NetworkVotes({len(self)} votes)"

    def rows(self) -> list[tuple[int, str]]:
        return sorted(zip(self.times, self.ids, strict=True))


class VotesView:
    """The vote per municipality: every vote cast ("all"), the votes in quarantine, and the counted tally, all
    minus those in quarantine, which is the official one (§4.6.7, D10). Also each vote's network key (a keyed
    hash, never an address) with its time, for the report of suspicious clusters."""

    handles = (Vote.Cast, Contest.VotesQuarantined, Contest.VotesReinstated)

    def __init__(self) -> None:
        self.by_year: dict[int, dict[str, Tally]] = {}  # every vote cast
        self.held: dict[int, dict[str, Tally]] = {}  # the votes in quarantine
        self.comments: dict[int, int] = {}
        self.votes: dict[str, CastVote] = {}  # vote id (the Vote aggregate's id) -> what it counts for
        self._kinds: dict[tuple[int, str, int], CastVote] = {}  # the shared CastVote instances
        self.quarantined: set[str] = set()
        self.networks: dict[int, dict[str, NetworkVotes]] = {}  # year -> network key -> its votes
        self.decisions: dict[int, list[QuarantineDecision]] = {}  # year -> the decisions in the store's order

    def apply(self, event: Any, position: int) -> None:
        if isinstance(event, Contest.VotesQuarantined | Contest.VotesReinstated):
            self._log_decision(event, position)
        if isinstance(event, Contest.VotesQuarantined):
            for vote_id in event.votes:
                cast = self.votes.get(vote_id)
                if cast is not None and vote_id not in self.quarantined:
                    self.quarantined.add(vote_id)
                    self.held.setdefault(cast.year, {}).setdefault(cast.municipality, Tally()).add(cast.rating)
            return
        if isinstance(event, Contest.VotesReinstated):
            for vote_id in event.votes:
                cast = self.votes.get(vote_id)
                if cast is not None and vote_id in self.quarantined:
                    self.quarantined.discard(vote_id)
                    self.held[cast.year][cast.municipality].remove(cast.rating)
            return
        tallies = self.by_year.setdefault(event.year, {})
        tally = tallies.get(event.municipality)
        if tally is None:
            tally = tallies[event.municipality] = Tally()
        tally.add(event.rating)
        vote_id = str(event.originator_id)
        kind = (event.year, event.municipality, event.rating)
        cast = self._kinds.get(kind)
        if cast is None:
            cast = self._kinds[kind] = CastVote(*kind)
        self.votes[vote_id] = cast
        network = getattr(event, "network", None)
        if network:
            by_network = self.networks.setdefault(event.year, {})
            rows = by_network.get(network)
            if rows is None:
                rows = by_network[network] = NetworkVotes()
            rows.add(event.at, vote_id)
        if event.comment:
            self.comments[event.year] = self.comments.get(event.year, 0) + 1

    def _log_decision(self, event: Any, position: int) -> None:
        """Folds a decision into the log of its contest's year. The contest's events carry no year: it is the year
        whose contest id is the event's originator (a quarantine names only votes of that contest, so the year has
        votes here), or else the year of the first vote the decision names."""
        year = next((y for y in self.by_year if contest_id(y) == event.originator_id), None)
        if year is None:
            year = next((self.votes[v].year for v in event.votes if v in self.votes), None)
        if year is None:
            return
        kind = "quarantine" if isinstance(event, Contest.VotesQuarantined) else "reinstate"
        self.decisions.setdefault(year, []).append(QuarantineDecision(
            kind=kind, votes=tuple(event.votes), reason=event.reason, selection=dict(event.selection or {}),
            actor=dict(event.actor), at=event.at, position=position))

    def quarantine_log(self, year: int) -> list[QuarantineDecision]:
        """Every quarantine and reinstatement of this year's votes, in the store's order (§4.6.6, D10)."""
        return list(self.decisions.get(year, []))

    def tallies(self, year: int) -> dict[str, Tally]:
        """The counted tally per municipality: without the votes in quarantine (§4.6.7)."""
        held = self.held.get(year, {})
        return {m: t.minus(held.get(m)) for m, t in self.by_year.get(year, {}).items()}

    def tallies_all(self, year: int) -> dict[str, Tally]:
        """Every vote cast, in quarantine or not."""
        return {m: t.minus(None) for m, t in self.by_year.get(year, {}).items()}

    def held_tallies(self, year: int) -> dict[str, Tally]:
        return {m: t.minus(None) for m, t in self.held.get(year, {}).items() if t.count}

    def stats(self, year: int) -> dict[str, tuple[int, int]]:
        """municipality -> (number of votes, sum of ratings) of the counted votes, none in quarantine: what the
        finalists' rule reads (§4.6.7, D10, D11)."""
        return {m: (t.count, t.total) for m, t in self.tallies(year).items() if t.count}

    def stats_all(self, year: int) -> dict[str, tuple[int, int]]:
        return {m: (t.count, t.total) for m, t in self.by_year.get(year, {}).items()}

    def total(self, year: int) -> int:
        """Every vote cast (in quarantine or not): nothing is deleted."""
        return sum(t.count for t in self.by_year.get(year, {}).values())

    def quarantined_total(self, year: int) -> int:
        return sum(t.count for t in self.held.get(year, {}).values())

    def year_of(self, vote_id: str) -> int | None:
        cast = self.votes.get(vote_id)
        return cast.year if cast else None

    def vote_ids(self, year: int) -> set[str]:
        return {v for v, cast in self.votes.items() if cast.year == year}

    def from_network(self, year: int, network: str, start: datetime | None = None,
                     end: datetime | None = None) -> list[str]:
        """The votes from one network key, optionally from `start` to `end` inclusive."""
        rows = self.networks.get(year, {}).get(network)
        if rows is None:
            return []
        low = _micros(start) if start is not None else None
        high = _micros(end) if end is not None else None
        return [v for at, v in zip(rows.times, rows.ids, strict=True)
                if (low is None or at >= low) and (high is None or at <= high)]

    def clusters(self, year: int, window_seconds: int, min_votes: int) -> list[dict[str, Any]]:
        """Bursts: at least `min_votes` votes from one network key within `window_seconds`. Overlapping dense
        windows of one network merge into one cluster. Largest first."""
        found = []
        span = window_seconds * 1_000_000  # microseconds, as the instants are kept
        for network, votes in self.networks.get(year, {}).items():
            if len(votes) < min_votes:
                continue
            rows = votes.rows()
            groups: list[list[int]] = []  # [first, last] index of each merged burst
            j = 0
            for i in range(len(rows)):
                j = max(j, i)
                while j + 1 < len(rows) and rows[j + 1][0] - rows[i][0] <= span:
                    j += 1
                if j - i + 1 >= min_votes:
                    if groups and i <= groups[-1][1]:
                        groups[-1][1] = max(groups[-1][1], j)
                    else:
                        groups.append([i, j])
            for first, last in groups:
                found.append(self._cluster(network, rows[first:last + 1]))
        found.sort(key=lambda c: (-c["count"], c["first_at"], c["network"]))
        return found

    def _cluster(self, network: str, rows: list[tuple[int, str]]) -> dict[str, Any]:
        municipalities: dict[str, int] = {}
        ratings: dict[str, int] = {}
        for _, vote_id in rows:
            cast = self.votes[vote_id]
            municipalities[cast.municipality] = municipalities.get(cast.municipality, 0) + 1
            ratings[str(cast.rating)] = ratings.get(str(cast.rating), 0) + 1
        ids = [v for _, v in rows]
        return {"network": network, "count": len(rows), "first_at": EPOCH + rows[0][0] * MICROSECOND,
                "last_at": EPOCH + rows[-1][0] * MICROSECOND,
                "municipalities": dict(sorted(municipalities.items(), key=lambda kv: (-kv[1], kv[0]))),
                "ratings": dict(sorted(ratings.items())), "votes": ids,
                "quarantined": sum(1 for v in ids if v in self.quarantined)}
