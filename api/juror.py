"""The jury's pages (§3.2, §4.6, §4.7), /komisija: a seat's member or delegated substitute signs in with the seat's
token and then finds what is due and done (the round-2 ballot, the round-3 score sheet), the forms themselves
(api/juror_sheets.py), and what the jury reads: round 1's results (§4.6.1), the residents' comments for the jury
(§4.6.3; never public) and the briefing on the finalists (§4.6.8). Every number comes from the ContestService's
queries, every change goes through its commands (the same as the API's), and nothing here decides a rule.

Sign-in takes a juror token (README "Roles": one per seat; a substitute uses the seat's token): it opens a
server-side session as the desk's does (api/staff_login.py, contest/sessions.py; the cookie holds the session's
id, never the token; logout and the token's revocation end it; failed sign-ins are throttled). The secretariat may
also send a seat a one-time sign-in link by e-mail, to an address it gives (the desk's /sekretariats/pazinojumi):
the link's page is api/juror_link.py. No page here takes an address from whoever asks.

URLs: /komisija (home, or the sign-in)  ·  /komisija/2-karta (the ballot)  ·  /komisija/3-karta (the score sheet)
·  /komisija/1-karta (round 1's results)  ·  /komisija/komentari (comments)  ·  /komisija/informacija (briefing)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from api import juror_sheets, staff_login, staff_pages
from api import page_support as ps
from api.pages import lv_key
from contest.round2 import vote_comments
from domain.actors import JUROR, Actor
from domain.contest import ROUND2, ROUND3, Contest
from domain.errors import NotFound

blp = Blueprint("juror", __name__, url_prefix="/komisija", template_folder="templates")
blp.before_request(ps.csrf_on_every_form)
blp.after_request(ps.after)
blp.register_error_handler(NotFound, ps.not_found)
blp.register_error_handler(HTTPException, ps.http_error)
blp.record_once(lambda state: None if staff_login.THROTTLE in state.app.extensions
                else staff_login.init_app(state.app))  # the failed sign-ins' throttle, shared with the desk


def juror_actor() -> Actor | None:
    """The juror of this request's live session (a seat's token, api/staff_login.py), or None."""
    return staff_login.session_actor((JUROR,))


def login_page(error: str | None = None, status: int = 200, headers: dict[str, str] | None = None) -> Any:
    return render_template("pages/juror_login.html", contest=ps.current_contest(), error=error), status, headers or {}


def signed_in(view: Callable[[Actor], Any]) -> Callable[[], Any]:
    """A page for the signed-in seat only; otherwise the sign-in (401 for a form sent after the session ended)."""
    def page() -> Any:
        actor = juror_actor()
        if actor is None:
            if request.method == "POST":
                return login_page(_("Please log in again: the session has ended."), 401)
            return login_page()
        return view(actor)

    page.__name__ = view.__name__
    page.__doc__ = view.__doc__
    return page


# ----- sign-in -----

@blp.route("/ieiet", methods=["POST"])
def login() -> Any:
    attempt = staff_login.sign_in(request.form.get("token", "").strip(), (JUROR,))
    if attempt.refusal is None:
        return redirect(url_for("juror.home"), code=303)
    return login_page(*staff_pages.refusal(attempt, _("Only a jury seat's token opens the jury's pages.")))


@blp.route("/iziet", methods=["POST"])
def logout() -> Response:
    staff_login.sign_out()
    return redirect(url_for("juror.home"), code=303)


# ----- home: what is due and done -----

def form_state(contest: Contest, stage: str, submitted_at: Any, draft: Any) -> dict[str, Any]:
    """A form's state for the home page: "waiting" (its round has not opened), "open" (nothing yet), "draft",
    "submitted" (maybe with a newer draft), or "closed"."""
    if not contest.has_reached(stage):
        kind = "waiting"
    elif submitted_at is not None:
        kind = "submitted"
    elif draft is not None:
        kind = "draft"
    elif contest.stage == stage:
        kind = "open"
    else:
        kind = "closed"
    return {"kind": kind, "open": contest.stage == stage, "submitted_at": submitted_at,
            "draft_at": draft.saved_at if draft is not None else None}


@signed_in
def home(actor: Actor) -> str:
    svc = ps.service()
    contest = ps.current_contest()
    year, seat = contest.year, contest.seat(actor.seat or "")
    open2, open3 = contest.stage == ROUND2 and seat.voting, contest.stage == ROUND3 and seat.voting
    ballot = svc.round2.seat_ballot(year, seat.id) if contest.has_reached(ROUND2) else None
    card = svc.round3.seat_scorecard(year, seat.id) if contest.has_reached(ROUND3) else None
    ballot_draft = svc.round2.ballot_draft(year, seat.id, actor=actor) if open2 else None
    score_draft = svc.round3.drafts.scores(year, seat.id, actor=actor) if open3 else None
    jury = svc.round2.jury.standings(year, votes_view="refused") if contest.stage == ROUND2 else None
    return render_template(
        "pages/juror_home.html", contest=contest, actor=actor, seat=seat,
        ballot=form_state(contest, ROUND2, ballot.cast_at if ballot else None, ballot_draft),
        scores=form_state(contest, ROUND3, card.submitted_at if card else None, score_draft),
        ballots=None if jury is None else {"cast": len(jury["ballots"]), "voting": len(contest.voting_seats),
                                           "quorum": jury["quorum"]},
        visits=juror_sheets.seat_round3(contest, seat) if contest.stage == ROUND3 else None)


blp.add_url_rule("", "home", home, methods=["GET"])
blp.add_url_rule("/2-karta", "ballot", signed_in(juror_sheets.ballot_page), methods=["GET", "POST"])
blp.add_url_rule("/3-karta", "scores", signed_in(juror_sheets.scores_page), methods=["GET", "POST"])


# ----- what the jury reads -----

@signed_in
def round1_results(actor: Actor) -> str:
    """Round 1's results for the jury (§4.6.1): the municipalities of round 2 with their places, scores and
    block indices; each links to its explanation, and the whole ranking is public (/rezultati)."""
    contest = ps.current_contest()
    rows = []
    if contest.round1 is not None:
        advancing = set(contest.round2_municipalities)
        names = ps.names(contest)
        rows = [{**r, "name": names.get(r["municipality"], r["municipality"])}
                for r in contest.round1["ranking"] if r["municipality"] in advancing]
    return render_template("pages/juror_results.html", contest=contest, actor=actor, rows=rows)


@signed_in
def comments(actor: Actor) -> str:
    """The residents' comments for the jury (§4.6.3), never public; by municipality. The rating beside a comment
    is shown once the vote's final tally is the jury's to see (D10, domain.publication): before, a page of
    comments would be a partial tally."""
    svc = ps.service()
    contest = ps.current_contest()
    names = ps.names(contest)
    chosen = request.args.get("m", "")
    rows = vote_comments(svc, contest.year)
    counts: dict[str, int] = {}
    for row in rows:
        counts[row["municipality"]] = counts.get(row["municipality"], 0) + 1
    choices = sorted(((c, names.get(c, c), n) for c, n in counts.items()), key=lambda t: lv_key(t[1]))
    if chosen:
        rows = [r for r in rows if r["municipality"] == chosen]
    rows = sorted(rows, key=lambda r: (lv_key(names.get(r["municipality"], r["municipality"])), r["at"]))
    ratings = contest.vote_tallies_access(JUROR, svc.clock.now()).final
    return render_template("pages/juror_comments.html", contest=contest, actor=actor, choices=choices,
                           chosen=chosen, total=sum(counts.values()), ratings=ratings,
                           rows=[{**r, "name": names.get(r["municipality"], r["municipality"])} for r in rows])


@signed_in
def briefing(actor: Actor) -> str:
    """The briefing on the finalists (§4.6.8) as the secretariat recorded it: the day, what was given, when it
    was recorded; with the finalists, their planned visits and the public results of round 2."""
    svc = ps.service()
    contest = ps.current_contest()
    names = ps.names(contest)
    finalists = [{**f, "name": names.get(f["municipality"], f["municipality"])}
                 for f in (contest.round2 or {}).get("finalists", [])]
    visits = {v["municipality"]: v for v in svc.round3.visits(contest.year)} if finalists else {}
    return render_template("pages/juror_briefing.html", contest=contest, actor=actor, briefing=contest.briefing,
                           finalists=finalists, visits=visits)


blp.add_url_rule("/1-karta", "round1", round1_results, methods=["GET"])
blp.add_url_rule("/komentari", "comments", comments, methods=["GET"])
blp.add_url_rule("/informacija", "briefing", briefing, methods=["GET"])
