"""One JSON shape for every error: {code, status, message, errors?, rule?, field?, details?}.

422 names each bad field (``errors``: field -> messages), 409 names the broken rule and its clause (``rule``),
401/403/404 say what is missing. Errors are raised before anything is saved, so an error changes nothing.
"""

from __future__ import annotations

import logging
import sqlite3
from typing import Any

import marshmallow as ma
import psycopg
from eventsourcing.persistence import PersistenceError
from flask import Flask, Response, current_app, jsonify
from flask_smorest import Api
from werkzeug.exceptions import HTTPException

from contest.identity_settings import MailNotConfigured
from contest.mail import MailError
from contest.settings import VoteSecretsMismatch
from domain.errors import InvalidInput, NotFound, RuleViolation
from domain.personal_code import PersonalCodeError

log = logging.getLogger(__name__)


class ErrorSchema(ma.Schema):
    code = ma.fields.Integer(required=True, metadata={"description": "HTTP status code"})
    status = ma.fields.String(required=True, metadata={"description": "HTTP status name"})
    message = ma.fields.String(metadata={"description": "What went wrong"})
    errors = ma.fields.Dict(
        keys=ma.fields.String(), values=ma.fields.List(ma.fields.String()),
        metadata={"description": "422: each bad field (or question id) and its messages"},
    )
    rule = ma.fields.String(metadata={"description": "409: the clause of RULES.md the request breaks"})
    field = ma.fields.String(metadata={"description": "409: the field the rule concerns"})
    details = ma.fields.Dict(metadata={"description": "409: the facts behind the refusal"})


def error_response(code: int, status: str, message: str, headers: dict[str, str] | None = None,
                   **extra: Any) -> Response:
    body: dict[str, Any] = {"code": code, "status": status, "message": message}
    body.update({k: v for k, v in extra.items() if v is not None})
    response = jsonify(body)
    response.status_code = code
    for k, v in (headers or {}).items():
        response.headers[k] = v
    return response


def _flatten(errors: Any, prefix: str = "") -> dict[str, list[str]]:
    """webargs nests errors by location and field ({"json": {"a": {"b": ["..."]}}}): flatten to "a.b"."""
    flat: dict[str, list[str]] = {}
    if isinstance(errors, dict):
        for key, value in errors.items():
            if isinstance(key, int):
                name = f"{prefix}[{key}]"
            else:
                name = str(key) if not prefix else f"{prefix}.{key}"
            if isinstance(value, dict):
                flat.update(_flatten(value, name))
            elif isinstance(value, list) and all(isinstance(v, str) for v in value):
                flat[name] = list(value)
            elif isinstance(value, list):
                for i, v in enumerate(value):
                    flat.update(_flatten(v, f"{name}[{i}]"))
            else:
                flat[name] = [str(value)]
    elif isinstance(errors, list):
        flat[prefix or "_schema"] = [str(e) for e in errors]
    return flat


class ContestApi(Api):
    ERROR_SCHEMA = ErrorSchema

    def handle_http_exception(self, error: HTTPException) -> Response:  # type: ignore[override]
        headers: dict[str, str] = {}
        data = getattr(error, "data", None) or {}
        errors = None
        if "messages" in data:  # webargs validation error
            messages = data["messages"]
            located = {loc: msgs for loc, msgs in messages.items() if loc != "json"}
            errors = _flatten(messages.get("json", {}))
            for loc, msgs in located.items():
                errors.update(_flatten(msgs, loc))
        elif "errors" in data:
            errors = _flatten(data["errors"])
        headers.update(data.get("headers") or {})
        retry_after = getattr(error, "retry_after", None)  # 429 from the vote's rate limit (api/ratelimit.py)
        if retry_after is not None:
            headers["Retry-After"] = str(retry_after)
        # Werkzeug's 405 carries the allowed methods; keep them in the Allow header (RFC 9110 §15.5.6).
        valid = getattr(error, "valid_methods", None)
        if error.code == 405 and valid:
            headers["Allow"] = ", ".join(sorted(valid))
        message = data.get("message") or (error.description if isinstance(error.description, str) else error.name)
        if error.code == 422 and errors:
            message = "invalid input: " + ", ".join(sorted(errors))
        if error.code == 413:
            limit = current_app.config.get("MAX_CONTENT_LENGTH")
            message = f"the request body is larger than the limit of {limit} bytes"
            errors = {"body": [message]}
        return error_response(error.code or 500, error.name, message, headers, errors=errors)


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(RuleViolation)
    def rule_violation(e: RuleViolation) -> Response:
        return error_response(409, "Conflict", e.message, rule=e.clause, field=e.field,
                              details=e.details or None)

    @app.errorhandler(PersonalCodeError)
    def bad_personal_code(e: PersonalCodeError) -> Response:
        # says which check failed, in English and Latvian; never echoes the code
        return error_response(422, "Unprocessable Entity", e.message_en, errors=e.errors,
                              details={"check": e.check, "message_lv": e.message_lv})

    @app.errorhandler(InvalidInput)
    def invalid_input(e: InvalidInput) -> Response:
        message = e.message if e.message != "invalid input" else "invalid input: " + ", ".join(sorted(e.errors))
        return error_response(422, "Unprocessable Entity", message, errors=e.errors)

    @app.errorhandler(VoteSecretsMismatch)
    def vote_secrets_mismatch(e: VoteSecretsMismatch) -> Response:
        # the server's configuration, not the resident's request: 503, naming the settings, never their values
        return error_response(503, "Service Unavailable", e.message, rule="D10",
                              details={"settings": e.settings})

    @app.errorhandler(MailNotConfigured)
    def mail_not_configured(e: MailNotConfigured) -> Response:
        # the `email` level without its mail settings (D15): the server's configuration, naming the settings
        return error_response(503, "Service Unavailable", e.message, rule="D15", details={"settings": e.settings})

    @app.errorhandler(MailError)
    def mail_not_sent(e: MailError) -> Response:
        # the SMTP server did not take the vote's link (D15): nothing is kept; never says to whom it was
        return error_response(503, "Service Unavailable", "the e-mail with the confirmation link could not be "
                              "sent; nothing was recorded; try again in a few minutes", headers={"Retry-After": "60"},
                              rule="D15", details={"mail": "not sent"})

    @app.errorhandler(PermissionError)
    def forbidden(e: PermissionError) -> Response:
        return error_response(403, "Forbidden", str(e))

    @app.errorhandler(NotFound)
    def not_found(e: NotFound) -> Response:
        return error_response(404, "Not Found", str(e))

    # The library wraps the drivers' errors in PersistenceError; the drivers' own OperationalError (a connection
    # lost, "database is locked") is mapped too, so a store fault is a 503 wherever it surfaces, never a 500.
    @app.errorhandler(PersistenceError)
    @app.errorhandler(sqlite3.OperationalError)
    @app.errorhandler(psycopg.OperationalError)
    def store_unavailable(e: Exception) -> Response:
        log.error("store unavailable: %s", type(e).__name__)
        message = ("the event store is unavailable (down, restarting or locked); try again in a few seconds. If it "
                   "failed while saving, the change may have been recorded after all: a vote sent again is then "
                   "refused as already cast, the first one standing")
        details = {"store": "unavailable"}
        stores = current_app.extensions["contest.service"].uow.stores
        if stores.replica is not None:  # CONTEST_READ_STORE: say which of the two (api/read_side.py)
            part = details["part"] = "replica" if stores.on_replica else "primary"
            message += (". The replica, which serves the reads, does not answer" if part == "replica" else
                        ". The primary, which takes every command, does not answer; reads go on from the replica")
        return error_response(503, "Service Unavailable", message, headers={"Retry-After": "2"}, details=details)
