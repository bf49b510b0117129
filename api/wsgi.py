"""The WSGI entry point for gunicorn (`web:` in the Procfile): settings from the environment; on the first
start of an empty store the configured preset is loaded (race-safe when several workers start at once). A worker
whose vote secrets are not those the contest's votes were recorded with says so in its log as it starts (D10).

With a read replica (CONTEST_READ_STORE) a worker also starts while the primary does not answer, if the replica
holds the contest: it serves the reads (api/read_side.py) and answers commands 503 until the primary is back."""

from __future__ import annotations

import logging

from eventsourcing.persistence import PersistenceError

from api.app import create_app
from api.operations import configure_logging, log_vote_secrets_problem
from contest.replica import replica_reads
from contest.service import ContestService
from contest.settings import Settings
from domain.actors import system_actor


def open_service(settings: Settings) -> ContestService:
    service = None
    try:
        service = ContestService.from_settings(settings)
        service.ensure_contest(settings.preset, settings.year, actor=system_actor("preset-loader"))
        log_vote_secrets_problem(service, settings.year)
        return service
    except PersistenceError:
        if settings.read_store_url is None:
            raise
        if service is not None:
            service.close()
    # the primary does not answer: its tables exist if the replica (a copy of it) holds the contest
    service = ContestService.from_settings(settings, create_tables=False)
    with replica_reads():
        service.contest(settings.year)  # NotFound (the worker does not start) unless the replica holds it
    logging.getLogger("contest.replica").warning(
        "the primary store does not answer: this worker serves reads from the replica; commands answer 503")
    return service


configure_logging()
settings = Settings.from_env()
settings.require_secrets()  # refuse to start without the vote secrets (D10)
app = create_app(open_service(settings), {"CONTEST_YEAR": settings.year})  # the current contest: api/page_support.py
