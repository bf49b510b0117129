"""The single streaming pass: line-level checks (canonical form, chain, positions, versions) and the events of
each contest folded into small per-contest state; the closings are checked in verifier.closings."""

from __future__ import annotations

import os
import re
from datetime import datetime, timezone
from json import JSONDecoder, loads
from typing import Any

from verifier import closings
from verifier.chain import Chain, canonical_without_chain
from verifier.identity import PLAIN, Levels
from verifier.reading import lines, quarantined_vote_ids
from verifier.report import Report
from verifier.round2 import ballot_problem
from verifier.spill import WRITE_EVERY, Spill
from verifier.state import Contest, parse_time, typed

# The configuration changes that replace a whole part of the contest's setup (docs/AUDIT.md, "Event reference"): the
# questionnaire, the scoring parameters, the jury and the participants in force are the last ones recorded.
REPLACED_PARTS = {"QuestionnaireSet": "questionnaire", "ScoringSet": "scoring", "JurySet": "jury",
                  "MunicipalitiesSet": "municipalities"}

# The JSON scanner json.loads runs, called directly on a line (no wrapper per line); a line it does not read to its
# end (white space, extra data) or cannot read at all is left to json.loads, which decides as the standard says.
_scan = JSONDecoder().scan_once

# A vote's line as docs/AUDIT.md describes the canonical form (keys sorted, no white space), written so that every
# string is free of escapes and control characters: what the groups hold is then exactly what the JSON decoder gives
# for the line, and the line's hash is its own text without the chain member. Any other line (another shape, an
# escape, a number written otherwise) is decoded as JSON instead, and gets the same checks.
_TEXT = r'[^"\\\x00-\x1f]*'
_STRINGS = r'\{(?:"%s":"%s"(?:,"%s":"%s")*)?\}' % ((_TEXT,) * 4)
_NUMBER = r"-?(?:0|[1-9][0-9]*)"
_HASH = r'[^"\\\x00-\x1f]{64}'  # the chain's value: 64 characters (a wrong one is the chain check's to find)
_VOTE = re.compile(
    r'\{"actor":' + _STRINGS + r',"aggregate_id":"(' + _TEXT + r')","chain":"(' + _HASH + r')","payload":\{"actor":'
    + _STRINGS + r',"at":\{"_data_":"(' + _TEXT + r')","_type_":"datetime_iso"\},"comment":(?:null|"' + _TEXT
    + r'"),"municipality":"(' + _TEXT + r')",(?:"network":(?:null|"' + _TEXT + r'"),)?"originator_topic":"' + _TEXT
    + r'","rating":(' + _NUMBER + r'),"receipt":"(' + _TEXT + r')","resident_key":"(' + _TEXT + r')","timestamp":'
    + r'\{"_data_":"' + _TEXT + r'","_type_":"datetime_iso"\}(?:,"verified":"(' + _TEXT + r')")?,"year":(' + _NUMBER
    + r')\},"position":(' + _NUMBER
    + r'),"time":"' + _TEXT + r'","type":"(' + _TEXT + r'Vote\.Cast)","version":1\}')


class Verifier:
    def __init__(self, path: str, pinned: set[int] | None = None, board: str | None = None) -> None:
        self.path = path
        self.report = Report()
        self.chain = Chain(pinned)
        self.spill = Spill(os.path.getsize(path), board=bool(board))
        self.contests: dict[str, Contest] = {}  # contest aggregate -> state
        self.by_year: dict[int, Contest] = {}
        self.members: dict[str, tuple[str, int, str]] = {}  # ballot/scorecard/submission/visit -> (kind, year, key)
        self.versions: dict[str, int] = {}
        self.watched = quarantined_vote_ids(path)
        self.watched_votes: dict[str, tuple[int, str, int, int | None]] = {}  # id -> (year, municipality, rating, pos)
        self.chain_broken = False
        self.last_position: int | None = None
        self.previous_position: int | None = None
        self.levels = Levels()  # D15

    def run(self) -> Report:
        try:
            line, write, every = self._line, self.spill.write, WRITE_EVERY - 1
            for line_no, text in lines(self.path):
                line(line_no, text)
                if not line_no & every:
                    write()
            self.chain.finish()
            self._finish()
        finally:
            self.spill.close()
        self.report.digest = self.chain.value
        return self.report

    # ----- one line -----

    def _line(self, line_no: int, text: str) -> None:
        """One line, as read (its end of line, if any, is not part of the hashed text)."""
        if text[-1:] == "\n":
            end = -2 if text[-2:] == "\r\n" else -1
        else:
            end = len(text)
        if len(text) < 4 and not text.strip():
            return
        r = self.report
        r.events += 1
        vote = _VOTE.fullmatch(text, 0, end if end >= 0 else len(text) + end)
        if vote is not None and vote[1] not in self.versions:
            self._vote_line(vote, text, end, line_no)
            return
        try:
            record, stop = _scan(text, 0)
            if stop != (end if end >= 0 else len(text) + end):
                record = loads(text)
        except (StopIteration, ValueError):
            try:
                record = loads(text)
            except ValueError:
                record = None
        if record.__class__ is not dict:
            r.mismatch(None, line_no, "a JSON object per line", "a JSON object", text[:80])
            self.chain.advance(None, text[:end])
            return
        position = record.get("position")
        if position.__class__ is not int:
            position = None
        i = text.find(',"chain":"')  # the chain member, cut out of the line's own text (docs/AUDIT.md)
        if i > 0 and text.startswith('","payload":', i + 74) and text.find('"aggregate_id":', 0, i) > 0:
            hashed, recorded = text[:i + 1] + text[i + 76:end], text[i + 10:i + 74]
        else:
            r.mismatch(position, line_no, "canonical form (the chain member between aggregate_id and payload)",
                       "a canonical line", "the chain member missing or out of place")
            hashed, recorded = canonical_without_chain(record), record.get("chain")
        self.previous_position = last = self.last_position
        value = self.chain.advance(position, hashed)
        if value != recorded and not self.chain_broken:
            self.chain_broken = True
            r.mismatch(position, line_no, "chain hash", value, recorded)
        if position is None:
            r.mismatch(None, line_no, "positions strictly increasing", "an integer position", record.get("position"))
        elif last is None or position > last:
            self.last_position = position
        else:
            r.mismatch(position, line_no, "positions strictly increasing", f"> {last}", position)
        kind = record.get("type")
        if kind.__class__ is str and kind.endswith("Vote.Cast") and record.get("version") == 1:
            agg = record.get("aggregate_id")
            if agg.__class__ is str and agg not in self.versions:  # a million single-event aggregates: spilled
                spill = self.spill
                spill.pending[hash(agg) % spill.parts].append(f"aggregate\t{agg}\t{position}\t{line_no}\n")
                payload = record.get("payload")
                self._vote(record, payload if payload.__class__ is dict else {}, agg, position, line_no)
                return
        self._version(record, position, line_no)
        self._event(record, position, line_no)

    def _vote_line(self, vote: Any, text: str, end: int, line_no: int) -> None:
        """A vote's line in canonical form: the checks of `_line` and `_vote` on the values the pattern holds."""
        agg, recorded, at, municipality, rating, receipt, key, verified, year, position, _ = vote.groups()
        position = int(position)
        i = vote.start(2) - 10  # the chain member: ',"chain":"' and its 64 characters
        self.previous_position = last = self.last_position
        value = self.chain.advance(position, text[:i + 1] + text[i + 76:end])
        r = self.report
        if value != recorded and not self.chain_broken:
            self.chain_broken = True
            r.mismatch(position, line_no, "chain hash", value, recorded)
        if last is None or position > last:
            self.last_position = position
        else:
            r.mismatch(position, line_no, "positions strictly increasing", f"> {last}", position)
        spill = self.spill
        spill.pending[hash(agg) % spill.parts].append(f"aggregate\t{agg}\t{position}\t{line_no}\n")
        self._cast(int(year), {"_data_": at, "_type_": "datetime_iso"}, None, municipality, int(rating), key, receipt,
                   agg, position, line_no, verified)

    def _version(self, record: dict[str, Any], position: int | None, line_no: int) -> None:
        agg, version = str(record.get("aggregate_id")), record.get("version")
        expected = self.versions.get(agg, 0) + 1
        if version != expected:
            self.report.mismatch(position, line_no, f"aggregate {agg} versions 1, 2, 3, …", expected, version)
        if isinstance(version, int):
            self.versions[agg] = max(version, self.versions.get(agg, 0))

    # ----- events -----

    def _event(self, record: dict[str, Any], position: int | None, line_no: int) -> None:
        name = str(record.get("type", "")).rsplit(":", 1)[-1]
        payload = record.get("payload") if isinstance(record.get("payload"), dict) else {}
        agg = str(record.get("aggregate_id"))
        pos = position if position is not None else -1
        if name == "Vote.Cast":
            self._vote(record, payload, agg, position, line_no)
        elif name == "AddressClaim.Claimed":
            self.levels.claim(self.report, payload, position, line_no)
        elif name == "Contest.Created":
            c = Contest(int(payload.get("year") or (payload.get("setup") or {}).get("year") or 0), agg,
                        payload.get("setup") or {})
            self.contests[agg], self.by_year[c.year] = c, c
        elif name.startswith("Contest."):
            c = self.contests.get(agg)
            if c is None:
                self.report.mismatch(position, line_no, "a contest event after Contest.Created", "a known contest",
                                     agg)
                return
            self._contest_event(c, name, record, payload, pos, line_no)
        elif name.endswith(".Opened") or name == "Submission.Started" or name == "Visit.Scheduled":
            self._member_opened(name, agg, payload, position, line_no)
        elif agg in self.members:
            self._member_event(name, agg, record, payload, pos, line_no)

    def _member_opened(self, name: str, agg: str, payload: dict[str, Any], position: int | None,
                       line_no: int) -> None:
        year = payload.get("year")
        c = self.by_year.get(year) if isinstance(year, int) else None
        if c is None:
            self.report.mismatch(position, line_no, f"{name} of a known contest", "a contest's year", year)
            return
        key = str(payload.get("seat") or payload.get("municipality") or "")
        kind = name.split(".")[0]
        self.members[agg] = (kind, c.year, key)
        if kind == "Ballot" and key not in c.voting_seats():
            self.report.mismatch(position, line_no, "a ballot from a voting seat (§3.2.1, D1)",
                                 sorted(c.voting_seats()), key)
        if kind == "Scorecard" and key not in c.voting_seats():
            self.report.mismatch(position, line_no, "a score sheet from a voting seat (§3.2.1, D1)",
                                 sorted(c.voting_seats()), key)
        if kind == "Visit":
            c.visits[agg] = key

    def _member_event(self, name: str, agg: str, record: dict[str, Any], payload: dict[str, Any], pos: int,
                      line_no: int) -> None:
        _kind, year, key = self.members[agg]
        c = self.by_year[year]
        if name == "Submission.AnswersSaved":
            if c.stage != "round1" or c.round1_closed is not None:
                self.report.mismatch(pos, line_no, "answers saved while round 1 is open (§4.4)", "round 1 open",
                                     c.stage)
            c.saves.setdefault(key, []).append((pos, dict(payload.get("answers") or {})))
        elif name == "Ballot.Cast":
            if c.round1_closed is None or c.round2_closed is not None or c.stage == "sealed":
                self.report.mismatch(pos, line_no, "a ballot while round 2 is open (§4.6.4, D8)", "round 2 open",
                                     "closed" if c.round2_closed else "not open")
            problem = ballot_problem(payload.get("points"), payload.get("justifications"), c.round2_ten())
            if problem:
                self.report.mismatch(pos, line_no, f"the ballot rules (§4.6.4, D8): {problem}", problem,
                                     payload.get("points"))
            c.ballots.append((pos, key, dict(payload.get("points") or {})))
        elif name == "Visit.AttendanceRecorded":
            c.attendance.append((pos, c.visits.get(agg, key), dict(payload.get("present") or {})))
        elif name == "Visit.Rescheduled":  # a new date: the earlier attendance no longer counts
            c.attendance.append((pos, c.visits.get(agg, key), {}))
        elif name.startswith("Visit.") and payload.get("municipality"):
            c.visits[agg] = str(payload["municipality"])
        elif name == "Scorecard.Submitted":
            c.scorecards.append((pos, key, payload))

    def _contest_event(self, c: Contest, name: str, record: dict[str, Any], payload: dict[str, Any], pos: int,
                       line_no: int) -> None:
        event = name.split(".", 1)[1]
        if event == "StageChanged":
            c.stage = str(payload.get("stage"))
        elif "Window" in event:
            if "opens_at" in payload:
                c.opens_at = typed(payload["opens_at"]) or c.opens_at
            if "closes_at" in payload:
                c.closes_at = typed(payload["closes_at"]) or c.closes_at
        if isinstance(payload.get("window"), dict):
            c.opens_at = parse_time(payload["window"].get("opens_at")) or c.opens_at
            c.closes_at = parse_time(payload["window"].get("closes_at")) or c.closes_at
        if isinstance(payload.get("rules"), dict) and event != "Round3Closed":
            c.setup["rules"] = {**c.rules, **payload["rules"]}
        part = REPLACED_PARTS.get(event)  # a configuration change replaces its part of the setup
        if part is not None and part in payload:
            c.setup[part] = payload[part]
        c.changed()
        if event in ("VotesQuarantined", "VotesReinstated"):
            self._quarantine(c, event, record, payload, pos, line_no)
        elif event == "VoteSecretsBound":
            if c.bindings:
                self.report.mismatch(pos, line_no, "one Contest.VoteSecretsBound per contest", 1, len(c.bindings) + 1)
            elif c.first_vote is not None:
                self.report.mismatch(c.first_vote, None, "every vote after the contest's Contest.VoteSecretsBound",
                                     f"the binding first (it is at position {pos})", "a vote before it")
            c.bindings.append((pos, payload))
            self.report.fingerprints[f"voter ({c.year})"] = payload.get("voter_fingerprint")
            self.report.fingerprints[f"receipt ({c.year})"] = payload.get("receipt_fingerprint")
        elif isinstance(payload.get("decision"), dict) and {"tied", "chosen"} <= set(payload["decision"]):
            c.decisions.append((pos, payload["decision"]))  # Contest.JuryDecisionRecorded (§3.2.4, D11–D13)
        elif {"tied", "chosen"} <= set(payload):
            c.decisions.append((pos, payload))
        closings.contest_event(self, c, event, payload, pos, line_no)
        c.changed()

    def _quarantine(self, c: Contest, event: str, record: dict[str, Any], payload: dict[str, Any], pos: int,
                    line_no: int) -> None:
        kind = "quarantine" if event == "VotesQuarantined" else "reinstate"
        actor = record.get("actor") or payload.get("actor") or {}
        if not isinstance(actor, dict) or actor.get("role") != "secretariat":
            self.report.mismatch(pos, line_no, f"a {kind} decision by the secretariat", "secretariat",
                                 actor.get("role") if isinstance(actor, dict) else actor)
        if not str(payload.get("reason") or "").strip():
            self.report.mismatch(pos, line_no, f"a {kind} decision with a reason", "a reason", payload.get("reason"))
        if c.round2_closed is not None or c.stage == "sealed":
            self.report.mismatch(pos, line_no, f"a {kind} decision before round 2 closed (§4.6.7, D11)",
                                 "round 2 open", "closed")
        votes = [str(v) for v in payload.get("votes") or []]
        foreign = [v for v in votes if self.watched_votes.get(v, (None,))[0] != c.year]
        if foreign:
            self.report.mismatch(pos, line_no, f"a {kind} decision of votes of the contest", "votes cast before it",
                                 foreign[:5])
        c.quarantine_log.append((pos, kind, votes))
        if kind == "quarantine":
            c.quarantined.update(votes)
        else:
            c.quarantined.difference_update(votes)

    def _vote(self, record: dict[str, Any], payload: dict[str, Any], agg: str, position: int | None,
              line_no: int) -> None:
        self._cast(payload.get("year"), payload.get("at"), record.get("time"), str(payload.get("municipality")),
                   payload.get("rating"), str(payload.get("resident_key")), str(payload.get("receipt")), agg,
                   position, line_no, payload.get("verified"))

    def _cast(self, year: Any, at_value: Any, time_value: Any, municipality: str, rating: Any, key: str,
              receipt: str, agg: str, position: int | None, line_no: int, verified: Any = None) -> None:
        """One vote (§4.6.6, D10): its contest, window, municipality and rating checked, how its resident was
        verified (D15), its resident spilled for the one-vote check, its rating counted."""
        c = self.by_year.get(year) if isinstance(year, int) else None
        r = self.report
        if c is None:
            r.mismatch(position, line_no, "a vote of a known contest", "a contest's year", year)
            return
        if c.first_vote is None:
            c.first_vote = position
        lo, hi, eligible, window_from, window_until = c.vote_limits
        try:
            text = at_value["_data_"]
            # the common case: both in the export's own UTC form, where text order is time order
            inside = window_from <= text < window_until if len(text) in (25, 32) and text[-6:] == "+00:00" \
                else window_from <= datetime.fromisoformat(text).astimezone(timezone.utc).isoformat() < window_until
        except (TypeError, KeyError, ValueError):
            at = typed(at_value) if at_value is not None else parse_time(time_value)
            inside = at is not None and at.tzinfo is not None \
                and window_from <= at.astimezone(timezone.utc).isoformat() < window_until
        if not inside:
            r.mismatch(position, line_no, "a vote inside the window in force when it was recorded (§4.6.6)",
                       f"{c.opens_at} – {c.closes_at}", at_value.get("_data_") if isinstance(at_value, dict)
                       else at_value)
        if municipality not in eligible:
            r.mismatch(position, line_no, "a vote for an eligible municipality (D10)", "an eligible code", municipality)
        if rating.__class__ is not int or not lo <= rating <= hi:
            r.mismatch(position, line_no, "a rating on the scale (D10)", f"{lo}–{hi}", rating)
            rating = 0
        if c.level != PLAIN or (verified is not None and verified != PLAIN):
            self.levels.vote(r, c.year, c.level, PLAIN if verified is None else verified, agg, position, line_no)
        spill = self.spill
        spill.pending[hash(key) % spill.parts].append(f"{c.resident_kind}\t{key}\t{position}\t{line_no}\n")
        if spill.board:
            spill.vote(receipt, municipality, rating, agg, position, line_no)
        try:
            cell = c.tally[municipality]
        except KeyError:
            cell = c.tally[municipality] = [0, 0]
        cell[0] += 1
        cell[1] += rating
        c.recent_votes.append((position if position is not None else -1, municipality, rating))
        if agg in self.watched:
            self.watched_votes[agg] = (c.year, municipality, rating, position)

    # ----- the end -----

    def _finish(self) -> None:
        for c in self.by_year.values():  # votes, and no binding of the secrets anywhere after them (D10)
            if c.first_vote is not None and not c.bindings:
                self.report.mismatch(c.first_vote, None, "every vote after the contest's Contest.VoteSecretsBound",
                                     "the binding first", "no binding in the file")
        for kind, key, position, line, first in self.spill.repeats():
            if kind == "aggregate":
                self.report.mismatch(position, line, f"aggregate {key} versions 1, 2, 3, …", 2, 1)
            else:
                self.report.mismatch(position, line, "one vote per resident per contest (§4.6.6, D10)",
                                     f"no earlier vote (the first is at position {first})", key)
        self.levels.finish(self.report, {c.year: sum(n for n, _ in c.tally.values()) for c in self.by_year.values()})
        closings.finish(self)
