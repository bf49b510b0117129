"""Bearer-token authentication and role checks (401 without or with a bad token, 403 for the wrong role).

Tokens are looked up by their SHA-256 and compared in constant time (domain.access); the token itself is never
stored or logged. The anonymous public needs no token.
"""

from __future__ import annotations

from collections.abc import Callable
from copy import deepcopy
from functools import wraps
from typing import Any, TypeVar

from flask import current_app, g, request
from flask_smorest.utils import deepupdate

from api.errors import error_response
from domain.actors import ANONYMOUS, Actor

F = TypeVar("F", bound=Callable[..., Any])

SECURITY = [{"bearerAuth": []}]


def _service() -> Any:
    return current_app.extensions["contest.service"]


def request_actor() -> Actor | None:
    """The actor of this request: ANONYMOUS without a header, None for a header that does not authenticate."""
    header = request.headers.get("Authorization")
    if header is None:
        return ANONYMOUS
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return _service().authenticate(token.strip())


def current_actor() -> Actor:
    return g.get("actor", ANONYMOUS)


def require(*roles: str) -> Callable[[F], F]:
    """Allow only these roles; documents the bearer scheme and the 401/403 answers in OpenAPI."""

    def decorator(fn: F) -> F:
        @wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            actor = request_actor()
            if actor is None:
                return error_response(401, "Unauthorized", "the bearer token is unknown, malformed or revoked",
                                      headers={"WWW-Authenticate": 'Bearer realm="contest"'})
            if actor is ANONYMOUS:
                return error_response(401, "Unauthorized", "this needs a bearer token (Authorization: Bearer …)",
                                      headers={"WWW-Authenticate": 'Bearer realm="contest"'})
            if actor.role not in roles:
                return error_response(403, "Forbidden",
                                      f"the {actor.role} role may not do this; allowed: {', '.join(roles)}")
            g.actor = actor
            return fn(*args, **kwargs)

        apidoc = deepcopy(getattr(wrapper, "_apidoc", {}))
        apidoc["manual_doc"] = deepupdate(deepcopy(apidoc.get("manual_doc", {})), {
            "security": SECURITY,
            "x-roles": list(roles),
            "responses": {
                "401": {"description": "No token, or a token that does not authenticate",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
                "403": {"description": f"Allowed only for: {', '.join(roles)}",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
            },
        })
        wrapper._apidoc = apidoc  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorator

