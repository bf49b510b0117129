"""The WSGI entry point for gunicorn (`web:` in the Procfile): settings from the environment; on the first
start of an empty store the configured preset is loaded (race-safe when several workers start at once)."""

from __future__ import annotations

from api.app import create_app
from api.operations import configure_logging
from contest.service import ContestService
from contest.settings import Settings
from domain.actors import system_actor

configure_logging()
settings = Settings.from_env()
settings.require_secrets()  # refuse to start without the vote secrets (D10)
service = ContestService.from_settings(settings)
service.ensure_contest(settings.preset, settings.year, actor=system_actor("preset-loader"))
app = create_app(service)
