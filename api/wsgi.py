"""The WSGI entry point for gunicorn (`web:` in the Procfile): settings from the environment; on the first
start of an empty store the configured preset is loaded (race-safe when several workers start at once). A worker
whose vote secrets are not those the contest's votes were recorded with says so in its log as it starts (D10)."""

from __future__ import annotations

from api.app import create_app
from api.operations import configure_logging, log_vote_secrets_problem
from contest.service import ContestService
from contest.settings import Settings
from domain.actors import system_actor

configure_logging()
settings = Settings.from_env()
settings.require_secrets()  # refuse to start without the vote secrets (D10)
service = ContestService.from_settings(settings)
service.ensure_contest(settings.preset, settings.year, actor=system_actor("preset-loader"))
log_vote_secrets_problem(service, settings.year)
app = create_app(service, {"CONTEST_YEAR": settings.year})  # the current contest (api/page_support.py)
