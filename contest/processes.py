"""The service's processes, in one place: the `Procfile` (production) is these command lines, and `contest serve`
(`./dev serve`) runs the same ones together under contest/supervisor.py.

* `web`: the API and the pages (gunicorn, stateless workers; contest/gunicorn_conf.py reads the bind address and
  the number of workers from the environment);
* `clock`: opens and closes the residents' vote window on time (§4.6.6, contest/scheduler.py); one process only;
* `projector`: keeps the persisted read models current (contest/projection_store.py);
* `mailer`: sends the notifications over SMTP and records each delivery (contest/mail_sender.py).

tests/unit/test_processes.py holds the Procfile to exactly these lines.
"""

from __future__ import annotations

import shlex
import sys

from contest.supervisor import Program

#: name -> the Procfile's command line, in the Procfile's order.
PROCESSES: dict[str, str] = {
    "web": "gunicorn --config python:contest.gunicorn_conf api.wsgi:app",
    "clock": "contest clock",
    "projector": "contest projections run",
    "mailer": "contest notifications send",
}

#: The programs a command line names, as modules of this interpreter: `contest serve` then needs nothing on PATH
#: (./dev runs .venv/bin/contest without activating the venv) and runs the children with its own Python.
MODULES = {"gunicorn": "gunicorn", "contest": "contest.cli"}


def procfile_text() -> str:
    """The Procfile as it must read."""
    return "".join(f"{name}: {command}\n" for name, command in PROCESSES.items())


def local_argv(command: str, python: str | None = None) -> tuple[str, ...]:
    """A Procfile command line as this interpreter runs it: `contest clock` -> `python -m contest.cli clock`."""
    program, *args = shlex.split(command)
    if program not in MODULES:
        raise ValueError(f"no module for the program {program!r} of {command!r}")
    return (python or sys.executable, "-m", MODULES[program], *args)


def service_programs(python: str | None = None) -> list[Program]:
    """The Procfile's processes, to run on this machine (`contest serve`)."""
    return [Program(name, local_argv(command, python)) for name, command in PROCESSES.items()]
