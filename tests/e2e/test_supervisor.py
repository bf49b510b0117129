"""contest/supervisor.py with real processes and signals (tests/unit/test_supervisor.py has the cases with fake
children): SIGINT stops every child and the supervisor exits 0; a child that ends stops the others and the
supervisor exits 1 naming it; each child's lines come prefixed with its name."""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

from tests.support import ROOT
from tests.support.supervised import Supervised, group_alive

#: A child that says it is ready and runs until SIGTERM, then exits 0 (as the service's processes do).
STEADY = ("import signal, sys, time\n"
          "signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))\n"
          "print('ready', flush=True)\n"
          "while True:\n    time.sleep(1)\n")
#: A child that waits for a file, then ends with exit code 3.
BRIEF = ("import pathlib, sys, time\n"
         "print('ready', flush=True)\n"
         "while not pathlib.Path('end-now').exists():\n    time.sleep(0.05)\n"
         "print('ending', flush=True)\n"
         "sys.exit(3)\n")


def supervisor(tmp_path: Path, **children: str) -> Supervised:
    """`Supervisor(...).run()` as a program of its own, over python -c children."""
    programs = ", ".join(f"Program({name!r}, (sys.executable, '-c', {code!r}))" for name, code in children.items())
    script = ("import os, sys\n"
              "from contest.supervisor import Program, Supervisor\n"
              f"sys.exit(Supervisor([{programs}], os.environ, stop_timeout=15).run())\n")
    env = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONUNBUFFERED="1")
    return Supervised([sys.executable, "-c", script], cwd=tmp_path, env=env)


def test_sigint_stops_every_child_and_the_supervisor_exits_0(tmp_path: Path) -> None:
    run = supervisor(tmp_path, steady=STEADY, another=STEADY)
    children: dict[str, int] = {}
    try:
        run.wait_for(lambda: run.output.count("| ready") == 2, 20, "two ready children")
        children = run.children()
        assert set(children) == {"steady", "another"}
        os.kill(run.proc.pid, signal.SIGINT)  # what Ctrl-C sends
        assert run.finish() == 0, run.output
    finally:
        run.kill_everything(children)
    assert not any(group_alive(pid) for pid in children.values())
    lines = run.output.splitlines()
    assert "steady  | ready" in lines and "another | ready" in lines
    assert lines[-1] == "serve   | all stopped"


def test_a_child_that_ends_stops_the_others_and_the_supervisor_exits_1_naming_it(tmp_path: Path) -> None:
    run = supervisor(tmp_path, steady=STEADY, brief=BRIEF)
    children: dict[str, int] = {}
    try:
        run.wait_for(lambda: run.output.count("| ready") == 2, 20, "two ready children")
        children = run.children()
        (tmp_path / "end-now").touch()
        assert run.finish() == 1, run.output
    finally:
        run.kill_everything(children)
    assert not any(group_alive(pid) for pid in children.values())
    lines = run.output.splitlines()
    assert "brief  | ending" in lines
    assert "serve  | brief ended (exit code 3); stopping steady" in lines
    assert lines[-1] == "serve  | exiting with code 1: brief ended on its own"
