"""`contest audit verify FILE`: re-derive every result from an exported history, with nothing but the file.

It recomputes the hash chain, checks the order and the versions of every aggregate, rebuilds every event with the
same domain code the service runs, replays the contests and read models, and compares with what the history
recorded: each recorded digest, round 1's ranking and advancing municipalities, round 2's finalists, round 3's
winners, the approval. It also re-checks each vote against the window in force when it was recorded and each
ballot against the jury, and each quarantine or reinstatement of votes (issue 9) against its rules; the tally it
recomputes leaves out the votes in quarantine, as the service's does (§4.6.7). Every difference is reported with
its position, what was expected and what was found.

With published checkpoints (D16: `--checkpoints`) it also checks that the file is the history those checkpoints
named, and with `--expect-digest` that it holds the approval of the digest the council approved (D14): a forger
who recomputes every recorded digest and the whole chain passes the checks above, but not these.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Any
from uuid import UUID

from eventsourcing.persistence import DatetimeAsISO, DecimalAsStr, JSONTranscoder, Mapper, StoredEvent, UUIDAsHex

from contest.audit import GENESIS, chain_next, line_without_chain
from contest.replay import Replay
from contest.store import DateAsISO
from domain.actors import SECRETARIAT
from domain.ballot import Ballot
from domain.ballots import validate_ballot
from domain.contest import ROUND1, ROUND2, SEALED, Contest
from domain.errors import DomainError
from domain.submission import Submission
from domain.visit import assess_round3
from domain.vote import Vote

BoardRow = tuple[str, str, int, bool]  # receipt, municipality, rating, in quarantine

CHECKPOINTS_FORMAT = "contest-checkpoints-v1"
# The events that publish a checkpoint (D16), the kind they publish and the field naming its position.
PUBLISHING: dict[type, tuple[str, str]] = {
    Contest.Round1Closed: ("round1_closed", "included_through"),
    Contest.InterimResultPublished: ("interim_result", "included_through"),
    Contest.VotingWindowClosed: ("window_closed", "included_through"),
    Contest.Round2Closed: ("round2_closed", "included_through"),
    Contest.Round3Closed: ("round3_closed", "included_through"),
    Contest.ResultApproved: ("approval", "digest_through"),
}
CHECKPOINT_KINDS = tuple(kind for kind, _ in PUBLISHING.values())


@dataclass(frozen=True)
class Checkpoint:
    """One published checkpoint (D16): the history through position `through` has digest `digest`."""

    kind: str
    through: int
    digest: str
    at: str | None = None
    year: int | None = None


def read_checkpoints(data: Any) -> list[Checkpoint]:
    """The checkpoints as downloaded from GET /api/contests/<year>/checkpoints (format contest-checkpoints-v1),
    or a JSON list of such objects. ValueError names what is wrong."""
    year = None
    if isinstance(data, dict):
        if data.get("format") != CHECKPOINTS_FORMAT:
            raise ValueError(f"not a checkpoints file: format is {data.get('format')!r}, not {CHECKPOINTS_FORMAT!r}")
        year = data.get("year")
        if year is not None and type(year) is not int:
            raise ValueError("year must be a whole number")
        data = data.get("checkpoints")
    if not isinstance(data, list):
        raise ValueError("expected the checkpoints object or a JSON list of checkpoints")
    out = []
    for i, item in enumerate(data):
        if not isinstance(item, dict):
            raise ValueError(f"checkpoint {i + 1}: not an object")
        kind, through, digest = item.get("kind"), item.get("through"), item.get("digest")
        if kind not in CHECKPOINT_KINDS:
            raise ValueError(f"checkpoint {i + 1}: kind {kind!r} is not one of {', '.join(CHECKPOINT_KINDS)}")
        if type(through) is not int or through < 0:
            raise ValueError(f"checkpoint {i + 1}: through must be a position (a whole number >= 0)")
        if not isinstance(digest, str) or len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
            raise ValueError(f"checkpoint {i + 1}: digest must be 64 lowercase hexadecimal digits")
        out.append(Checkpoint(kind, through, digest, item.get("at"), year))
    return out


@dataclass
class Finding:
    position: int | None
    check: str
    expected: Any
    found: Any
    line: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"position": self.position, "line": self.line, "check": self.check, "expected": self.expected,
                "found": self.found}


@dataclass
class Report:
    events: int = 0
    digest: str = GENESIS
    matches: list[str] = field(default_factory=list)
    mismatches: list[Finding] = field(default_factory=list)
    results: dict[str, Any] = field(default_factory=dict)
    # the vote secrets' fingerprints each contest recorded (D10): {"<year>": {"voter": …, "receipt": …}}
    fingerprints: dict[str, dict[str, str]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.mismatches

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "events": self.events, "digest": self.digest, "matches": self.matches,
                "mismatches": [m.to_dict() for m in self.mismatches], "results": self.results,
                "fingerprints": self.fingerprints}

    def text(self) -> str:
        lines = [f"events read: {self.events}", f"history digest: {self.digest}"]
        lines += [f"  ok  {m}" for m in self.matches]
        for m in self.mismatches:
            where = f"position {m.position}" if m.position is not None else f"line {m.line}"
            lines.append(f"  MISMATCH at {where}: {m.check}\n      expected: {m.expected}\n      found:    {m.found}")
        for key, value in self.results.items():
            lines.append(f"{key}: {value}")
        lines.append("VERIFIED: every check matches" if self.ok else f"FAILED: {len(self.mismatches)} mismatch(es)")
        return "\n".join(lines)


def offline_mapper() -> Mapper[Any]:
    """The store's mapper without a store: the same transcodings the service registers (contest/store.py)."""
    transcoder = JSONTranscoder()
    for t in (UUIDAsHex(), DecimalAsStr(), DatetimeAsISO(), DateAsISO()):
        transcoder.register(t)
    return Mapper(transcoder=transcoder)


class Verifier:
    MAX_FINDINGS_PER_CHECK = 20

    def __init__(self, views: Any, board: list[BoardRow] | None = None,
                 checkpoints: list[Checkpoint] | None = None, expect_digest: str | None = None) -> None:
        self.board = board
        self.checkpoints = checkpoints
        self.expect_digest = expect_digest
        self._wanted = sorted({cp.through for cp in checkpoints or ()})  # positions whose chain is kept (D16)
        self._wanted_next = 0
        self._chain_through: dict[int, str] = {}
        self._published: dict[tuple[str, int, str], list[tuple[int, int]]] = {}  # -> [(position, year)]
        self._approvals: list[tuple[int, str, int, str]] = []  # position, digest, digest_through, recomputed
        self.votes: list[tuple[str, str, int, str]] = []  # (receipt, municipality, rating, vote id)
        self.replay = Replay(views)
        self.mapper = offline_mapper()
        self.report = Report()
        self.chain = GENESIS
        self.chain_at: dict[int, str] = {0: GENESIS}
        self.last_position = 0
        self.versions: dict[str, int] = {}
        self.resident_keys: set[tuple[int, str]] = set()
        self._counts: dict[str, int] = {}
        self._chain_broken = False
        self._reviews: dict[str, int] = {}  # votes quarantined / reinstated, counted over the events (issue 9)

    # ----- findings -----

    def mismatch(self, position: int | None, check: str, expected: Any, found: Any, line: int | None = None) -> None:
        n = self._counts.get(check, 0) + 1
        self._counts[check] = n
        if n <= self.MAX_FINDINGS_PER_CHECK:
            self.report.mismatches.append(Finding(position, check, expected, found, line))
        elif n == self.MAX_FINDINGS_PER_CHECK + 1:
            self.report.mismatches.append(Finding(position, f"{check} (further ones not listed)", "", "", line))

    def match(self, what: str) -> None:
        self.report.matches.append(what)

    # ----- reading -----

    def run(self, lines: Iterator[str]) -> Report:
        for number, raw in enumerate(lines, start=1):
            raw = raw.strip()
            if not raw:
                continue
            try:
                record = json.loads(raw)
                position = int(record["position"])
                topic, version = record["type"], int(record["version"])
                aggregate_id, payload = record["aggregate_id"], record["payload"]
            except (ValueError, KeyError, TypeError) as e:
                self.mismatch(None, "a readable export line", "a JSON record of the documented form",
                              f"{type(e).__name__}: {str(e)[:80]}", line=number)
                continue
            self.report.events += 1
            self._check_chain(record, position, number)
            self._check_order(position, aggregate_id, version, number)
            try:
                state = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
                event = self.mapper.to_domain_event(StoredEvent(UUID(aggregate_id), version, topic, state))
            except Exception as e:
                self.mismatch(position, "an event the domain code can rebuild", topic, f"{type(e).__name__}: {e}")
                continue
            try:
                self._check_event(event, position)
            except Exception as e:  # a state the event's rules cannot be checked on (an earlier event is missing)
                self.mismatch(position, "an event whose rules can be checked on the state before it", topic,
                              f"{type(e).__name__}: {e}")
            try:
                self.replay.apply(event, position)
            except Exception as e:
                self.mismatch(position, "an event that applies to the state before it", topic,
                              f"{type(e).__name__}: {e}")
            self._note_published(event, position)
        self.report.digest = self.chain
        self._keep_chain_through(None)
        if self.checkpoints is not None:
            self._check_checkpoints()
        if self.expect_digest is not None:
            self._check_expected_digest()
        if not self._chain_broken and self.report.events:
            self.match(f"hash chain over {self.report.events} events")
        if self.board is not None:
            self._check_board()
        self._summarise()
        return self.report

    def _check_board(self) -> None:
        """The public vote board equals the votes in the history, each marked in quarantine or not as the history
        leaves it, so re-tallying the board's unmarked rows gives the counted result (D10, §4.6.7; issue 9)."""
        assert self.board is not None
        held = self.replay.views.votes.quarantined
        history = sorted((r, m, g, v in held) for r, m, g, v in self.votes)
        board = sorted(self.board)
        if history == board:
            self.match(f"the vote board lists exactly the {len(board)} votes of the history")
            return
        missing, extra = sorted(set(history) - set(board)), sorted(set(board) - set(history))
        self.mismatch(None, "the vote board equals the votes in the history (D10)",
                      f"{len(history)} votes; missing from the board: {missing[:5]}",
                      f"{len(board)} rows; not in the history: {extra[:5]}")

    def _check_chain(self, record: dict[str, Any], position: int, number: int) -> None:
        self._keep_chain_through(position)
        self.chain = chain_next(self.chain, line_without_chain(record))
        self.chain_at[position] = self.chain
        found = record.get("chain")
        if found != self.chain:
            self._chain_broken = True
            self.mismatch(position, "chain hash (the line or one before it was changed, removed, added or moved)",
                          self.chain, found, line=number)

    def _check_order(self, position: int, aggregate_id: str, version: int, number: int) -> None:
        if position <= self.last_position:
            self.mismatch(position, "positions strictly increasing (a duplicated or reordered line)",
                          f"> {self.last_position}", position, line=number)
        self.last_position = max(self.last_position, position)
        expected = self.versions.get(aggregate_id, 0) + 1
        if version != expected:
            self.mismatch(position, f"version of aggregate {aggregate_id} (an event removed, added or repeated)",
                          expected, version, line=number)
        self.versions[aggregate_id] = max(version, self.versions.get(aggregate_id, 0))

    def _digest_at(self, position: int) -> str:
        best = max((p for p in self.chain_at if p <= position), default=0)
        return self.chain_at[best]

    # ----- the rules again -----

    def _contest(self, year: int) -> Contest | None:
        try:
            return self.replay.contest(year)
        except DomainError:
            return None

    def _check_event(self, event: Any, position: int) -> None:
        if isinstance(event, Vote.Cast):
            self._check_vote(event, position)
        elif isinstance(event, Ballot.Opened):
            contest = self._contest(event.year)
            seats = {s.id for s in contest.voting_seats} if contest else set()
            if event.seat not in seats:
                self.mismatch(position, "a ballot from a voting seat of the jury (§3.2.1, D1)", sorted(seats),
                              event.seat)
        elif isinstance(event, Ballot.Cast):
            self._check_ballot(event, position)
        elif isinstance(event, Submission.AnswersSaved):
            owner = self.replay.views.submissions._owner.get(event.originator_id)
            contest = self._contest(owner[0]) if owner else None
            if contest is None or contest.stage != ROUND1:
                self.mismatch(position, "answers saved while round 1 is open (§4.2)", ROUND1,
                              contest.stage if contest else None)
        elif isinstance(event, Contest.Round1Closed):
            self._check_round1(event, position)
        elif isinstance(event, Contest.Round2Closed):
            self._check_round2(event, position)
        else:
            checker = getattr(self, "_check_" + type(event).__qualname__.replace(".", "_"), None)
            if checker is not None:
                checker(event, position)

    def _check_vote(self, event: Any, position: int) -> None:
        contest = self._contest(event.year)
        if contest is None:
            self.mismatch(position, "a vote for an existing contest", "a contest", event.year)
            return
        if not contest.accepts_votes_at(event.at):
            self.mismatch(position, "a vote inside the window in force when it was recorded (§4.6.6)",
                          contest.window_times(), event.at.isoformat())
        if event.municipality not in contest.eligible_for_vote():
            self.mismatch(position, "a vote for an eligible municipality (D10)", "a participant", event.municipality)
        self._check_vote_secrets_bound(contest, position)
        rules = contest.rules
        if not rules.vote_rating_min <= event.rating <= rules.vote_rating_max:
            self.mismatch(position, "a rating within the scale (D10)",
                          f"{rules.vote_rating_min}-{rules.vote_rating_max}", event.rating)
        if self.board is not None:
            self.votes.append((event.receipt, event.municipality, event.rating, str(event.originator_id)))
        key = (event.year, event.resident_key)
        if key in self.resident_keys:
            self.mismatch(position, "one vote per resident (§4.6.6)", "a first vote", "a second vote")
        self.resident_keys.add(key)

    def _check_vote_secrets_bound(self, contest: Contest, position: int) -> None:
        """D10: a vote is recorded after its contest recorded the fingerprints of the secrets it is keyed with."""
        if contest.vote_secrets is None:
            self.mismatch(position, "a vote recorded after its contest's Contest.VoteSecretsBound (D10)",
                          "the vote secrets bound before the contest's first vote", "no binding before this vote")

    def _check_Contest_VoteSecretsBound(self, event: Any, position: int) -> None:
        """D10: one binding of the vote secrets per contest, by the command of its first vote; a second one would
        key the later votes with other secrets (every resident could vote again). The fingerprints are reported."""
        year = self._year_of(event)
        contest = self._contest(year)
        if contest is None:
            return
        seen = {"voter": event.voter_fingerprint, "receipt": event.receipt_fingerprint}
        if contest.vote_secrets is not None:
            self.mismatch(position, "one binding of the vote secrets per contest (D10)",
                          self.report.fingerprints.get(str(year)), seen)
            return
        self.report.fingerprints[str(year)] = seen
        self.report.results[f"vote secrets ({year})"] = (f"voter fingerprint {event.voter_fingerprint}, "
                                                         f"receipt fingerprint {event.receipt_fingerprint}")

    def _check_ballot(self, event: Any, position: int) -> None:
        owner = self.replay.views.ballots._owner.get(event.originator_id)
        contest = self._contest(owner[0]) if owner else None
        if contest is None:
            return  # already reported at Opened
        if contest.stage != ROUND2:
            self.mismatch(position, "a ballot cast while round 2 is open (§4.6.4)", ROUND2, contest.stage)
        try:
            validate_ballot(event.points, event.justifications, contest.round2_municipalities)
        except DomainError as e:
            self.mismatch(position, "a ballot that keeps §4.6.4 and D8", "a valid ballot", str(e))

    def _check_digest(self, what: str, recorded: str | None, through: int, position: int) -> None:
        expected = self._digest_at(through)
        if recorded != expected:
            self.mismatch(position, f"{what}: the digest of the history through position {through}", expected,
                          recorded)
        else:
            self.match(f"{what}: digest through position {through}")

    def _check_round1(self, event: Any, position: int) -> None:
        contest = self._contest(self._year_of(event))
        if contest is None:
            return
        self._check_digest("round 1 closing", event.digest, event.included_through, position)
        answers = self.replay.views.submissions.answers_through(contest.year, event.included_through)
        result = contest.score_round1(answers).to_dict(explanations=False)
        recomputed = [r["municipality"] for r in result["ranking"]]
        recorded = [r["municipality"] for r in event.ranking]
        if recomputed != recorded or [r["place"] for r in result["ranking"]] != [r["place"] for r in event.ranking]:
            self.mismatch(position, "round 1 ranking (§4.2, D2-D6)", recomputed, recorded)
        else:
            self.match(f"round 1 ranking of {len(recorded)} municipalities")
        if list(result["advancing"]) != list(event.advancing):
            self.mismatch(position, "round 1: the municipalities advancing to round 2 (§4.5, D7)",
                          list(result["advancing"]), list(event.advancing))
        else:
            self.match(f"round 1: {len(event.advancing)} advancing to round 2")
        self.report.results[f"round 1 advancing ({contest.year})"] = ", ".join(event.advancing)

    def _check_round2(self, event: Any, position: int) -> None:
        contest = self._contest(self._year_of(event))
        if contest is None:
            return
        self._check_digest("round 2 closing", event.digest, event.included_through, position)
        views = self.replay.views
        ballots = views.ballots.ballots_through(contest.year, event.included_through)
        tallies = views.votes.stats(contest.year)
        recorded_tallies = {m: tuple(t) for m, t in event.tallies.items()}
        held = views.votes.quarantined_total(contest.year)
        if tallies != recorded_tallies:
            self.mismatch(position, "round 2: the vote tally recorded equals the votes in the history, without "
                          "those in quarantine (§4.6.6, §4.6.7)", tallies, recorded_tallies)
        else:
            self.match(f"round 2: the vote tally ({sum(t[0] for t in tallies.values())} votes counted, "
                       f"{held} in quarantine left out)")
        if ballots != event.ballots:
            self.mismatch(position, "round 2: the ballots recorded equal the last ballot of each seat (§4.6.4)",
                          ballots, event.ballots)
        outcome = contest.round2_outcome(ballots, tallies)
        recomputed = [f.municipality for f in outcome.finalists]
        recorded = [f["municipality"] for f in event.finalists]
        if outcome.blocked or recomputed != recorded:
            self.mismatch(position, "round 2 finalists (§4.6.7, D10, D11)", recomputed, recorded)
        else:
            self.match("round 2 finalists")
        self.report.results[f"finalists ({contest.year})"] = ", ".join(recorded)

    def _check_Contest_VotesQuarantined(self, event: Any, position: int) -> None:
        self._check_review(event, position, "quarantined")

    def _check_Contest_VotesReinstated(self, event: Any, position: int) -> None:
        self._check_review(event, position, "reinstated")

    def _check_review(self, event: Any, position: int, what: str) -> None:
        """A quarantine or a reinstatement (issue 9): by the secretariat, with a reason, of votes of this contest
        recorded before it, while the finalists are not yet fixed (§4.6.7, D11) and the contest is not sealed
        (D14). Its effect on the tally is recomputed by the replay and checked at round 2's closing."""
        contest = self._contest(self._year_of(event))
        if contest is None:
            return
        if contest.stage == SEALED or contest.round2 is not None:
            self.mismatch(position, f"votes {what} before the finalists are fixed (§4.6.7, D11, D14)",
                          "round 2 open", contest.stage)
        votes = self.replay.views.votes
        years = votes.years_of(event.votes)
        foreign = [v for v in event.votes if years.get(v) != contest.year]
        if foreign:
            self.mismatch(position, f"votes {what} are votes of this contest recorded before", "votes of the history",
                          foreign[:5])
        if not str(event.reason).strip() or (event.actor or {}).get("role") != SECRETARIAT:
            self.mismatch(position, f"votes {what} by the secretariat with a reason", "secretariat, a reason",
                          f"{(event.actor or {}).get('role')}, {event.reason!r}")
        self._reviews[what] = self._reviews.get(what, 0) + len(event.votes)

    def _check_Contest_Round3Closed(self, event: Any, position: int) -> None:
        contest = self._contest(self._year_of(event))
        if contest is None:
            return
        through = event.included_through
        self._check_digest("round 3 closing", event.digest, through, position)
        # decided on the visits and scorecards recorded through `included_through`, not on any saved between that
        # position and the close's own line (§4.7.9, as rounds 1 and 2)
        views = self.replay.views
        assessment = assess_round3(contest, views.visits.facts_through(contest.year, through),
                                   views.scorecards.cards_through(contest.year, through))
        result = assessment.result
        recorded_table = event.result if isinstance(event.result, dict) else {}
        found = (event.winner, event.theme_winner)
        found_in_table = (recorded_table.get("winner"), recorded_table.get("theme_winner"))
        expected = (result.winner, result.theme_winner) if not assessment.blocked else ("(blocked)", "(blocked)")
        if expected != found or expected != found_in_table:
            self.mismatch(position, "round 3: the winner and the theme-prize winner (§4.7.9-§4.7.11, D12, D13)",
                          expected, found if expected != found else found_in_table)
        elif _plain(result.to_dict()) != _plain(recorded_table):
            self.mismatch(position, "round 3: the recorded table equals the recomputed one (§4.7.3-§4.7.11)",
                          "the recomputed averages, counted seats and visits", "a different table")
        else:
            self.match("round 3: the winner and the theme-prize winner")
        self.report.results[f"winner ({contest.year})"] = event.winner
        self.report.results[f"theme prize ({contest.year})"] = event.theme_winner

    def _check_Contest_ResultApproved(self, event: Any, position: int) -> None:
        contest = self._contest(self._year_of(event))
        self._check_digest("the council's approval (D14)", event.digest, event.digest_through, position)
        self._approvals.append((position, event.digest, event.digest_through, self._digest_at(event.digest_through)))
        if contest is not None and contest.round3 is not None and event.round3_digest != contest.round3["digest"]:
            self.mismatch(position, "the approval names round 3's recorded result", contest.round3["digest"],
                          event.round3_digest)
        self.report.results["approved"] = f"decision {event.decision_number} of {event.decision_date}"
        self.report.results["approved digest"] = event.digest

    def _check_Contest_VotingWindowClosed(self, event: Any, position: int) -> None:
        self._check_published_digest("the window's closing (D16)", event, position)

    def _check_Contest_InterimResultPublished(self, event: Any, position: int) -> None:
        self._check_published_digest("an interim result (D16)", event, position)

    def _check_published_digest(self, what: str, event: Any, position: int) -> None:
        through, digest = getattr(event, "included_through", None), getattr(event, "digest", None)
        if through is not None or digest is not None:  # recorded before checkpoints existed: none published
            self._check_digest(what, digest, through if type(through) is int else -1, position)

    # ----- checkpoints (D16) and the approved digest (D14) -----

    def _keep_chain_through(self, position: int | None) -> None:
        """Before the line at `position` is chained (None: at the end of the file), keep the chain as it stands
        for every checkpoint position before it: the digest "through T" is the chain after the last line at or
        before T. Only the positions the checkpoints name are kept, not the chain at every position."""
        wanted = self._wanted
        while self._wanted_next < len(wanted) and (position is None or wanted[self._wanted_next] < position):
            through = wanted[self._wanted_next]
            if position is not None or through <= self.last_position:  # beyond the file's end: nothing kept
                self._chain_through[through] = self.chain
            self._wanted_next += 1

    def _note_published(self, event: Any, position: int) -> None:
        published = PUBLISHING.get(type(event))
        if published is None:
            return
        kind, field_name = published
        through, digest = getattr(event, field_name, None), getattr(event, "digest", None)
        if type(through) is int and isinstance(digest, str):
            self._published.setdefault((kind, through, digest), []).append((position, self._year_of(event)))

    def _check_checkpoints(self) -> None:
        """Every checkpoint the auditor kept (D16): the recomputed chain through its position equals its digest,
        and the file holds the event that published it (a line of that kind recording the same position and
        digest). A checkpoint beyond the file's end is a mismatch: the file is not the history it named."""
        assert self.checkpoints is not None
        for cp in self.checkpoints:
            name = f"checkpoint {cp.kind} through position {cp.through}"
            found = self._chain_through.get(cp.through)
            if found is None:
                self.mismatch(cp.through, f"{name} (D16): the file reaches that position", cp.digest,
                              f"the file ends at position {self.last_position}")
                continue
            if found != cp.digest:
                self.mismatch(cp.through, f"{name} (D16): the digest of the file's history through it", cp.digest,
                              found)
                continue
            where = [p for p, year in self._published.get((cp.kind, cp.through, cp.digest), ())
                     if cp.year is None or year == cp.year]
            if not where:
                self.mismatch(cp.through, f"{name} (D16): the file holds the event that published it",
                              f"a {cp.kind} event recording through {cp.through} and digest {cp.digest}",
                              "no such event")
                continue
            self.match(f"{name}: digest {cp.digest}, published at position {where[0]}")

    def _check_expected_digest(self) -> None:
        """D14: the digest the council approved. The file must hold a Contest.ResultApproved line naming it, and
        the recomputed chain through that approval's `digest_through` (the last position before the approval's
        own line) must equal it; the file's final chain, which includes the approval line, is another value."""
        expected = self.expect_digest
        if not self._approvals:
            self.mismatch(None, "the file holds the council's approval of the expected digest (D14)", expected,
                          "no Contest.ResultApproved line")
            return
        naming = [a for a in self._approvals if a[1] == expected]
        if not naming:
            position, digest, _through, _recomputed = self._approvals[0]
            self.mismatch(position, "the council's approval names the expected digest (D14)", expected, digest)
            return
        for position, digest, through, recomputed in naming:
            if recomputed == digest:
                self.match(f"the approved digest (D14): {digest}, the chain through position {through}, named by "
                           f"the approval at position {position}")
                return
        position, digest, through, recomputed = naming[0]
        self.mismatch(position, f"the approved digest (D14): the chain through position {through}", expected,
                      recomputed)

    def _year_of(self, event: Any) -> int:
        contest = self.replay.contests.get(event.originator_id)
        return contest.year if contest else -1

    def _summarise(self) -> None:
        for contest in self.replay.contests.values():
            self.report.results.setdefault(f"stage ({contest.year})", contest.stage)
            if self._reviews:
                self.report.results[f"votes in quarantine ({contest.year})"] = (
                    f"{self.replay.views.votes.quarantined_total(contest.year)} "
                    f"({self._reviews.get('quarantined', 0)} quarantined, {self._reviews.get('reinstated', 0)} "
                    "reinstated)")


def read_board(stream: IO[str]) -> list[BoardRow]:
    """The board's CSV (receipt,municipality,rating,quarantined) as published by
    /api/contests/<year>/votes/board.csv; quarantined is 1 for a vote in quarantine (kept, not counted)."""
    import csv

    rows = list(csv.DictReader(stream))
    return [(r["receipt"], r["municipality"], int(r["rating"]), r.get("quarantined", "0") == "1") for r in rows]


def verify_file(stream: IO[str], views: Any, board: list[BoardRow] | None = None,
                checkpoints: list[Checkpoint] | None = None, expect_digest: str | None = None) -> Report:
    return Verifier(views, board, checkpoints, expect_digest).run(iter(stream))


def _plain(value: Any) -> Any:
    """A recorded or recomputed value as JSON reads it back (tuples as lists, dates as text), for comparing."""
    return json.loads(json.dumps(value, sort_keys=True, default=str))
