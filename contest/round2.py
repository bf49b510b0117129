"""Round 2 commands and queries (§4.6): jury ballots, the residents' vote and its window, standings, finalists."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError
from eventsourcing.utils import get_topic

from contest.guard import AggregateChanged
from contest.network import network_key
from contest.settings import SettingsError, VoteSecretsMismatch
from contest.state import LiveState, ReadState
from domain.actors import JUROR, Actor, system_actor
from domain.ballot import Ballot, ballot_id
from domain.config import instant_str
from domain.contest import Contest, contest_id
from domain.errors import InvalidInput, NotFound, RuleViolation
from domain.finalists import FinalistsOutcome
from domain.personal_code import PersonalCodeError
from domain.vote import Vote
from projections.round2 import Tally

if TYPE_CHECKING:
    from contest.service import ContestService


# The report of suspicious clusters: at least this many votes from one network key within this many
# seconds. Query parameters override them; a report decides nothing, so these are not contest rules.
CLUSTER_WINDOW_SECONDS = 600
CLUSTER_MIN_VOTES = 20
# Who records the binding of the vote secrets (D10): the service, within the command of the contest's first vote.
VOTE_SECRETS_ACTOR = system_actor("vote-secrets")


class AlreadyVoted(RuleViolation):
    def __init__(self) -> None:
        super().__init__("this resident has already voted; the first vote stands", clause="§4.6.6, D10",
                         field="personal_code")


class ContestGate:
    """The contest as commands and queries read it, cached per process.

    `contest()` (queries, and commands that only read the contest) asks the store whether the contest has new events
    (one indexed read) and reloads it only then. The residents' vote does not ask: it is decided on `cached()` and
    its save is conditional on the contest being unchanged (contest/guard.py), checked by the store inside the
    vote's own insert transaction; if the contest changed, `reload()` and the vote is decided again (cast_vote).
    So a vote always sees the current window (§4.6.6) without a read of its own."""

    def __init__(self, service: ContestService) -> None:
        self.service = service
        self._cache: dict[int, Contest] = {}
        self._lock = threading.Lock()

    def contest(self, year: int) -> Contest:
        cached = self._cache.get(year)
        if cached is not None:
            newer = self.service.store.recorder.select_events(contest_id(year), gt=cached.version, limit=1)
            if not newer:
                return cached
        return self.reload(year)

    def cached(self, year: int) -> Contest:
        """The process's copy as it stands, without asking the store (loaded on first use)."""
        cached = self._cache.get(year)
        return cached if cached is not None else self.reload(year)

    def reload(self, year: int) -> Contest:
        with self._lock:
            fresh = self.service.contest(year)
            current = self._cache.get(year)
            if current is None or fresh.version >= current.version:  # never replace a newer copy by an older one
                self._cache[year] = fresh
            return fresh


class Round2:
    def __init__(self, service: ContestService) -> None:
        self.service = service
        self.gate = ContestGate(service)
        self._board_lock = threading.Lock()
        self._board_key: tuple[int, int, int] | None = None
        self._board: list[tuple[str, str, int]] = []
        self._board_held: frozenset[str] = frozenset()
        self._fingerprints: dict[int, tuple[str, str]] = {}

    # ----- the residents' vote (§4.6.6, D10) -----

    def cast_vote(self, year: int, *, personal_code: str, municipality: str, rating: object,
                  comment: str | None = None, client_address: str | None = None) -> tuple[Vote, int]:
        """Record one resident's vote; returns the vote (with its receipt) and its position in the store.
        A second vote by the same resident hits the store's unique key and is refused; the first stands.
        `client_address` is only turned into the keyed hash of its network (contest/network.py) and dropped.
        The vote is decided on the process's cached contest and stored only if the contest is still at that
        version when the store holds its insert lock (contest/guard.py); if the window was closed, extended or
        anything else of the contest changed meanwhile (by the clock, the secretariat, another worker or host),
        nothing is stored and the vote is decided again on the current contest: taken, or refused as the
        current window and eligibility say (§4.6.6, D10). A vote the cached contest refuses is refused only once
        the store confirms that contest is current.

        The vote secrets (D10): the contest's first vote first records the fingerprints of this process's secrets
        (Contest.VoteSecretsBound, `bind_vote_secrets`); from then on a process whose secrets have other
        fingerprints takes no vote (VoteSecretsMismatch, nothing stored), since a new voter secret would let every
        resident vote again. On the vote path this costs one comparison on the cached contest, no read: a worker
        whose cached contest has no binding yet records it, or finds the one another worker or host recorded, before
        its first vote, and compares again on the contest as reloaded; once bound, the binding never changes."""
        svc = self.service
        secrets = svc.secrets()
        fingerprints = self.fingerprints(year)
        network = network_key(secrets.voter, client_address)
        contest = self.gate.cached(year)
        for _ in range(svc.RETRIES):
            bound = contest.vote_secrets
            if bound != fingerprints and bound is not None:
                raise VoteSecretsMismatch(year, contest.vote_secrets_differing(fingerprints))
            try:
                vote = Vote.cast(contest, personal_code=personal_code, municipality=municipality, rating=rating,
                                 comment=comment, secret=secrets.voter, receipt_secret=secrets.receipt,
                                 at=svc.clock.now(), network=network)
            except PersonalCodeError:
                raise  # the code alone decides this (D10)
            except (RuleViolation, InvalidInput):
                # Refused on the cached contest: refuse only if it is the current one. A window opened early or
                # extended elsewhere (§4.6.6) must not be refused on a stale copy; one read, on refusals only.
                current = self.gate.contest(year)
                if current.version == contest.version:
                    raise
                contest = current
                continue
            if bound is None:  # the contest's first vote: bind the secrets first, then decide again on it
                contest = self.bind_vote_secrets(year)
                continue
            try:
                recordings = svc.store.save(vote, unchanged=(contest.id, contest.version))
            except IntegrityError:
                raise AlreadyVoted() from None
            except AggregateChanged:
                contest = self.gate.reload(year)
                continue
            return vote, recordings[-1].notification.id
        raise RuleViolation("the contest kept changing while the vote was taken; try again", clause="concurrency")

    def fingerprints(self, year: int) -> tuple[str, str]:
        """The fingerprints of this process's vote secrets for a contest (D10), computed once."""
        found = self._fingerprints.get(year)
        if found is None:
            found = self._fingerprints[year] = self.service.secrets().fingerprints(year)
        return found

    def bind_vote_secrets(self, year: int) -> Contest:
        """Record the fingerprints of this process's vote secrets with the contest, unless some are recorded
        already (D10); returns the contest as it stands. Workers racing to bind: one save wins, the others
        fail on the contest's version and read the winner's binding."""
        svc = self.service
        fingerprints = self.fingerprints(year)
        for _ in range(svc.RETRIES):
            contest = svc.contest(year)
            if contest.vote_secrets is not None:
                break
            contest.bind_vote_secrets(voter_fingerprint=fingerprints[0], receipt_fingerprint=fingerprints[1],
                                      actor=VOTE_SECRETS_ACTOR, at=svc.clock.now())
            try:
                svc.store.save(contest)
            except IntegrityError:
                continue
            break
        return self.gate.reload(year)

    def vote_secrets_problem(self, year: int) -> VoteSecretsMismatch | None:
        """Why this process takes no vote for the contest, if its secrets are not the recorded ones (D10): for the
        voting page and the worker's start-up log. Reads the cached contest."""
        try:
            differing = self.gate.cached(year).vote_secrets_differing(self.fingerprints(year))
        except (SettingsError, NotFound):
            return None
        return VoteSecretsMismatch(year, differing) if differing else None

    def board(self, year: int) -> list[tuple[str, str, int]]:
        """The public vote board (D10): every vote as (receipt, municipality, rating), sorted by receipt, so
        residents find their vote and anyone can re-tally. Votes in quarantine stay on it (nothing is deleted);
        `quarantined_receipts` names them. Published once the window has closed."""
        return self._board_and_held(year)[0]

    def quarantined_receipts(self, year: int) -> frozenset[str]:
        """The receipts of the board's votes that are in quarantine (not counted, §4.6.7)."""
        return self._board_and_held(year)[1]

    def _board_and_held(self, year: int) -> tuple[list[tuple[str, str, int]], frozenset[str]]:
        svc = self.service
        contest = svc.contest(year)
        if contest.window_status != "closed":
            raise RuleViolation("the vote board is published when the window closes", clause="D10",
                                **contest.window_times())
        svc.readmodels.catch_up()
        key = (year, svc.views.votes.total(year), contest.version)
        with self._board_lock:
            if self._board_key == key:
                return self._board, self._board_held
        to_event = svc.store.mapper.to_domain_event
        rows, held = [], set()
        for n in svc.store.notifications(topics=[get_topic(Vote.Cast)]):
            event = to_event(n)
            if event.year == year:
                rows.append((event.receipt, event.municipality, event.rating))
                if str(event.originator_id) in contest.quarantined:
                    held.add(event.receipt)
        rows.sort()
        with self._board_lock:
            self._board_key, self._board, self._board_held = key, rows, frozenset(held)
        return rows, self._board_held

    # ----- the window (§4.6.6): scheduler and secretariat -----

    def _window_command(self, year: int, command: str, *, actor: Actor, reason: str, manual: bool,
                        closes_at: datetime | None = None) -> tuple[Contest, bool]:
        svc = self.service
        for _ in range(svc.RETRIES):
            contest = svc.contest(year)
            at = svc.clock.now()
            if command == "open":
                changed = contest.open_window(actor=actor, at=at, reason=reason, manual=manual)
            elif command == "close":
                contest.require_not_sealed()  # D14 before anything, as the domain's close_window itself
                if not contest.window_closes_now(at=at, manual=manual):
                    return contest, False
                through, digest = self.checkpoint()
                changed = contest.close_window(included_through=through, digest=digest, actor=actor, at=at,
                                               reason=reason, manual=manual)
            else:
                assert closes_at is not None
                contest.extend_window(closes_at, reason=reason, actor=actor, at=at)
                changed = True
            if not changed:
                return contest, False
            try:
                svc.store.save(contest)
            except IntegrityError:
                continue  # another clock or the secretariat changed the contest: decide again on fresh state
            return contest, True
        raise RuleViolation("the contest kept changing; try again", clause="concurrency")

    def open_window(self, year: int, *, actor: Actor, reason: str) -> tuple[Contest, bool]:
        return self._window_command(year, "open", actor=actor, reason=reason, manual=True)

    def close_window(self, year: int, *, actor: Actor, reason: str) -> tuple[Contest, bool]:
        return self._window_command(year, "close", actor=actor, reason=reason, manual=True)

    def extend_window(self, year: int, closes_at: datetime, *, actor: Actor, reason: str) -> Contest:
        return self._window_command(year, "extend", actor=actor, reason=reason, manual=True, closes_at=closes_at)[0]

    def reconcile(self, year: int, *, actor: Actor) -> list[str]:
        """What the clock does every minute and at start-up: open the window if now is inside it and it is not
        open, close it if now is past it. Idempotent, so two clocks, a restart or a late run change nothing
        twice; a clock that was down catches up. Returns what it did."""
        done: list[str] = []
        if self.service.contest(year).stage == "sealed":
            return done  # D14: nothing changes a sealed contest, and the clock has nothing left to do
        _, opened = self._window_command(year, "open", actor=actor, reason="scheduled opening", manual=False)
        if opened:
            done.append("opened")
        _, closed = self._window_command(year, "close", actor=actor, reason="scheduled closing", manual=False)
        if closed:
            done.append("closed")
        return done

    def checkpoint(self) -> tuple[int, str]:
        """The position of the last recorded event and the audit digest through it: what a closing of the window
        or an interim result publishes (D16), computed as round 1's and round 2's closes compute theirs."""
        svc = self.service
        through = svc.store.event_count()
        return through, svc.audit.digest_through(through)

    def publish_interim(self, year: int, *, actor: Actor, reason: str) -> Contest:
        """Publish an interim result of the vote (D10), with its checkpoint (D16)."""
        svc = self.service
        at = svc.clock.now()

        def command(contest: Contest) -> None:
            contest.require_interim_publishable()  # refused before the digest is computed
            through, digest = self.checkpoint()
            contest.publish_interim(included_through=through, digest=digest, reason=reason, actor=actor, at=at)

        return svc._update(contest_id(year), "contest", year, command)

    # ----- jury ballots (§4.6.4, D8) -----

    def cast_ballot(self, year: int, seat: str, points: dict[str, int], justifications: dict[str, str], *,
                    cast_by: str | None, actor: Actor) -> Ballot:
        svc = self.service
        if actor.role == JUROR and actor.seat != seat:
            raise PermissionError(f"this token casts for seat {actor.seat}, not {seat} (§3.2.1)")
        for _ in range(svc.RETRIES):
            contest = svc.contest(year)
            contest.seat(seat)
            try:
                ballot: Ballot = svc.store.repository.get(ballot_id(year, seat))
            except AggregateNotFoundError:
                ballot = Ballot(year=year, seat=seat)
            ballot.cast(contest, points, justifications, cast_by=cast_by, actor=actor, at=svc.clock.now())
            try:
                svc.store.save(ballot, unchanged=(contest.id, contest.version))  # not if round 2 closed meanwhile
            except (IntegrityError, AggregateChanged):
                continue
            return ballot
        raise RuleViolation("the ballot kept changing; try again", clause="concurrency")

    # ----- standings and finalists -----

    def standings(self, year: int, state: ReadState | None = None) -> dict[str, Any]:
        """Jury points per municipality with each seat's ballot, the vote per municipality, and the finalists
        as things stand (or as recorded, once round 2 closed). `state`: live, or as of a past position."""
        state = state or LiveState(self.service)
        contest = state.contest(year)
        position = state.catch_up()
        ballots = state.views.ballots.states(year)
        tallies = state.views.votes.tallies(year)
        jury_points: dict[str, int] = dict.fromkeys(contest.round2_municipalities, 0)
        for b in ballots.values():
            for m, p in b.points.items():
                jury_points[m] = jury_points.get(m, 0) + p
        outcome: dict[str, Any] | None = None
        if contest.round2 is not None:
            outcome = contest.round2["outcome"]
        elif contest.round2_municipalities and len(contest.round2_municipalities) >= 5:
            outcome = contest.round2_outcome({s: b.points for s, b in ballots.items()},
                                             {m: (t.count, t.total) for m, t in tallies.items()}).to_dict()
        voting = [s.id for s in contest.voting_seats]
        return {
            "year": year,
            "stage": contest.stage,
            "position": position,
            "round2": contest.round2_municipalities,
            "jury_points": jury_points,
            "ballots": {seat: {"points": b.points, "justifications": b.justifications, "cast_by": b.cast_by,
                               "cast_at": b.cast_at, "versions": b.versions} for seat, b in ballots.items()},
            "missing_ballots": [s for s in voting if s not in ballots],
            "quorum": contest.rules.quorum,
            "votes": self.vote_results(year, state),
            "window": contest.window_times(),
            "outcome": outcome,
            "decisions": contest.decisions,
        }

    def vote_results(self, year: int, state: ReadState | None = None) -> dict[str, Any]:
        state = state or LiveState(self.service)
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

    # ----- suspicious clusters and quarantine (§4.6.6, D10): nothing is deleted -----

    def vote_clusters(self, year: int, *, window_seconds: int = CLUSTER_WINDOW_SECONDS,
                      min_votes: int = CLUSTER_MIN_VOTES) -> dict[str, Any]:
        """Bursts of at least `min_votes` votes from one network key within `window_seconds` (the secretariat's
        and auditors' report; it decides nothing: a quarantine is the secretariat's recorded decision)."""
        svc = self.service
        svc.contest(year)
        position = svc.readmodels.catch_up()
        clusters = svc.views.votes.clusters(year, window_seconds, min_votes)
        return {"year": year, "position": position, "window_seconds": window_seconds, "min_votes": min_votes,
                "clusters": clusters}

    def quarantine_log(self, year: int) -> dict[str, Any]:
        """The secretariat's decisions on votes in quarantine, in the store's order: every VotesQuarantined and
        VotesReinstated event with its votes, reason, selection, actor and time, and how many of its votes are
        in quarantine now; plus the size of the current set (§4.6.6, §4.6.7, D10, D11). Folded by the read model,
        not replayed per request."""
        svc = self.service
        contest = svc.contest(year)
        position = svc.readmodels.catch_up()
        view = svc.views.votes
        held = view.quarantined
        decisions = [{"kind": d.kind, "count": len(d.votes), "votes": list(d.votes), "reason": d.reason,
                      "selection": {"cluster": d.selection.get("cluster"), "from": d.selection.get("from"),
                                    "to": d.selection.get("to")} if d.selection else None,
                      "actor": d.actor, "at": d.at, "position": d.position,
                      "held_now": sum(1 for v in d.votes if v in held)}
                     for d in view.quarantine_log(year)]
        return {"year": year, "position": position, "quarantined": view.quarantined_total(year),
                "reviewable": contest.votes_reviewable,
                "decisions": decisions}

    def quarantine_votes(self, year: int, *, reason: str, actor: Actor, votes: Sequence[str] | None = None,
                         cluster: str | None = None, start: datetime | None = None,
                         end: datetime | None = None) -> dict[str, Any]:
        """Quarantine the named votes, or every vote of a reported cluster's network key (from `start` to `end`):
        one event on the contest. Refused (409) once round 2 has closed (§4.6.7, D11) or the contest is sealed
        (D14); 422 without a reason or for votes that are not this contest's."""
        return self._review(year, "quarantine", reason=reason, actor=actor, votes=votes, cluster=cluster,
                            start=start, end=end)

    def reinstate_votes(self, year: int, *, reason: str, actor: Actor, votes: Sequence[str] | None = None,
                        cluster: str | None = None, start: datetime | None = None,
                        end: datetime | None = None) -> dict[str, Any]:
        """Reinstate votes in quarantine (named, or by network key): one event on the contest, as above."""
        return self._review(year, "reinstate", reason=reason, actor=actor, votes=votes, cluster=cluster,
                            start=start, end=end)

    def _review(self, year: int, command: str, *, reason: str, actor: Actor, votes: Sequence[str] | None,
                cluster: str | None, start: datetime | None, end: datetime | None) -> dict[str, Any]:
        svc = self.service
        if (votes is None) == (cluster is None):
            raise InvalidInput({"votes": ["name the votes, or a cluster's network key, not both"]})
        for _ in range(svc.RETRIES):
            # The contest's version guards the decision: a close of round 2 or another quarantine recorded
            # meanwhile makes the save fail, and the command decides again on the fresh state.
            contest = svc.contest(year)
            svc.readmodels.catch_up()
            view = svc.views.votes
            if cluster is not None:
                ids = view.from_network(year, cluster, start, end)
                if not ids:
                    raise InvalidInput({"cluster": ["no vote came from this network key in that period"]})
                selection = {"cluster": cluster, "from": instant_str(start) if start else None,
                             "to": instant_str(end) if end else None}
            else:
                ids, selection = list(votes or []), {}
            known = {v for v, y in view.years_of(ids).items() if y == year}
            at = svc.clock.now()
            if command == "quarantine":
                changed = contest.quarantine_votes(ids, known=known, reason=reason, selection=selection,
                                                   actor=actor, at=at)
            else:
                changed = contest.reinstate_votes(ids, known=known, reason=reason, selection=selection,
                                                  actor=actor, at=at)
            if changed:
                try:
                    svc.store.save(contest)
                except IntegrityError:
                    continue
            done = set(changed)
            return {"year": year, "recorded": bool(changed), "changed": changed,
                    "unchanged": sorted(set(ids) - done), "quarantined": len(contest.quarantined)}
        raise RuleViolation("the contest kept changing; try again", clause="concurrency")

    def record_decision(self, year: int, decision: dict[str, Any], *, actor: Actor) -> Contest:
        svc = self.service
        at = svc.clock.now()
        return svc._update(contest_id(year), "contest", year,
                           lambda c: c.record_decision(decision, actor=actor, at=at))

    def close(self, year: int, *, actor: Actor) -> FinalistsOutcome:
        svc = self.service
        for _ in range(svc.RETRIES):
            contest = svc.contest(year)
            through = svc.readmodels.catch_up()
            outcome = contest.close_round2(svc.views.ballots.ballots_through(year, through),
                                           svc.views.votes.stats(year), included_through=through,
                                           digest=svc.audit.digest_through(through),
                                           actor=actor, at=svc.clock.now())
            try:
                svc.store.save(contest)
            except IntegrityError:
                continue
            return outcome
        raise RuleViolation("the contest kept changing while closing round 2; try again", clause="concurrency")


def vote_comments(service: ContestService, year: int, municipality: str | None = None) -> list[dict[str, Any]]:
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
