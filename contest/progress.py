"""Progress of a long CLI run (the audit export and verify): events done and the rate, on one line of standard
error, rewritten in place, only when standard error is a terminal (nothing in a pipe, a log or a test's capture).
"""

from __future__ import annotations

import sys
import time
from typing import IO, Any


def shows_progress(stream: Any) -> bool:
    """Whether progress goes to `stream`: only a terminal."""
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty())
    except (ValueError, OSError):  # closed or detached
        return False


class TerminalProgress:
    """`update(done)` writes "\\r<label>: 123,456 events, 98,765/s" at most every `every` seconds; `close()` writes
    the final figures and ends the line. Does nothing at all when `stream` is not a terminal."""

    def __init__(self, label: str, stream: IO[str] | None = None, every: float = 0.5) -> None:
        self.stream = sys.stderr if stream is None else stream
        self.enabled = shows_progress(self.stream)
        self.label = label
        self.every = every
        self.t0 = time.monotonic()
        self._last = self.t0
        self.done = 0

    def update(self, done: int) -> None:
        self.done = done
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self._last >= self.every:
            self._last = now
            self._write(done, now)

    def _write(self, done: int, now: float) -> None:
        seconds = now - self.t0
        rate = done / seconds if seconds > 0 else 0.0
        self.stream.write(f"\r{self.label}: {done:,} events, {rate:,.0f}/s ")
        self.stream.flush()

    def close(self) -> None:
        """The final count and rate, and the end of the line (on a terminal)."""
        if self.enabled:
            self._write(self.done, time.monotonic())
            self.stream.write("\n")
            self.stream.flush()
