"""The pages as a browser without JavaScript uses them: a form's CSRF token, the text of a page, a vote through
/balsot, the secretariat's login to the desk, a municipality's to its pages; and what of a Latvian page is not
Latvian (../shared/LATVIAN.md)."""

from __future__ import annotations

import html
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
    # a recorded vote redirects to its receipt (post/redirect/get): followed, as a browser does
    return client.post("/balsot", data={"csrf_token": form_token(client, "/balsot"), **data}, follow_redirects=True)


def login(client: FlaskClient, token: str) -> object:
    return client.post("/sekretariats/ieiet", data={"csrf_token": form_token(client, "/sekretariats"),
                                                    "token": token})


# Words of English that no Latvian sentence has (not "to" or "no", which are Latvian words too).
ENGLISH = re.compile(r"\b(the|and|of|with|is|are|for|from|this|which|has|have|been|were|will|your|you|votes?|"
                     r"rounds?|points?|months?|children|places|per|municipalit\w+)\b", re.IGNORECASE)
LABELS = re.compile(r"RULES\.md|\bD\d{1,2}\b|§")


def visible_texts(page: str) -> list[str]:
    """The texts a reader sees: no scripts, styles, code, tags or attributes."""
    page = re.sub(r"(?s)<(script|style)\b.*?</\1>", " ", page)
    page = re.sub(r"(?s)<code\b[^>]*>.*?</code>", " ", page)
    page = re.sub(r'(?s)<a [^>]*hreflang="en"[^>]*>.*?</a>', " ", page)  # the switch to English
    return [t for t in (html.unescape(s).strip() for s in re.sub(r"<[^>]+>", "\n", page).split("\n")) if t]


def not_latvian(page: str) -> list[str]:
    """The texts of a Latvian page with English left in them or an internal label (RULES.md, D1…, a bare §)."""
    return [t for t in visible_texts(page) if ENGLISH.search(t) or LABELS.search(t)]


def portal_login(client: FlaskClient, token: str) -> object:
    return client.post("/pasvaldiba/ieiet", data={"csrf_token": form_token(client, "/pasvaldiba"), "token": token})
