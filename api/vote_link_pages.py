"""The vote's pages under the `email` identity level (D15): the vote page's request (api/pages.py calls
`check_email`, `request_by_mail`, `refusal` and `sent_page` when the contest's level is `email`) and the page of
the one-time link, /balsot/apstiprinat/<token>.

Opening the link (GET) records nothing: it shows what the vote will be and a button. Mail scanners and link
previews fetch links in mails, so a GET that voted would vote for a resident who never saw the page. The button
POSTs (with the form's CSRF token) and the vote is recorded, then the receipt is shown (pages/voted.html). An
expired, used or unknown link says so in the reader's language, with what to do next, and records nothing.
The token is never written to a log (api/operations.py's `log_path`).
"""

from __future__ import annotations

from flask import Blueprint, Flask, render_template, request
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from api import page_support as ps
from api import ratelimit
from api.vote_receipt import thank_you
from api.vote_refusals import RATING_WORDS, already_refusal, unavailable_refusal, window_refusal
from contest.identity_settings import MailNotConfigured
from contest.mail import MailError
from contest.round2 import AddressUsed, AlreadyVoted
from contest.settings import VoteSecretsMismatch
from contest.vote_requests import Sent
from domain.contest import Contest
from domain.errors import InvalidInput, NotFound, RuleViolation
from domain.identity import ADDRESS_FIELD, check_address
from domain.vote_link import LinkExpired, LinkUsed, TooManyLinks, UnknownLink

blp = Blueprint("vote_link_pages", __name__, template_folder="templates")
blp.before_request(ps.csrf_on_every_form)
blp.after_request(ps.after)
blp.register_error_handler(NotFound, ps.not_found)
blp.register_error_handler(HTTPException, ps.http_error)

EMAIL = "email"
#: the refusals of a request that only the `email` level has (`refusal` says each in the reader's language)
REFUSALS = (AddressUsed, TooManyLinks, MailNotConfigured, MailError)


# ----- the vote page's request (api/pages.py) -----

def check_email(form: dict[str, str]) -> dict[str, str]:
    """The e-mail field's error, if any, in the reader's language."""
    if not form.get(ADDRESS_FIELD, "").strip():
        return {ADDRESS_FIELD: _("Enter the e-mail address the confirmation link is to be sent to.")}
    try:
        check_address(form[ADDRESS_FIELD])
    except InvalidInput:
        return {ADDRESS_FIELD: _("Enter one e-mail address, like vards@example.lv.")}
    return {}


def request_by_mail(contest: Contest, form: dict[str, str], code: str) -> Sent:
    """Ask for the vote: it is checked and its link mailed; nothing counts until the link is confirmed."""
    return ps.service().round2.request_vote(
        contest.year, personal_code=code, email=form[ADDRESS_FIELD], municipality=form["municipality"],
        rating=int(form["rating"]), comment=form["comment"] or None, client_address=request.remote_addr)


def mail_refusal() -> dict[str, str]:
    """The service cannot send the link (its mail settings are missing): nobody can vote until the operator
    sets them; the resident did nothing wrong."""
    return {"kind": "unavailable", "title": _("Voting is temporarily unavailable"),
            "text": _("The service cannot send e-mail at the moment, so no vote confirmed by e-mail can be taken. "
                      "Nothing was recorded; please come back later."), "rule": "D15"}


def refusal(e: Exception, contest: Contest) -> tuple[dict[str, str], int]:
    """One of REFUSALS as the page says it, and its HTTP status."""
    if isinstance(e, AddressUsed):
        return {"kind": "already", "title": _("This e-mail address has already been used"),
                "text": _("A vote confirmed from this e-mail address has already been recorded in this contest. "
                          "One vote counts per e-mail address; the first vote stands."), "rule": "D15"}, 409
    if isinstance(e, TooManyLinks):
        until = ps.when_in(str(e.details["until"]), "dative", contest.window.timezone)
        text = _("Links sent to this e-mail address are still valid. Open one of them, or ask for a new one when "
                 "they expire (the first valid until %(until)s).", until=until)
        return {"kind": "rule", "title": _("Links have already been sent"), "text": text, "rule": "D15"}, 409
    if isinstance(e, MailNotConfigured):
        return mail_refusal(), 503
    return {"kind": "rule", "title": _("The e-mail could not be sent"),
            "text": _("The e-mail with the confirmation link could not be sent. Nothing was recorded; please try "
                      "again in a few minutes."), "rule": "D15"}, 503


def link_minutes() -> int:
    """How long a mailed link is good for, in minutes (CONTEST_VOTE_LINK_MINUTES), for the vote page's hint."""
    return int(ps.service().round2.requests.config().links.lifetime.total_seconds() // 60)


def sent_page(contest: Contest, sent: Sent) -> str:
    """"Check your mail": the address the link went to (masked) and until when it is good."""
    return render_template("pages/vote_sent.html", contest=contest, sent_to=sent.sent_to,
                           until=ps.when_in(sent.expires_at, "dative", contest.window.timezone))


# ----- the link's page -----

def link_refusal(e: Exception, contest: Contest) -> tuple[dict[str, str], int]:
    if isinstance(e, UnknownLink):
        return {"kind": "unknown", "title": _("This link is not valid"),
                "text": _("This confirmation link is not known: it may be incomplete (open the whole link from the "
                          "e-mail), or it expired long ago. Nothing was recorded; you can vote again."),
                "rule": "D15"}, 404
    if isinstance(e, LinkExpired):
        until = ps.when_in(str(e.details["expires_at"]), "dative", contest.window.timezone)
        return {"kind": "expired", "title": _("The link has expired"),
                "text": _("This confirmation link was valid until %(until)s and has expired. Nothing was recorded. "
                          "Vote again to receive a new link.", until=until), "rule": "D15"}, 409
    if isinstance(e, LinkUsed):
        return {"kind": "used", "title": _("This link has already been used"),
                "text": _("This confirmation link has already been used, and your vote is recorded. Each link can "
                          "be used once."), "rule": "D15"}, 409
    if isinstance(e, AlreadyVoted):
        return already_refusal(), 409
    if isinstance(e, VoteSecretsMismatch):
        return unavailable_refusal(), 503
    if isinstance(e, AddressUsed):
        return refusal(e, contest)
    assert isinstance(e, RuleViolation)
    if e.field == "window":  # the window closed since the link was sent (§4.6.6)
        return window_refusal(ps.service().contest(contest.year), ps.service().clock.now()), 409
    return {"kind": "rule", "title": _("The vote was not accepted"), "text": e.message, "rule": e.clause}, 409


@blp.route("/balsot/apstiprinat/<string:token>", methods=["GET", "POST"])
def confirm(token: str) -> tuple[str, int] | Response:
    """The one-time link (D15): GET shows the vote and a button, POST records it and shows the receipt."""
    svc = ps.service()
    contest = ps.current_contest()
    names = ps.names(contest)
    try:
        if request.method == "POST":
            vote, _position = svc.round2.confirm_vote(token)
            return thank_you(vote)  # post/redirect/get, as the vote page (api/vote_receipt.py)
        pending = svc.round2.pending_vote(token)
    except (UnknownLink, RuleViolation, VoteSecretsMismatch) as e:
        shown, status = link_refusal(e, contest)
        return render_template("pages/vote_link.html", contest=contest, refusal=shown, pending=None,
                               token=None), status
    return render_template("pages/vote_link.html", contest=contest, refusal=None, token=token,
                           pending=pending, name=names.get(pending.municipality, pending.municipality),
                           rating_word=_(RATING_WORDS.get(pending.rating, "")),
                           until=ps.when_in(pending.expires_at, "dative", contest.window.timezone)), 200


def init_app(app: Flask) -> None:
    """Register the link's page; its POST counts against the vote's per-address budget (api/ratelimit.py)."""
    app.register_blueprint(blp)
    rates = ratelimit.parse_rates(ratelimit.vote_rate_limit())
    counters = app.extensions.get("contest.ratelimit")
    if rates and counters is not None:
        app.view_functions["vote_link_pages.confirm"] = ratelimit.limited(
            app.view_functions["vote_link_pages.confirm"], route="page", rates=rates, counters=counters,
            message="too many votes from this address")
