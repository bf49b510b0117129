"""The secretariat's pages beside the desk as a browser without JavaScript uses them (api/desk_round3.py,
api/desk_decisions.py, api/audit_log.py): signing in to the desk, sending a page's form with its CSRF token, the
field errors of a refused form, the events a command recorded; and many residents' votes at once, for the audit
log's paging (the votes are the domain's own `Vote.Cast` events, saved in batches rather than one command each)."""

from __future__ import annotations

import html
import json
import re
from datetime import datetime, timedelta
from typing import Any

from eventsourcing.utils import get_topic
from flask.testing import FlaskClient

from contest.clock import FrozenClock
from contest.residents import fake_personal_codes
from contest.service import ContestService
from domain.actors import Actor
from domain.identity import identify
from domain.vote import Vote
from tests.support.helpers import ballot_for, cast_votes, close_vote, play_round1
from tests.support.pages import form_token, login

TIMES = ("at", "timestamp")  # what differs between the same command sent twice


def sign_in(client: FlaskClient, token: str) -> None:
    """The desk's session (again: moving the frozen clock far ends it); the next form needs a fresh CSRF token."""
    r: Any = login(client, token)
    assert r.status_code == 303, r.get_data(as_text=True)


def send(client: FlaskClient, page: str, to: str, **fields: Any) -> Any:
    """Post a form of `page` to the address `to`, with the page's CSRF token."""
    data = {"csrf_token": form_token(client, page), **{k: str(v) for k, v in fields.items()}}
    return client.post(to, data=data)


def field_errors(response: Any) -> dict[str, str]:
    """The refused form's messages at their fields (id -> text) and in its summary ("form")."""
    page = response.get_data(as_text=True)
    errors = {m.group(1)[:-6]: _text(m.group(2))
              for m in re.finditer(r'<p class="field-error" id="([^"]+)">(.*?)</p>', page, re.S)}
    form = [_text(m) for m in re.findall(r'<span class="form-error">(.*?)</span>', page, re.S)]
    if form:
        errors["form"] = " ".join(form)
    return errors


def _text(fragment: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", fragment))).strip()


def recorded(service: ContestService, event: type) -> list[dict[str, Any]]:
    """The payloads of every stored event of a class, in order."""
    return [json.loads(n.state) for n in service.store.notifications(topics=[get_topic(event)])]


def same_command(a: dict[str, Any], b: dict[str, Any], *ignore: str) -> bool:
    """Two events record the same thing: equal but for their times (and the fields in `ignore`)."""
    skip = {*TIMES, *ignore}
    return {k: v for k, v in a.items() if k not in skip} == {k: v for k, v in b.items() if k not in skip}


def tied(service: ContestService, clock: FrozenClock) -> list[str]:
    """Round 2 with r3 and r4 tied for the 4th place in jury points, the chair's points tied too (D11): four seats
    rank r3 above r4, four r4 above r3, and the chair gives both 0 (tests/integration/test_round2.py's case).
    Returns round 2's municipalities (r)."""
    r = play_round1(service, clock)
    outsider = next(m.code for m in service.contest(2024).municipalities if m.code not in r)
    cast_votes(service, clock, {outsider: [5]})
    close_vote(service, clock)
    a, b = [r[0], r[1], r[2], r[3], r[4]], [r[0], r[1], r[2], r[4], r[3]]
    orders = {"varam": a, "lm": a, "izm": a, "fmt": a, "ugf": b, "vpd": b, "vk-pkc": b, "ldga": b,
              "sif": [r[0], r[1], r[2], r[5], r[6]]}
    for seat, order in orders.items():
        points, just = ballot_for(r, order)
        service.round2.cast_ballot(2024, seat, points, just, cast_by=None, actor=Actor("juror", seat, seat=seat))
    return r


def bulk_votes(service: ContestService, clock: FrozenClock, n: int, *, start: datetime, every: timedelta,
               municipality: str = "LV-RIX", seed: int = 4242, batch: int = 500) -> list[str]:
    """`n` residents' votes, one `every` apart from `start`, decided by the domain (`Vote.cast`) and saved in
    batches; the first goes through the service, which binds the vote secrets (D10). Returns the fake personal
    codes used (for the tests that no page shows them)."""
    codes = fake_personal_codes(n, seed=seed)
    clock.set(start)
    service.round2.cast_vote(2024, personal_code=codes[0], municipality=municipality, rating=4)
    secrets, contest = service.secrets(), service.contest(2024)
    pending: list[Vote] = []
    for i, code in enumerate(codes[1:], start=1):
        at = start + every * i
        identity = identify(code, verified="code", secret=secrets.voter, receipt_secret=secrets.receipt, year=2024,
                            today=contest.local_day(at))
        pending.append(Vote.cast(contest, identity=identity, municipality=municipality, rating=1 + i % 5,
                                 comment=None, at=at))
        if len(pending) == batch:
            service.store.save(*pending)
            pending = []
    if pending:
        service.store.save(*pending)
    clock.set(start + every * n)
    return codes
