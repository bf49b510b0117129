"""The residents' vote under the identity level `email` (D15) as the tests drive it: the contest set to the level
before round 2 freezes it, a vote asked for over HTTP, its link confirmed."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient

from contest.service import ContestService
from tests.support.helpers import SEC


def use_email_level(service: ContestService, year: int = 2024) -> None:
    """Residents of the contest are verified by a link sent by e-mail (D15; changeable until round 2 opens)."""
    service.configure(year, "rules", {"vote_identity": "email"}, reason="votes confirmed by e-mail", actor=SEC)


def ask(client: FlaskClient, code: str, email: str, municipality: str = "LV-RIX", rating: int = 4,
        address: str = "192.0.2.10", **extra: Any) -> Any:
    """POST /votes/requests from a client address."""
    return client.post("/api/contests/2024/votes/requests",
                       json={"personal_code": code, "email": email, "municipality": municipality, "rating": rating,
                             **extra}, environ_base={"REMOTE_ADDR": address})


def confirm(client: FlaskClient, token: str, address: str = "192.0.2.10") -> Any:
    return client.post("/api/contests/2024/votes/confirmations", json={"token": token},
                       environ_base={"REMOTE_ADDR": address})
