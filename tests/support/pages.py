"""The pages as a browser without JavaScript uses them: a form's CSRF token, the text of a page, a vote through
/balsot, the secretariat's login to the desk, a municipality's to its pages."""

from __future__ import annotations

import re

from flask.testing import FlaskClient

from contest.residents import fake_personal_codes


def token_of(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "the form has no CSRF token"
    return match.group(1)


def form_token(client: FlaskClient, path: str) -> str:
    return token_of(client.get(path).get_data(as_text=True))


def text(response: object) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))  # type: ignore[attr-defined]


def vote(client: FlaskClient, **fields: str) -> object:
    data = {"municipality": "LV-RIX", "rating": "4", "comment": "", "personal_code": fake_personal_codes(1, 3)[0],
            **fields}
    return client.post("/balsot", data={"csrf_token": form_token(client, "/balsot"), **data})


def login(client: FlaskClient, token: str) -> object:
    return client.post("/sekretariats/ieiet", data={"csrf_token": form_token(client, "/sekretariats"),
                                                    "token": token})


def portal_login(client: FlaskClient, token: str) -> object:
    return client.post("/pasvaldiba/ieiet", data={"csrf_token": form_token(client, "/pasvaldiba"), "token": token})
