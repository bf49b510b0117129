"""The progress page (/parskats) for the secretariat (§3.2.5) and, read only, for the jury's chair (§3.2.2): which
voting seats have not sent their round-2 ballot (§4.6.4) or their round-3 scores (§4.7.8), which municipalities
have not answered the questionnaire and how much the others have (§4.2), each planned visit's last day for its
notice (§4.7.2) and whether it was given in time, and what blocks the next step (the desk's list,
domain.transitions). The data is contest/dashboard.py's; the desk links here.

Sign-in with a secretariat token, or with the chair's juror token (the seat marked chair in the roster, §3.2.2;
its delegated substitute uses the same token); another seat's token is refused. The chair is not a live reader of
the residents' vote (D10): what of the blockers rests on the live tally is left out for the chair until the vote
closes (domain.transitions.blockers_seen_by).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from api import page_support as ps
from api import staff_login, staff_pages
from api.desk import blocker_text
from contest.dashboard import dashboard
from domain.actors import JUROR, SECRETARIAT, Actor
from domain.contest import Contest
from domain.errors import NotFound
from domain.publication import LIVE_READERS

blp = Blueprint("overview", __name__, url_prefix="/parskats", template_folder="templates")
blp.before_request(ps.csrf_on_every_form)
blp.after_request(ps.after)
blp.register_error_handler(NotFound, ps.not_found)
blp.register_error_handler(HTTPException, ps.http_error)
blp.record_once(lambda state: staff_login.init_app(state.app))  # the failed logins' throttle

ROLES = (SECRETARIAT, JUROR)


def wrong_token() -> str:
    return _("Only a secretariat token or the jury chair's token opens this page.")


def is_chair(actor: Actor, contest: Contest) -> bool:
    """The juror token of the seat the roster marks as the chair (§3.2.2)."""
    return actor.role == JUROR and actor.seat == contest.chair.id


def allowed(actor: Actor, contest: Contest) -> bool:
    return actor.role == SECRETARIAT or is_chair(actor, contest)


def login_page() -> dict[str, str]:
    return {"title": _("Progress"), "heading": _("Where the contest stands"),
            "intro": _("For the secretariat and the jury's chair. Log in with a secretariat access token or with "
                       "the chair's access token."),
            "action": url_for("overview.login")}


def notice_words(v: dict[str, Any]) -> str:
    """A visit's notice (§4.7.2) in the reader's language: given in time, too late, for an earlier plan, not yet,
    or not given by its last day."""
    state, given = v["state"], v["working_days_given"]
    if state == "in_time":
        return ngettext("given on %(date)s, %(num)s working day before the visit",
                        "given on %(date)s, %(num)s working days before the visit", given,
                        date=ps.day_in(v["notice_date"], "locative"))
    if state == "late":
        return ngettext("given on %(date)s, only %(num)s working day before the visit: too late",
                        "given on %(date)s, only %(num)s working days before the visit: too late", given,
                        date=ps.day_in(v["notice_date"], "locative"))
    if state == "superseded":
        return _("given on %(date)s for the visit as then planned; the visit has moved, so a new notice is due",
                 date=ps.day_in(v["notice_date"], "locative"))
    if state == "overdue":
        return _("not given, and its last day has passed")
    return _("not given yet")


def overview_view(actor: Actor, contest: Contest) -> dict[str, Any]:
    view = dashboard(ps.service(), contest.year, live_reader=actor.role in LIVE_READERS, contest=contest)
    seats = view["seats"]
    view["counts"] = {
        "ballots": sum(1 for s in seats if s["ballot"] and s["ballot"]["submitted"]),
        "scorecards": sum(1 for s in seats if s["scorecard"] and s["scorecard"]["submitted"]),
        "voting": len(seats),
    }
    view["blockers"] = [blocker_text(dict(b), contest) for b in view["blockers"]]
    for v in view["visits"] or ():
        v["words"] = notice_words(v)
    return view


# ----- routes -----

@blp.route("", methods=["GET"])
def page() -> Any:
    actor = staff_login.session_actor(ROLES)
    if actor is None:
        return staff_pages.sign_in_page(login_page())
    contest = ps.current_contest()
    if not allowed(actor, contest):  # another seat's session (its own pages'): sign in otherwise, or leave
        return staff_pages.sign_in_page(login_page(), wrong_token(), 403)
    return render_template("pages/overview.html", contest=contest, actor=actor, chair=is_chair(actor, contest),
                           view=overview_view(actor, contest), arrival=staff_pages.arrival)


@blp.route("/ieiet", methods=["POST"])
def login() -> Any:
    attempt = staff_login.sign_in(request.form.get("token", "").strip(), ROLES)
    wrong = wrong_token()
    if attempt.refusal is None and attempt.actor is not None and not allowed(attempt.actor, ps.current_contest()):
        staff_login.sign_out()  # a valid juror token of another seat: no session for it here
        return staff_pages.sign_in_page(login_page(), wrong, 403)
    if attempt.refusal is None:
        return redirect(url_for("overview.page"), code=303)
    error, status, headers = staff_pages.refusal(attempt, wrong)
    return staff_pages.sign_in_page(login_page(), error, status, headers)


@blp.route("/iziet", methods=["POST"])
def logout() -> Response:
    staff_login.sign_out()
    return redirect(url_for("overview.page"), code=303)
