"""A small supervisor: `contest serve` (`./dev serve`) runs the Procfile's processes under it (contest/processes.py).

It starts each program as a child process, prefixes every line of its output with the program's name, and
* on Ctrl-C (SIGINT), SIGTERM or SIGHUP sends SIGTERM to every child (each one's graceful stop: gunicorn lets the
  requests in flight finish, the clock lets its tick finish, the projector saves its snapshot), waits for them and
  exits 0 when all of them stopped cleanly; a child still running after `stop_timeout`, or when a second signal
  comes, is killed with its process group;
* when a child ends on its own (a crash, or an exit of any kind: the service is not whole without it), stops the
  others the same way and exits 1, saying which one ended and with what code.

Each child runs in a process group of its own, so the terminal's Ctrl-C reaches only the supervisor, which stops
the children in order (gunicorn would take a SIGINT of its own as a quick shutdown, dropping requests in
flight), and a child's leftovers (gunicorn's workers) can be killed with it. A supervisor killed with SIGKILL
cannot stop its children: they are left running, as under any supervisor.

Why not honcho: it runs each Procfile line through a shell, so `gunicorn` and `contest` must be on PATH (./dev
runs .venv/bin/contest without activating the venv) and the Procfile must be in the working directory (`contest
serve` runs from anywhere); it exits with the code of the first child to end, 0 when that one ended cleanly; and it
kills whatever still runs 5 s after its SIGTERM, cutting gunicorn's graceful timeout (20 s,
contest/gunicorn_conf.py) short. Working around that would cost about as much as these lines, which need no
dependency and are tested with fake children (tests/unit/test_supervisor.py) and real ones
(tests/e2e/test_supervisor.py).
"""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass
from typing import Any, Protocol, TextIO

#: The prefix of the supervisor's own lines.
SELF = "serve"
CRLF = "\r\n"
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


@dataclass(frozen=True)
class Program:
    name: str
    argv: tuple[str, ...]


class Child(Protocol):
    """A started program, as the supervisor sees it."""

    pid: int

    def poll(self) -> int | None: ...  # the exit code once it has ended (negative: the signal), else None

    def terminate(self) -> None: ...  # ask it to stop (SIGTERM)

    def kill(self) -> None: ...  # SIGKILL to it and everything in its process group

    def lines(self) -> Iterable[str]: ...  # its output (stdout and stderr), line by line, until it closes


class ProcessChild:
    """A program started in a process group of its own, its stdout and stderr in one pipe, no stdin."""

    def __init__(self, program: Program, env: Mapping[str, str]) -> None:
        self.proc = subprocess.Popen(list(program.argv), env=dict(env), stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, process_group=0)
        self.pid = self.proc.pid

    def poll(self) -> int | None:
        return self.proc.poll()

    def terminate(self) -> None:
        self.proc.terminate()  # nothing once the child is reaped

    def kill(self) -> None:
        # Only while the leader is not reaped (the supervisor's poll reaps it), so the group's id is still ours.
        if self.proc.poll() is None:
            with suppress(ProcessLookupError, PermissionError):
                os.killpg(self.pid, signal.SIGKILL)

    def lines(self) -> Iterator[str]:
        assert self.proc.stdout is not None
        with self.proc.stdout:
            for raw in self.proc.stdout:
                yield raw.decode(errors="replace")


def describe(code: int | None) -> str:
    if code is None:
        return "still running"
    if code < 0:
        with suppress(ValueError):
            return f"killed by {signal.Signals(-code).name}"
        return f"killed by signal {-code}"
    return f"exit code {code}"


def stopped_cleanly(code: int | None) -> bool:
    """0, or ended by the SIGTERM it was sent (a program that keeps the default action)."""
    return code in (0, -signal.SIGTERM)


class Supervisor:
    """Runs `programs` together until a signal or one of them ends; `run()` returns the exit code."""

    def __init__(self, programs: Sequence[Program], env: Mapping[str, str], *, out: TextIO | None = None,
                 stop_timeout: float = 30.0, tick: float = 0.1,
                 start: Callable[[Program, Mapping[str, str]], Child] = ProcessChild) -> None:
        self.programs = list(programs)
        self.env = dict(env)
        self.out = out if out is not None else sys.stdout
        self.stop_timeout = stop_timeout
        self.tick = tick
        self.start = start
        self.children: dict[str, Child] = {}
        self.width = max(len(name) for name in [SELF, *(p.name for p in self.programs)])
        self._stop = threading.Event()
        self._signals = 0
        self._write = threading.Lock()
        self._relays: list[threading.Thread] = []

    def say(self, name: str, text: str) -> None:
        """One line of output, prefixed with whose it is. A reader that went away is ignored, so the children's
        pipes are still drained and they never block on a write."""
        with self._write:
            try:
                self.out.write(f"{name:<{self.width}} | {text.rstrip(CRLF)}\n")
                self.out.flush()
            except (OSError, ValueError):
                pass

    def request_stop(self, signum: int | None = None) -> None:
        """What a stop signal does (safe in a signal handler: it only sets state; the main loop reports it)."""
        self._signals += 1
        self._stop.set()

    def run(self) -> int:
        previous: dict[int, Any] = {}
        if threading.current_thread() is threading.main_thread():
            for sig in STOP_SIGNALS:
                previous[sig] = signal.signal(sig, lambda signum, _frame: self.request_stop(signum))
        try:
            return self._run()
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)

    def _run(self) -> int:
        if not self._start_all():
            self._stop_all()
            return 1
        ended: tuple[str, int] | None = None
        while ended is None and not self._stop.wait(self.tick):
            ended = next(((name, code) for name, child in self.children.items()
                          if (code := child.poll()) is not None), None)
        if ended is not None:
            name, code = ended
            others = [n for n in self.children if n != name]
            self.say(SELF, f"{name} ended ({describe(code)}); stopping {', '.join(others) or 'nothing else'}")
        else:
            self.say(SELF, f"stopping {', '.join(self.children)}")
        codes = self._stop_all()
        for relay in self._relays:
            relay.join(timeout=2)
        if ended is not None:
            self.say(SELF, f"exiting with code 1: {ended[0]} ended on its own")
            return 1
        unclean = {name: code for name, code in codes.items() if not stopped_cleanly(code)}
        if unclean:
            self.say(SELF, "not stopped cleanly: " + ", ".join(f"{n} ({describe(c)})" for n, c in unclean.items()))
            return 1
        self.say(SELF, "all stopped")
        return 0

    def _start_all(self) -> bool:
        for program in self.programs:
            if self._stop.is_set():
                return True  # a signal during the start: stop what has started, cleanly
            try:
                child = self.start(program, self.env)
            except OSError as e:
                self.say(SELF, f"{program.name} could not start: {e}")
                return False
            self.children[program.name] = child
            self.say(SELF, f"started {program.name} (pid {child.pid}): {shlex.join(program.argv)}")
            relay = threading.Thread(target=self._relay, args=(program.name, child), daemon=True,
                                     name=f"relay-{program.name}")
            relay.start()
            self._relays.append(relay)
        return True

    def _relay(self, name: str, child: Child) -> None:
        for line in child.lines():
            self.say(name, line)

    def _running(self) -> list[str]:
        return [name for name, child in self.children.items() if child.poll() is None]

    def _stop_all(self) -> dict[str, int | None]:
        """SIGTERM to every child still running, then wait; kill what is left after `stop_timeout` or at another
        signal. Returns each child's exit code."""
        signals = self._signals
        for name in self._running():
            self.children[name].terminate()
        deadline = time.monotonic() + self.stop_timeout
        while self._running() and time.monotonic() < deadline and self._signals == signals:
            time.sleep(self.tick)
        left = self._running()
        if left:
            why = "on a second signal" if self._signals != signals else f"after {self.stop_timeout:g} s"
            self.say(SELF, f"killing {', '.join(left)} {why}")
            for name in left:
                self.children[name].kill()
            deadline = time.monotonic() + 10
            while self._running() and time.monotonic() < deadline:
                time.sleep(self.tick)
        return {name: child.poll() for name, child in self.children.items()}
