"""The secretariat's desk (§3.2.5): the contest's state, its next dates, the counts, what blocks the next
transition, and the transition buttons, which post to the same ContestService commands as the API. While round 2
is open or the vote has votes, also the suspicious vote clusters with forms to quarantine and reinstate their
votes, and the log of those decisions (§4.6.6, §4.6.7, D10, D11), through the same round-2 commands.

Login takes a bearer token; only a secretariat token is accepted (README "Roles"). It opens a server-side session
(api/staff_login.py, contest/sessions.py): the cookie holds the session's id, never the token; logout and the
token's revocation end it on the server; failed logins are throttled per address and per token id (429).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from api import page_support as ps
from api import staff_login, staff_pages
from contest.round2 import CLUSTER_MIN_VOTES, CLUSTER_WINDOW_SECONDS
from contest.transitions import transitions
from domain.actors import SECRETARIAT, Actor
from domain.contest import FINISHED, ROUND1, ROUND2, ROUND3, SEALED, SETUP, Contest
from domain.errors import DomainError, InvalidInput, NotFound, RuleViolation
from domain.transitions import CLOSE_ROUND1, CLOSE_ROUND2, CLOSE_ROUND3, CLOSE_WINDOW, OPEN_ROUND1, OPEN_WINDOW

blp = Blueprint("desk", __name__, url_prefix="/sekretariats", template_folder="templates")
blp.before_request(ps.csrf_on_every_form)
blp.after_request(ps.after)
blp.register_error_handler(NotFound, ps.not_found)
blp.register_error_handler(HTTPException, ps.http_error)
blp.record_once(lambda state: staff_login.init_app(state.app))  # the failed logins' throttle



def desk_actor() -> Actor | None:
    """The secretariat's actor of this request's live session (api/staff_login.py), or None."""
    return staff_login.session_actor((SECRETARIAT,))


# ----- what the desk shows -----
# What blocks the next transition is decided by the domain (domain.transitions, gathered by contest/transitions.py:
# the same list as GET /api/contests/<year>/transitions and `contest status`, and what the close commands refuse);
# the desk only words each blocker's code and params in the reader's language.

ROUND3_LEADS = {"briefing_missing": ps.N_("The jury's briefing on the finalists is not recorded."),
                "visit_not_planned": ps.N_("No visit is planned."),
                "notice_invalid": ps.N_("The visit has no valid notice."),
                "attendance_missing": ps.N_("The visit's attendance is missing, or the visit does not count."),
                "visit_not_counted": ps.N_("The visit's attendance is missing, or the visit does not count."),
                "scores_below_quorum": ps.N_("Too few counted jury members have given their scores.")}
TIE_KINDS = {"jury_4th_place": ps.N_("the 4th place in jury points"),
             "jury_5th_place": ps.N_("the 5th place in jury points"),
             "residents_choice": ps.N_("the residents' choice"), "winner": ps.N_("the winner"),
             "theme_prize": ps.N_("the annual theme prize")}


def blocker_text(b: dict[str, Any], contest: Contest) -> dict[str, Any]:
    """One blocker (domain.transitions.Blocker.to_dict) as the desk shows it: the clause, the text in the reader's
    language, whom it concerns, and for round 3 the domain's English detail."""
    code, p = b.get("code", ""), b.get("params") or {}
    all_names = ps.names(contest)
    out: dict[str, Any] = {"rule": b["clause"], "code": code, "confirmable": b.get("confirmable", False)}
    if code == "questionnaire_missing":
        out["text"] = _("Round 1 needs a questionnaire.")
    elif code == "theme_unconfirmed":
        out["text"] = _("The annual theme is to be confirmed: set this year's theme before round 1 opens.")
    elif code == "prizes_unconfirmed":
        out["text"] = _("The prizes are to be confirmed: set this year's prize fund and prizes before round 1 "
                        "opens.")
    elif code == "no_submissions":
        out["text"] = _("No municipality has submitted any answers (participants: %(total)s). If round 1 closes now, "
                        "all of them get the same score and all go on to round 2. To close it anyway, confirm it "
                        "and give the reason.", total=p["participants"])
    elif code == "window_not_closed":
        out["text"] = _("The residents' vote must be closed before round 2 closes.")
    elif code == "quorum_not_met":
        seats = {s.id: s.organisation for s in contest.jury}
        missing = ", ".join(seats.get(s, s) for s in p["seats_without_ballots"])
        out["text"] = _("Ballots from %(cast)s voting seats; at least %(quorum)s are needed. Missing: %(missing)s.",
                        cast=p["ballots"], quorum=p["needed"], missing=missing)
    elif code == "tie_open":
        out["text"] = _("A tie for %(kind)s between %(tied)s needs a recorded jury decision (§3.2.4).",
                        kind=_(TIE_KINDS.get(p["kind"], p["kind"])),
                        tied=", ".join(all_names.get(m, m) for m in p["tied"]))
    elif code == "awaiting_approval":
        out["text"] = _("The result awaits the Fund council's approval.")
    elif code in ROUND3_LEADS:
        out["text"] = _(ROUND3_LEADS[code])
        out["who"] = all_names.get(p["municipality"], "") if p.get("municipality") else ""
        out["detail"] = b.get("message", "")
    else:  # a command's refusal from another stage (never the next transition's)
        out["text"], out["detail"] = "", b.get("message", "")
    return out


def blocker_sentence(t: dict[str, Any]) -> str:
    text = t["text"] or t.get("detail", "")
    return f"{t['who']}: {text}" if t.get("who") else text


def desk_view(contest: Contest) -> dict[str, Any]:
    svc = ps.service()
    year = contest.year
    submissions = svc.round1.submissions(year)
    standings = svc.round2.standings(year)
    round3 = svc.round3.status(year) if contest.has_reached(ROUND3) else None
    voting = len(contest.voting_seats)
    quarantine = None
    if contest.stage == ROUND2 or standings["votes"]["total_all"]:
        quarantine = quarantine_view(contest)
    state = transitions(svc, year, contest)
    return {
        "counts": {"submissions": sum(1 for s in submissions if s["answered"]), "participants": len(submissions),
                   "ballots": len(standings["ballots"]), "voting_seats": voting, "quorum": standings["quorum"],
                   "votes": standings["votes"]["total"]},
        "window": contest.window_times(),
        "window_now": state["window_now"],
        "round3": round3,
        "blockers": [blocker_text(b, contest) for b in state["blockers"]],
        "confirmable": [b["transition"] for b in state["blockers"] if b["confirmable"]],
        "actions": [ACTION_SLUGS[a] for a in state["actions"]],
        "names": ps.names(contest),
        "quarantine": quarantine,
        "unconfirmed": list(contest.unconfirmed),
    }


# ----- suspicious vote clusters and quarantine (§4.6.6, §4.6.7, D10, D11): nothing is deleted -----

NETWORK_KEY = re.compile(r"[0-9a-f]{16}")
ROLE_NAMES = {"secretariat": ps.N_("secretariat"), "system": ps.N_("system")}


def quarantine_view(contest: Contest) -> dict[str, Any]:
    """The clusters report (the API's defaults) and the log of decisions, from the round-2 queries."""
    svc = ps.service()
    report = svc.round2.vote_clusters(contest.year)
    log = svc.round2.quarantine_log(contest.year)
    return {"clusters": report["clusters"], "window_minutes": CLUSTER_WINDOW_SECONDS // 60,
            "min_votes": CLUSTER_MIN_VOTES, "decisions": log["decisions"], "quarantined": log["quarantined"],
            "reviewable": log["reviewable"], "roles": ROLE_NAMES}


def _instant(text: str) -> datetime | None:
    try:
        at = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return at if at.tzinfo is not None else None


def review_refusal(e: DomainError) -> str:
    """A refused quarantine or reinstatement, in the reader's language."""
    if isinstance(e, RuleViolation) and "§4.6.7" in e.clause:
        return _("Refused by rule %(rule)s: round 2 has closed and the finalists are fixed, so votes can no longer "
                 "be quarantined or reinstated.", rule=e.clause)
    if isinstance(e, RuleViolation) and "D14" in e.clause:
        return _("Refused by rule %(rule)s: the contest is sealed and nothing changes any more.", rule=e.clause)
    if isinstance(e, InvalidInput) and "reason" in e.errors:
        return _("Give a reason for the change (it is recorded with the event).")
    if isinstance(e, InvalidInput) and "cluster" in e.errors:
        return _("Refused: no vote came from this network in that period.")
    return refusal_text(e)


def review(command: str) -> Any:
    """Quarantine or reinstate a reported cluster's votes (network key, from, to), or reinstate the votes of one
    recorded quarantine decision (its position), with a reason: one event through the round-2 command."""
    back = redirect(url_for("desk.desk", _anchor="h-quarantine"), code=303)
    actor = desk_actor()
    if actor is None:
        return render_template("pages/desk_login.html", contest=ps.current_contest(),
                               error=_("Please log in again: the session has ended.")), 401
    contest = ps.current_contest()
    r2 = ps.service().round2
    reason = request.form.get("reason", "").strip()
    if not reason:
        flash(_("Give a reason for the change (it is recorded with the event)."), "error")
        return back
    votes: list[str] | None = None
    network, start, end = request.form.get("network", ""), None, None
    decision = request.form.get("decision", "")
    if command == "reinstate" and decision:
        chosen = [d for d in r2.quarantine_log(contest.year)["decisions"]
                  if str(d["position"]) == decision and d["kind"] == "quarantine"]
        if not chosen:
            flash(_("The form could not be read; reload the desk and try again."), "error")
            return back
        votes, network = chosen[0]["votes"], ""
    else:
        start, end = _instant(request.form.get("from", "")), _instant(request.form.get("to", ""))
        if not NETWORK_KEY.fullmatch(network) or start is None or end is None:
            flash(_("The form could not be read; reload the desk and try again."), "error")
            return back
    run = r2.quarantine_votes if command == "quarantine" else r2.reinstate_votes
    try:
        done = run(contest.year, reason=reason, actor=actor, votes=votes, cluster=network or None, start=start,
                   end=end)
    except DomainError as e:
        flash(review_refusal(e), "error")
        return back
    n = len(done["changed"])
    if command == "quarantine":
        flash(_("Quarantined: %(n)s votes (kept, not counted).", n=n) if n
              else _("Nothing changed: these votes were already in quarantine."), "ok")
    else:
        flash(_("Reinstated: %(n)s votes (counted again).", n=n) if n
              else _("Nothing changed: none of these votes was in quarantine."), "ok")
    return back


# ----- transitions -----

ACTION_LABELS = {
    "atvert-1-kartu": ps.N_("Open round 1"),
    "slegt-1-kartu": ps.N_("Close round 1"),
    "atvert-balsojumu": ps.N_("Open the residents' vote"),
    "slegt-balsojumu": ps.N_("Close the residents' vote"),
    "slegt-2-kartu": ps.N_("Close round 2"),
    "slegt-3-kartu": ps.N_("Close round 3"),
}
# The desk's address of each action of domain.transitions.
ACTION_SLUGS = {OPEN_ROUND1: "atvert-1-kartu", CLOSE_ROUND1: "slegt-1-kartu", OPEN_WINDOW: "atvert-balsojumu",
                CLOSE_WINDOW: "slegt-balsojumu", CLOSE_ROUND2: "slegt-2-kartu", CLOSE_ROUND3: "slegt-3-kartu"}
SLUG_TRANSITIONS = {slug: action for action, slug in ACTION_SLUGS.items()}
NEEDS_REASON = ("atvert-balsojumu", "slegt-balsojumu")


def run_action(action: str, year: int, actor: Actor, reason: str, confirm_empty: bool = False) -> None:
    svc = ps.service()
    commands: dict[str, Callable[[], Any]] = {
        "atvert-1-kartu": lambda: svc.open_round1(year, actor=actor),
        "slegt-1-kartu": lambda: svc.round1.close(year, actor=actor, confirm_empty=confirm_empty,
                                                  reason=reason or None),
        "atvert-balsojumu": lambda: svc.round2.open_window(year, actor=actor, reason=reason),
        "slegt-balsojumu": lambda: svc.round2.close_window(year, actor=actor, reason=reason),
        "slegt-2-kartu": lambda: svc.round2.close(year, actor=actor),
        "slegt-3-kartu": lambda: svc.round3.close(year, actor=actor),
    }
    commands[action]()


def refusal_text(e: DomainError, contest: Contest | None = None) -> str:
    if isinstance(e, RuleViolation):
        blockers = e.details.get("blockers")
        if contest is not None and isinstance(blockers, list) and blockers:  # domain.transitions' refusal
            texts = [blocker_text(b, contest) for b in blockers]
            message = " ".join(blocker_sentence(t) for t in texts)
            return _("Refused by rule %(rule)s: %(message)s", rule=e.clause, message=message)
        return _("Refused by rule %(rule)s: %(message)s", rule=e.clause, message=e.message)
    if isinstance(e, InvalidInput):
        return _("Refused: %(message)s", message="; ".join(f"{k}: {', '.join(v)}" for k, v in e.errors.items()))
    return _("Refused: %(message)s", message=str(e))


# ----- routes -----

@blp.route("", methods=["GET"])
def desk() -> str | Response:
    actor = desk_actor()
    contest = ps.current_contest()
    if actor is None:
        response = render_template("pages/desk_login.html", contest=contest, error=None)
        return response
    return render_desk(contest, actor)


def next_year_form(values: dict[str, str] | None = None, errors: dict[str, str] | None = None) -> dict[str, Any]:
    """The form for next year's contest (api/desk_next_year.py): the store's contests to carry forward from,
    the values (by default the year after the latest, from the current contest) and the errors at each field."""
    svc = ps.service()
    years = svc.years()
    defaults = {"year": str(max(years) + 1), "from": str(ps.current_year(years))} if years else {}
    return {"years": years, "values": values or defaults, "errors": errors or {}}


def render_desk(contest: Contest, actor: Actor, next_form: dict[str, Any] | None = None) -> str:
    return render_template("pages/desk.html", contest=contest, actor=actor, view=desk_view(contest),
                           labels=ACTION_LABELS, needs_reason=NEEDS_REASON, slug_transitions=SLUG_TRANSITIONS,
                           stages=(SETUP, ROUND1, ROUND2, ROUND3, FINISHED, SEALED),
                           next_form=next_form or next_year_form())


@blp.route("/ieiet", methods=["POST"])
def login() -> Any:
    attempt = staff_login.sign_in(request.form.get("token", "").strip(), (SECRETARIAT,))
    if attempt.refusal is None:
        return redirect(url_for("desk.desk"), code=303)
    error, status, headers = staff_pages.refusal(attempt, _("Only a secretariat token opens the desk."))
    return render_template("pages/desk_login.html", contest=ps.current_contest(), error=error), status, headers


@blp.route("/iziet", methods=["POST"])
def logout() -> Response:
    staff_login.sign_out()
    return redirect(url_for("desk.desk"), code=303)


@blp.route("/balsis/karantina", methods=["POST"])
def quarantine() -> Any:
    return review("quarantine")


@blp.route("/balsis/atjaunot", methods=["POST"])
def reinstate() -> Any:
    return review("reinstate")


@blp.route("/<string:action>", methods=["POST"])
def transition(action: str) -> Any:
    if action not in ACTION_LABELS:
        raise NotFound("action", action)
    actor = desk_actor()
    if actor is None:
        return render_template("pages/desk_login.html", contest=ps.current_contest(),
                               error=_("Please log in again: the session has ended.")), 401
    contest = ps.current_contest()
    reason = request.form.get("reason", "").strip()
    confirm_empty = request.form.get("confirm_empty") == "1"
    if (action in NEEDS_REASON or confirm_empty) and not reason:
        flash(_("Give a reason for the change (it is recorded with the event)."), "error")
        return redirect(url_for("desk.desk"), code=303)
    try:
        run_action(action, contest.year, actor, reason, confirm_empty=confirm_empty)
    except InvalidInput as e:
        if "confirm_empty" in e.errors:
            flash(_("Refused: municipalities have submitted answers meanwhile, so there is no empty round to "
                    "confirm. Reload the desk and close round 1 without the confirmation."), "error")
        else:
            flash(refusal_text(e, contest), "error")
    except DomainError as e:
        flash(refusal_text(e, contest), "error")
    else:
        flash(_("Done: %(action)s.", action=_(ACTION_LABELS[action])), "ok")
    return redirect(url_for("desk.desk"), code=303)
