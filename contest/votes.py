"""The residents' vote (§4.6.6, D10): casting a vote, the vote secrets' binding, the vote's results, the public
board of receipts and the residents' comments for the jury."""

from __future__ import annotations

import threading
from collections.abc import Callable
from contextlib import suppress
from datetime import datetime
from typing import Any, Protocol

from eventsourcing.utils import get_topic

from contest.guard import AggregateChanged
from contest.network import network_key
from contest.receipt_index import OwnVote, ReceiptIndex
from contest.settings import SettingsError, VoteSecretsMismatch
from contest.state import LiveState, ReadState
from contest.store import EventStore
from contest.unit_of_work import ConcurrencyConflict, UnitOfWork
from domain.actors import system_actor
from domain.contest import Contest, contest_id
from domain.errors import NotFound, RuleViolation
from domain.identity import ADDRESS_FIELD, Identity, identify
from domain.vote import AddressClaim, Vote, address_claim_id, vote_id
from projections.round2 import Tally

# Who records the binding of the vote secrets (D10): the service, within the command of the contest's first vote.
VOTE_SECRETS_ACTOR = system_actor("vote-secrets")


class AlreadyVoted(RuleViolation):
    def __init__(self) -> None:
        super().__init__("this resident has already voted; the first vote stands", clause="§4.6.6, D10",
                         field="personal_code")


class AddressUsed(RuleViolation):
    """A counted vote was confirmed from this e-mail address already (D15: one per address)."""

    def __init__(self) -> None:
        super().__init__("a vote has already been recorded with this e-mail address; the first vote stands",
                         clause="D15", field=ADDRESS_FIELD)


class Votes:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self._board_lock = threading.Lock()
        self._board_key: tuple[int, int, int] | None = None
        self._board: list[tuple[str, str, int]] = []
        self._board_held: frozenset[str] = frozenset()
        self._fingerprints: dict[int, tuple[str, str]] = {}
        self.receipts = ReceiptIndex(uow)

    def cast_vote(self, year: int, *, personal_code: str, municipality: str, rating: object,
                  comment: str | None = None, client_address: str | None = None) -> tuple[Vote, int]:
        """Record one resident's vote by the personal code as typed (identity level `code`, D15); returns the vote
        (with its receipt) and its position in the store. See `cast` for how it is recorded."""
        secrets = self.uow.secrets()

        def identity(contest: Contest, at: datetime) -> Identity:
            return identify(personal_code, verified="code", secret=secrets.voter, receipt_secret=secrets.receipt,
                            year=year, today=contest.local_day(at))

        return self.cast(year, identity, municipality=municipality, rating=rating, comment=comment,
                         client_address=client_address)

    def cast(self, year: int, identity: Callable[[Contest, datetime], Identity], *, municipality: str,
             rating: object, comment: str | None = None, client_address: str | None = None,
             address_key: str | None = None, exists: Callable[[], Exception] = AlreadyVoted,
             network: str | None = None) -> tuple[Vote, int]:
        """Record one resident's vote, the resident verified as `identity(contest, at)` says (D15: by the typed
        code, the confirmed e-mail link or eID; the contest's level must be the one verified); with `address_key`
        (the `email` level) the vote's address claim is saved in the same transaction, so that one vote counts
        per personal code and per address. Returns the vote (with its receipt) and its position in the store.
        A second vote by the same resident (or address) hits the store's unique key and is refused by `exists()`;
        the first stands. `client_address` is only turned into the keyed hash of its network (contest/network.py)
        and dropped; `network` is that hash made already (the `email` level's, of the request the link was sent
        for: contest/vote_requests.py).

        The vote is decided on the process's cached contest and stored only if the contest is still at that
        version when the store holds its insert lock (UnitOfWork.update with `unchanged`, contest/guard.py): no
        read before the insert. If the window was closed, extended or anything else of the contest changed
        meanwhile (by the clock, the secretariat, another worker or host), nothing is stored and the vote is
        decided again on the current contest: taken, or refused as the current window and eligibility say
        (§4.6.6, D10). A vote the cached contest refuses is refused only once the store confirms that contest is
        current.

        The save is written by the process's group commit (contest/group_commit.py) in one transaction with the
        votes arriving at the same time, and this returns only once that transaction has committed; a repeat in
        the batch is refused alone (`exists()`), the others stored.

        The vote secrets (D10): the contest's first vote first records the fingerprints of this process's secrets
        (Contest.VoteSecretsBound, `bind_vote_secrets`); from then on a process whose secrets have other
        fingerprints takes no vote (VoteSecretsMismatch, nothing stored), since a new voter secret would let every
        resident vote again. On the vote path this costs one comparison on the cached contest, no read: a worker
        whose cached contest has no binding yet records it, or finds the one another worker or host recorded, before
        its first vote, and compares again on the contest as reloaded; once bound, the binding never changes."""
        secrets = self.uow.secrets()
        fingerprints = self.fingerprints(year)
        network = network or network_key(secrets.voter, client_address)

        def decide(_: None, contest: Contest, at: datetime) -> Vote | tuple[Vote, AddressClaim]:
            bound = contest.vote_secrets
            if bound != fingerprints and bound is not None:
                raise VoteSecretsMismatch(year, contest.vote_secrets_differing(fingerprints))
            vote = Vote.cast(contest, identity=identity(contest, at), municipality=municipality, rating=rating,
                             comment=comment, at=at, network=network)
            if bound is None:  # the contest's first vote: bind the secrets first, then decide again on it
                self.bind_vote_secrets(year)
                raise AggregateChanged(contest.id, contest.version)
            if address_key is None:
                return vote
            return vote, AddressClaim(year=year, address_key=address_key, vote=str(vote.id), at=at)

        # what kept changing, if anything, is the contest the vote is decided on
        # written by the process's group commit with the votes arriving at the same time (contest/group_commit.py)
        saved = self.uow.update(None, decide, what="contest", key=year, unchanged=year, exists=exists, group=True)
        assert saved.position is not None
        return saved.aggregate, saved.position

    def has_voted(self, year: int, resident_key: str) -> bool:
        """Whether a vote of this resident is in the store (one indexed read)."""
        return self.uow.store.exists(vote_id(year, resident_key))

    def address_used(self, year: int, address_key: str) -> bool:
        """Whether a counted vote was confirmed from this e-mail address (D15; one indexed read)."""
        return self.uow.store.exists(address_claim_id(year, address_key))

    def fingerprints(self, year: int) -> tuple[str, str]:
        """The fingerprints of this process's vote secrets for a contest (D10), computed once."""
        found = self._fingerprints.get(year)
        if found is None:
            found = self._fingerprints[year] = self.uow.secrets().fingerprints(year)
        return found

    def bind_vote_secrets(self, year: int) -> Contest:
        """Record the fingerprints of this process's vote secrets with the contest, unless some are recorded
        already (D10); returns the contest as it stands. Workers racing to bind: one save wins, the others
        fail on the contest's version and read the winner's binding."""
        voter, receipt = self.fingerprints(year)

        def decide(contest: Contest, at: datetime) -> None:
            if contest.vote_secrets is None:
                contest.bind_vote_secrets(voter_fingerprint=voter, receipt_fingerprint=receipt,
                                          actor=VOTE_SECRETS_ACTOR, at=at)

        with suppress(ConcurrencyConflict):  # the vote decides again on the contest as it stands
            self.uow.update(contest_id(year), decide, what="contest", key=year)
        return self.uow.gate.reload(year)

    def vote_secrets_problem(self, year: int) -> VoteSecretsMismatch | None:
        """Why this process takes no vote for the contest, if its secrets are not the recorded ones (D10): for the
        voting page and the worker's start-up log. Reads the cached contest."""
        try:
            differing = self.uow.gate.cached(year).vote_secrets_differing(self.fingerprints(year))
        except (SettingsError, NotFound):
            return None
        return VoteSecretsMismatch(year, differing) if differing else None

    def vote_results(self, year: int, state: ReadState | None = None) -> dict[str, Any]:
        return vote_results(state or LiveState(self.uow), year)

    def own_vote(self, year: int, receipt: str) -> OwnVote | None:
        """A resident's own vote by its receipt, during the window too: only that vote, no tallies (D10)."""
        return self.receipts.find(year, receipt)

    # ----- the public board (D10) -----

    def board(self, year: int) -> list[tuple[str, str, int]]:
        """The public vote board (D10): every vote as (receipt, municipality, rating), sorted by receipt, so
        residents find their vote and anyone can re-tally. Votes in quarantine stay on it (nothing is deleted);
        `quarantined_receipts` names them. Published once the window has closed."""
        return self._board_and_held(year)[0]

    def quarantined_receipts(self, year: int) -> frozenset[str]:
        """The receipts of the board's votes that are in quarantine (not counted, §4.6.7)."""
        return self._board_and_held(year)[1]

    def _board_and_held(self, year: int) -> tuple[list[tuple[str, str, int]], frozenset[str]]:
        uow = self.uow
        contest = uow.contest(year)
        if contest.window_status != "closed":
            raise RuleViolation("the vote board is published when the window closes", clause="D10",
                                **contest.window_times())
        uow.readmodels.catch_up()
        key = (year, uow.views.votes.total(year), contest.version)
        with self._board_lock:
            if self._board_key == key:
                return self._board, self._board_held
        to_event = uow.store.mapper.to_domain_event
        rows, held = [], set()
        for n in uow.store.notifications(topics=[get_topic(Vote.Cast)]):
            event = to_event(n)
            if event.year == year:
                rows.append((event.receipt, event.municipality, event.rating))
                if str(event.originator_id) in contest.quarantined:
                    held.add(event.receipt)
        rows.sort()
        with self._board_lock:
            self._board_key, self._board, self._board_held = key, rows, frozenset(held)
        return rows, self._board_held


def vote_results(state: ReadState, year: int) -> dict[str, Any]:
    """The vote per municipality: counted (without the votes in quarantine) and all, with the totals."""
    contest = state.contest(year)
    state.catch_up()
    view = state.views.votes
    counted, every, held = view.tallies(year), view.tallies_all(year), view.held_tallies(year)
    names = {m.code: m.name for m in contest.municipalities}
    scale = range(contest.rules.vote_rating_min, contest.rules.vote_rating_max + 1)

    def numbers(t: Tally) -> dict[str, Any]:
        return {"count": t.count, "average": t.average,
                "distribution": {str(r): t.distribution.get(r, 0) for r in scale}}

    # count, average and distribution are the counted vote, without the votes in quarantine: the official
    # one, which names the residents' finalist (§4.6.7, D10, D11); "all" includes them (nothing is deleted).
    rows = [{"municipality": m, "name": names.get(m, m), **numbers(t),
             "quarantined": held[m].count if m in held else 0, "all": numbers(every[m])}
            for m, t in counted.items()]
    rows.sort(key=lambda r: (-(r["average"] or 0), -r["count"], r["municipality"]))
    quarantined = view.quarantined_total(year)
    return {"total": view.total(year) - quarantined, "quarantined": quarantined, "total_all": view.total(year),
            "final": contest.window_status == "closed", "interim_published_at": contest.interim_published_at,
            "municipalities": rows}


class HoldsStore(Protocol):
    store: EventStore


def vote_comments(service: HoldsStore, year: int, municipality: str | None = None) -> list[dict[str, Any]]:
    """The residents' comments for the jury (§4.6.3), read from the store: never public, never with a key."""
    rows = []
    to_event = service.store.mapper.to_domain_event
    for n in service.store.notifications(topics=[get_topic(Vote.Cast)]):
        if b'"comment":null' in n.state:
            continue
        event = to_event(n)
        if event.year != year or not event.comment or (municipality and event.municipality != municipality):
            continue
        rows.append({"municipality": event.municipality, "rating": event.rating, "comment": event.comment,
                     "at": event.at})
    return rows
