"""The form client of `contest demo --via pages` (contest/demo_forms.py, contest/demo_pages.py) against the pages
served over HTTP on loopback: the secretariat signs in when the page asks for it, reads a tie from the desk's
decisions page (§3.2.4, D11) and records the jury's decision through its form, the same event as the API's
command; a refusal is raised with the page's own words at its field, and nothing is stored; a form is sent only
with the fields it has. (The whole play is tests/e2e/test_demo.py's.)"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.serving import make_server

from contest.clock import FrozenClock
from contest.demo_pages import DECISIONS, PagesPlay
from contest.demo_script import DemoError, Progress, Tie
from contest.service import ContestService
from domain.contest import Contest
from tests.support.desk import recorded, tied

WHY = "Komisija balsojot izšķīrās par šo pašvaldību (§3.2.4)."


@pytest.fixture
def base(app: Flask) -> Iterator[str]:
    """The app over HTTP on a free loopback port, in a thread of this process."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join()


def test_the_desk_decides_a_tie_through_its_form_and_a_refusal_says_why(
        base: str, service: ContestService, clock: FrozenClock, tokens: dict[str, str], tmp_path: Path) -> None:
    r = tied(service, clock)
    play = PagesPlay(base, tokens["secretariat"], tmp_path / "clock", 0, 2024, 1, Progress(None))
    (tie,) = play.open_ties(2)  # signed in on the way: the page asked for the token
    assert tie == Tie("jury_4th_place", [r[3], r[4]], 1) and play.open_ties(3) == []
    before = service.event_count()
    with pytest.raises(DemoError, match="Komisija lemj ar vienkāršu balsu vairākumu: 4 no 8 nav vairāk par pusi"):
        play.decide(tie, [r[4]], WHY, 4, 8)  # §3.2.4: no majority
    with pytest.raises(DemoError, match="has no field 'votes'"):
        play.desk.open(DECISIONS).form(form_id="tie-jury_4th_place").fill({"votes": "5"})
    assert service.event_count() == before

    play.decide(tie, [r[4]], WHY, 5, 8)
    assert play.open_ties(2) == []
    (recorded_decision,) = recorded(service, Contest.JuryDecisionRecorded)
    decision = recorded_decision["decision"]
    assert (decision["kind"], decision["tied"], decision["chosen"], decision["text"], decision["votes_for"],
            decision["votes_total"]) == ("jury_4th_place", [r[3], r[4]], [r[4]], WHY, 5, 8)
    assert recorded_decision["actor"]["role"] == "secretariat"
    assert play.desk.browser.sent == 3  # the sign-in and the two decisions
