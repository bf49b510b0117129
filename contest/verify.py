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

It streams (contest/verify_stream.py): a first pass finds, without decoding the votes, the lines naming quarantined
or reinstated votes and `…_through` positions; the second decodes each line once, hashes the line's own text with
its `"chain"` member cut out (the canonical form, docs/AUDIT.md; a line that is not canonical is re-serialised as
before), folds `Vote.Cast` lines straight from their payload, keeps the chain only at the positions asked for and
for recent lines, and spills one-vote-per-resident and every aggregate's versions to temporary files checked at the
end. Its memory does not grow with the number of votes (docs/BENCHMARKS.md).
"""

from __future__ import annotations

import json
import re
import struct
from collections.abc import Iterable
from dataclasses import dataclass, field
from hashlib import sha256
from typing import IO, Any
from uuid import UUID

from eventsourcing.persistence import DatetimeAsISO, DecimalAsStr, JSONTranscoder, Mapper, StoredEvent, UUIDAsHex
from eventsourcing.utils import get_topic

from contest.audit import GENESIS, chain_next, line_without_chain
from contest.replay import Replay
from contest.store import DateAsISO
from contest.verify_stream import (
    ChainPositions,
    ResidentSpill,
    VersionSpill,
    VoteRow,
    _iso,
    binary_source,
    scan,
)
from domain.actors import SECRETARIAT
from domain.ballot import Ballot
from domain.ballots import validate_ballot
from domain.contest import ROUND1, ROUND2, SEALED, WINDOW_CLOSED, Contest
from domain.errors import DomainError
from domain.submission import Submission
from domain.visit import assess_round3
from domain.vote import Vote
from projections.round2 import KeptVotesView, VotesView, _id_bytes, _micros

BoardRow = tuple[str, str, int, bool]  # receipt, municipality, rating, in quarantine
# a vote's contest, eligible municipalities, rating scale, window (opens, closes) unless closed, secrets bound,
# the year's bytes in a resident's spilled key (Verifier._vote_context)
VoteContext = tuple[Contest | None, frozenset[str], int, int, tuple[Any, Any] | None, bool, bytes | None]
CAST_TOPIC = get_topic(Vote.Cast)
# A Vote.Cast line in the canonical form (docs/AUDIT.md): the members in their order, each string without escapes
# or control characters, so that what the groups hold is exactly what json.loads gives for the line. A vote
# written in any other way (another shape, an escape, an upper-case hex digit, ...) is read by the general path.
_S = r'[^"\\\x00-\x1f]*'  # a JSON string's text with no escape and no control character
_OBJECT = rf'\{{(?:"{_S}":"{_S}"(?:,"{_S}":"{_S}")*)?\}}'  # an object of strings (an actor)
_INT = r"-?(?:0|[1-9][0-9]*)"
VOTE_LINE = re.compile(
    rf'\{{"actor":{_OBJECT},"aggregate_id":"(?P<id>[0-9a-f]{{8}}-[0-9a-f]{{4}}-[0-9a-f]{{4}}-[0-9a-f]{{4}}-[0-9a-f]{{12}})"'
    rf',"chain":"(?P<chain>[0-9a-f]{{64}})","payload":\{{"actor":{_OBJECT}'
    rf',"at":\{{"_data_":"(?P<at>{_S})","_type_":"datetime_iso"\}},"comment":(?:null|"(?P<comment>{_S})")'
    rf',"municipality":"(?P<municipality>{_S})",(?:"network":(?:null|"(?P<network>{_S})"),)?"originator_topic":"{_S}"'
    rf',"rating":(?P<rating>{_INT}),"receipt":"(?P<receipt>{_S})","resident_key":"(?P<resident_key>[0-9a-f]{{64}})"'
    rf',"timestamp":\{{"_data_":"(?P<timestamp>{_S})","_type_":"datetime_iso"\}},"year":(?P<year>{_INT})\}}'
    rf',"position":(?P<position>{_INT}),"time":"{_S}","type":"domain\.vote:Vote\.Cast","version":(?P<version>{_INT})\}}')
VOTE_GROUPS = ("id", "chain", "at", "timestamp", "comment", "municipality", "network", "rating", "receipt",
               "resident_key", "year", "position", "version")
REVIEW_TOPICS = (get_topic(Contest.VotesQuarantined), get_topic(Contest.VotesReinstated))
# what the first pass looks for: the contests' lines, among them the quarantines and reinstatements of votes and
# the closings naming a position's digest (`…_through`)
FIRST_PASS_PATTERN = b"domain.contest:Contest."
AFTER_THE_LINES = 1 << 62  # the sort key of findings made after the last line (the board, the summary)

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

    PROGRESS_EVERY = 1 << 14  # lines between two progress updates
    FAST_VOTES = True  # canonical Vote.Cast lines folded inline (the general path reads them the same way)

    def __init__(self, views: Any, board: list[BoardRow] | None = None,
                 checkpoints: list[Checkpoint] | None = None, expect_digest: str | None = None,
                 progress: Any = None) -> None:
        self.board = board
        self.checkpoints = checkpoints
        self.expect_digest = expect_digest
        self._published: dict[tuple[str, int, str], list[tuple[int, int]]] = {}  # -> [(position, year)]
        self._approvals: list[tuple[int, str, int, str]] = []  # position, digest, digest_through, recomputed
        self.votes: list[tuple[str, str, int, str]] = []  # (receipt, municipality, rating, vote id), for --board
        self.views = views
        self.replay = Replay(views)
        self.mapper = offline_mapper()
        self.report = Report()
        self.progress = progress  # anything with update(events done), e.g. contest.progress.TerminalProgress
        self.chain = GENESIS
        self._chain_bytes = GENESIS.encode()
        self.chains = ChainPositions()  # the chain at the positions asked for and at recent ones: digest_at
        self._wanted: set[int] = set()
        self.last_position = 0
        self.versions = VersionSpill()  # every aggregate's versions, checked at the end
        self.residents = ResidentSpill()  # one vote per resident, checked at the end
        self._counts: dict[str, int] = {}
        self._chain_broken = False
        self._reviews: dict[str, int] = {}  # votes quarantined / reinstated, counted over the events (issue 9)
        self._line = 0  # the line being read (findings are listed in line order)
        self._deferred = False  # findings of the checks made at the end for earlier lines
        self._order: dict[int, tuple[int, int]] = {}  # id(finding) -> (line, deferred)
        self._kept_votes: set[bytes] = set()  # the votes the first pass found named by a review
        self._contests_now: dict[int, Contest | None] = {}  # year -> its contest, until an event that is no vote
        self._vote_contexts: dict[int, VoteContext] = {}  # the same, for votes
        self.want_digest_at(cp.through for cp in checkpoints or ())  # the chain through each checkpoint (D16)

    # ----- findings -----

    def mismatch(self, position: int | None, check: str, expected: Any, found: Any, line: int | None = None) -> None:
        n = self._counts.get(check, 0) + 1
        self._counts[check] = n
        if n <= self.MAX_FINDINGS_PER_CHECK:
            finding = Finding(position, check, expected, found, line)
        elif n == self.MAX_FINDINGS_PER_CHECK + 1:
            finding = Finding(position, f"{check} (further ones not listed)", "", "", line)
        else:
            return
        self._order[id(finding)] = (self._line, int(self._deferred))
        self.report.mismatches.append(finding)

    def match(self, what: str) -> None:
        self.report.matches.append(what)

    # ----- reading -----

    def want_digest_at(self, positions: Iterable[int]) -> None:
        """Positions whose digest will be asked for (`digest_at`) beyond those the export's own events name, e.g.
        a checkpoints file's; call before `run`."""
        self._wanted.update(positions)

    def digest_at(self, position: int) -> str | None:
        """The chain after the last line at or before `position` (GENESIS before the first line): known for every
        position an event of the export names (`…_through`), those given to `want_digest_at`, every position from
        the last line read on, and recent lines; None otherwise."""
        return self.chains.digest_at(position)

    _digest_at = digest_at

    def run(self, lines: Any) -> Report:
        """Verify an export: a binary or text file, or any iterable of its lines (spooled to a temporary file)."""
        try:
            with binary_source(lines) as f:
                self._first_pass(f)
                f.seek(0)
                self._read(f)
            self._line, self._deferred = AFTER_THE_LINES, True
            self._check_spilled()
            self._deferred = False
        finally:
            self.versions.close()
            self.residents.close()
        self.report.digest = self.chain
        if self.checkpoints is not None:
            self._check_checkpoints()
        if self.expect_digest is not None:
            self._check_expected_digest()
        if not self._chain_broken and self.report.events:
            self.match(f"hash chain over {self.report.events} events")
        if self.board is not None:
            self._check_board()
        self._summarise()
        self._sort_findings()
        return self.report

    def _first_pass(self, f: IO[bytes]) -> None:
        """The lines naming votes under review or positions (found by a bytes search, the others not decoded):
        which votes the replay keeps (KeptVotesView) and which positions' chain is kept."""
        keep: set[bytes] = set()
        wanted = set(self._wanted)
        for line in scan(f, FIRST_PASS_PATTERN):
            try:
                record = json.loads(line)
                payload = record["payload"]
                topic = record["type"]
            except (ValueError, KeyError, TypeError):
                continue
            if not isinstance(payload, dict):
                continue
            wanted.update(v for k, v in payload.items() if str(k).endswith("_through") and type(v) is int)
            votes = payload.get("votes")
            if topic in REVIEW_TOPICS and isinstance(votes, list):
                keep.update(b for b in (_id_bytes(v) for v in votes if isinstance(v, str)) if b is not None)
        self.chains.want(wanted)
        self._kept_votes = keep
        if type(getattr(self.views, "votes", None)) is VotesView:
            self.views.votes = KeptVotesView(keep)
            self.replay = Replay(self.views)

    def _fast_votes(self) -> Any:
        """The votes view's `cast` when `Vote.Cast` lines may skip the mapper (as contest/rows.py's fold: no
        upcasting, and the votes view is the only reader of votes), else None."""
        votes = getattr(self.views, "votes", None)
        if (self.FAST_VOTES and getattr(Vote.Cast, "class_version", 1) == 1 and self.mapper.cipher is None
                and self.mapper.compressor is None and votes is not None
                and self.replay._dispatch.get(Vote.Cast) == [votes.apply]):
            return votes.cast
        return None

    def _read(self, f: IO[bytes]) -> None:
        cast = self._fast_votes()
        micros = not isinstance(self.views.votes, KeptVotesView) if cast is not None else False
        # the verifier's own votes view (the first pass made it): its fold is inlined for the votes it keeps no
        # record of (every vote but those a review names)
        kept = self.views.votes if cast is not None and type(self.views.votes) is KeptVotesView else None
        count, keep = (kept.count, kept.keep) if kept is not None else (None, frozenset())
        vote_line = VOTE_LINE.fullmatch if cast is not None else _no_match
        scan_once = json.JSONDecoder().scan_once  # what raw_decode calls, without its Python frame
        report, progress, every = self.report, self.progress, self.PROGRESS_EVERY - 1
        chains, spill = self.chains, self.versions.votes
        ring_append = chains.ring.append
        buffers, mask, pack, flush_at = spill.buffers, spill.mask, spill.row.pack, spill.flush_at
        residents = self.residents.spill  # ResidentSpill.add, inline (the same keys)
        r_buffers, r_mask, r_pack, r_flush_at = residents.buffers, residents.mask, residents.row.pack, \
            residents.flush_at
        contexts = self._vote_contexts
        board, board_votes = self.board is not None, self.votes
        fromhex, iso = bytes.fromhex, _iso
        applied_vote: int | None = None  # the position of the last vote folded since the last other event
        # the fast path keeps these in locals and hands them back (_sync) before anything else reads them
        prev, last_position, events = self._chain_bytes, self.last_position, report.events
        for number, raw in enumerate(f, start=1):
            line = raw.strip()
            if not line:
                continue
            self._line = number
            if progress is not None and not number & every:
                progress.update(events)
            # the fast path: a Vote.Cast line in the canonical form, every value pinned down by VOTE_LINE (what
            # json.loads would give for it), then what _check_chain, _check_order, _check_vote and Replay.apply
            # do, inline; any other line, and a vote written in any other way, takes the general path below
            try:
                text = line.decode("utf-8")
            except UnicodeDecodeError as e:
                self.mismatch(None, "a readable export line", "a JSON record of the documented form",
                              f"{type(e).__name__}: {str(e)[:80]}", line=number)
                continue
            match = vote_line(text)
            if match is not None:
                aggregate_id, found, at_text, ts_text, comment, municipality, network, rating_text, receipt, \
                    resident_key, year_text, position_text, version_text = match.group(*VOTE_GROUPS)
                try:
                    at = iso(at_text)
                    iso(ts_text)  # a valid instant, as the mapper needs
                except ValueError:
                    match = None
            if match is None:
                try:
                    try:
                        record, end = scan_once(text, 0)
                    except StopIteration as err:  # as JSONDecoder.raw_decode reports it
                        raise json.JSONDecodeError("Expecting value", text, err.value) from None
                    if end != len(text):
                        json.loads(text)  # raises the error json.loads gives for the extra data
                    position = int(record["position"])
                    topic, version = record["type"], int(record["version"])
                    aggregate_id, payload = record["aggregate_id"], record["payload"]
                except (ValueError, KeyError, TypeError) as e:
                    self.mismatch(None, "a readable export line", "a JSON record of the documented form",
                                  f"{type(e).__name__}: {str(e)[:80]}", line=number)
                    continue
                events += 1
                self._sync(prev, last_position, events)
                self._read_event(record, position, topic, version, aggregate_id, payload, line, number,
                                 applied_vote)
                applied_vote = None
                prev, last_position = self._chain_bytes, self.last_position
                continue
            events += 1
            position, version = int(position_text), int(version_text)
            year, rating = int(year_text), int(rating_text)
            key = fromhex(aggregate_id.replace("-", ""))  # as UUID(aggregate_id).bytes and uuid_key
            # the chain: VOTE_LINE leaves no quote inside a string, so the first ',"chain":"' is the member's
            k = line.find(b',"chain":"')
            if sha256(prev + b"\n" + line[:k] + line[k + 75:]).hexdigest() == found:
                prev = found.encode()
                if chains.top_position <= position <= chains.next_wanted:  # ChainPositions.record, inline
                    chains.top = top = (position, found)
                    chains.top_position = position
                    ring_append(top)
                else:
                    chains.record(position, found)
            else:
                self._sync(prev, last_position, events)
                self._check_chain(json.loads(text), position, number, line)
                prev = self._chain_bytes
            if position <= last_position:
                self.mismatch(position, "positions strictly increasing (a duplicated or reordered line)",
                              f"> {last_position}", position, line=number)
            else:
                last_position = position
            p = key[0] & mask  # the version, spilled (VersionSpill): one C call and an append
            buffer = buffers[p]
            try:
                buffer += pack(key, number, version, position)
            except struct.error:
                spill.add_odd(key, number, version, position)
            if len(buffer) >= flush_at:
                spill.flush(p)
                buffers = spill.buffers
            # _check_vote, inline (the same checks in the same order)
            context = contexts.get(year)
            if context is None:
                context = self._vote_context(year)
            contest, eligible, low, high, window, bound, year_bytes = context
            if contest is None:
                self.mismatch(position, "a vote for an existing contest", "a contest", year)
            else:
                if window is None or not window[0] <= at <= window[1]:  # Contest.accepts_votes_at
                    self.mismatch(position, "a vote inside the window in force when it was recorded (§4.6.6)",
                                  contest.window_times(), at.isoformat())
                if municipality not in eligible:
                    self.mismatch(position, "a vote for an eligible municipality (D10)", "a participant",
                                  municipality)
                if not bound:
                    self._check_vote_secrets_bound(contest, position)
                if not low <= rating <= high:
                    self.mismatch(position, "a rating within the scale (D10)", f"{low}-{high}", rating)
                if board:
                    board_votes.append((receipt, municipality, rating, str(UUID(bytes=key))))
                # ResidentSpill.add, inline: the key's 32 bytes (VOTE_LINE: 64 lowercase hex digits) and the
                # year's two (year_bytes: a valid year)
                if year_bytes is not None:
                    raw_key = fromhex(resident_key)
                    r_key = raw_key + year_bytes
                    p = raw_key[0] & r_mask
                    buffer = r_buffers[p]
                    try:
                        buffer += r_pack(r_key, number, 0, position)
                    except struct.error:
                        residents.add_odd(r_key, number, 0, position)
                    if len(buffer) >= r_flush_at:
                        residents.flush(p)
                else:
                    self.residents.add(year, resident_key, number, position)
            try:
                if count is not None and key not in keep:  # a vote no review names: its tallies only
                    count(year, municipality, rating, bool(comment))
                else:
                    cast(key, year, municipality, rating, network,
                         _micros(at) if micros and network else 0, bool(comment))
                applied_vote = position
            except Exception as e:
                self.mismatch(position, "an event that applies to the state before it", CAST_TOPIC,
                              f"{type(e).__name__}: {e}")
        self._sync(prev, last_position, events)
        if applied_vote is not None:
            self.replay.position = applied_vote
        if progress is not None:
            progress.update(events)

    def _read_event(self, record: dict[str, Any], position: int, topic: Any, version: int, aggregate_id: Any,
                    payload: Any, line: bytes, number: int, applied_vote: int | None) -> None:
        """One line by the general path: the chain, the order, the event rebuilt by the domain code, its rules
        checked on the state before it, and the event applied."""
        self._check_chain(record, position, number, line)
        self._check_order(position, aggregate_id, version, number)
        if applied_vote is not None:
            self.replay.position = applied_vote
        if topic in REVIEW_TOPICS and isinstance(payload, dict) and isinstance(payload.get("votes"), list) \
                and not {b for b in map(_id_bytes, payload["votes"]) if b is not None} <= self._kept_votes:
            self.mismatch(position, "a canonical export line (the first pass did not find this review of votes)",
                          "the documented form", "a line written otherwise", line=number)
        try:
            state = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
            event = self.mapper.to_domain_event(StoredEvent(UUID(aggregate_id), version, topic, state))
        except Exception as e:
            self.mismatch(position, "an event the domain code can rebuild", topic, f"{type(e).__name__}: {e}")
            return
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
        self._contests_now.clear()
        self._vote_contexts.clear()

    def _sync(self, chain: bytes, last_position: int, events: int) -> None:
        """The fast path's locals back into the verifier's state."""
        if chain is not self._chain_bytes:
            self._chain_bytes, self.chain = chain, chain.decode()
        self.last_position = last_position
        self.report.events = events

    def _check_spilled(self) -> None:
        """The checks whose state was spilled to disk, reported at their lines: each aggregate's versions, and one
        vote per resident (§4.6.6)."""
        for line, position, aggregate_id, expected, found in sorted(self.versions.findings()):
            self._line = line
            self.mismatch(position, f"version of aggregate {aggregate_id} (an event removed, added or repeated)",
                          expected, found, line=line)
        for line, position in sorted(self.residents.repeats()):
            self._line = line
            self.mismatch(position, "one vote per resident (§4.6.6)", "a first vote", "a second vote")
        self._line = AFTER_THE_LINES

    def _sort_findings(self) -> None:
        """Findings in the order of the lines they concern, each line's own checks first."""
        order = self._order
        self.report.mismatches.sort(key=lambda m: order.get(id(m), (AFTER_THE_LINES, 1)))

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

    def _check_chain(self, record: dict[str, Any], position: int, number: int, line: bytes | None = None) -> None:
        """The chain after this line (docs/AUDIT.md "The digest"): the line's own text with its chain member cut
        out, where a canonical line has it (the first `,"chain":"`, between `aggregate_id` and `payload`); a line
        that has it anywhere else, or not at all, is reported as not canonical and hashed re-serialised
        canonically, as the service writes it, so that the report goes on."""
        k = line.find(b',"chain":"') if line is not None else -1
        if line is not None and k > 0 and line.startswith(b'","payload":', k + 74) \
                and line.find(b'"aggregate_id":', 0, k) > 0:
            found: Any = line[k + 10:k + 74].decode("utf-8", "replace")
            chain = sha256(self._chain_bytes + b"\n" + line[:k] + line[k + 75:]).hexdigest()
        else:
            found = record.get("chain")
            self.mismatch(position, "canonical form (the chain member between aggregate_id and payload)",
                          "a canonical line", "the chain member missing or out of place", line=number)
            chain = chain_next(self.chain, line_without_chain(record))
        self.chain = chain
        self._chain_bytes = chain.encode()
        self.chains.record(position, chain)
        if found != chain:
            self._chain_broken = True
            self.mismatch(position, "chain hash (the line or one before it was changed, removed, added or moved)",
                          chain, found, line=number)

    def _check_order(self, position: int, aggregate_id: str, version: int, number: int) -> None:
        """Positions strictly increase (here); each aggregate's versions run 1, 2, 3, … (spilled, checked at the
        end by `_check_spilled`)."""
        if position <= self.last_position:
            self.mismatch(position, "positions strictly increasing (a duplicated or reordered line)",
                          f"> {self.last_position}", position, line=number)
        self.last_position = max(self.last_position, position)
        self.versions.add(aggregate_id, version, number, position)

    # ----- the rules again -----

    def _contest(self, year: int) -> Contest | None:
        """The year's contest as it stands before the event being checked (looked up once per year between two
        events that are not votes: a vote changes no contest)."""
        cacheable = type(year) is int
        if cacheable and year in self._contests_now:
            return self._contests_now[year]
        try:
            found: Contest | None = self.replay.contest(year)
        except DomainError:
            found = None
        if cacheable:
            self._contests_now[year] = found
        return found

    def _check_event(self, event: Any, position: int) -> None:
        if type(event) is VoteRow or isinstance(event, Vote.Cast):  # a VoteRow: a Vote.Cast line's fast path
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
        context = self._vote_contexts.get(event.year) if type(event.year) is int else None
        if context is None:
            context = self._vote_context(event.year)
        contest, eligible, low, high = context[:4]
        if contest is None:
            self.mismatch(position, "a vote for an existing contest", "a contest", event.year)
            return
        if not contest.accepts_votes_at(event.at):
            self.mismatch(position, "a vote inside the window in force when it was recorded (§4.6.6)",
                          contest.window_times(), event.at.isoformat())
        try:
            eligible_one = event.municipality in eligible
        except TypeError:  # not hashable: not a municipality's code
            eligible_one = False
        if not eligible_one:
            self.mismatch(position, "a vote for an eligible municipality (D10)", "a participant", event.municipality)
        self._check_vote_secrets_bound(contest, position)
        if not low <= event.rating <= high:
            self.mismatch(position, "a rating within the scale (D10)", f"{low}-{high}", event.rating)
        if self.board is not None:
            self.votes.append((event.receipt, event.municipality, event.rating, str(event.originator_id)))
        self.residents.add(event.year, event.resident_key, self._line, position)  # checked at the end

    def _vote_context(self, year: Any) -> VoteContext:
        """What a vote of `year` is checked against, as the contest stands: the contest, the municipalities
        eligible (D10), the rating scale, the window's instants when it is not closed (Contest.accepts_votes_at),
        whether the vote secrets are bound (D10) and the year's two bytes of a resident's spilled key (None for a
        year ResidentSpill hashes); kept until the next event that is not a vote (a vote changes no contest)."""
        contest = self._contest(year)
        year_bytes = year.to_bytes(2, "big") if type(year) is int and 0 <= year < 0xFFFF else None
        if contest is None:
            return None, frozenset(), 0, 0, None, False, year_bytes
        rules = contest.rules
        window = None if contest.window_status == WINDOW_CLOSED else (contest.window.opens_at,
                                                                       contest.window.closes_at)
        context = (contest, frozenset(contest.eligible_for_vote()), rules.vote_rating_min, rules.vote_rating_max,
                   window, contest.vote_secrets is not None, year_bytes)
        if type(year) is int:
            self._vote_contexts[year] = context
        return context

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
            found = self.digest_at(cp.through) if cp.through <= self.last_position else None
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


def _no_match(text: str) -> None:
    """VOTE_LINE's stand-in when votes take the general path."""
    return None


def read_board(stream: IO[str]) -> list[BoardRow]:
    """The board's CSV (receipt,municipality,rating,quarantined) as published by
    /api/contests/<year>/votes/board.csv; quarantined is 1 for a vote in quarantine (kept, not counted)."""
    import csv

    rows = list(csv.DictReader(stream))
    return [(r["receipt"], r["municipality"], int(r["rating"]), r.get("quarantined", "0") == "1") for r in rows]


def verify_file(stream: Any, views: Any, board: list[BoardRow] | None = None,
                checkpoints: list[Checkpoint] | None = None, expect_digest: str | None = None,
                progress: Any = None) -> Report:
    """Verify an export: a file (binary or text) or an iterable of its lines."""
    return Verifier(views, board, checkpoints, expect_digest, progress).run(stream)


def _plain(value: Any) -> Any:
    """A recorded or recomputed value as JSON reads it back (tuples as lists, dates as text), for comparing."""
    return json.loads(json.dumps(value, sort_keys=True, default=str))
