"""The outbox's tests (domain/notification.py): a finalist's visit with its notice recorded (§4.7.2), the mail
settings for an inbox on loopback, and the notifications' events as recorded."""

from __future__ import annotations

from typing import Any

from eventsourcing.utils import get_topic
from flask.testing import FlaskClient

from contest.clock import FrozenClock
from contest.service import ContestService
from domain.notification import Notification
from tests.support.round3 import DAYS, Steps, day, reach_round3

NOTICE_ADDRESSES = ("dome@example.lv", "mers@example.lv", "kontakts@example.lv")  # tests.support.round3.WHO
TOPICS = {name: get_topic(getattr(Notification, name))
          for name in ("Queued", "Attempting", "Sent", "Failed", "GaveUp", "LinkUsed")}


def notice_recorded(service: ContestService, clock: FrozenClock, client: FlaskClient,
                    tokens: dict[str, str]) -> tuple[str, Steps]:
    """Round 3 reached, the briefing given, the first finalist's visit planned for 20 Nov 2024 and its notice
    recorded on 4 Nov through the API; returns the finalist and the steps."""
    finalists = reach_round3(service, clock)
    steps = Steps(client, clock, tokens["secretariat"], finalists)
    assert steps.brief().status_code == 201
    assert steps.plan(finalists[0], DAYS[0]).status_code == 201
    clock.set(day("2024-11-04"))
    r = steps.notice(finalists[0], "2024-11-04")
    assert r.status_code == 201, r.json
    return finalists[0], steps


def events(service: ContestService) -> list[tuple[str, dict[str, Any]]]:
    """(event name, its fields) of every notification event, in the history's order."""
    names = {topic: name for name, topic in TOPICS.items()}
    to_event = service.store.mapper.to_domain_event
    found = []
    for n in service.store.notifications(topics=list(TOPICS.values())):
        e = to_event(n)
        found.append((names[n.topic], {k: v for k, v in e.__dict__.items()}))
    return found


def names(service: ContestService) -> list[str]:
    return [name for name, _ in events(service)]
