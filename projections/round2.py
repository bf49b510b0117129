"""Round 2's residents' vote as read models (§4.6.6; the jury's ballots are projections/ballots.py): tallied per
municipality, count, sum and the distribution of ratings (§4.6.6, D10), counted and with the votes in quarantine
(nothing is deleted), the votes' network keys for the report of suspicious clusters, and the log of the
secretariat's quarantine decisions (§4.6.6, §4.6.7, D10, D11)."""

from __future__ import annotations

from array import array
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from domain.contest import Contest, contest_id
from domain.vote import Vote
from projections.networks import NetworkVotes, pack_networks, unpack_networks


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
    """One recorded decision on votes in quarantine (§4.6.6, §4.6.7, D10, D11): a VotesQuarantined or a
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
    """What a vote counts for. One shared instance per (year, municipality, rating), numbered: each vote keeps
    only the number of its kind (two bytes), never an object of its own."""

    year: int
    municipality: str
    rating: int


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)
ID_BYTES = 16  # a vote id (the Vote aggregate's UUID) as kept here: its 16 bytes


def micros(at: datetime) -> int:
    """An instant as whole microseconds since the epoch: exact, unlike a float timestamp."""
    return ((at if at.tzinfo else at.replace(tzinfo=UTC)) - EPOCH) // MICROSECOND


def micros_of_iso(text: str) -> int:
    """`micros` of an ISO 8601 instant as the store's JSON keeps it (contest/rows.py reads it so)."""
    return micros(datetime.fromisoformat(text))


def id_bytes(vote_id: str) -> bytes | None:
    try:
        return UUID(vote_id).bytes
    except (ValueError, TypeError, AttributeError):
        return None  # not a vote id at all: no vote has it


class VotesView:
    """The vote per municipality: every vote cast ("all"), the votes in quarantine, and the counted tally, all
    minus those in quarantine, which is the official one (§4.6.7, D10). Also each vote's network key (a keyed
    hash, never an address) with its time, for the report of suspicious clusters.

    Memory (docs/BENCHMARKS.md): the quarantine needs, for any vote id it names, what that vote counts for, and
    the cluster report needs each network's votes. A million votes are kept in flat arrays, about 30 bytes a
    vote: the ids' 16 bytes each in one bytearray (vote number n at n * 16), the number of each vote's CastVote,
    and per network the votes' instants and numbers. There is no per-vote object or dict entry; a lookup by id
    (a quarantine decision, rare) scans the ids."""

    handles = (Vote.Cast, Contest.VotesQuarantined, Contest.VotesReinstated)

    def __init__(self) -> None:
        self.by_year: dict[int, dict[str, Tally]] = {}  # every vote cast
        self.held: dict[int, dict[str, Tally]] = {}  # the votes in quarantine
        self.comments: dict[int, int] = {}
        self._ids = bytearray()  # vote number n -> its id, bytes n*16 .. n*16+16
        self._kind_of = array("H")  # vote number n -> the number of its CastVote in _kinds
        self._kinds: list[CastVote] = []
        self._kind_no: dict[tuple[int, str, int], int] = {}
        self.quarantined: set[str] = set()
        self.networks: dict[int, dict[str, NetworkVotes]] = {}  # year -> network key -> its votes
        self.decisions: dict[int, list[QuarantineDecision]] = {}  # year -> the decisions in the store's order

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["networks"] = {year: pack_networks(nets) for year, nets in self.networks.items()}
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        state["networks"] = {year: unpack_networks(packed) for year, packed in state["networks"].items()}
        self.__dict__.update(state)

    def apply(self, event: Any, position: int) -> None:
        if isinstance(event, Contest.VotesQuarantined | Contest.VotesReinstated):
            self._decide(event, position)
            return
        network = getattr(event, "network", None)
        self.cast(event.originator_id.bytes, event.year, event.municipality, event.rating, network,
                  micros(event.at) if network else 0, bool(event.comment))

    def cast(self, vote_id: bytes, year: int, municipality: str, rating: int, network: str | None, at_micros: int,
             commented: bool) -> None:
        """Folds one Vote.Cast: from a domain event (`apply`) or straight from its stored row (contest/rows.py,
        the rebuild's fast path); both give the same view (tests/integration/test_rows.py)."""
        self.count(year, municipality, rating, commented)
        kind = (year, municipality, rating)
        kind_no = self._kind_no.get(kind)
        if kind_no is None:
            kind_no = self._kind_no[kind] = len(self._kinds)
            self._kinds.append(CastVote(*kind))
        number = len(self._kind_of)
        self._kind_of.append(kind_no)
        self._ids += vote_id
        if network:
            by_network = self.networks.get(year)
            if by_network is None:
                by_network = self.networks[year] = {}
            rows = by_network.get(network)
            if rows is None:
                rows = by_network[network] = NetworkVotes()
            rows.add(at_micros, number)

    def count(self, year: int, municipality: str, rating: int, commented: bool) -> None:
        """A vote in the tallies (and the count of comments), without the per-vote record."""
        tallies = self.by_year.get(year)
        if tallies is None:
            tallies = self.by_year[year] = {}
        tally = tallies.get(municipality)
        if tally is None:
            tally = tallies[municipality] = Tally()
        tally.count += 1  # Tally.add, inlined: once per vote, a million times in a rebuild (docs/BENCHMARKS.md)
        tally.total += rating
        tally.distribution[rating] = tally.distribution.get(rating, 0) + 1
        if commented:
            self.comments[year] = self.comments.get(year, 0) + 1

    def _id(self, number: int) -> str:
        start = number * ID_BYTES
        return str(UUID(bytes=bytes(self._ids[start:start + ID_BYTES])))

    def _numbers(self, vote_ids: Any) -> dict[str, int]:
        """The vote number of each of `vote_ids` recorded here (the others are left out)."""
        wanted: dict[bytes, str] = {}
        for vote_id in vote_ids:
            key = id_bytes(vote_id) if isinstance(vote_id, str) else None
            if key is not None:
                wanted[key] = vote_id
        found: dict[str, int] = {}
        if not wanted:
            return found
        if len(wanted) <= 32:  # a few ids: the bytes search of each (C speed) is quicker than one pass in Python
            for key, vote_id in wanted.items():
                at = self._ids.find(key)
                while at != -1 and at % ID_BYTES:
                    at = self._ids.find(key, at + 1)
                if at != -1:
                    found[vote_id] = at // ID_BYTES
            return found
        ids = bytes(self._ids)  # slices of bytes are hashable (the dict's keys); a bytearray's are not
        for number in range(len(ids) // ID_BYTES):
            vote_id = wanted.get(ids[number * ID_BYTES:(number + 1) * ID_BYTES])
            if vote_id is not None:
                found[vote_id] = number
        return found

    def _decide(self, event: Any, position: int) -> None:
        """A quarantine or a reinstatement: moves the named votes into or out of the held tally, and logs it."""
        numbers = self._numbers(event.votes)
        quarantine = isinstance(event, Contest.VotesQuarantined)
        self._log_decision(event, position, numbers)
        for vote_id in event.votes:
            number = numbers.get(vote_id)
            if number is None or (vote_id in self.quarantined) == quarantine:
                continue
            cast = self._kinds[self._kind_of[number]]
            if quarantine:
                self.quarantined.add(vote_id)
                self.held.setdefault(cast.year, {}).setdefault(cast.municipality, Tally()).add(cast.rating)
            else:
                self.quarantined.discard(vote_id)
                self.held[cast.year][cast.municipality].remove(cast.rating)

    def _log_decision(self, event: Any, position: int, numbers: dict[str, int]) -> None:
        """Folds a decision into the log of its contest's year. The contest's events carry no year: it is the year
        whose contest id is the event's originator (a quarantine names only votes of that contest, so the year has
        votes here), or else the year of the first vote the decision names."""
        year = next((y for y in self.by_year if contest_id(y) == event.originator_id), None)
        if year is None:
            year = next((self._kinds[self._kind_of[numbers[v]]].year for v in event.votes if v in numbers), None)
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

    def years_of(self, vote_ids: Any) -> dict[str, int]:
        """The contest year of each of `vote_ids` that is a recorded vote (the others are left out)."""
        return {v: self._kinds[self._kind_of[n]].year for v, n in self._numbers(vote_ids).items()}

    def from_network(self, year: int, network: str, start: datetime | None = None,
                     end: datetime | None = None) -> list[str]:
        """The votes from one network key, optionally from `start` to `end` inclusive."""
        rows = self.networks.get(year, {}).get(network)
        if rows is None:
            return []
        low = micros(start) if start is not None else None
        high = micros(end) if end is not None else None
        return [self._id(n) for at, n in zip(rows.times, rows.numbers, strict=True)
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

    def _cluster(self, network: str, rows: list[tuple[int, int]]) -> dict[str, Any]:
        municipalities: dict[str, int] = {}
        ratings: dict[str, int] = {}
        for _, number in rows:
            cast = self._kinds[self._kind_of[number]]
            municipalities[cast.municipality] = municipalities.get(cast.municipality, 0) + 1
            ratings[str(cast.rating)] = ratings.get(str(cast.rating), 0) + 1
        ids = [self._id(n) for _, n in rows]
        return {"network": network, "count": len(rows), "first_at": EPOCH + rows[0][0] * MICROSECOND,
                "last_at": EPOCH + rows[-1][0] * MICROSECOND,
                "municipalities": dict(sorted(municipalities.items(), key=lambda kv: (-kv[1], kv[0]))),
                "ratings": dict(sorted(ratings.items())), "votes": ids,
                "quarantined": sum(1 for v in ids if v in self.quarantined)}


class KeptVotesView(VotesView):
    """The votes view of an offline verification (contest/verify.py): every vote in the tallies, but what a vote
    counts for kept only for the votes in `keep`, the 16-byte ids a quarantine or a reinstatement names (found by
    the verifier's first pass over the export), and no network keys (the cluster report is the service's). For a
    history whose decisions name only votes in `keep` it folds the same tallies, held tallies, quarantine and
    decisions as `VotesView`, in memory that does not grow with the votes (a million votes: a few hundred bytes)."""

    def __init__(self, keep: Any = ()) -> None:
        super().__init__()
        self.keep = frozenset(keep)
        self._kept: dict[bytes, int] = {}  # a kept vote's id -> its number (first cast of that id)

    def cast(self, vote_id: bytes, year: int, municipality: str, rating: int, network: str | None, at_micros: int,
             commented: bool) -> None:
        self.count(year, municipality, rating, commented)
        if vote_id in self.keep and vote_id not in self._kept:
            kind = (year, municipality, rating)
            kind_no = self._kind_no.get(kind)
            if kind_no is None:
                kind_no = self._kind_no[kind] = len(self._kinds)
                self._kinds.append(CastVote(*kind))
            self._kept[vote_id] = len(self._kind_of)
            self._kind_of.append(kind_no)
            self._ids += vote_id

    def _numbers(self, vote_ids: Any) -> dict[str, int]:
        wanted: dict[bytes, str] = {}  # as VotesView._numbers: the last text of each id is the one found
        for vote_id in vote_ids:
            key = id_bytes(vote_id) if isinstance(vote_id, str) else None
            if key is not None:
                wanted[key] = vote_id
        return {vote_id: self._kept[key] for key, vote_id in wanted.items() if key in self._kept}
