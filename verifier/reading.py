"""Reading the export: a cheap first pass over the raw bytes for the few quarantine decisions, then the lines one
by one (each decoded once), with progress on stderr when it is a terminal."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator
from typing import TextIO

TYPES = ("Contest.VotesQuarantined", "Contest.VotesReinstated")  # the lines the first pass decodes
MARK = b"Contest.Votes"  # what both types' names hold


def quarantined_vote_ids(path: str) -> set[str]:
    """Every vote id named by a quarantine or reinstatement line: the raw bytes are searched in large blocks for the
    two event types' common part, and only the (few) lines holding one of them are decoded."""
    ids: set[str] = set()
    with open(path, "rb") as f:
        tail = b""
        while True:
            block = f.read(1 << 22)
            if not block:
                break
            data = tail + block if tail else block
            cut = data.rfind(b"\n") + 1
            _scan(data, cut, ids)  # the whole lines of this block; the rest waits for the next one
            tail = data[cut:]
        _scan(tail, len(tail), ids)
    return ids


def _scan(data: bytes, stop: int, ids: set[str]) -> None:
    at = data.find(MARK, 0, stop)
    while at >= 0:
        start = data.rfind(b"\n", 0, at) + 1
        end = data.find(b"\n", at, stop)
        end = stop if end < 0 else end
        try:
            record = json.loads(data[start:end])
        except ValueError:
            record = None
        if isinstance(record, dict) and str(record.get("type", "")).endswith(TYPES):
            ids.update(str(v) for v in (record.get("payload") or {}).get("votes") or [])
        at = data.find(MARK, end, stop)


def lines(path: str) -> Iterator[tuple[int, str]]:
    """(line number from 1, the line's text as read, with its end of line)."""
    progress = Progress() if sys.stderr.isatty() else None
    with open(path, encoding="utf-8", errors="replace", newline="\n") as f:
        yield from _lines(f, progress)
    if progress:
        progress.done()


def _lines(f: TextIO, progress: Progress | None) -> Iterator[tuple[int, str]]:
    if progress is None:
        yield from enumerate(f, start=1)  # each line with its end of line: the engine leaves it out of the hash
        return
    for n, text in enumerate(f, start=1):
        if n % 50000 == 0:
            progress.show(n)
        yield n, text


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
