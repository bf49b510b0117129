"""How `contest audit verify` reads the lines of an export (contest/verify.py): a first pass for the few lines the
second needs to know of first, then each line once: the chain over the line's own text (docs/AUDIT.md "The digest"),
the order and versions, and the event, a canonical vote's line folded inline (VOTE_LINE), any other rebuilt by the
domain code, checked (contest/verify_rules.py) and applied to the replay."""

from __future__ import annotations

import json
import re
import struct
from datetime import datetime
from hashlib import sha256
from typing import IO, Any
from uuid import UUID

from eventsourcing.persistence import DatetimeAsISO, DecimalAsStr, JSONTranscoder, Mapper, StoredEvent, UUIDAsHex
from eventsourcing.utils import get_topic

from contest.audit import chain_next, line_without_chain
from contest.replay import Replay
from contest.store import DateAsISO
from contest.verify_stream import scan
from domain.contest import Contest
from domain.vote import Vote
from projections.round2 import KeptVotesView, VotesView, id_bytes, micros

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
    rf',"timestamp":\{{"_data_":"(?P<timestamp>{_S})","_type_":"datetime_iso"\}}(?:,"verified":"(?P<verified>{_S})")?'
    rf',"year":(?P<year>{_INT})\}}'
    rf',"position":(?P<position>{_INT}),"time":"{_S}","type":"domain\.vote:Vote\.Cast","version":(?P<version>{_INT})\}}')
VOTE_GROUPS = ("id", "chain", "at", "timestamp", "comment", "municipality", "network", "rating", "receipt",
               "resident_key", "verified", "year", "position", "version")
REVIEW_TOPICS = (get_topic(Contest.VotesQuarantined), get_topic(Contest.VotesReinstated))
# what the first pass looks for: the contests' lines, among them the quarantines and reinstatements of votes and
# the closings naming a position's digest (`…_through`)
FIRST_PASS_PATTERN = b"domain.contest:Contest."


def offline_mapper() -> Mapper[Any]:
    """The store's mapper without a store: the same transcodings the service registers (contest/store.py)."""
    transcoder = JSONTranscoder()
    for t in (UUIDAsHex(), DecimalAsStr(), DatetimeAsISO(), DateAsISO()):
        transcoder.register(t)
    return Mapper(transcoder=transcoder)


def _no_match(text: str) -> None:
    """VOTE_LINE's stand-in when votes take the general path."""
    return None


class LineReader:
    """The reading half of the Verifier (contest/verify.py holds the state it reads into)."""

    FAST_VOTES = True  # canonical Vote.Cast lines folded inline (the general path reads them the same way)

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
                keep.update(b for b in (id_bytes(v) for v in votes if isinstance(v, str)) if b is not None)
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
                and self.replay.handlers(Vote.Cast) == [votes.apply]):
            return votes.cast
        return None

    def _read(self, f: IO[bytes]) -> None:
        cast = self._fast_votes()
        with_instants = not isinstance(self.views.votes, KeptVotesView) if cast is not None else False
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
        fromhex, iso = bytes.fromhex, datetime.fromisoformat
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
                    resident_key, verified, year_text, position_text, version_text = match.group(*VOTE_GROUPS)
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
            contest, eligible, low, high, window, bound, year_bytes, level = context
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
                if level != "code" or (verified is not None and verified != "code"):  # D15: the plain case counted
                    self._check_level(contest, verified or "code", aggregate_id, position)  # at the end
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
                         micros(at) if with_instants and network else 0, bool(comment))
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
                and not {b for b in map(id_bytes, payload["votes"]) if b is not None} <= self._kept_votes:
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
