"""Mismatches and matches, and the report in text or JSON (the keys of `contest audit verify --json`)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Mismatch:
    position: int | None
    line: int | None
    check: str
    expected: Any
    found: Any

    def to_dict(self) -> dict[str, Any]:
        return {"position": self.position, "line": self.line, "check": self.check, "expected": self.expected,
                "found": self.found}


@dataclass
class Report:
    events: int = 0
    digest: str = ""
    mismatches: list[Mismatch] = field(default_factory=list)
    matches: list[str] = field(default_factory=list)
    results: dict[str, Any] = field(default_factory=dict)
    fingerprints: dict[str, Any] = field(default_factory=dict)

    def mismatch(self, position: int | None, line: int | None, check: str, expected: Any, found: Any) -> None:
        self.mismatches.append(Mismatch(position, line, check, _plain(expected), _plain(found)))

    def match(self, text: str) -> None:
        self.matches.append(text)

    @property
    def ok(self) -> bool:
        return not self.mismatches

    def first_failing(self) -> tuple[int | None, int | None]:
        """The smallest position over the mismatches, or else the smallest line (docs/AUDIT.md "Two verifiers")."""
        positions = [m.position for m in self.mismatches if m.position is not None]
        if positions:
            return min(positions), None
        lines = [m.line for m in self.mismatches if m.line is not None]
        return None, (min(lines) if lines else None)

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "events": self.events, "digest": self.digest,
                "mismatches": [m.to_dict() for m in self.sorted_mismatches()], "matches": list(self.matches),
                "results": dict(self.results), "fingerprints": dict(self.fingerprints)}

    def sorted_mismatches(self) -> list[Mismatch]:
        big = float("inf")
        return sorted(self.mismatches, key=lambda m: (big if m.position is None else m.position,
                                                      big if m.line is None else m.line))

    def json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=1, sort_keys=False, default=str)

    def text(self) -> str:
        out = [f"independent verifier: {self.events} events, digest {self.digest}"]
        for m in self.matches:
            out.append(f"  match: {m}")
        for key, value in self.results.items():
            out.append(f"  result: {key}: {value}")
        for key, value in self.fingerprints.items():
            out.append(f"  fingerprint: {key}: {value}")
        for m in self.sorted_mismatches():
            where = f"position {m.position}" if m.position is not None else "no position"
            if m.line is not None:
                where += f", line {m.line}"
            out.append(f"MISMATCH at {where}: {m.check}\n    expected: {_short(m.expected)}\n"
                       f"    found:    {_short(m.found)}")
        out.append("VERIFIED" if self.ok else f"FAILED ({len(self.mismatches)} mismatches)")
        return "\n".join(out)


def _short(value: Any, limit: int = 400) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[:limit] + "…"


def _plain(value: Any) -> Any:
    """JSON-ready: Fractions as floats, sets and tuples as sorted/plain lists."""
    from fractions import Fraction
    if isinstance(value, Fraction):
        return float(value)
    if isinstance(value, (set, frozenset)):
        return sorted(_plain(v) for v in value)
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value
