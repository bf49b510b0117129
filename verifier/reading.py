"""Reading the export: a cheap first pass over the raw bytes for the few quarantine decisions, then the lines one
by one (each decoded once), with progress on stderr when it is a terminal."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator
from typing import Any, TextIO

QUARANTINE_MARKS = (b"Contest.VotesQuarantined", b"Contest.VotesReinstated")


def quarantined_vote_ids(path: str) -> set[str]:
    """Every vote id named by a quarantine or reinstatement line (only those lines are decoded)."""
    ids: set[str] = set()
    with open(path, "rb") as f:
        for raw in f:
            if b"VotesQuarantined" in raw or b"VotesReinstated" in raw:
                try:
                    record = json.loads(raw)
                except ValueError:
                    continue
                if isinstance(record, dict) and str(record.get("type", "")).endswith(
                        ("Contest.VotesQuarantined", "Contest.VotesReinstated")):
                    ids.update(str(v) for v in (record.get("payload") or {}).get("votes") or [])
    return ids


def lines(path: str) -> Iterator[tuple[int, str]]:
    """(line number from 1, the line's text without its end of line)."""
    progress = Progress() if sys.stderr.isatty() else None
    with open(path, encoding="utf-8", errors="replace", newline="\n") as f:
        yield from _lines(f, progress)
    if progress:
        progress.done()


def _lines(f: TextIO, progress: Progress | None) -> Iterator[tuple[int, str]]:
    n = 0
    for text in f:
        n += 1
        if progress and n % 50000 == 0:
            progress.show(n)
        if text[-1:] == "\n":
            text = text[:-1]
        if text[-1:] == "\r":
            text = text[:-1]
        if not text:
            continue
        yield n, text


def decode(text: str) -> dict[str, Any] | None:
    try:
        record = json.loads(text)
    except ValueError:
        return None
    return record if isinstance(record, dict) else None


class Progress:
    def __init__(self) -> None:
        self.start = time.monotonic()

    def show(self, n: int) -> None:
        elapsed = max(time.monotonic() - self.start, 1e-9)
        sys.stderr.write(f"\r{n:,} events read, {n / elapsed:,.0f}/s ")
        sys.stderr.flush()

    def done(self) -> None:
        sys.stderr.write("\n")
        sys.stderr.flush()
