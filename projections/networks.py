"""The residents' votes per network key, for the report of suspicious vote clusters (§4.6.6, D10): each network's
votes as their instants and their numbers in the votes view (projections/round2.py VotesView), in compact arrays,
and a year's networks packed into four flat values for the views' snapshot (contest/projection_store.py)."""

from __future__ import annotations

from array import array


class NetworkVotes:
    """The votes from one network key: their instants (microseconds) and their numbers in the votes view, in
    the order they were cast, both in compact arrays (12 bytes a vote)."""

    __slots__ = ("numbers", "times")

    def __init__(self) -> None:
        self.times = array("q")
        self.numbers = array("I")

    def add(self, at_micros: int, number: int) -> None:
        self.times.append(at_micros)
        self.numbers.append(number)

    def __len__(self) -> int:
        return len(self.numbers)

    def __eq__(self, other: object) -> bool:  # a snapshot compared with a rebuild (tests/support/reliability.py)
        return isinstance(other, NetworkVotes) and self.times == other.times and self.numbers == other.numbers

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"NetworkVotes({len(self)} votes)"

    def rows(self) -> list[tuple[int, int]]:
        return sorted(zip(self.times, self.numbers, strict=True))


def pack_networks(networks: dict[str, NetworkVotes]) -> tuple[list[str], array, array, array]:
    """One year's networks as four flat values (the keys, each one's vote count, every instant, every number), so
    that a snapshot pickles four objects instead of two arrays per network (tens of thousands of networks)."""
    times, numbers = array("q"), array("I")
    for votes in networks.values():
        times.extend(votes.times)
        numbers.extend(votes.numbers)
    return list(networks), array("I", (len(v) for v in networks.values())), times, numbers


def unpack_networks(packed: tuple[list[str], array, array, array]) -> dict[str, NetworkVotes]:
    keys, counts, times, numbers = packed
    out: dict[str, NetworkVotes] = {}
    start = 0
    for key, n in zip(keys, counts, strict=True):
        votes = out[key] = NetworkVotes()
        votes.times = times[start:start + n]
        votes.numbers = numbers[start:start + n]
        start += n
    return out
