"""The identity level `email` over the API (D15), against a real SMTP server on loopback (tests/support/smtp.py):
a vote asked for is mailed as a one-time link and recorded only once the link is confirmed, verified "email" and
with its address claim; an expired, used or unknown link records nothing; one counted vote per personal code and
per address; the typed code alone counts for nothing under this level."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from threading import Barrier

import pytest
from eventsourcing.utils import get_topic
from flask.testing import FlaskClient

from contest.clock import FrozenClock
from contest.residents import fake_personal_codes
from contest.service import ContestService
from domain.errors import DomainError
from domain.vote import AddressClaim, Vote
from domain.vote_link import PENDING_MAX
from tests.conftest import bearer
from tests.support.email_votes import ask, confirm, use_email_level
from tests.support.helpers import SEC, another_instance
from tests.support.smtp import SENDER, Inbox, service_log

INSIDE = datetime(2024, 8, 20, 12, 0, tzinfo=timezone.utc)  # 15:00 in Rīga
CODES = fake_personal_codes(8, seed=1501)
ADDRESS = "Vards.Uzvards@Example.LV"  # kept, compared and sent as vards.uzvards@example.lv


@pytest.fixture
def voting(service: ContestService, clock: FrozenClock, smtp: Inbox) -> FrozenClock:
    use_email_level(service)
    clock.set(INSIDE)
    return clock


def casts(service: ContestService) -> list[Vote.Cast]:
    to_event = service.store.mapper.to_domain_event
    return [to_event(n) for n in service.store.notifications(topics=[get_topic(Vote.Cast)])]


def claims(service: ContestService) -> list[AddressClaim.Claimed]:
    to_event = service.store.mapper.to_domain_event
    return [to_event(n) for n in service.store.notifications(topics=[get_topic(AddressClaim.Claimed)])]


def test_a_vote_is_recorded_only_once_the_mailed_link_is_confirmed(client: FlaskClient, service: ContestService,
                                                                   voting: FrozenClock, smtp: Inbox) -> None:
    before = service.event_count()
    r = ask(client, CODES[0], ADDRESS, "LV-RIX", 4, comment="Labi bērnudārzi")
    assert r.status_code == 201, r.json
    assert r.json == {"sent_to": "v***@example.lv", "expires_at": "2024-08-20T12:30:00Z"}
    assert service.event_count() == before and casts(service) == []  # nothing is recorded yet

    mail = smtp.last("vards.uzvards@example.lv")
    assert mail.rcpt_tos == ["vards.uzvards@example.lv"] and len(smtp) == 1
    assert mail.message["From"] == SENDER and mail.message["Subject"] == "Apstipriniet savu balsi / Confirm your vote"
    assert mail.message.get_content_charset() == "utf-8"
    text = mail.text
    assert text.index("Labdien!") < text.index("Hello,")  # Latvian first, then English, in one mail
    assert "līdz 2024. gada 20. augustam plkst. 15.30 (Latvijas laikā)" in text
    assert "until 20 August 2024, 15:30 (Latvian time)" in text
    assert "pašvaldība Rīga, vērtējums 4" in text or "vērtējums 4" in text
    assert mail.link.startswith("http://127.0.0.1:8000/balsot/apstiprinat/") and text.count(mail.link) == 2
    assert CODES[0] not in text and "Labi bērnudārzi" not in text  # no personal code, no comment in a mailbox

    done = confirm(client, mail.token)
    assert done.status_code == 201, done.json
    assert done.json["municipality"] == "LV-RIX" and done.json["rating"] == 4 and len(done.json["receipt"]) == 14
    [cast] = casts(service)
    assert cast.verified == "email" and cast.receipt == done.json["receipt"] and cast.comment == "Labi bērnudārzi"
    assert cast.at == INSIDE and cast.network is not None
    [claim] = claims(service)
    assert claim.vote == str(cast.originator_id) and claim.year == 2024
    results = client.get("/api/contests/2024/votes/results", headers=bearer(sec_token(service))).json
    assert results["total"] == 1


def sec_token(service: ContestService) -> str:
    return service.issue_token("secretariat", actor=SEC)[0]


def test_the_typed_code_alone_counts_for_nothing_under_email(client: FlaskClient, service: ContestService,
                                                             voting: FrozenClock) -> None:
    before = service.event_count()
    r = client.post("/api/contests/2024/votes", json={"personal_code": CODES[0], "municipality": "LV-RIX",
                                                      "rating": 5})
    assert r.status_code == 409 and r.json["rule"] == "D15", r.json
    assert service.event_count() == before


def test_under_code_a_request_by_mail_is_refused(client: FlaskClient, service: ContestService, clock: FrozenClock,
                                                 smtp: Inbox) -> None:
    clock.set(INSIDE)
    r = ask(client, CODES[0], ADDRESS)
    assert r.status_code == 409 and r.json["rule"] == "D15", r.json
    assert len(smtp) == 0 and service.round2.requests.count() == 0


def test_an_expired_link_records_nothing(client: FlaskClient, service: ContestService, voting: FrozenClock,
                                         smtp: Inbox) -> None:
    assert ask(client, CODES[0], ADDRESS).status_code == 201
    token = smtp.last("vards.uzvards@example.lv").token
    voting.advance(timedelta(minutes=30))  # the link lives 30 minutes: at 12:30 it has expired
    before = service.event_count()
    r = confirm(client, token)
    assert r.status_code == 409 and r.json["rule"] == "D15" and r.json["field"] == "token", r.json
    assert "expired" in r.json["message"] and r.json["details"]["expires_at"] == "2024-08-20T12:30:00Z"
    assert service.event_count() == before and casts(service) == []
    assert confirm(client, token).status_code == 409  # still expired, still nothing
    assert ask(client, CODES[0], ADDRESS).status_code == 201  # a new link may be asked for


def test_a_used_link_records_nothing_more(client: FlaskClient, service: ContestService, voting: FrozenClock,
                                          smtp: Inbox) -> None:
    assert ask(client, CODES[0], ADDRESS).status_code == 201
    token = smtp.last("vards.uzvards@example.lv").token
    assert confirm(client, token).status_code == 201
    before = service.event_count()
    again = confirm(client, token)
    assert again.status_code == 409 and again.json["rule"] == "D15", again.json
    assert again.json["message"] == "this link has been used; your vote is recorded"
    assert service.event_count() == before and len(casts(service)) == 1


def test_an_unknown_link_is_404_and_never_echoed(client: FlaskClient, service: ContestService,
                                                 voting: FrozenClock) -> None:
    for token in ("A" * 43, "x", "not/a/token", "é" * 30):
        r = confirm(client, token)
        assert r.status_code == 404, r.json
        assert len(token) < 5 or token not in r.get_data(as_text=True)


def test_one_vote_per_address_another_code_is_refused(client: FlaskClient, service: ContestService,
                                                      voting: FrozenClock, smtp: Inbox) -> None:
    assert ask(client, CODES[0], ADDRESS).status_code == 201
    assert ask(client, CODES[1], "vards.uzvards@example.lv").status_code == 201  # both pending: nothing counted
    first, second = (m.token for m in smtp.to("vards.uzvards@example.lv"))
    assert confirm(client, first).status_code == 201
    before = service.event_count()
    r = confirm(client, second)  # the pending one of another code, from the same address
    assert r.status_code == 409 and (r.json["rule"], r.json["field"]) == ("D15", "email"), r.json
    r = ask(client, CODES[2], " VARDS.uzvards@example.lv ")  # and a new request is refused at once, no mail
    assert r.status_code == 409 and (r.json["rule"], r.json["field"]) == ("D15", "email"), r.json
    assert service.event_count() == before and len(smtp) == 2


def test_one_vote_per_code_another_address_is_refused(client: FlaskClient, service: ContestService,
                                                      voting: FrozenClock, smtp: Inbox) -> None:
    assert ask(client, CODES[0], "pirma@example.lv").status_code == 201
    assert ask(client, CODES[0], "otra@example.lv").status_code == 201
    assert confirm(client, smtp.last("otra@example.lv").token).status_code == 201
    before = service.event_count()
    r = confirm(client, smtp.last("pirma@example.lv").token)
    assert r.status_code == 409 and r.json["rule"] == "§4.6.6, D10" and r.json["field"] == "personal_code", r.json
    r = ask(client, CODES[0], "tresa@example.lv")
    assert r.status_code == 409 and r.json["rule"] == "§4.6.6, D10", r.json
    assert service.event_count() == before and len(smtp) == 2 and len(casts(service)) == 1


def test_two_confirmations_of_one_link_at_once_record_one_vote(store_url: str, service: ContestService,
                                                               voting: FrozenClock, smtp: Inbox) -> None:
    sent = service.round2.request_vote(2024, personal_code=CODES[0], email=ADDRESS, municipality="LV-RIX", rating=3)
    assert sent.sent_to == "v***@example.lv"
    token = smtp.last("vards.uzvards@example.lv").token
    with another_instance(store_url, voting) as other:
        barrier = Barrier(2)

        def go(svc: ContestService) -> str:
            barrier.wait()
            try:
                svc.round2.confirm_vote(token, 2024)
                return "recorded"
            except DomainError as e:
                return type(e).__name__

        with ThreadPoolExecutor(2) as pool:
            outcomes = sorted(pool.map(go, (service, other)))
    assert outcomes[1] == "recorded" and outcomes[0] in ("AlreadyVoted", "LinkUsed"), outcomes
    assert len(casts(service)) == 1 and len(claims(service)) == 1


def test_live_links_to_one_address_are_limited_not_those_of_a_code(
        client: FlaskClient, service: ContestService, voting: FrozenClock, smtp: Inbox) -> None:
    for code in CODES[:PENDING_MAX]:
        assert ask(client, code, "cits@example.lv").status_code == 201
    r = ask(client, CODES[PENDING_MAX], "cits@example.lv")  # a stranger's mailbox is not flooded
    assert r.status_code == 409 and (r.json["rule"], r.json["field"]) == ("D15", "email"), r.json
    assert r.json["details"]["until"] == "2024-08-20T12:30:00Z"
    # a code's links are not limited: whoever knows a resident's code cannot keep them from asking
    for i in range(PENDING_MAX + 1):
        assert ask(client, CODES[5], f"adrese{i}@example.lv", address=f"192.0.2.{20 + i}").status_code == 201
    assert len(smtp) == 2 * PENDING_MAX + 1
    voting.advance(timedelta(minutes=31))  # the links expire: room again
    assert ask(client, CODES[PENDING_MAX], "cits@example.lv").status_code == 201


def test_bad_input_is_422_and_sends_nothing(client: FlaskClient, service: ContestService, voting: FrozenClock,
                                            smtp: Inbox) -> None:
    for email in ("", "nav-adrese", "a@b", "vārds@example.lv\nBcc: x@example.lv", "a@example.lv, b@example.lv"):
        r = ask(client, CODES[0], email)
        assert r.status_code == 422 and "email" in r.json["errors"], (email, r.json)
    r = ask(client, "150385-11504", ADDRESS)
    assert r.status_code == 422 and r.json["details"]["check"] == "check_digit"
    assert ask(client, CODES[0], ADDRESS, rating=7).status_code == 422
    assert len(smtp) == 0 and service.round2.requests.count() == 0


def test_without_mail_settings_nothing_is_taken_by_email(client: FlaskClient, service: ContestService,
                                                         voting: FrozenClock, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("CONTEST_SMTP_HOST", "CONTEST_MAIL_SENDER", "CONTEST_PUBLIC_URL"):
        monkeypatch.delenv(name)
    service.round2.requests._config = None  # read again, as a process started without them would
    r = ask(client, CODES[0], ADDRESS)
    assert r.status_code == 503 and r.json["rule"] == "D15", r.json
    assert r.json["details"]["settings"] == ["CONTEST_SMTP_HOST", "CONTEST_MAIL_SENDER", "CONTEST_PUBLIC_URL"]
    assert service.round2.requests.count() == 0


def test_a_mail_server_that_is_down_leaves_nothing(client: FlaskClient, service: ContestService,
                                                   voting: FrozenClock, smtp: Inbox,
                                                   monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
                                                   ) -> None:
    from tests.support.smtp import free_port

    monkeypatch.setenv("CONTEST_SMTP_PORT", str(free_port()))  # nobody listens there
    service.round2.requests._config = None
    r = ask(client, CODES[0], ADDRESS)
    assert r.status_code == 503 and r.headers["Retry-After"] == "60", r.json
    assert service.round2.requests.count() == 0 and service.event_count() > 0 and casts(service) == []
    logged = service_log(caplog)
    assert "mail not sent" in logged and "vards" not in logged and "example.lv" not in logged


def test_spent_requests_are_cleared_and_forgotten_a_day_after_they_expire(
        client: FlaskClient, service: ContestService, voting: FrozenClock, smtp: Inbox) -> None:
    assert ask(client, CODES[0], "a@example.lv").status_code == 201
    assert ask(client, CODES[1], "b@example.lv").status_code == 201
    used, expired = smtp.last("a@example.lv").token, smtp.last("b@example.lv").token
    assert confirm(client, used).status_code == 201
    voting.advance(timedelta(hours=1))
    assert ask(client, CODES[2], "c@example.lv").status_code == 201  # sweeps the expired ones
    rows = {r["address_key"] is None: r for r in service.round2.requests.rows()}
    spent = [r for r in service.round2.requests.rows() if r["resident_key"] is None]
    assert len(spent) == 2 and all(r[k] is None for r in spent for k in ("receipt", "address_key", "municipality",
                                                                         "rating", "comment", "network"))
    assert rows[False]["resident_key"] is not None  # the live one keeps what its vote needs
    assert confirm(client, used).json["message"] == "this link has been used; your vote is recorded"
    assert "expired" in confirm(client, expired).json["message"]
    voting.advance(timedelta(days=1, hours=1))
    assert ask(client, CODES[3], "d@example.lv").status_code == 201
    assert service.round2.requests.count() == 1  # only the newest is left
    assert confirm(client, used).status_code == 404 and confirm(client, expired).status_code == 404


def test_the_window_is_checked_again_at_the_confirmation(client: FlaskClient, service: ContestService,
                                                         clock: FrozenClock, smtp: Inbox) -> None:
    use_email_level(service)
    closes = service.contest(2024).window.closes_at
    clock.set(closes - timedelta(minutes=5))
    assert ask(client, CODES[0], ADDRESS).status_code == 201
    clock.set(closes + timedelta(minutes=1))
    r = confirm(client, smtp.last("vards.uzvards@example.lv").token)
    assert r.status_code == 409 and r.json["rule"] == "§4.6.6", r.json
    assert casts(service) == []
