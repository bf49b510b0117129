"""The secretariat asks a municipality for more information (§4.4, §4.6.2) on its page, /sekretariats/pieprasijumi
(api/desk_requests.py): the same event as POST …/submissions/<code>/requests, with the next free id of the
municipality's requests; the municipality answers on its own page and the desk shows the reply; the refusals at
their fields in Latvian, nothing stored on a refusal, and no form outside rounds 1 and 2."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient

from contest.clock import FrozenClock
from contest.service import ContestService
from domain.submission import Submission
from tests.conftest import bearer
from tests.support.desk import field_errors, recorded, same_command, send, sign_in
from tests.support.helpers import ROUND1_OPENS, SEC
from tests.support.pages import form_token, portal_login, text

PAGE = "/sekretariats/pieprasijumi"
RIX = "LV-RIX"
ASKED = "Lūdzu, precizējiet 2. sadaļas atbildes par pabalstu jaundzimušajiem."


def test_a_request_is_sent_as_through_the_api_and_its_reply_is_shown(
        app: Flask, client: FlaskClient, service: ContestService, clock: FrozenClock, tokens: dict[str, str]) -> None:
    clock.set(ROUND1_OPENS)
    service.open_round1(2024, actor=SEC)
    sign_in(client, tokens["secretariat"])
    page = text(client.get(PAGE))
    assert 'id="request-form"' in page and "Neviens informācijas pieprasījums nav nosūtīts." in page
    assert 'href="/sekretariats/pieprasijumi"' in text(client.get("/sekretariats"))  # linked from the desk
    before = service.event_count()
    r = send(client, PAGE, PAGE, municipality="", text="  ")
    assert r.status_code == 422
    assert field_errors(r) == {"request-municipality": "Izvēlieties pašvaldību.",
                               "request-text": "Uzrakstiet, ko pašvaldībai lūdzat."}
    r = send(client, PAGE, PAGE, municipality="LV-XXX", text="x" * 5001)
    assert r.status_code == 422 and field_errors(r) == {"request-municipality": "Izvēlieties pašvaldību.",
                                                        "request-text": "Ne vairāk kā 5000 rakstzīmes."}
    assert service.event_count() == before

    done = send(client, PAGE, PAGE, municipality=RIX, text=ASKED)
    assert done.status_code == 303 and done.headers["Location"] == PAGE
    page = text(client.get(PAGE))
    assert "Pieprasījums nosūtīts: Rīga; atbilde būs redzama šeit." in page
    assert ASKED in page and "gaida atbildi" in page
    api = client.post(f"/api/contests/2024/submissions/{RIX}/requests", headers=bearer(tokens["secretariat"]),
                      json={"id": "q2", "text": ASKED})
    assert api.status_code == 201, api.json
    by_page, by_api = recorded(service, Submission.InformationRequested)
    assert by_page["request_id"] == "q1" and same_command(by_page, by_api, "request_id")
    assert send(client, PAGE, PAGE, municipality=RIX, text="Vēl viens jautājums.").status_code == 303
    assert recorded(service, Submission.InformationRequested)[-1]["request_id"] == "q3"  # the next free id

    portal = app.test_client()  # the municipality, in a browser of its own
    portal_login(portal, tokens["municipality"])
    replies = "/pasvaldiba/pieprasijumi"
    assert ASKED in text(portal.get(replies))
    r = portal.post(f"{replies}/q1", data={"csrf_token": form_token(portal, replies), "reply": "Pabalsts: 500 EUR."})
    assert r.status_code == 303
    page = text(client.get(PAGE))
    assert "Pabalsts: 500 EUR." in page and "atbildēts" in page
    assert len(re.findall(r'class="request"', page)) == 3


def test_no_request_outside_rounds_1_and_2_and_none_without_the_session(
        client: FlaskClient, service: ContestService, tokens: dict[str, str]) -> None:
    before = service.event_count()
    assert client.post(PAGE, data={"municipality": RIX, "text": ASKED}).status_code == 400  # no CSRF token
    r = send(client, PAGE, PAGE, municipality=RIX, text=ASKED)
    assert r.status_code == 401 and "Lūdzu, piesakieties vēlreiz" in text(r)
    sign_in(client, tokens["secretariat"])  # the contest is being prepared: round 1 has not opened
    page = text(client.get(PAGE))
    assert 'id="request-form"' not in page and 'id="requests-closed"' in page
    assert "Informāciju pieprasa, kamēr notiek 1. vai 2. kārta; konkursa pašreizējais posms: Sagatavošana." in page
    r = send(client, PAGE, PAGE, municipality=RIX, text=ASKED)
    assert r.status_code == 409 and field_errors(r) == {
        "form": "Informāciju pieprasa, kamēr notiek 1. vai 2. kārta; konkursa pašreizējais posms: Sagatavošana."}
    assert service.event_count() == before
    english = text(client.get(PAGE + "?lang=en"))
    assert "Requests for information" in english and "No request for information has been sent." in english
