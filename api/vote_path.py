"""The residents' vote's lean path: POST /api/contests/<year>/votes with a well-formed body, read and answered with
what the floor's handler does (bench/floor_app.py: Flask, json.loads, one response) plus the domain's checks.

The route stays flask-smorest's (api/round2.py `Votes`: its OpenAPI description, its schema VoteSchema, every
refusal of a malformed body). This path only takes the bodies that schema would take as they are: a JSON object
(sent as exactly `application/json`, decoded with the same refusals as api/parsing.py: a key given twice, NaN,
a number literal over 100 characters) whose members are `personal_code` (a string of 1-20 characters),
`municipality` (1-10), `rating` (a JSON integer 1-5) and optionally `comment` (null or a string of at most
10,000), and nothing else: for those, VoteSchema's load is the identity, so the vote is cast with the same
values, and the answer is the same JSON as ReceiptSchema's dump, 201. Any other body goes the full way, through
webargs and marshmallow, and is refused there exactly as before (tests/integration/test_bad_input.py,
test_refused_input.py). The rate limit (api/operations.py) wraps this view like the one it stands in front of.
A measured profile of the vote is in
docs/BENCHMARKS.md.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask, current_app, request

from api.parsing import strict_loads
from domain.config import instant_str

VIEW = "round2.Votes"
MEMBERS = {"personal_code", "municipality", "rating", "comment"}
MAX_COMMENT = 10_000  # VoteSchema's limits
MAX_CODE = 20
MAX_MUNICIPALITY = 10


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


def lean(full: Callable[..., Any]) -> Callable[..., Any]:
    """The vote's view: a plain body cast here, any other request handed to `full` (flask-smorest's view)."""

    def view(*args: Any, **kwargs: Any) -> Any:
        if request.method != "POST" or request.headers.get("Content-Type") != "application/json":
            return full(*args, **kwargs)  # any other type, parameters included, is webargs' to judge
        body = plain_vote(request.get_data(cache=True))
        if body is None:
            return full(*args, **kwargs)
        vote, _ = current_app.extensions["contest.service"].round2.cast_vote(
            kwargs["year"], personal_code=body["personal_code"], municipality=body["municipality"],
            rating=body["rating"], comment=body["comment"], client_address=request.remote_addr)
        return {"receipt": vote.receipt, "municipality": vote.municipality, "rating": vote.rating,
                "at": instant_str(vote.at)}, 201

    view.__name__ = getattr(full, "__name__", "votes")
    view.__doc__ = full.__doc__
    return view


def init_app(app: Flask) -> None:
    """Put the lean path in front of the vote's route (before api/operations.py wraps it in the rate limit)."""
    app.view_functions[VIEW] = lean(app.view_functions[VIEW])
