"""Operating the service safely: request ids and structured JSON logs, security headers, and the rate limit on the
residents' vote (§4.6.6: a public vote attracts people who try to cheat).

Logs carry the method, the path (never the query string or the body: a personal code must never reach a log),
the status, the duration and the request id; the vote secrets are never logged. A path segment holding something
shaped like a personal code (a code typed into the receipt lookup's URL) is logged as ``[redacted]`` (D10,
domain/code_shape.py), in the access log and in Flask's log of an unhandled exception, and so is the token of a
vote's one-time link (D15: /balsot/apstiprinat/[redacted], `log_path`).
CONTEST_VOTE_RATE_LIMIT  limits per client address on POST /votes, /votes/requests and /votes/confirmations and the
                         vote page's and confirmation page's forms together, across the workers
                         of one host (api/ratelimit.py; default "120/minute;20/second"; "off" disables it, e.g. for
                         load tests)
CONTEST_PROXY_FIX        how many reverse proxies in front of the service to trust (default 0: none): with "1" the
                         last proxy's X-Forwarded-For, -Proto and -Host are the client's address, scheme and host
                         (werkzeug's ProxyFix), so the rate limits see clients, not the proxy, and a request the
                         proxy took over HTTPS is secure: Secure cookies and Strict-Transport-Security. Never set it
                         without such a proxy: anyone could then claim any address or HTTPS.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
import time
import uuid
from typing import TYPE_CHECKING, Any

from flask import Flask, Response, g, request
from werkzeug.middleware.proxy_fix import ProxyFix

from api import ratelimit
from contest.notification_mail import LINK_PATH
from contest.settings import rate_limit_file
from contest.vote_link_mail import CONFIRM_PATH
from domain.code_shape import REDACTED, redact_path

if TYPE_CHECKING:
    from contest.service import ContestService

REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
access_log = logging.getLogger("contest.access")

CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; "
       "frame-ancestors 'none'; form-action 'self'; base-uri 'none'")
# Swagger UI's page boots with an inline script: allow it on /docs only.
CSP_DOCS = CSP.replace("script-src 'self'", "script-src 'self' 'unsafe-inline'")


class JsonFormatter(logging.Formatter):
    _second: tuple[int, str] = (-1, "")  # the last second formatted, and its text (one strftime a second)

    def format(self, record: logging.LogRecord) -> str:
        second, text = self._second
        if int(record.created) != second:
            second = int(record.created)
            text = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))
            self._second = (second, text)
        entry: dict[str, Any] = {
            "time": f"{text}.{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key in ("request_id", "method", "path", "status", "duration_ms", "year"):
            if hasattr(record, key):
                entry[key] = getattr(record, key)
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info).splitlines()[-1]
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(level: int = logging.INFO) -> None:
    """One JSON object per line on standard error, for every logger of the service (idempotent)."""
    root = logging.getLogger()
    if any(isinstance(h.formatter, JsonFormatter) for h in root.handlers):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root.addHandler(handler)
    root.setLevel(level)


def init_app(app: Flask) -> None:
    hops = proxy_hops(str(app.config.get("CONTEST_PROXY_FIX", os.environ.get("CONTEST_PROXY_FIX", ""))))
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]

    @app.before_request
    def start() -> None:
        g.request_id = request_id(request.headers.get("X-Request-ID", ""))
        g.started = time.perf_counter()

    @app.after_request
    def finish(response: Response) -> Response:
        response.headers["X-Request-ID"] = g.get("request_id", "")
        headers = response.headers
        for name, value in security_headers(request.path, request.is_secure):
            headers.setdefault(name, value)
        if request.path.startswith("/api/") and "Cache-Control" not in headers:
            headers["Cache-Control"] = "no-store"
        log_access(request.method, request.path, response.status_code, g.get("request_id"),
                   g.get("started", time.perf_counter()))
        return response

    def log_exception(exc_info: Any) -> None:
        """Flask's log of an unhandled exception, with the path redacted like the access log's (D10)."""
        app.logger.error("Exception on %s [%s]", log_path(request.path), request.method, exc_info=exc_info,
                         extra={"request_id": g.get("request_id")})

    app.log_exception = log_exception  # type: ignore[method-assign]

    rates = ratelimit.parse_rates(ratelimit.vote_rate_limit())
    if not rates:
        return
    # one budget per address for the API's vote and the page's (api/pages.py), shared by the host's workers
    service: ContestService = app.extensions["contest.service"]
    counters = app.extensions["contest.ratelimit"] = ratelimit.Counters(rate_limit_file(service.store.store_url))
    app.extensions["contest.vote_rates"] = rates  # for the vote's fast path too (api/vote_path.py)
    # the vote under `email` (D15) too: asking for a link and confirming one each count as a vote
    for votes_view in ("round2.Votes", "vote_links.VoteRequests", "vote_links.VoteConfirmations"):
        if votes_view in app.view_functions:
            app.view_functions[votes_view] = ratelimit.limited(
                app.view_functions[votes_view], route="api", rates=rates, counters=counters,
                message="too many votes from this address; try again later")


def request_id(given: str) -> str:
    """The request's id: the client's X-Request-ID if it is a plain one, else a new one."""
    return given if REQUEST_ID.match(given) else uuid.uuid4().hex


def security_headers(path: str, secure: bool) -> list[tuple[str, str]]:
    """The headers every response carries unless it sets them itself."""
    headers = [("X-Content-Type-Options", "nosniff"), ("X-Frame-Options", "DENY"),
               ("Referrer-Policy", "no-referrer"),
               ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
               ("Cross-Origin-Opener-Policy", "same-origin"),
               ("Content-Security-Policy", CSP_DOCS if path.startswith("/docs") else CSP)]
    if secure:
        headers.append(("Strict-Transport-Security", "max-age=31536000"))
    return headers


def log_access(method: str, path: str, status: int, request_id: str | None, started: float, *,
               redacted: bool = False) -> None:
    """The access log's line of a request answered (`started`: its time.perf_counter() at the start); `path` is
    made a log's path first (log_path: D10, D15, no personal code, no live link) unless it is one (`redacted`)."""
    logged = path if redacted else log_path(path)
    duration = (time.perf_counter() - started) * 1000
    access_log.info("%s %s %s", method, logged, status,
                    extra={"request_id": request_id, "method": method, "path": logged, "status": status,
                           "duration_ms": round(duration, 1)})


def log_path(path: str) -> str:
    """A request's path as a log line holds it: a segment shaped like a personal code is [redacted] (D10), and so
    is the token of a vote's one-time link (D15: whoever reads it could confirm that vote) and of a jury seat's
    sign-in link (whoever reads it could sign in as the seat)."""
    for secret_path in (CONFIRM_PATH, LINK_PATH):
        if path.startswith(secret_path):
            return secret_path + REDACTED
    return redact_path(path)


def proxy_hops(text: str) -> int:
    """CONTEST_PROXY_FIX: "" or "0" -> 0 (no proxy trusted), "1" -> one hop, ...; ValueError naming the setting."""
    text = text.strip()
    if not text:
        return 0
    if not text.isdigit() or int(text) > 5:
        raise ValueError(f"CONTEST_PROXY_FIX: {text!r} is not a number of proxies (0 to 5)")
    return int(text)


def log_vote_secrets_problem(service: ContestService, year: int) -> bool:
    """At a worker's start: say, once, that this process takes no vote because its vote secrets are not those the
    contest's votes were recorded with (D10). Names the settings, never a secret. Returns whether it did."""
    problem = service.round2.vote_secrets_problem(year)
    if problem is None:
        return False
    logging.getLogger("contest.secrets").error("no vote is taken by this worker: %s", problem.message)
    return True

