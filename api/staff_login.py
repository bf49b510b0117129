"""Staff sign-in for the pages (the secretariat's desk, api/desk.py; the municipality's pages, api/municipality.py): a
token opens a server-side session (contest/sessions.py); the browser keeps only the session's random id, in the
pages' signed session cookie (api/page_support.py: HttpOnly, SameSite=Lax, Secure and named
``__Host-contest_session`` except for plain HTTP on a loopback host), never the token. Logout deletes the session on
the server, so a copy of the cookie opens nothing afterwards; revoking the token ends its sessions; every request
checks the session and the token again.

Failed sign-ins are throttled per client address and per token id (domain.access.token_id_for: the same token
tried from many addresses), counted in the shared counters' file of the vote's rate limit (api/ratelimit.py), so
every worker of a host sees them. While either is over its limit every attempt from that address or with that
token is refused with 429 and Retry-After, also a right one; a right token from another address is not held up by
an address's failures. Only failures are counted.

CONTEST_LOGIN_THROTTLE  failed sign-ins allowed per client address and per token id (default "10 per 15 minutes";
                        the same syntax as CONTEST_VOTE_RATE_LIMIT; "off" disables the throttle)
"""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Collection
from dataclasses import dataclass

from flask import Flask, current_app, request, session

from api import page_support as ps
from api.ratelimit import Counters, Rate, parse_rates
from contest.settings import rate_limit_file
from domain.access import token_digest, token_id_for
from domain.actors import Actor

DEFAULT_THROTTLE = "10 per 15 minutes"
SESSION_KEY = "staff"
THROTTLE = "contest.login_throttle"
log = logging.getLogger("contest.login")


@dataclass(frozen=True)
class Attempt:
    """A sign-in's outcome: `refusal` is None (signed in), "empty", "unknown" (unknown, malformed or revoked),
    "role" (a valid token of another role) or "throttled" (then `wait` seconds, for Retry-After)."""

    actor: Actor | None = None
    refusal: str | None = None
    wait: int = 0


def init_app(app: Flask) -> None:
    """The throttle's counters, once per app (the desk and the municipality's pages share them)."""
    if THROTTLE in app.extensions:
        return
    rates = parse_rates(os.environ.get("CONTEST_LOGIN_THROTTLE", DEFAULT_THROTTLE), "CONTEST_LOGIN_THROTTLE")
    if rates:
        store_url = app.extensions["contest.service"].store.store_url
        app.extensions[THROTTLE] = (Counters(rate_limit_file(store_url)), rates)


def _throttle() -> tuple[Counters, list[Rate]] | None:
    return current_app.extensions.get(THROTTLE)


def session_actor(roles: Collection[str]) -> Actor | None:
    """The actor of this request's live session if its role is one of `roles`; else None (and the session's id is
    dropped from the cookie)."""
    session_id = session.get(SESSION_KEY)
    if not isinstance(session_id, str):
        return None
    actor = ps.service().session_actor(session_id)
    if actor is None or actor.role not in roles:
        session.pop(SESSION_KEY, None)
        return None
    return actor


def sign_in(token: str, roles: Collection[str]) -> Attempt:
    """Check the throttle, then the token; a token of one of `roles` opens a new session (the cookie's old contents,
    its CSRF token too, are replaced: no session fixation)."""
    if not token:
        return Attempt(refusal="empty")
    keys = ("login address:" + (request.remote_addr or ""), "login token:" + token_id_for(token_digest(token)))
    throttle = _throttle()
    if throttle is not None:
        counters, rates = throttle
        wait = max(counters.blocked(key, rates) for key in keys)
        if wait:
            log.info("sign-in throttled (%s)", ", ".join(map(str, rates)))  # no address, no token id
            return Attempt(refusal="throttled", wait=max(1, math.ceil(wait)))
    actor, session_id = ps.service().sign_in(token, roles)
    if actor is None:
        if throttle is not None:
            for key in keys:
                counters.hit(key, rates)
        return Attempt(refusal="unknown")
    if session_id is None:
        return Attempt(actor=actor, refusal="role")
    session.clear()
    session[SESSION_KEY] = session_id
    return Attempt(actor=actor)


def sign_out() -> None:
    """End this request's session on the server and forget it in the cookie."""
    session_id = session.pop(SESSION_KEY, None)
    if isinstance(session_id, str):
        ps.service().sign_out(session_id)
