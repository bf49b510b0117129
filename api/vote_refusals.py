"""What the vote's pages say when a vote is not taken, shared by the vote page (api/pages.py) and the page that
confirms a vote by its e-mailed link (api/vote_link_pages.py, D15), and the words of the ratings."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from api import page_support as ps
from domain.contest import WINDOW_CLOSED, Contest

RATING_WORDS = {1: ps.N_("very poor"), 2: ps.N_("poor"), 3: ps.N_("average"), 4: ps.N_("good"),
                5: ps.N_("excellent")}


def window_refusal(contest: Contest, now: Any) -> dict[str, str]:
    times = contest.window_times()
    if contest.window_status == WINDOW_CLOSED or now > contest.window.closes_at:
        title = _("Voting is closed")
        text = _("The residents' vote took place %(window)s.", window=ps.window_sentence(times))
    else:
        title = _("Voting has not started yet")
        text = _("The residents' vote takes place %(window)s.", window=ps.window_sentence(times))
    return {"kind": "window", "title": title, "text": text, "rule": "§4.6.6"}


def unavailable_refusal() -> dict[str, str]:
    """The server's vote secrets are not those the contest's votes were recorded with (D10): nobody can vote until
    the operator restores them; the resident did nothing wrong."""
    return {"kind": "unavailable", "title": _("Voting is temporarily unavailable"),
            "text": _("The service is not configured with the secrets this contest's votes are recorded with, so it "
                      "takes no votes until the operator restores them. Nothing was recorded; please come back "
                      "later."), "rule": "D10"}


def already_refusal() -> dict[str, str]:
    return {"kind": "already", "title": _("You have already voted"),
            "text": _("A vote with this personal code has already been recorded in this contest. "
                      "Each resident votes once; the first vote stands."), "rule": "§4.6.6, D10"}
