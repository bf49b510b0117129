"""A resident looks up their own vote by its receipt (D10): during the window too, only that vote, no tallies.

The receipts are in the votes' events (Vote.Cast.receipt), and nothing in the store is keyed by them, so each
process keeps an index receipt -> (municipality, rating, the vote's id, when), extended from the notification log
on each lookup: only the votes recorded since the last one are read. Whether the vote is in quarantine (kept, not
counted: §4.6.7) is the contest's, read when asked. The index holds what the public board publishes once the
window closes, so it costs the board's memory, once per web worker.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime

from eventsourcing.utils import get_topic

from contest.replica import primary_reads
from contest.unit_of_work import UnitOfWork
from domain.vote import Vote

CAST = get_topic(Vote.Cast)


@dataclass(frozen=True)
class OwnVote:
    receipt: str
    municipality: str
    rating: int
    at: datetime
    quarantined: bool


class ReceiptIndex:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self._lock = threading.Lock()
        self._through = 0  # the last position read
        self._votes: dict[tuple[int, str], tuple[str, int, str, datetime]] = {}

    def find(self, year: int, receipt: str) -> OwnVote | None:
        """The vote with this receipt (in its printed form, domain.personal_code.normalise_receipt), or None.

        On the replica (contest/replica.py) a receipt not found there is looked for on the primary too: the
        resident may check a vote cast moments ago, which the replica has not replayed yet (read-your-writes)."""
        found = self._find(year, receipt)
        if found is None and self.uow.stores.on_replica:
            with primary_reads():
                found = self._find(year, receipt)
        return found

    def _find(self, year: int, receipt: str) -> OwnVote | None:
        store = self.uow.store
        with self._lock:
            last = store.event_count()
            if last > self._through:
                to_event = store.mapper.to_domain_event
                for n in store.notifications(start=self._through + 1, stop=last, topics=[CAST]):
                    event = to_event(n)
                    self._votes[(event.year, event.receipt)] = (event.municipality, event.rating,
                                                                str(event.originator_id), event.at)
                self._through = last
            found = self._votes.get((year, receipt))
        if found is None:
            return None
        municipality, rating, vote_id, at = found
        held = vote_id in self.uow.gate.contest(year).quarantined
        return OwnVote(receipt, municipality, rating, at, held)
