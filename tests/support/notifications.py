"""The outbox's tests (domain/notification.py): a finalist's visit with its notice recorded (§4.7.2), through the
API or in the form recorded before the addresses left the history, the mail settings for an inbox on loopback,
and the notifications' events as recorded."""

from __future__ import annotations

from datetime import date
from typing import Any

from eventsourcing.utils import get_topic
from flask.testing import FlaskClient

from contest.clock import FrozenClock
from contest.service import ContestService
from domain.notice import Recipients
from domain.notification import Notification
from domain.visit import Visit, visit_id
from tests.support.helpers import SEC
from tests.support.round3 import DAYS, WHO, Steps, day, reach_round3

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


def old_form_notice(service: ContestService, clock: FrozenClock, municipality: str, on: str) -> Visit:
    """Record a notice as the service recorded it before the addresses left the history: `recipients` with the
    addresses in clear ({municipality_email, mayor {name, email}, contact {…}}) and texts naming them after the
    names. Written straight to the store (the notice command no longer makes this form)."""
    clock.set(day(on))
    visit: Visit = service.store.repository.get(visit_id(2024, municipality))
    contest = service.contest(2024)
    notice_date = date.fromisoformat(on)
    who = Recipients.parse(WHO)
    visit.check_notice(contest, notice_date, WHO, at=clock.now())
    texts = visit.notice_texts(contest, notice_date, who)
    name = visit.municipality_name(contest)
    lines = {f"- pašvaldība: {name}": WHO["municipality_email"],
             f"- the municipality: {name}": WHO["municipality_email"],
             f"- domes priekšsēdētājs: {who.mayor.name}": who.mayor.email,
             f"- the mayor (chair of the council): {who.mayor.name}": who.mayor.email,
             f"- kontaktpersona: {who.contact.name}": who.contact.email,
             f"- the contact person: {who.contact.name}": who.contact.email}
    old = {lang: "\n".join(f"{line} ({lines[line]})" if line in lines else line for line in text.split("\n"))
           for lang, text in texts.items()}
    assert all(address in old["lv"] and address in old["en"] for address in NOTICE_ADDRESSES)
    visit._notice_recorded(notice_date=notice_date, recipients=dict(WHO), visit_date=visit.plan.day,
                           arrival=visit.plan.arrival, duration_minutes=visit.plan.duration_minutes,
                           mode=visit.plan.mode, text_lv=old["lv"], text_en=old["en"], actor=SEC.as_dict(),
                           at=clock.now())
    service.store.save(visit)
    return visit
