"""The eID sign-in (D15) against a provider that misbehaves on purpose, tests/support/rogue_oidc.py running as its
own process on loopback: the service is unchanged, only its settings name the rogue issuer. A forged signature, an
expired ID token, another audience (even with this client as `azp`), another issuer, another nonce, an ID token
without the code claim, an answer without an ID token, a refused authorization: each ends on the vote page with a
clear message in Latvian (English with lang=en), nothing stored, no sign-in kept, and a log line naming the check
that failed, never the code. The same provider, behaving, signs a resident in (so each refusal is the ID token's
fault, not the provider's)."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest
from eventsourcing.utils import get_topic
from flask import Flask
from flask.testing import FlaskClient

from contest.clock import FrozenClock
from contest.residents import fake_personal_codes
from contest.service import ContestService
from domain.vote import Vote
from tests.support.helpers import VOTE_DAY
from tests.support.oidc import Provider, eid_app, rogue_provider, session_of, sign_in, under_eid
from tests.support.pages import text, token_of

CODE = fake_personal_codes(1, seed=1601)[0]

REFUSALS = [  # (mode, the reason the log names, Latvian, English)
    ("forged", "signature", "apstiprinājumam nav derīga paraksta", "does not carry a valid signature"),
    ("expired", "expired", "derīguma termiņš ir beidzies", "has expired"),
    ("audience", "audience", "ir izsniegts citam pakalpojumam", "was issued for another service"),
    ("issuer", "issuer", "nav izsniedzis eID pakalpojums, kuram šī vietne uzticas", "not issued by the eID service"),
    ("nonce", "nonce", "neattiecas uz šo pieteikšanās reizi", "does not belong to this sign-in"),
    ("no_code", "no_code", "nenodeva Jūsu personas kodu", "did not give your personal code"),
    ("no_id_token", "token", "apstiprinājumu neizdevās pārbaudīt", "could not be verified"),
    ("deny", "denied", "tika atcelta vai noraidīta", "was cancelled or refused"),
]


@pytest.fixture(scope="module")
def rogue(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Provider]:
    with rogue_provider(tmp_path_factory.mktemp("rogue")) as p:
        yield p


@pytest.fixture
def app(service: ContestService, clock: FrozenClock, rogue: Provider, monkeypatch: pytest.MonkeyPatch) -> Flask:
    under_eid(service)
    clock.set(VOTE_DAY)
    return eid_app(service, monkeypatch, rogue.rogue_env())


def casts(service: ContestService) -> list[dict[str, object]]:
    return [json.loads(n.state) for n in service.store.notifications(topics=[get_topic(Vote.Cast)])]


def test_the_rogue_provider_behaving_signs_a_resident_in(app: Flask, client: FlaskClient, service: ContestService,
                                                         rogue: Provider) -> None:
    rogue.set_mode("good", CODE)
    page = sign_in(client)
    assert "Pieteikšanās ar eID ir izdevusies" in text(page)
    r = client.post("/balsot", data={"csrf_token": token_of(page.get_data(as_text=True)), "municipality": "LV-RIX",
                                     "rating": "5", "comment": ""}, follow_redirects=True)  # to the receipt
    assert r.status_code == 200 and "Paldies! Jūsu balss ir reģistrēta." in text(r)
    assert [c["verified"] for c in casts(service)] == ["eid"]


@pytest.mark.parametrize(("mode", "reason", "lv", "en"), REFUSALS, ids=[r[0] for r in REFUSALS])
def test_a_bad_id_token_is_refused_with_a_clear_message_and_nothing_stored(
        app: Flask, client: FlaskClient, service: ContestService, rogue: Provider, caplog: pytest.LogCaptureFixture,
        mode: str, reason: str, lv: str, en: str) -> None:
    rogue.set_mode(mode, CODE)
    count = service.event_count()
    with caplog.at_level(logging.INFO):
        page = sign_in(client)
    words = text(page)
    assert page.status_code == 200 and "Pieteikšanās ar eID neizdevās" in words and lv in words
    assert "Nekas netika saglabāts" in words and 'name="rating"' not in page.get_data(as_text=True)
    assert 'href="/balsot/eid"' in page.get_data(as_text=True)  # and the resident may sign in again
    assert service.event_count() == count and casts(service) == []
    held = session_of(app, client)[1]
    assert "eid" not in held and not any(k.startswith("_state_") for k in held)
    refused = [r.getMessage() for r in caplog.records if r.name == "contest.eid"]
    assert refused == [f"eID sign-in refused: {reason}"]
    assert all(CODE not in r.getMessage() for r in caplog.records)
    # the same in English
    client.get("/balsot?lang=en")
    english = text(sign_in(client))
    assert "The eID sign-in did not succeed" in english and en in english and "Nothing was recorded" in english
    assert service.event_count() == count
