"""The demo's clock: real time shifted by an offset kept in a file, so that one process (the demo) can move the
time of every gunicorn worker through a contest's calendar. The domain never reads a clock (contest/clock.py);
only `contest demo` uses this one."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path


class FileClock:
    """now() = the real time + the offset written by :func:`set_time` (re-read when the file changes)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._stamp: tuple[int, int] | None = None
        self._offset = timedelta(0)

    def now(self) -> datetime:
        st = os.stat(self.path)
        stamp = (st.st_ino, st.st_mtime_ns)  # a new file each time (os.replace), so a fast second write shows
        if stamp != self._stamp:
            self._offset = timedelta(seconds=float(self.path.read_text().strip() or 0))
            self._stamp = stamp
        return datetime.now(UTC) + self._offset


def set_time(path: Path, at: datetime) -> None:
    """From now on the clock reads `at` (and runs on from there). Written atomically."""
    offset = (at - datetime.now(UTC)).total_seconds()
    tmp = path.with_suffix(".tmp")
    tmp.write_text(f"{offset:.6f}\n")
    os.replace(tmp, path)
