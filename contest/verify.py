"""`contest audit verify FILE`: re-derive every result from an exported history, with nothing but the file.

It recomputes the hash chain, checks the order and the versions of every aggregate, rebuilds every event with the
same domain code the service runs, replays the contests and read models, and compares with what the history
recorded: each recorded digest, round 1's ranking and advancing municipalities, round 2's finalists, round 3's
winners, the approval. It also re-checks each vote against the window in force when it was recorded and each
ballot against the jury, and each quarantine or reinstatement of votes (§4.6.6, D10) against its rules; the tally it
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

from collections.abc import Iterable
from typing import Any

from contest.audit import GENESIS
from contest.replay import Replay
from contest.verify_lines import VOTE_LINE, LineReader, offline_mapper
from contest.verify_report import (
    CHECKPOINT_KINDS,
    CHECKPOINTS_FORMAT,
    BoardRow,
    Checkpoint,
    Finding,
    Report,
    read_board,
    read_checkpoints,
)
from contest.verify_rules import RuleChecks, VoteContext
from contest.verify_stream import ChainPositions, ResidentSpill, VersionSpill, binary_source
from domain.contest import Contest

__all__ = ["CHECKPOINTS_FORMAT", "CHECKPOINT_KINDS", "VOTE_LINE", "BoardRow", "Checkpoint", "Finding", "Report",
           "Verifier", "offline_mapper", "read_board", "read_checkpoints", "verify_file"]

AFTER_THE_LINES = 1 << 62  # the sort key of findings made after the last line (the board, the summary)


class Verifier(LineReader, RuleChecks):
    """One verification of one export: the state both halves share (contest/verify_lines.py reads the lines,
    contest/verify_rules.py checks the rules), and the checks made once every line is read."""

    MAX_FINDINGS_PER_CHECK = 20
    PROGRESS_EVERY = 1 << 14  # lines between two progress updates

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
        self._reviews: dict[str, int] = {}  # votes quarantined / reinstated, counted over the events (§4.6.6, D10)
        self._line = 0  # the line being read (findings are listed in line order)
        self._deferred = False  # findings of the checks made at the end for earlier lines
        self._order: dict[int, tuple[int, int]] = {}  # id(finding) -> (line, deferred)
        self._kept_votes: set[bytes] = set()  # the votes the first pass found named by a review
        self._contests_now: dict[int, Contest | None] = {}  # year -> its contest, until an event that is no vote
        self._vote_contexts: dict[int, VoteContext] = {}  # the same, for votes
        self._identity_start()  # how residents were verified (D15)
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
            self._check_claims_complete()
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
        leaves it, so re-tallying the board's unmarked rows gives the counted result (D10, §4.6.7)."""
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

    def _summarise(self) -> None:
        votes, contests = self.replay.views.votes, self.replay.contests.values()
        self._identity_summary(self.report.results, {c.year: votes.total(c.year) for c in contests})
        for contest in self.replay.contests.values():
            self.report.results.setdefault(f"stage ({contest.year})", contest.stage)
            if self._reviews:
                self.report.results[f"votes in quarantine ({contest.year})"] = (
                    f"{self.replay.views.votes.quarantined_total(contest.year)} "
                    f"({self._reviews.get('quarantined', 0)} quarantined, {self._reviews.get('reinstated', 0)} "
                    "reinstated)")


def verify_file(stream: Any, views: Any, board: list[BoardRow] | None = None,
                checkpoints: list[Checkpoint] | None = None, expect_digest: str | None = None,
                progress: Any = None) -> Report:
    """Verify an export: a file (binary or text) or an iterable of its lines."""
    return Verifier(views, board, checkpoints, expect_digest, progress).run(stream)
