"""The Fund council's page (§7.4, D14) at /padome: the final result as round 3 recorded it (the winner, the theme
prize, the prizes, round 3's table with the averages of the counted scores, every seat and every visit counted or
not and why), the digest the approval will name, and the approval form (the decision's number and date, a
confirmation), which calls the same command as POST /api/contests/<year>/approval. Once approved: the sealed
state, the decision, the digest, and the printable report. Before round 3 closes: what remains (the desk's
blockers, domain.transitions through contest/transitions.py).

Sign-in with a council token opens a server-side session, as the desk's does (api/staff_login.py). The domain's
refusals are shown at the field they concern: a date in the future or before the result (§7.4, D14), the history
grown since the digest was shown (D14, domain.approval.check_named_digest), round 3 still open (§7.4).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from api import page_support as ps
from api import staff_login, staff_pages
from api.desk import TIE_KINDS, blocker_text
from contest.transitions import transitions
from domain.actors import COUNCIL, Actor
from domain.contest import FINISHED, Contest
from domain.errors import DomainError, InvalidInput, NotFound, RuleViolation

blp = Blueprint("council", __name__, url_prefix="/padome", template_folder="templates")
blp.before_request(ps.csrf_on_every_form)
blp.after_request(ps.after)
blp.register_error_handler(NotFound, ps.not_found)
blp.register_error_handler(HTTPException, ps.http_error)
blp.record_once(lambda state: staff_login.init_app(state.app))  # the failed logins' throttle

FIELDS = ("decision_number", "decision_date", "confirm", "digest")


def council_actor() -> Actor | None:
    """The council's actor of this request's live session (api/staff_login.py), or None."""
    return staff_login.session_actor((COUNCIL,))


def login_page() -> dict[str, str]:
    return {"title": _("Fund council"), "heading": _("The Fund council: approving the result"),
            "intro": _("For the members of the Fund council. Log in with a council access token."),
            "action": url_for("council.login")}


# ----- the result in words (§4.7.3, §4.7.4) -----

def seat_words(seat: dict[str, Any], min_visits: int, names: dict[str, str]) -> list[str]:
    """Why a seat's scores count or not (§4.7.4), in the reader's language."""
    if not seat["voting"]:
        return [_("Not a voting seat: its scores do not count.")]
    visits = ngettext("%(num)s counted visit", "%(num)s counted visits", len(seat["counted_visits"]))
    if seat["counted"]:
        words = [_("Attended: %(visits)s (at least %(min)s needed); the scores count.", visits=visits,
                   min=min_visits)]
    else:
        words = [_("Attended: %(visits)s (at least %(min)s needed); the scores do not count.", visits=visits,
                   min=min_visits)]
    other = seat["uncounted_visits"]
    if other:
        words.append(ngettext("Also at %(num)s visit that did not count: %(names)s.",
                              "Also at %(num)s visits that did not count: %(names)s.", len(other),
                              names=", ".join(names.get(m, m) for m in other)))
    if seat["counted"] and not seat["scores_submitted"]:
        words.append(_("The seat counts, but it has not submitted scores."))
    if seat.get("cast_by") and seat["cast_by"] != "member":
        words.append(_("The scores were submitted by the delegated substitute %(name)s.", name=seat["cast_by"]))
    return words


def visit_words(visit: dict[str, Any], min_seats: int, seats: dict[str, str]) -> list[str]:
    """Why a visit counts or not (§4.7.2, §4.7.3), in the reader's language."""
    if visit.get("attendance") is None:
        return [ngettext("No attendance is recorded; at least %(num)s voting member is needed.",
                         "No attendance is recorded; at least %(num)s voting members are needed.", min_seats)]
    present = ngettext("%(num)s voting member present", "%(num)s voting members present",
                       len(visit["voting_present"]))
    enough = len(visit["voting_present"]) >= min_seats
    if visit["counted"]:
        words = [_("%(present)s (at least %(min)s needed); the visit counts.", present=present, min=min_seats)]
    elif enough:
        words = [_("The visit does not count: its notice was not valid.")]
    else:
        words = [_("%(present)s (at least %(min)s needed); the visit does not count.", present=present,
                   min=min_seats)]
    if visit["other_present"]:
        words.append(_("Also present, without a vote: %(names)s.",
                       names=", ".join(seats.get(s, s) for s in visit["other_present"])))
    return words


def tie_words(tie: dict[str, Any], names: dict[str, str]) -> str | None:
    tied = ", ".join(names.get(m, m) for m in tie["tied"])
    kind = _(TIE_KINDS.get(tie["kind"], tie["kind"]))
    if tie["resolution"] == "tiebreak":
        return _("%(tied)s were tied for %(kind)s; the chair's score decided.", tied=tied, kind=kind)
    if tie["resolution"] == "decision":
        return _("%(tied)s were tied for %(kind)s; a recorded jury decision decided.", tied=tied, kind=kind)
    return None


def result_view(contest: Contest) -> dict[str, Any]:
    """The final result (contest/round3.py final_report) with each seat, visit and tie in words."""
    result = ps.service().round3.result(contest.year)
    names = ps.names(contest)
    r3 = result["round3"]
    seats = {s.id: s.organisation for s in contest.jury}
    return {
        "result": result,
        "seats": [{**s, "words": seat_words(s, r3["min_visits_per_seat"], names)} for s in r3["seats"]],
        "visits": [{**v, "words": visit_words(v, r3["min_seats_per_visit"], seats)} for v in r3["visits"]],
        "ties": [t for t in (tie_words(t, names) for t in r3["ties"]) if t],
        "closed_on": contest.local_day(contest.round3.closed_at) if contest.round3 else None,
    }


def council_view(contest: Contest) -> dict[str, Any]:
    svc = ps.service()
    view: dict[str, Any] = {"stage": contest.stage, "today": contest.local_day(svc.clock.now())}
    if contest.round3 is None:  # what remains before the council can approve
        state = transitions(svc, contest.year, contest)
        view["blockers"] = [blocker_text(b, contest) for b in state["blockers"]]
        return view
    view.update(result_view(contest))
    if contest.stage == FINISHED:
        view["checkpoint"] = svc.round3.approval_checkpoint()
    return view


def entered_date(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def render(contest: Contest, actor: Actor, form: dict[str, str] | None = None,
           errors: dict[str, str] | None = None, status: int = 200) -> tuple[str, int]:
    form = form or {}
    return render_template("pages/council.html", contest=contest, actor=actor, view=council_view(contest),
                           form=form, entered=entered_date(form.get("decision_date", "")),
                           errors=errors or {}, arrival=staff_pages.arrival), status


# ----- the approval (§7.4, D14) -----

def read_form() -> tuple[dict[str, str], dict[str, str], date | None]:
    """The form as sent, what the page itself finds wrong with it, and the decision's date."""
    form = {k: request.form.get(k, "").strip() for k in FIELDS}
    errors: dict[str, str] = {}
    if not form["decision_number"]:
        errors["decision_number"] = _("Enter the number of the council's decision.")
    decided = entered_date(form["decision_date"])
    if decided is None:
        errors["decision_date"] = _("Enter the date of the council's decision.")
    if form["confirm"] != "1":
        errors["confirm"] = _("Confirm that the council's decision approves this result.")
    if not form["digest"]:
        errors["digest"] = _("The form could not be read; reload the page and try again.")
    return form, errors, decided


def refusal_errors(e: DomainError, contest: Contest, today: date) -> dict[str, str]:
    """The approval command's refusal at the field it concerns, in the reader's language."""
    if contest.approval is not None:
        return {"form": _("The result has already been approved: the contest is sealed.")}
    if isinstance(e, InvalidInput):
        if "decision_date" in e.errors:
            return {"decision_date": _("The decision cannot be dated later than today (%(today)s).",
                                       today=ps.day(today))}
        if "decision_number" in e.errors:
            return {"decision_number": _("Enter the number of the council's decision.")}
        return {"form": _("Refused: %(message)s", message="; ".join(
            f"{k}: {', '.join(v)}" for k, v in e.errors.items()))}
    if isinstance(e, RuleViolation) and e.field == "decision_date" and contest.round3 is not None:
        closed = contest.local_day(contest.round3.closed_at)
        return {"decision_date": _("The decision cannot be dated before the result it approves: round 3 closed "
                                   "on %(date)s.", date=ps.day_in(closed, "locative"))}
    if isinstance(e, RuleViolation) and e.field == "digest":
        return {"digest": _("The history has changed since this page was opened, so the approval would name "
                            "another digest. Review the result and the new digest, and confirm again.")}
    if isinstance(e, RuleViolation) and "§7.4" in e.clause and contest.round3 is None:
        return {"form": _("The council approves the result once round 3 has closed; it has not closed yet.")}
    return {"form": _("Refused: %(message)s", message=getattr(e, "message", str(e)))}


# ----- routes -----

@blp.route("", methods=["GET"])
def page() -> Any:
    actor = council_actor()
    if actor is None:
        return staff_pages.sign_in_page(login_page())
    return render(ps.current_contest(), actor)


@blp.route("/ieiet", methods=["POST"])
def login() -> Any:
    attempt = staff_login.sign_in(request.form.get("token", "").strip(), (COUNCIL,))
    if attempt.refusal is None:
        return redirect(url_for("council.page"), code=303)
    error, status, headers = staff_pages.refusal(attempt, _("Only a Fund council token opens this page."))
    return staff_pages.sign_in_page(login_page(), error, status, headers)


@blp.route("/iziet", methods=["POST"])
def logout() -> Response:
    staff_login.sign_out()
    return redirect(url_for("council.page"), code=303)


@blp.route("/apstiprinat", methods=["POST"])
def approve() -> Any:
    actor = council_actor()
    if actor is None:
        return staff_pages.session_ended(login_page())
    contest = ps.current_contest()
    form, errors, decided = read_form()
    if errors or decided is None:
        return render(contest, actor, form, errors, 422)
    svc = ps.service()
    try:
        svc.round3.approve(contest.year, decision_number=form["decision_number"], decision_date=decided,
                           actor=actor, shown_digest=form["digest"])
    except DomainError as e:
        contest = svc.contest(contest.year)  # as the refusal found it
        today = contest.local_day(svc.clock.now())
        return render(contest, actor, form, refusal_errors(e, contest, today),
                      422 if isinstance(e, InvalidInput) else 409)
    flash(_("Approved: the contest is sealed."), "ok")
    return redirect(url_for("council.page"), code=303)
