"""`contest serve` or another supervisor (contest/supervisor.py) started as a real process: its output read as it
comes (so its pipe never fills), the pids of the children it reports, and whether they are gone."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Sequence
from contextlib import suppress
from pathlib import Path

STARTED = re.compile(r"^serve +\| started (\S+) \(pid (\d+)\)")


class Supervised:
    """A supervisor started in a session of its own, its stdout and stderr read line by line by a thread."""

    def __init__(self, argv: Sequence[str], *, cwd: Path, env: dict[str, str]) -> None:
        self.proc = subprocess.Popen(list(argv), cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True, errors="replace", start_new_session=True)
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        with self.proc.stdout:
            for line in self.proc.stdout:
                self.lines.append(line)

    @property
    def output(self) -> str:
        return "".join(self.lines)

    def wait_for(self, check: Callable[[], object], seconds: float, what: str) -> None:
        """Poll `check` until it is true; fail naming `what`, with the output so far, after `seconds` or when the
        supervisor has exited."""
        deadline = time.monotonic() + seconds
        while not check():
            if self.proc.poll() is not None:
                raise AssertionError(f"exited ({self.proc.returncode}) before {what}:\n{self.output}")
            if time.monotonic() > deadline:
                raise AssertionError(f"no {what} in {seconds} s:\n{self.output}")
            time.sleep(0.1)

    def children(self) -> dict[str, int]:
        """name -> pid of each child the supervisor reported starting (each leads a process group of its own)."""
        return {m[1]: int(m[2]) for line in list(self.lines) if (m := STARTED.match(line))}

    def finish(self, timeout: float = 40) -> int:
        """Wait for the exit (the output read to its end); returns the exit code."""
        code = self.proc.wait(timeout=timeout)
        self._reader.join(timeout=5)
        return code

    def kill_everything(self, children: dict[str, int]) -> None:
        """After a failed test: the supervisor's session and the children's groups, with SIGKILL."""
        for pgid in [self.proc.pid, *children.values()]:
            with suppress(ProcessLookupError, PermissionError):
                os.killpg(pgid, signal.SIGKILL)
        with suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=10)


def group_alive(pgid: int) -> bool:
    """Whether any process is left in the process group `pgid` (a child and, say, gunicorn's workers)."""
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True
