"""After the vote, and checking it later (§4.6.6, D10).

A recorded vote answers with a redirect (post/redirect/get) to the thank-you page, which shows the receipt from
the pages' signed session cookie: a reload or the back button shows it again and never sends the vote twice. The
page says where and when the vote can be checked, with a copy button and a print button (api/static/pages/site.js;
without JavaScript the code can be selected and the page printed as usual).

/balsot/parbaudit finds the resident's own vote by its receipt, during the window too: that vote only, never a
tally (contest/receipt_index.py). A personal code typed there is refused and never echoed (D10).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from api import page_support as ps
from api.vote_refusals import RATING_WORDS
from domain.code_shape import shows_code
from domain.config import instant_str
from domain.contest import WINDOW_CLOSED
from domain.errors import NotFound
from domain.personal_code import normalise_receipt

blp = Blueprint("receipt", __name__, template_folder="templates")
blp.before_request(ps.csrf_on_every_form)
blp.after_request(ps.after)
blp.register_error_handler(NotFound, ps.not_found)
blp.register_error_handler(HTTPException, ps.http_error)

VOTED = "voted"  # the session's key: the last vote recorded in this browser (what the thank-you page shows)
RECEIPT_FIELD = "kods"
NOT_A_RECEIPT = ps.N_("Enter the receipt code you were given when you voted: 12 letters and digits, e.g. "
                      "7K3M-Q9XA-B2RT.")


def thank_you(vote: Any) -> Response:
    """Remember the recorded vote for this browser's thank-you page and send the browser there (303)."""
    session[VOTED] = {"year": vote.year, "receipt": vote.receipt, "municipality": vote.municipality,
                      "rating": vote.rating, "at": instant_str(vote.at)}
    return redirect(url_for("receipt.thanks"), 303)


@blp.route("/balsot/paldies")
def thanks() -> Response | tuple[str, int]:
    """The receipt of the vote this browser recorded; after a reload too."""
    contest = ps.current_contest()
    voted = session.get(VOTED)
    if not isinstance(voted, dict) or voted.get("year") != contest.year:
        return redirect(url_for("pages.vote"))
    names = ps.names(contest)
    return render_template("pages/voted.html", contest=contest, vote=voted,
                           name=names.get(voted["municipality"], voted["municipality"]),
                           rating_word=_(RATING_WORDS.get(voted["rating"], "")),
                           board_public=contest.window_status == WINDOW_CLOSED, window=contest.window_times()), 200


@blp.route("/balsot/parbaudit")
def check() -> tuple[str, int]:
    """A resident's own vote by its receipt: the municipality, the rating, when, and whether it is counted."""
    contest = ps.current_contest()
    typed = request.args.get(RECEIPT_FIELD, request.args.get("kvits", ""))
    shown, error, found, status = "", None, None, 200
    if typed.strip():
        if shows_code(typed):  # a personal code in the receipt's place: refused, not echoed (D10)
            error, status = _("This looks like a personal code. Enter here the receipt code you were given when "
                              "you voted (12 letters and digits, e.g. 7K3M-Q9XA-B2RT); the personal code is not "
                              "needed to check your vote."), 422
        else:
            printed = normalise_receipt(typed)
            shown = printed or typed.strip()[:20]
            if printed is None:
                error, status = _(NOT_A_RECEIPT), 422
            else:
                found = ps.service().round2.votes.own_vote(contest.year, printed)
                status = 200 if found is not None else 404
    names = ps.names(contest)
    return render_template("pages/vote_check.html", contest=contest, receipt=shown, error=error, found=found,
                           asked=bool(typed.strip()) and error is None,
                           name=names.get(found.municipality, found.municipality) if found else None,
                           rating_word=_(RATING_WORDS.get(found.rating, "")) if found else None), status
