"""The council's page and the progress page as a browser without JavaScript uses them: signing in with a token,
the approval form; and the contest played to round 3's close (§4.7.9), the council's approval still to come.
Shared by the integration tests of both pages and the browser test."""

from __future__ import annotations

import html
import re
from typing import Any

from flask.testing import FlaskClient

from contest.clock import FrozenClock
from contest.service import ContestService
from domain.actors import system_actor
from tests.support.pages import form_token
from tests.support.round3 import FIVE_AT_E, SEATS, Steps, day, reach_round3, score_all

CLOSED_ON = "2024-12-02"  # round 3 closes on 2 Dec 2024 at 09:00 UTC (11:00 in Riga)
# Words of English that no Latvian sentence has (tests/integration/test_page_language.py has the public pages').
ENGLISH = re.compile(r"\b(the|and|of|with|is|are|for|from|this|which|has|have|been|were|will|your|you|votes?|"
                     r"rounds?|points?|seats?|scores?|visits?|notices?|municipalit\w+)\b", re.IGNORECASE)


def juror_tokens(service: ContestService) -> dict[str, str]:
    """A token per seat of the 2024 jury (the voting nine and lps)."""
    return {seat: service.issue_token("juror", actor=system_actor("test"), seat=seat, year=2024)[0]
            for seat in [*SEATS, "lps"]}


def play_to_close(client: FlaskClient, service: ContestService, clock: FrozenClock, tokens: dict[str, str],
                  jurors: dict[str, str] | None = None) -> list[str]:
    """A whole contest to round 3's close on 2 Dec 2024 (tests/support/round3.py's standard visits and scores):
    A and B tied at 4.4, the chair's score makes A the winner; the theme prize C; vpd's scores do not count, nor do
    lps's (not a voting seat). Returns the finalists."""
    finalists = reach_round3(service, clock)
    steps = Steps(client, clock, tokens["secretariat"], finalists)
    steps.all_visits(FIVE_AT_E)
    score_all(steps, jurors or juror_tokens(service))
    clock.set(day(CLOSED_ON))
    r = steps.post("/round3/close")
    assert r.status_code == 200, r.json
    return finalists


def sign_in(client: FlaskClient, page: str, token: str) -> Any:
    """Sign in on a staff page ("/padome", "/parskats") with a token."""
    return client.post(f"{page}/ieiet", data={"csrf_token": form_token(client, page), "token": token})


def approve(client: FlaskClient, **fields: str) -> Any:
    """Send the council's approval form as the page shows it (its digest, a confirmation), with `fields`."""
    html = client.get("/padome").get_data(as_text=True)
    digest = re.search(r'name="digest" value="([0-9a-f]{64})"', html)
    assert digest, "the page shows no approval form"
    data = {"csrf_token": form_token(client, "/padome"), "digest": digest.group(1), "decision_number": "Nr. 12",
            "decision_date": "2024-12-09", "confirm": "1", **fields}
    return client.post("/padome/apstiprinat", data=data)


def english_left(page: str) -> list[str]:
    """The texts of a Latvian staff page that are English, or cite a decision label (D10) or a bare §: none is
    expected but what the page marks lang="en" (the domain's detail of a blocker) and code (a digest, a command)."""
    page = re.sub(r"(?s)<(script|style)\b.*?</\1>", " ", page)
    page = re.sub(r'(?s)<code\b[^>]*>.*?</code>|<[^>]+lang="en"[^>]*>[^<]*</[^>]+>', " ", page)
    texts = [html.unescape(t).strip() for t in re.sub(r"<[^>]+>", "\n", page).split("\n")]
    return [t for t in texts if t and (ENGLISH.search(t) or re.search(r"\bD\d{1,2}\b|§", t))]
