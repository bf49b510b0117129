"""What `contest audit verify` reads besides the export (the published checkpoints, D16; the vote board, D10) and
what it reports (findings, matches, results)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import IO, Any

from contest.audit import GENESIS
from domain.contest import Contest

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


def read_board(stream: IO[str]) -> list[BoardRow]:
    """The board's CSV (receipt,municipality,rating,quarantined) as published by
    /api/contests/<year>/votes/board.csv; quarantined is 1 for a vote in quarantine (kept, not counted)."""
    import csv

    rows = list(csv.DictReader(stream))
    return [(r["receipt"], r["municipality"], int(r["rating"]), r.get("quarantined", "0") == "1") for r in rows]


def _plain(value: Any) -> Any:
    """A recorded or recomputed value as JSON reads it back (tuples as lists, dates as text), for comparing."""
    return json.loads(json.dumps(value, sort_keys=True, default=str))
