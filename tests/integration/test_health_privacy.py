"""The public health says only up or down: the history's length would show the vote's turnout while the window
is open (D10: the live count is the secretariat's). The figures are the secretariat's, at /health/details."""

from __future__ import annotations

from flask.testing import FlaskClient

from contest.clock import FrozenClock
from contest.service import ContestService
from tests.support.helpers import bearer, cast_votes, play_round1


def test_the_public_health_does_not_follow_the_vote(client: FlaskClient, service: ContestService,
                                                    clock: FrozenClock) -> None:
    r = play_round1(service, clock)
    before = client.get("/health")
    cast_votes(service, clock, {r[0]: [5, 4, 3]})
    after = client.get("/health")
    assert before.status_code == after.status_code == 200
    assert before.get_data() == after.get_data()
    assert after.json == {"status": "ok"}


def test_the_health_details_are_the_secretariats(client: FlaskClient, service: ContestService,
                                                 tokens: dict[str, str]) -> None:
    assert client.get("/health/details").status_code == 401
    for role in ("juror", "auditor", "municipality", "council"):
        assert client.get("/health/details", headers=bearer(tokens[role])).status_code == 403, role
    body = client.get("/health/details", headers=bearer(tokens["secretariat"])).json
    assert body["events"] == service.event_count() and body["projections"]["lag"] >= 0
