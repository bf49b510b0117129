"""The vote's pages under the identity level `email` (D15), Latvian first and English: the vote page asks for the
e-mail address and says that the vote counts only once the mailed link is opened; after the form, "check your
mail" with the address masked and the link's expiry in a Latvian sentence; the link's page shows the vote and a
button (a GET records nothing: mail scanners fetch links), the button records it and shows the receipt; an
expired, used or unknown link says so in Latvian and records nothing."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone

import pytest
from flask.testing import FlaskClient

from contest.clock import FrozenClock
from contest.residents import fake_personal_codes
from contest.service import ContestService
from tests.support.email_votes import use_email_level
from tests.support.pages import form_token, text, token_of
from tests.support.smtp import Inbox, service_log

INSIDE = datetime(2024, 8, 20, 12, 0, tzinfo=timezone.utc)
CODE, OTHER = fake_personal_codes(2, seed=1502)
ADDRESS = "vards@example.lv"


@pytest.fixture
def voting(service: ContestService, clock: FrozenClock, smtp: Inbox) -> FrozenClock:
    use_email_level(service)
    clock.set(INSIDE)
    return clock


def ask(client: FlaskClient, lang: str = "lv", **fields: str) -> object:
    data = {"municipality": "LV-RIX", "rating": "4", "comment": "", "personal_code": CODE, "email": ADDRESS,
            **fields}
    return client.post(f"/balsot?lang={lang}", data={"csrf_token": form_token(client, f"/balsot?lang={lang}"),
                                                      **data})


def link_path(smtp: Inbox, address: str = ADDRESS) -> str:
    return "/balsot/apstiprinat/" + smtp.last(address).token


def votes(service: ContestService) -> int:
    service.readmodels.catch_up()
    return service.views.votes.total(2024)


def test_the_vote_page_asks_for_the_address_and_says_why(client: FlaskClient, voting: FrozenClock) -> None:
    r = client.get("/balsot")
    page, words = r.get_data(as_text=True), text(r)
    assert r.status_code == 200 and '<input id="email" name="email" type="email"' in page
    assert '<label for="email">E-pasta adrese</label>' in page
    assert "Šajā konkursā balsi apstiprina ar e-pastu" in words and "Saite ir derīga 30 minūtes" in words
    assert "Balss tiks ieskaitīta tikai tad, kad atvērsiet saiti un apstiprināsiet balsi." in words
    assert "Nosūtīt apstiprinājuma saiti" in words and "Iesniegt balsi" not in words
    english = text(client.get("/balsot?lang=en"))
    assert "In this contest a vote is confirmed by e-mail" in english and "valid for 30 minutes" in english
    assert "Send the confirmation link" in english


def test_under_code_the_page_has_no_address_field(client: FlaskClient, clock: FrozenClock) -> None:
    clock.set(INSIDE)
    page = client.get("/balsot").get_data(as_text=True)
    assert 'name="email"' not in page and "Iesniegt balsi" in page


def test_the_form_sends_the_link_and_the_link_page_records_the_vote(
        client: FlaskClient, service: ContestService, voting: FrozenClock, smtp: Inbox) -> None:
    before = service.event_count()
    r = ask(client)
    words = text(r)
    assert r.status_code == 200 and "Pārbaudiet savu e-pastu" in words, words  # type: ignore[attr-defined]
    assert "Apstiprinājuma saiti nosūtījām uz adresi v***@example.lv." in words
    assert "Jūsu balss vēl nav reģistrēta." in words
    assert "līdz 2024. gada 20. augustam plkst. 15.30 (Latvijas laikā)" in words
    assert ADDRESS not in words and CODE not in words
    assert service.event_count() == before and len(smtp) == 1

    path = link_path(smtp)
    for _ in range(2):  # opening the link, or a mail scanner fetching it, records nothing
        page = client.get(path)
        assert page.status_code == 200 and "Apstipriniet savu balsi" in text(page)
        assert "<dt>Saite derīga līdz</dt><dd>2024. gada 20. augustam plkst. 15.30</dd>" in text(page)
        assert "<dt>Pašvaldība</dt><dd>Rīga</dd>" in text(page), text(page)
    assert service.event_count() == before
    assert client.post(path, data={"csrf_token": "forged"}).status_code == 400  # CSRF
    assert service.event_count() == before

    done = client.post(path, data={"csrf_token": token_of(page.get_data(as_text=True))}, follow_redirects=True)
    words = text(done)
    assert done.status_code == 200 and "Paldies! Jūsu balss ir reģistrēta." in words, words
    assert 'id="receipt"' in done.get_data(as_text=True) and votes(service) == 1

    again = client.post(path, data={"csrf_token": token_of(page.get_data(as_text=True))})
    assert again.status_code == 409 and "Šī saite jau ir izmantota" in text(again)
    assert "Jūsu balss ir reģistrēta" in text(again) and votes(service) == 1
    assert client.get(path).status_code == 409


def test_an_expired_link_says_so_in_latvian_and_in_english(client: FlaskClient, service: ContestService,
                                                            voting: FrozenClock, smtp: Inbox) -> None:
    assert ask(client).status_code == 200  # type: ignore[attr-defined]
    path = link_path(smtp)
    csrf = token_of(client.get(path).get_data(as_text=True))
    voting.advance(timedelta(minutes=45))
    before = service.event_count()
    for r in (client.get(path), client.post(path, data={"csrf_token": csrf})):
        words = text(r)
        assert r.status_code == 409 and "Saites derīguma termiņš ir beidzies" in words, words
        assert "bija derīga līdz 2024. gada 20. augustam plkst. 15.30" in words and "Nekas netika reģistrēts" in words
        assert 'href="/balsot">Balsot vēlreiz</a>' in r.get_data(as_text=True)
    english = client.get(path + "?lang=en")
    assert english.status_code == 409 and "The link has expired" in text(english)
    assert service.event_count() == before and votes(service) == 0


def test_an_unknown_link_says_so(client: FlaskClient, voting: FrozenClock) -> None:
    r = client.get("/balsot/apstiprinat/" + "Q" * 43)
    assert r.status_code == 404 and "Šī saite nav derīga" in text(r) and "Q" * 43 not in text(r)
    r = client.get("/balsot/apstiprinat/" + "Q" * 43 + "?lang=en")
    assert r.status_code == 404 and "This link is not valid" in text(r)


def test_the_form_names_a_missing_or_bad_address_and_refuses_a_used_one(
        client: FlaskClient, service: ContestService, voting: FrozenClock, smtp: Inbox) -> None:
    r = ask(client, email="")
    assert r.status_code == 422 and "Ievadiet e-pasta adresi, uz kuru nosūtīt apstiprinājuma saiti." in text(r)
    r = ask(client, email="nav adrese")
    assert r.status_code == 422 and "Ievadiet vienu e-pasta adresi, piemēram, vards@example.lv." in text(r)
    assert 'value="nav adrese"' in r.get_data(as_text=True)  # kept in the form to correct it
    assert len(smtp) == 0
    assert ask(client).status_code == 200  # type: ignore[attr-defined]
    page = client.get(link_path(smtp)).get_data(as_text=True)
    assert client.post(link_path(smtp), data={"csrf_token": token_of(page)}).status_code == 303  # to the receipt
    r = ask(client, personal_code=OTHER)
    assert r.status_code == 409 and "Šī e-pasta adrese jau ir izmantota" in text(r)
    r = ask(client, email="cita@example.lv")
    assert r.status_code == 409 and "Jūs jau esat nobalsojis" not in text(r) and "jau ir reģistrēta" in text(r)
    assert len(smtp) == 1 and votes(service) == 1


def test_without_mail_settings_the_page_says_voting_is_unavailable(
        client: FlaskClient, service: ContestService, voting: FrozenClock, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CONTEST_SMTP_HOST")
    service.round2.requests._config = None
    r = client.get("/balsot")
    assert r.status_code == 503 and "Balsošana īslaicīgi nav pieejama" in text(r) and 'name="email"' not in text(r)


def test_the_link_never_reaches_the_access_log(client: FlaskClient, voting: FrozenClock, smtp: Inbox,
                                               caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    assert ask(client).status_code == 200  # type: ignore[attr-defined]
    token = smtp.last(ADDRESS).token
    client.get("/balsot/apstiprinat/" + token)
    assert any(getattr(r, "path", "") == "/balsot/apstiprinat/[redacted]" for r in caplog.records)
    logged = service_log(caplog)
    assert token not in logged and ADDRESS not in logged and CODE not in logged and "vards" not in logged
