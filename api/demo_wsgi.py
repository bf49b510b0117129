"""The WSGI app of `contest demo` (contest/demo.py): api/wsgi.py's app with the demo's clock, which the demo moves
through the 2024 calendar (CONTEST_DEMO_CLOCK names the file it writes). Never used in production:
gunicorn starts it as `api.demo_wsgi:make_app()` only from the demo."""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask

from api.app import create_app
from api.operations import log_vote_secrets_problem
from contest.demo_clock import FileClock
from contest.service import ContestService
from contest.settings import Settings
from domain.actors import system_actor


def make_app() -> Flask:
    settings = Settings.from_env()
    settings.require_secrets()
    service = ContestService.from_settings(settings, clock=FileClock(Path(os.environ["CONTEST_DEMO_CLOCK"])))
    service.ensure_contest(settings.preset, settings.year, actor=system_actor("preset-loader"))
    log_vote_secrets_problem(service, settings.year)
    return create_app(service, {"CONTEST_YEAR": settings.year})
