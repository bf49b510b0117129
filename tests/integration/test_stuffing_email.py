"""Stuffing the residents' vote under identity level `email` (D15, §4.6.6): the script of the `code` level's
stuffing test (tests/integration/test_stuffing.py) sends a thousand made-up but valid new-form personal codes
from three client networks, each with an address of its own. Every request passes the vote's checks (D10 checks
only a new-form code's form) and its link is mailed, yet none is counted: a vote is recorded only once its link
is opened, and the links went to mailboxes the stuffer does not read. The tally is the honest residents' exactly,
the history holds no event of the stuffing, the verifiers agree; and the requests count against the vote's rate
limit per client address like the vote itself (api/ratelimit.py)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
from eventsourcing.utils import get_topic

from api.app import create_app
from contest.audit import export_lines
from contest.clock import FrozenClock
from contest.residents import fake_personal_codes
from contest.service import ContestService
from contest.verify import verify_file
from domain.personal_code import is_new_form
from domain.vote import Vote
from projections.views import Views
from tests.conftest import bearer
from tests.support.email_votes import ask, confirm, use_email_level
from tests.support.smtp import Inbox

HONEST = 40
STUFFED = 1000  # each is mailed over SMTP: what the test shows does not grow with the count
STUFFER_NETWORKS = ("198.51.100.", "203.0.113.", "192.0.2.")  # three /24s
HONEST_FROM = datetime(2024, 8, 2, 6, 0, tzinfo=timezone.utc)
STUFFING_AT = datetime(2024, 8, 20, 12, 0, tzinfo=timezone.utc)


def test_a_thousand_made_up_codes_count_for_nothing_without_their_links(
        service: ContestService, clock: FrozenClock, smtp: Inbox, tokens: dict[str, str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONTEST_VOTE_RATE_LIMIT", "off")  # the stuffer got past the rate limit
    client = create_app(service, {"TESTING": True}).test_client()
    sec = bearer(tokens["secretariat"])
    use_email_level(service)
    municipalities = [m.code for m in service.contest(2024).municipalities]
    target = municipalities[-1]

    # the honest residents: each asks from a network of their own and opens the link in the mail
    honest_codes = fake_personal_codes(HONEST, seed=41)
    for i, code in enumerate(honest_codes):
        clock.set(HONEST_FROM + timedelta(hours=7 * i))
        address = f"100.64.{i}.{1 + i % 250}"
        r = ask(client, code, f"iedzivotajs{i}@example.lv", municipalities[i % 7], 1 + i % 5, address=address)
        assert r.status_code == 201, r.json
        assert confirm(client, smtp.last(f"iedzivotajs{i}@example.lv").token, address).status_code == 201
    honest_results = client.get("/api/contests/2024/votes/results", headers=sec).json
    assert honest_results["total"] == HONEST
    events_before, mails_before = service.event_count(), len(smtp)

    # the stuffer: made-up new-form codes, all 5 for one municipality, from three /24s within minutes
    stuffed = fake_personal_codes(STUFFED, seed=42, new_form_share=1)
    assert not set(stuffed) & set(honest_codes) and all(is_new_form(c) for c in stuffed)
    clock.set(STUFFING_AT)
    statuses: dict[int, int] = {}
    for i, code in enumerate(stuffed):
        clock.advance(timedelta(milliseconds=100))
        r = ask(client, code, f"balss{i}@stuffer.example.com", target, 5,
                address=f"{STUFFER_NETWORKS[i % 3]}{1 + i % 150}")
        statuses[r.status_code] = statuses.get(r.status_code, 0) + 1
    assert statuses == {201: STUFFED}  # every request passes the checks and its link is mailed ...
    assert len(smtp) == mails_before + STUFFED

    # ... and none is counted: nothing of the stuffing is in the history, the tally is the honest one exactly
    assert service.event_count() == events_before
    assert client.get("/api/contests/2024/votes/results", headers=sec).json == honest_results
    assert client.get("/api/contests/2024/votes/clusters", headers=sec).json["clusters"] == []
    # the vote without the link is refused (D15), and a guessed link is unknown
    r = client.post("/api/contests/2024/votes", json={"personal_code": stuffed[0], "municipality": target,
                                                      "rating": 5})
    assert r.status_code == 409 and r.json["rule"] == "D15"
    assert confirm(client, "A" * 43).status_code == 404
    # the links expire unopened: still nothing counts, and the requests are cleared
    clock.advance(timedelta(hours=1))
    assert ask(client, fake_personal_codes(1, seed=43)[0], "vel.viens@example.lv", target, 4).status_code == 201
    assert sum(r["resident_key"] is not None for r in service.round2.requests.rows()) == 1
    assert service.event_count() == events_before

    # every vote in the history is an honest one, verified by e-mail, and the export verifies
    to_event = service.store.mapper.to_domain_event
    cast = [to_event(n) for n in service.store.notifications(topics=[get_topic(Vote.Cast)])]
    assert len(cast) == HONEST and all(c.verified == "email" and c.municipality != target for c in cast)
    report = verify_file(iter(line + "\n" for line in export_lines(service.store)), Views())
    assert report.ok, report.text()
    assert report.results["votes by identity level (2024)"] == {"email": HONEST}


def page_post(client: object, path: str, **data: str) -> int:
    html = client.get(path).get_data(as_text=True)  # type: ignore[attr-defined]
    token = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert token
    return int(client.post(path, data={"csrf_token": token.group(1), **data},  # type: ignore[attr-defined]
                           environ_base={"REMOTE_ADDR": "198.51.100.7"}).status_code)


def test_requests_and_confirmations_count_against_the_votes_rate_limit(
        service: ContestService, clock: FrozenClock, smtp: Inbox, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONTEST_VOTE_RATE_LIMIT", "6 per hour")
    client = create_app(service, {"TESTING": True}).test_client()
    use_email_level(service)
    clock.set(STUFFING_AT)
    codes = iter(fake_personal_codes(20, seed=44, new_form_share=1))
    one = "198.51.100.7"
    # one budget per client address for asking, confirming, the code vote and the pages' forms
    assert [ask(client, next(codes), f"s{i}@stuffer.example.com", address=one).status_code for i in range(3)] == \
        [201] * 3
    assert confirm(client, smtp.last("s0@stuffer.example.com").token, one).status_code == 201
    vote = client.post("/api/contests/2024/votes", json={"personal_code": next(codes), "municipality": "LV-RIX",
                                                         "rating": 5}, environ_base={"REMOTE_ADDR": one})
    assert vote.status_code == 409  # refused (D15), and counted
    link = "/balsot/apstiprinat/" + smtp.last("s1@stuffer.example.com").token
    assert page_post(client, link) == 303  # the confirmation page's button, the sixth: recorded, to the receipt
    for refused in (ask(client, next(codes), "s9@stuffer.example.com", address=one), confirm(client, "B" * 43, one)):
        assert refused.status_code == 429 and 0 < int(refused.headers["Retry-After"]) <= 3600, refused.json
    assert page_post(client, "/balsot", municipality="LV-RIX", rating="4", comment="", email="t@example.lv",
                     personal_code=next(codes)) == 429
    assert page_post(client, "/balsot/apstiprinat/" + smtp.last("s2@stuffer.example.com").token) == 429
    assert len(smtp) == 3
    # another address has its own budget
    assert ask(client, next(codes), "cits@example.lv", address="100.64.0.1").status_code == 201
