"""The residents' vote's fast path: POST /api/contests/<year>/votes with a well-formed body, read and answered in
front of Flask, with what the floor's handler does (bench/floor_app.py: parse the JSON, store, answer) plus the
domain's checks, the rate limit, the security headers and the access log.

The route stays flask-smorest's (api/round2.py `Votes`: its OpenAPI description, its schema VoteSchema, every
refusal of a malformed body). This path only takes the bodies that schema would take as they are: a JSON object
(sent as exactly `application/json` with a Content-Length, decoded with the same refusals as api/parsing.py: a
key given twice, NaN, a number literal over 100 characters) whose members are `personal_code` (a string of 1-20
characters), `municipality` (1-10), `rating` (a JSON integer 1-5) and optionally `comment` (null or a string of
at most 10,000), and nothing else: for those, VoteSchema's load is the identity, so the vote is cast with the same
values, and the answer is the same JSON as ReceiptSchema's dump, 201, with the headers and the access log's line
of api/operations.py. Any other request goes the whole way through Flask, webargs and marshmallow, and is refused
there exactly as before (tests/integration/test_bad_input.py, test_refused_input.py).

A vote this path counts and the domain or the store refuses (a second vote, a closed window, the store down ...)
is answered by Flask all the same: the request goes on to the route with the refusal in its environ, the route
raises it, and the app's error handlers answer it as they answer every refusal (api/errors.py), the rate limit
knowing the vote is counted already (api/ratelimit.py COUNTED). So only a vote taken is answered here.

Why in front of Flask: Flask's request cycle (its request context, the URL map's match, the before and after
hooks, the response object) cost about as much CPU as the whole vote's decision and save (the profile in
docs/BENCHMARKS.md); a vote taken needs none of it.
"""

from __future__ import annotations

import io
import json
import re
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from flask import Flask, request

from api.operations import log_access, log_path, request_id, security_headers
from api.parsing import strict_loads
from api.ratelimit import COUNTED
from domain.config import instant_str

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

VIEW = "round2.Votes"
PATH = re.compile(r"/api/contests/([0-9]{1,9})/votes")  # what the route's <int:year> matches, in ASCII digits
REFUSAL = "contest.vote_refusal"  # the environ's key of a refusal the route raises
MEMBERS = {"personal_code", "municipality", "rating", "comment"}
MAX_COMMENT = 10_000  # VoteSchema's limits
MAX_CODE = 20
MAX_MUNICIPALITY = 10
MAX_BODY = 65_536  # bytes: a plain vote's longest body (a comment of 10,000 characters, each escaped) is less
JSON_TYPE = "application/json"


def plain_vote(raw: bytes) -> dict[str, Any] | None:
    """The body as VoteSchema would load it, if it is one the schema takes as it is; else None."""
    try:
        body = strict_loads(raw.decode("utf-8"))
    except (ValueError, RecursionError):  # not UTF-8, not JSON, a key twice, NaN, a long number: the full path
        return None  # says so
    if type(body) is not dict or not body.keys() <= MEMBERS:
        return None
    code, municipality, rating = body.get("personal_code"), body.get("municipality"), body.get("rating")
    comment = body.get("comment")
    if (type(code) is not str or not 1 <= len(code) <= MAX_CODE
            or type(municipality) is not str or not 1 <= len(municipality) <= MAX_MUNICIPALITY
            or type(rating) is not int or not 1 <= rating <= 5
            or (comment is not None and (type(comment) is not str or len(comment) > MAX_COMMENT))):
        return None
    return {"personal_code": code, "municipality": municipality, "rating": rating, "comment": comment}


class VoteFastPath:
    """WSGI middleware of the app (inside werkzeug's ProxyFix, when it is on: the client's address is the one the
    rate limit and the network key see in Flask too): a plain vote taken is answered here, anything else is
    `wsgi_app`'s (Flask's)."""

    def __init__(self, app: Flask, wsgi_app: WSGIApplication) -> None:
        self.app = app
        self.wsgi_app = wsgi_app
        # the access log's path of each contest's vote, redacted once (log_path): only the paths of votes taken
        # (a contest's year, with at most a few leading zeros), never a path a request made up
        self._logged: dict[str, str] = {}

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if (environ.get("REQUEST_METHOD") != "POST" or environ.get("CONTENT_TYPE") != JSON_TYPE
                or (found := PATH.fullmatch(environ.get("PATH_INFO", ""))) is None):
            return self.wsgi_app(environ, start_response)
        started = time.perf_counter()
        length = environ.get("CONTENT_LENGTH", "")
        if not length.isdigit() or int(length) > MAX_BODY:
            return self.wsgi_app(environ, start_response)  # no length, chunked or long: Flask's to read and judge
        raw = environ["wsgi.input"].read(int(length))
        environ["wsgi.input"] = io.BytesIO(raw)  # Flask reads the same body if it answers
        body = plain_vote(raw)
        if body is None:
            return self.wsgi_app(environ, start_response)
        extensions = self.app.extensions
        address = environ.get("REMOTE_ADDR")
        counters, rates = extensions.get("contest.ratelimit"), extensions.get("contest.vote_rates")
        if counters is not None and rates and counters.hit(address or "", rates):
            return self.wsgi_app(environ, start_response)  # over the limit: the route's limit answers 429
        environ[COUNTED] = True
        try:
            vote, _ = extensions["contest.service"].round2.cast_vote(
                int(found.group(1)), personal_code=body["personal_code"], municipality=body["municipality"],
                rating=body["rating"], comment=body["comment"], client_address=address)
        except Exception as e:  # refused: answered by the app's error handlers, as every refusal is
            environ[REFUSAL] = e
            return self.wsgi_app(environ, start_response)
        payload = json.dumps({"receipt": vote.receipt, "municipality": vote.municipality, "rating": vote.rating,
                              "at": instant_str(vote.at)}, ensure_ascii=False, separators=(",", ":"))
        data = (payload + "\n").encode()
        rid = request_id(environ.get("HTTP_X_REQUEST_ID", ""))
        path = environ.get("PATH_INFO", "")
        start_response("201 CREATED", [
            ("Content-Type", JSON_TYPE), ("Content-Length", str(len(data))), ("X-Request-ID", rid),
            *security_headers(path, environ.get("wsgi.url_scheme") == "https"), ("Cache-Control", "no-store")])
        logged = self._logged.get(path)
        if logged is None:
            logged = self._logged[path] = log_path(path)
        log_access("POST", logged, 201, rid, started, redacted=True)
        return [data]


def raises_refusal(view: Callable[..., Any]) -> Callable[..., Any]:
    """The route's view, raising first the refusal the fast path met, if any."""

    def route(*args: Any, **kwargs: Any) -> Any:
        refusal = request.environ.pop(REFUSAL, None)
        if refusal is not None:
            raise refusal
        return view(*args, **kwargs)

    route.__name__ = getattr(view, "__name__", "votes")
    route.__doc__ = view.__doc__
    return route


def init_app(app: Flask) -> None:
    """Put the fast path in front of the app (before api/operations.py wraps the app in ProxyFix and the route in
    the rate limit)."""
    app.view_functions[VIEW] = raises_refusal(app.view_functions[VIEW])
    app.wsgi_app = VoteFastPath(app, app.wsgi_app)  # type: ignore[method-assign]
