"""The municipality's portal (§4.2, §4.4, §4.6.2, Annex): the questionnaire by section, saved per section and as
often as needed while round 1 is open; what the municipality has sent; the secretariat's requests for information
and the replies. Every save and reply goes through the same round-1 commands as the API (PATCH …/submissions/<code>,
POST …/requests/<id>/replies), so a save names only the answers it changes and the domain decides what it takes.

D18: while round 1 is open a municipality sees its own answers and their validation, never places, medians or
points; once round 1 closes the portal links the public explanation of its score.

Sign-in takes a municipality's bearer token and opens a server-side session as the desk's does (api/staff_login.py,
contest/sessions.py): the cookie holds the session's id, never the token; logout ends it on the server.

URLs: /pasvaldiba (home, or the sign-in) · /pasvaldiba/sadala/<n> (a section) · /pasvaldiba/pieprasijumi (requests)
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from api import municipality_forms as forms
from api import page_support as ps
from api import staff_login, staff_pages
from domain.actors import MUNICIPALITY, Actor
from domain.contest import ROUND1, ROUND2, SETUP, Contest
from domain.errors import InvalidInput, NotFound, RuleViolation

blp = Blueprint("municipality", __name__, url_prefix="/pasvaldiba", template_folder="templates")
blp.before_request(ps.csrf_on_every_form)
blp.after_request(ps.after)
blp.register_error_handler(NotFound, ps.not_found)
blp.register_error_handler(HTTPException, ps.http_error)
blp.record_once(lambda state: staff_login.init_app(state.app))  # the failed sign-ins' throttle

REPLY_MAX = 20_000  # as the API's reply (api/round1.py ReplySchema)


def portal_actor() -> Actor | None:
    """The municipality's actor of this request's live session, or None."""
    return staff_login.session_actor((MUNICIPALITY,))


def signed_out(status: int = 401) -> tuple[str, int]:
    return render_template("pages/municipality_login.html", contest=ps.current_contest(),
                           error=_("Please log in again: the session has ended.")), status


def context(contest: Contest, actor: Actor) -> dict[str, Any]:
    """What every page of the portal shows: the contest, the municipality, round 1's state, the open requests."""
    code = actor.municipality or ""
    municipality = contest.municipality(code)
    submission = ps.service().round1.submission(contest.year, code)
    open_requests = sum(1 for r in submission["requests"] if not r["replies"])
    return {"contest": contest, "actor": actor, "municipality": municipality, "submission": submission,
            "open_requests": open_requests, "editable": contest.stage == ROUND1, "round1": round1_state(contest)}


def round1_state(contest: Contest) -> dict[str, Any]:
    """Round 1's state in words: when it opened or closed, and what the municipality can do (§4.2, §4.5). The
    contest records no closing date for round 1: the secretariat closes it."""
    opened, closed = contest.stage_changed_at.get(ROUND1), contest.stage_changed_at.get(ROUND2)
    if contest.stage == SETUP or opened is None:
        return {"kind": "setup", "title": _("Round 1 has not opened yet"),
                "text": _("The questionnaire can be filled in once the secretariat opens round 1."), "rule": "§4.2"}
    if contest.stage == ROUND1:
        return {"kind": "open", "title": _("Round 1 is open"),
                "text": _("Round 1 has been open since %(date)s. Answers can be saved section by section, as often "
                          "as needed, until the secretariat closes round 1; the answers saved by then are the ones "
                          "counted.", date=ps.day_in(opened, "genitive")), "rule": "§4.2, §4.5"}
    text = (_("Round 1 closed on %(date)s; the answers can no longer be changed.", date=ps.day_in(closed, "locative"))
            if closed is not None else _("Round 1 has closed; the answers can no longer be changed."))
    return {"kind": "closed", "title": _("Round 1 is closed"), "text": text, "rule": "§4.5"}


def save_refusal(e: RuleViolation, contest: Contest) -> dict[str, str]:
    """A refused save or reply, in the reader's language, with the clause it rests on."""
    if "D14" in e.clause:
        text = _("The contest's result is approved and sealed: nothing can be changed any more.")
    elif "included_through" in e.details:
        text = _("Round 1 closed while this save was being recorded, so it does not count.")
    elif e.clause == "§4.2":
        text = (_("Round 1 has not opened yet: answers are taken only while it is open.") if contest.stage == SETUP
                else _("Round 1 is closed: answers are taken only while it is open."))
    elif e.clause == "concurrency":
        text = _("Another save was recorded at the same moment; please save again.")
    else:
        text = _("The save was refused.")
    return {"text": text, "rule": e.clause}


# ----- sign-in -----

@blp.route("", methods=["GET"])
def home() -> str | Response:
    actor = portal_actor()
    contest = ps.current_contest()
    if actor is None:
        return render_template("pages/municipality_login.html", contest=contest, error=None)
    view = context(contest, actor)
    q = contest.questionnaire
    progress = forms.section_progress(q, view["submission"]["answers"], view["submission"]["saved_at"]) if q else []
    return render_template("pages/municipality_home.html", sections=progress, **view)


@blp.route("/ieiet", methods=["POST"])
def login() -> Any:
    attempt = staff_login.sign_in(request.form.get("token", "").strip(), (MUNICIPALITY,))
    if attempt.refusal is None:
        return redirect(url_for("municipality.home"), code=303)
    error, status, headers = staff_pages.refusal(attempt, _("Only a municipality's token opens the municipality's "
                                                           "pages."))
    return render_template("pages/municipality_login.html", contest=ps.current_contest(), error=error), status, \
        headers


@blp.route("/ieiet", methods=["GET"])
def login_again() -> Response:
    """The language switch of a refused sign-in's page (a GET of its address): the sign-in form again."""
    return redirect(url_for("municipality.home", lang=request.args.get("lang")), code=303)


@blp.route("/iziet", methods=["POST"])
def logout() -> Response:
    staff_login.sign_out()
    return redirect(url_for("municipality.home"), code=303)


# ----- a section of the questionnaire (§4.2, Annex) -----

def render_section(contest: Contest, actor: Actor, number: int, typed: dict[str, str] | None = None,
                   errors: dict[str, list[str]] | None = None, refusal: dict[str, str] | None = None,
                   status: int = 200) -> tuple[str, int]:
    view = context(contest, actor)
    q = contest.questionnaire
    if q is None or number not in {s.number for s in q.sections}:
        raise NotFound("section", number)
    section = q.section(number)
    questions = tuple(x for x in q.questions if x.section == number)
    errors = errors or {}
    groups = forms.section_groups(questions, view["submission"]["answers"], typed or {}, errors)
    fields = [f for g in groups for f in g["fields"]]
    numbers = [s.number for s in q.sections]
    here = numbers.index(number)
    progress = forms.section_progress(q, view["submission"]["answers"], view["submission"]["saved_at"])[here]
    return render_template(
        "pages/municipality_section.html", section=section, groups=groups, progress=progress,
        title=section.title_lv if ps.language() == "lv" else section.title_en,
        summary=[f for f in fields if f["errors"]], refusal=refusal,
        other_errors=[m for k, ms in errors.items() if not q.has_question(k) or q.question(k).section != number
                      for m in ms],
        previous=numbers[here - 1] if here > 0 else None,
        following=numbers[here + 1] if here + 1 < len(numbers) else None, **view), status


@blp.route("/sadala/<int:number>", methods=["GET"])
def section(number: int) -> Any:
    actor = portal_actor()
    if actor is None:
        return redirect(url_for("municipality.home"), code=303)
    return render_section(ps.current_contest(), actor, number)


@blp.route("/sadala/<int:number>", methods=["POST"])
def save_section(number: int) -> Any:
    """Save this section: only its answers that differ from those in force, through the command of PATCH
    …/submissions/<code> (§4.2). Numbers are read as typed ("12,5", "1 500"); one that cannot be read stops the
    save, and so does any refusal of the domain: nothing of the section is stored then."""
    actor = portal_actor()
    if actor is None:
        return signed_out()
    contest = ps.current_contest()
    q = contest.questionnaire
    if q is None or number not in {s.number for s in q.sections}:
        raise NotFound("section", number)
    questions = tuple(x for x in q.questions if x.section == number)
    answers = ps.service().round1.submission(contest.year, actor.municipality or "")["answers"]
    changes, typed, errors = forms.read_section(questions, request.form, answers, ps.language())
    if errors:
        return render_section(contest, actor, number, typed, errors, status=422)
    if not changes:
        flash(_("Nothing was changed in this section, so nothing was saved."), "info")
        return redirect(url_for("municipality.section", number=number), code=303)
    try:
        ps.service().round1.save_answers(contest.year, actor.municipality or "", changes, actor=actor)
    except InvalidInput as e:
        return render_section(contest, actor, number, typed, forms.refusal_by_question(e, q), status=422)
    except RuleViolation as e:
        contest = ps.service().contest(contest.year)
        return render_section(contest, actor, number, typed, refusal=save_refusal(e, contest), status=409)
    flash(ngettext("Saved: %(num)s answer of this section.", "Saved: %(num)s answers of this section.",
                   len(changes)), "ok")
    return redirect(url_for("municipality.section", number=number), code=303)


# ----- requests for information (§4.4, §4.6.2) -----

def render_requests(contest: Contest, actor: Actor, typed: dict[str, str] | None = None,
                    errors: dict[str, str] | None = None, refusal: dict[str, str] | None = None,
                    status: int = 200) -> tuple[str, int]:
    view = context(contest, actor)
    return render_template("pages/municipality_requests.html", requests=view["submission"]["requests"],
                           typed=typed or {}, errors=errors or {}, refusal=refusal, reply_max=REPLY_MAX,
                           **view), status


@blp.route("/pieprasijumi", methods=["GET"])
def requests() -> Any:
    actor = portal_actor()
    if actor is None:
        return redirect(url_for("municipality.home"), code=303)
    return render_requests(ps.current_contest(), actor)


@blp.route("/pieprasijumi/<string:request_id>", methods=["GET"])
def reply_again(request_id: str) -> Response:
    """The language switch of a refused reply's page (a GET of its address): the requests again."""
    return redirect(url_for("municipality.requests", lang=request.args.get("lang"), _anchor=f"request-{request_id}"),
                    code=303)


@blp.route("/pieprasijumi/<string:request_id>", methods=["POST"])
def reply(request_id: str) -> Any:
    """Reply to a request for information through the command of POST …/requests/<id>/replies (§4.4)."""
    actor = portal_actor()
    if actor is None:
        return signed_out()
    contest = ps.current_contest()
    text = request.form.get("reply", "").replace("\r\n", "\n")
    if len(text.strip()) > REPLY_MAX:
        message = ngettext("The reply may be at most %(num)s character long.",
                           "The reply may be at most %(num)s characters long.", REPLY_MAX)
        return render_requests(contest, actor, {request_id: text}, {request_id: message}, status=422)
    try:
        ps.service().round1.reply(contest.year, actor.municipality or "", request_id, text, actor=actor)
    except InvalidInput:
        return render_requests(contest, actor, {request_id: text}, {request_id: _("Write your reply.")},
                               status=422)
    except RuleViolation as e:
        return render_requests(contest, actor, {request_id: text}, refusal=save_refusal(e, contest), status=409)
    flash(_("Your reply has been sent to the secretariat."), "ok")
    return redirect(url_for("municipality.requests", _anchor=f"request-{request_id}"), code=303)
