"""Access tokens on the secretariat's page (api/desk_tokens.py): issued through the command of POST /api/tokens and
shown once, listed as GET /api/tokens lists them (never the token or its hash), revoked with a reason through the
command of DELETE /api/tokens/<id>, which ends the token's sessions (README "Roles")."""

from __future__ import annotations

import re

from flask.testing import FlaskClient

from contest.service import ContestService
from tests.conftest import bearer
from tests.support.desk_config import field_error, last_event, post
from tests.support.pages import login, portal_login, text

TOKENS = "/sekretariats/piekluves-atslegas"


def test_issue_list_and_revoke_a_token(client: FlaskClient, service: ContestService, tokens: dict[str, str]) -> None:
    login(client, tokens["secretariat"])
    page = text(client.get(TOKENS))
    assert "Piekļuves atslēgas" in page and page.count('class="token ') == 5  # the fixture's five
    r = post(client, TOKENS, {"role": "municipality", "municipality": "LV-JUR", "name": "Jūrmalas kontakts"},
             page=TOKENS)
    assert r.status_code == 200 and r.headers["Cache-Control"] == "no-store"
    token = re.search(r'id="new-token">([^<]+)<', r.get_data(as_text=True)).group(1)  # type: ignore[union-attr]
    assert service.authenticate(token) is not None and service.authenticate(token).municipality == "LV-JUR"
    event = last_event(service)
    assert type(event).__qualname__ == "Credential.Issued" and event.actor["principal"] == "Anna"
    assert token not in str(vars(event)) and token not in r.headers.get("Set-Cookie", "")
    listed = text(client.get(TOKENS))
    assert token not in listed and event.token_id in listed and "Jūrmala" in listed  # shown once, never again
    api = client.get("/api/tokens", headers=bearer(tokens["secretariat"]))
    assert api.status_code == 200 and api.json[0]["token_id"] == event.token_id
    assert api.json[0]["principal"] == "LV-JUR" and not api.json[0]["revoked"]
    assert "digest" not in api.json[0] and event.digest not in api.get_data(as_text=True)
    assert client.get("/api/tokens", headers=bearer(tokens["auditor"])).status_code == 403

    other = client.application.test_client()
    assert portal_login(other, token).status_code == 303  # type: ignore[attr-defined]
    assert "Iziet" in text(other.get("/pasvaldiba"))
    before = service.event_count()
    r = post(client, f"{TOKENS}/{event.token_id}/atsaukt", {f"reason-{event.token_id}": ""}, page=TOKENS)
    assert r.status_code == 422 and field_error(r, f"reason-{event.token_id}") and service.event_count() == before
    r = post(client, f"{TOKENS}/{event.token_id}/atsaukt", {f"reason-{event.token_id}": "nozaudēta"}, page=TOKENS)
    assert r.status_code == 303 and type(last_event(service)).__qualname__ == "Credential.Revoked"
    assert service.authenticate(token) is None
    assert 'name="token"' in text(other.get("/pasvaldiba"))  # its session has ended with it
    row = re.search(rf'data-token="{event.token_id}">(.*?)</tr>', client.get(TOKENS).get_data(as_text=True), re.S)
    assert row and "nozaudēta" in row.group(1) and "<form" not in row.group(1)
    assert client.get("/api/tokens", headers=bearer(tokens["secretariat"])).json[0]["revoked"]
    r = post(client, f"{TOKENS}/{event.token_id}/atsaukt", {f"reason-{event.token_id}": "vēlreiz"}, page=TOKENS)
    assert r.status_code == 409 and "Šī atslēga jau ir atsaukta." in text(r) and 'id="refusal"' in text(r)


def test_a_refused_token_is_shown_at_its_field(client: FlaskClient, service: ContestService,
                                               tokens: dict[str, str]) -> None:
    login(client, tokens["secretariat"])
    before = service.event_count()
    for data, field, message in [
            ({"role": "juror"}, "seat", "Komisijas vietas atslēga ir vienai vietai: izvēlieties to; citām lomām "
                                        "vietas nav."),
            ({"role": "auditor", "municipality": "LV-RIX"}, "municipality", None),
            ({"role": ""}, "role", "Izvēlieties lomu."),
            ({"role": "council", "name": "x" * 81}, "name",
             "Vārds vai nosaukums var būt ne garāks par 80 rakstzīmēm.")]:
        r = post(client, TOKENS, data, page=TOKENS)
        assert r.status_code == 422 and field_error(r, field), (data, text(r))
        assert message is None or field_error(r, field) == message
        assert 'id="new-token"' not in text(r)
    assert service.event_count() == before
    r = post(client, TOKENS, {"role": "juror", "seat": "lm", "name": ""}, page=TOKENS)
    assert r.status_code == 200 and "komisijas vieta" in text(r)
    assert service.event_count() == before + 1 and last_event(service).seat == "lm"
