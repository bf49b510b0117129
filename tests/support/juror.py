"""The jury's pages (/komisija, api/juror.py) as a browser without JavaScript uses them: the sign-in with a seat's
token, and the posted forms of the round-2 ballot (§4.6.4, D8) and the round-3 score sheet (§4.7.8, §4.7.11)."""

from __future__ import annotations

import re
from typing import Any

from flask.testing import FlaskClient

from tests.support.pages import form_token, not_latvian, visible_texts

BALLOT = "/komisija/2-karta"
SCORES = "/komisija/3-karta"
WHY = "Mazāk pakalpojumu ģimenēm nekā citām"


def juror_login(client: FlaskClient, token: str) -> Any:
    return client.post("/komisija/ieiet", data={"csrf_token": form_token(client, "/komisija"), "token": token})


def ballot_fields(codes: list[str], order: list[str] | None = None, *, unjustified: tuple[str, ...] = (),
                  cast_by: str = "member") -> dict[str, str]:
    """The ballot's fields: 5, 4, 3, 2, 1 to the first five of `order` (default: `codes`), 0 with a
    justification to the rest, except those in `unjustified`."""
    order = order or codes
    points = dict.fromkeys(codes, 0) | dict(zip(order[:5], (5, 4, 3, 2, 1), strict=True))
    fields = {"cast_by": cast_by}
    for code, p in points.items():
        fields[f"points-{code}"] = str(p)
        fields[f"justification-{code}"] = WHY if p == 0 and code not in unjustified else ""
    return fields


def post_ballot(client: FlaskClient, fields: dict[str, str], action: str = "submit") -> Any:
    return client.post(BALLOT, data={"csrf_token": form_token(client, BALLOT), "action": action, **fields})


def score_fields(finalists: list[str], values: list[int], two: int, one: int, *, unjustified: tuple[str, ...] = (),
                 cast_by: str = "member") -> dict[str, str]:
    """The score sheet's fields: a score per finalist with a justification (except those in `unjustified`), the
    finalist of index `two` for 2 theme points and `one` for 1."""
    fields = {"cast_by": cast_by, "theme-2": finalists[two], "theme-1": finalists[one]}
    for code, value in zip(finalists, values, strict=True):
        fields[f"score-{code}"] = str(value)
        fields[f"justification-{code}"] = "" if code in unjustified else f"Vērtējums {value}: labs atbalsts ģimenēm"
    return fields


def post_scores(client: FlaskClient, fields: dict[str, str], action: str = "submit") -> Any:
    return client.post(SCORES, data={"csrf_token": form_token(client, SCORES), "action": action, **fields})


#: Words of English that no Latvian sentence has: those tests.support.pages looks for, and the jury's own.
ENGLISH = re.compile(r"\b(scores?|ballots?|drafts?|jury|justifications?|finalists?|substitutes?)\b", re.IGNORECASE)


def english_left(page: str) -> list[str]:
    """What of a Latvian page of the jury's is not Latvian (tests.support.pages.not_latvian, and the jury's words);
    the briefing's note is the secretariat's own text, whatever language the test wrote it in."""
    page = re.sub(r'(?s)<dd id="briefing-note">.*?</dd>', " ", page)
    return [*not_latvian(page), *(t for t in visible_texts(page) if ENGLISH.search(t))]
