"""The identity level `eid` (D15) against a real OpenID Connect provider, oidc-provider-mock running as its own
process on loopback (clients registered, nonces required): a resident signs in, the page says so and shows the
rating form without a code field, the resident rates and confirms, the vote is recorded with verified="eid" and
the sign-in is forgotten; the personal code reaches neither the store, nor the logs, nor the session cookie. What the
real provider can refuse or get wrong (a cancelled sign-in, a callback of another browser, a code D10 refuses, no
code claim, a wrong client secret, a provider out of reach) ends on the vote page with a Latvian message and
nothing stored. The bad ID tokens a real provider never issues are tests/integration/test_eid_rogue.py's."""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from eventsourcing.utils import get_topic
from flask import Flask
from flask.testing import FlaskClient

from contest.clock import FrozenClock
from contest.residents import fake_personal_codes
from contest.service import ContestService
from domain.identity import identify
from domain.vote import Vote
from tests.conftest import SECRETS
from tests.support.helpers import VOTE_DAY
from tests.support.live import free_port
from tests.support.oidc import (
    CALLBACK,
    Provider,
    at_provider,
    come_back,
    eid_app,
    mock_provider,
    session_of,
    sign_in,
    start,
    under_eid,
)
from tests.support.pages import form_token, text, token_of

CODE = fake_personal_codes(1, seed=1501)[0]


@pytest.fixture(scope="module")
def provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Provider]:
    with mock_provider(tmp_path_factory.mktemp("oidc")) as p:
        yield p


@pytest.fixture
def registered(provider: Provider) -> dict[str, str]:
    """The service's client at the provider, registered with the test client's redirect URI."""
    return provider.env(*provider.register("http://localhost" + CALLBACK))


@pytest.fixture
def app(service: ContestService, clock: FrozenClock, registered: dict[str, str],
        monkeypatch: pytest.MonkeyPatch) -> Flask:
    under_eid(service)
    clock.set(VOTE_DAY)  # 15:00 in Riga
    return eid_app(service, monkeypatch, registered)


def resident(provider: Provider, code: object = CODE, sub: str | None = None) -> str:
    sub = sub or "resident-" + hashlib.sha256(repr(code).encode()).hexdigest()[:12]
    provider.set_user(sub, {"personal_code": code} if code is not None else {"email": f"{sub}@example.lv"})
    return sub


def votes_of(service: ContestService) -> list[dict[str, object]]:
    return [json.loads(n.state) for n in service.store.notifications(topics=[get_topic(Vote.Cast)])]


def confirm(client: FlaskClient, page: object, municipality: str = "LV-RIX", rating: str = "4") -> object:
    return client.post("/balsot", data={"csrf_token": token_of(page.get_data(as_text=True)),  # type: ignore[attr-defined]
                                        "municipality": municipality, "rating": rating, "comment": "Labi parki"},
                       follow_redirects=True)  # a recorded vote redirects to its receipt (post/redirect/get)


def test_a_resident_signs_in_with_eid_rates_confirms_and_the_vote_counts_as_verified_by_eid(
        app: Flask, client: FlaskClient, service: ContestService, provider: Provider,
        caplog: pytest.LogCaptureFixture) -> None:
    before = client.get("/balsot")
    page = before.get_data(as_text=True)
    assert before.status_code == 200 and "Lai balsotu, piesakieties ar eID" in text(before)
    assert 'href="/balsot/eid"' in page and 'name="personal_code"' not in page and 'action="/balsot"' not in page
    with caplog.at_level(logging.INFO):
        signed = sign_in(client, resident(provider))
        words = text(signed)
        assert "Pieteikšanās ar eID ir izdevusies" in words and "līdz plkst. 15.15" in words
        assert 'name="personal_code"' not in signed.get_data(as_text=True) and "Apstiprināt balsi" in words
        # the session cookie holds the keyed hash and the receipt, never the code (it is signed, not encrypted)
        expected = identify(CODE, verified="eid", secret=SECRETS.voter, receipt_secret=SECRETS.receipt, year=2024,
                            today=date(2024, 8, 20))
        raw, held = session_of(app, client)
        assert held["eid"]["key"] == expected.resident_key and held["eid"]["receipt"] == expected.receipt
        assert CODE not in raw and CODE not in json.dumps(held) and not any(k.startswith("_state_") for k in held)
        voted = confirm(client, signed)
    assert voted.status_code == 200  # type: ignore[attr-defined]
    assert "Paldies! Jūsu balss ir reģistrēta." in text(voted) and expected.receipt in text(voted)
    [cast] = votes_of(service)
    assert cast["verified"] == "eid" and cast["resident_key"] == expected.resident_key
    assert cast["receipt"] == expected.receipt and cast["municipality"] == "LV-RIX" and cast["rating"] == 4
    assert all(CODE.encode() not in n.state for n in service.store.notifications())
    assert all(CODE not in r.getMessage() for r in caplog.records)
    assert "eid" not in session_of(app, client)[1]  # the sign-in was for that one vote
    # the same form again: no sign-in, nothing counted
    count = service.event_count()
    again = confirm(client, signed, "LV-JUR", "1")
    assert again.status_code == 409 and "Vispirms piesakieties ar eID" in text(again)  # type: ignore[attr-defined]
    # signing in again: the first vote stands, and the page says so at once
    after = sign_in(client, resident(provider))
    assert "Jūsu balss jau ir reģistrēta" in text(after) and 'name="rating"' not in after.get_data(as_text=True)
    assert service.event_count() == count and "eid" not in session_of(app, client)[1]


def test_the_sign_in_in_english(app: Flask, client: FlaskClient, provider: Provider) -> None:
    client.get("/balsot?lang=en")
    assert "Sign in with eID to vote" in text(client.get("/balsot"))
    signed = text(sign_in(client, resident(provider, fake_personal_codes(1, seed=1502)[0])))
    assert "Signed in with eID" in signed and "by 15:15" in signed and "Confirm my vote" in signed


def test_under_eid_a_typed_code_counts_for_nothing(app: Flask, client: FlaskClient, service: ContestService) -> None:
    count = service.event_count()
    api = client.post("/api/contests/2024/votes", json={"personal_code": CODE, "municipality": "LV-RIX", "rating": 5})
    assert api.status_code == 409 and api.json["rule"] == "D15"
    # the page has no form before the sign-in: a script takes a CSRF token from another form of the pages
    form = client.post("/balsot", data={"csrf_token": form_token(client, "/sekretariats"), "municipality": "LV-RIX",
                                        "rating": "5", "personal_code": CODE})
    assert form.status_code == 409 and "Vispirms piesakieties ar eID" in text(form) and CODE not in text(form)
    assert service.event_count() == count and votes_of(service) == []


def test_the_sign_in_ends_after_15_minutes(app: Flask, client: FlaskClient, service: ContestService,
                                           clock: FrozenClock, provider: Provider) -> None:
    signed = sign_in(client, resident(provider, fake_personal_codes(1, seed=1503)[0]))
    clock.set(VOTE_DAY + timedelta(minutes=15))
    late = confirm(client, signed)
    assert late.status_code == 409  # type: ignore[attr-defined]
    assert "Pieteikšanās ar eID ir beigusies" in text(late) and "tā ir derīga 15 minūtes" in text(late)
    assert votes_of(service) == [] and "eid" not in session_of(app, client)[1]
    assert 'href="/balsot/eid"' in client.get("/balsot").get_data(as_text=True)  # sign in again


def test_a_sign_in_cancelled_at_the_provider(app: Flask, client: FlaskClient, service: ContestService) -> None:
    count = service.event_count()
    page = sign_in(client, deny=True)
    assert "Pieteikšanās ar eID neizdevās" in text(page) and "tika atcelta vai noraidīta" in text(page)
    assert service.event_count() == count and not any(k.startswith("_state_") for k in session_of(app, client)[1])


def test_a_callback_of_another_browser_or_a_second_time_is_refused(app: Flask, client: FlaskClient,
                                                                   service: ContestService, provider: Provider) -> None:
    callback = at_provider(start(client), resident(provider, fake_personal_codes(1, seed=1504)[0]))
    other = app.test_client()
    other.get("/balsot")
    assert come_back(other, callback) == "/balsot"
    assert "neattiecas uz šīs pārlūkprogrammas sesiju" in text(other.get("/balsot"))
    assert come_back(client, callback) == "/balsot"  # the browser that started it: signed in
    assert "Pieteikšanās ar eID ir izdevusies" in text(client.get("/balsot"))
    assert come_back(client, callback) == "/balsot"  # its state is spent: a replay is refused, the sign-in is gone
    assert "neattiecas uz šīs pārlūkprogrammas sesiju" in text(client.get("/balsot"))
    assert "eid" not in session_of(app, client)[1] and votes_of(service) == []


@pytest.mark.parametrize(("claim", "lv"), [
    ("010190-12346", "nodotais personas kods nav derīgs. Neizdevās pārbaude: kontrolcipars (pēdējais cipars)."),
    ("310290-12345", "Neizdevās pārbaude: dzimšanas datums. Ar šo pieteikšanos balsot nevar"),
    (None, "eID pakalpojums nenodeva Jūsu personas kodu"),
    (32579461005, "eID pakalpojums nenodeva Jūsu personas kodu"),  # a number, not the code as written
    ("", "eID pakalpojums nenodeva Jūsu personas kodu"),
])
def test_a_code_the_rules_refuse_or_no_code_at_all(app: Flask, client: FlaskClient, service: ContestService,
                                                   provider: Provider, caplog: pytest.LogCaptureFixture,
                                                   claim: object, lv: str) -> None:
    count = service.event_count()
    with caplog.at_level(logging.INFO):
        page = text(sign_in(client, resident(provider, claim)))
    assert "Pieteikšanās ar eID neizdevās" in page and lv in page and 'name="rating"' not in page
    assert str(claim) not in page or claim == ""
    assert service.event_count() == count and "eid" not in session_of(app, client)[1]
    assert all(str(claim) not in r.getMessage() for r in caplog.records if claim)


def test_a_code_with_the_etsi_prefix_is_the_same_resident(app: Flask, client: FlaskClient, service: ContestService,
                                                          provider: Provider) -> None:
    code = fake_personal_codes(1, seed=1505, hyphen=True)[0]
    signed = sign_in(client, resident(provider, f"PNOLV-{code}"))
    assert confirm(client, signed).status_code == 200  # type: ignore[attr-defined]
    expected = identify(code, verified="eid", secret=SECRETS.voter, receipt_secret=SECRETS.receipt, year=2024,
                        today=date(2024, 8, 20))
    assert [v["resident_key"] for v in votes_of(service)] == [expected.resident_key]


def test_a_wrong_client_secret_is_refused_by_the_provider(service: ContestService, clock: FrozenClock,
                                                          provider: Provider, registered: dict[str, str],
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    under_eid(service)
    clock.set(VOTE_DAY)
    client = eid_app(service, monkeypatch, {**registered, "CONTEST_OIDC_CLIENT_SECRET": "not-the-secret"}).test_client()
    page = text(sign_in(client, resident(provider, fake_personal_codes(1, seed=1506)[0])))
    assert "eID pakalpojums pieteikšanos neapstiprināja" in page and votes_of(service) == []


def test_a_provider_out_of_reach(service: ContestService, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch) -> None:
    under_eid(service)
    clock.set(VOTE_DAY)
    client = eid_app(service, monkeypatch, Provider(f"http://127.0.0.1:{free_port()}", None).env(  # type: ignore[arg-type]
        "contest", "secret")).test_client()
    r = client.get("/balsot/eid")
    assert r.status_code == 302 and r.headers["Location"] == "/balsot"
    assert "Neizdevās sazināties ar eID pakalpojumu" in text(client.get("/balsot"))


def test_without_a_provider_set_voting_under_eid_is_unavailable(service: ContestService, clock: FrozenClock,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    under_eid(service)
    clock.set(VOTE_DAY)
    client = eid_app(service, monkeypatch, {}).test_client()
    page = client.get("/balsot")
    assert page.status_code == 503 and "pieteikšanās vēl nav iestatīta" in text(page)
    assert 'href="/balsot/eid"' not in page.get_data(as_text=True)
    assert client.get("/balsot/eid").headers["Location"] == "/balsot"


def test_under_the_level_code_the_eid_routes_lead_back_to_the_vote_page(service: ContestService, clock: FrozenClock,
                                                                        registered: dict[str, str],
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    clock.set(VOTE_DAY)
    client = eid_app(service, monkeypatch, registered).test_client()
    assert client.get("/balsot/eid").headers["Location"] == "/balsot"
    assert client.get(CALLBACK + "?code=x&state=y").headers["Location"] == "/balsot"
    page = client.get("/balsot").get_data(as_text=True)
    assert 'name="personal_code"' in page and 'href="/balsot/eid"' not in page


def test_the_privacy_page_says_what_the_eid_sign_in_gives_and_what_is_kept(app: Flask, client: FlaskClient) -> None:
    words = text(client.get("/privatums"))
    assert "Ja piesakāties ar eID" in words and "ne ilgāk kā 15 minūtes" in words
    assert "Pašu personas kodu, citas ziņas un eID pakalpojuma apstiprinājumu nesaglabā" in words
    english = text(client.get("/privatums?lang=en"))
    assert "When you sign in with eID" in english and "for at most 15 minutes" in english


def test_the_resident_can_cancel_the_sign_in(app: Flask, client: FlaskClient, provider: Provider) -> None:
    signed = sign_in(client, resident(provider, fake_personal_codes(1, seed=1507)[0]))
    r = client.post("/balsot/eid/iziet", data={"csrf_token": token_of(signed.get_data(as_text=True))})
    assert r.status_code == 302 and r.headers["Location"] == "/balsot"
    assert "eid" not in session_of(app, client)[1]
    assert client.post("/balsot/eid/iziet").status_code == 400  # a form like every other: its CSRF token
    assert 'href="/balsot/eid"' in client.get("/balsot").get_data(as_text=True)
