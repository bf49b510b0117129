"""The service's processes are described once (contest/processes.py): the Procfile is exactly those command lines,
and `contest serve` runs the same ones with its own interpreter."""

from __future__ import annotations

import pytest

from contest.processes import PROCESSES, local_argv, procfile_text, service_programs
from tests.support import ROOT


def test_the_procfile_is_the_processes_of_contest_processes() -> None:
    assert (ROOT / "Procfile").read_text(encoding="utf-8") == procfile_text()
    assert list(PROCESSES) == ["web", "clock", "projector", "mailer"]


def test_serve_runs_the_procfile_lines_as_modules_of_its_own_interpreter() -> None:
    programs = {p.name: p.argv for p in service_programs("/venv/bin/python")}
    assert programs == {
        "web": ("/venv/bin/python", "-m", "gunicorn", "--config", "python:contest.gunicorn_conf", "api.wsgi:app"),
        "clock": ("/venv/bin/python", "-m", "contest.cli", "clock"),
        "projector": ("/venv/bin/python", "-m", "contest.cli", "projections", "run"),
        "mailer": ("/venv/bin/python", "-m", "contest.cli", "notifications", "send"),
    }


def test_a_command_line_of_an_unknown_program_is_refused() -> None:
    with pytest.raises(ValueError, match="celery"):
        local_argv("celery worker")
