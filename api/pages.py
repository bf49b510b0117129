"""Server-rendered pages for people: the residents' vote (§4.6.6, D10), the public results (§4.5, §4.6.7,
§4.7.9-§4.7.11, §7.4) and, in api/desk.py, the secretariat's desk. Latvian by default, English with ?lang=en
(api/page_support.py). HTTP only: every number comes from the ContestService's queries and commands.

URLs: /  ·  /balsot (vote)  ·  /rezultati (results)  ·  /rezultati/balsojums (the vote)  ·
/rezultati/<code> (a municipality's round-1 explanation)  ·  /kontrolpunkti (the published checkpoints, D16)  ·
/arhivs (the archive: the store's earlier contests)  ·  /sekretariats (the desk)

The pages show the current contest (api/page_support.py: CONTEST_YEAR when the store holds it, else the latest);
the results pages (also api/public_rounds.py's and api/report.py's) and the checkpoints show another contest of the
store with `?gads=<year>` (the archive links there), and every link on them keeps it.
"""

from __future__ import annotations

import bisect
from typing import Any

from flask import Blueprint, Flask, current_app, render_template, request
from flask_babel import gettext as _
from flask_babel import ngettext
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from api import eid, ratelimit, vote_link_pages
from api import page_support as ps
from api.chart import Bar, bar_chart
from api.explanation import explanation_view
from api.vote_receipt import thank_you
from api.vote_refusals import RATING_WORDS, already_refusal, unavailable_refusal, window_refusal
from contest.checkpoints import checkpoints_document
from contest.round2 import AlreadyVoted
from contest.settings import VoteSecretsMismatch
from contest.vote_requests import Sent
from domain.code_shape import shows_code
from domain.contest import WINDOW_CLOSED, Contest
from domain.errors import InvalidInput, NotFound, RuleViolation
from domain.identity import Identity
from domain.personal_code import PersonalCodeError

blp = Blueprint("pages", __name__, template_folder="templates")

CHECK_NAMES = ps.CHECK_NAMES
RECEIPT_NOT_A_CODE_PAGE = ps.N_("This looks like a personal code. Enter here the receipt code you were given when you "
                                "voted (12 letters and digits, e.g. 7K3M-Q9XA-B2RT); the personal code is not needed "
                                "to check your vote.")
LV_ORDER = "abcčdefgģhijkķlļmnņoprsštuvzž"  # CLDR lv: č ģ ķ ļ ņ š ž are letters; ā ē ī ū sort as a e i u
LONG_VOWELS = str.maketrans("āēīū", "aeiu")


def lv_key(text: str) -> tuple[tuple[int, ...], str]:
    """Latvian alphabetical order (Ādaži before Aizkraukle, Cēsis before Čakste) for lists of names."""
    folded = text.lower().translate(LONG_VOWELS)
    return tuple(LV_ORDER.index(c) if c in LV_ORDER else 100 + ord(c) for c in folded), text


# ----- the blueprint's plumbing (shared with the desk: api/page_support.py) -----

blp.before_request(ps.csrf_on_every_form)
blp.after_request(ps.after)
blp.register_error_handler(NotFound, ps.not_found)
blp.register_error_handler(HTTPException, ps.http_error)


@blp.app_context_processor
def helpers() -> dict[str, Any]:
    return ps.template_helpers()


# ----- home -----

@blp.route("/")
def home() -> str:
    contest = ps.current_contest()
    now = ps.service().clock.now()
    result = ps.service().round3.result(contest.year) if contest.approval is not None else None
    return render_template("pages/home.html", contest=contest, accepting=contest.accepts_votes_at(now),
                           window=contest.window_times(), result=result)


# ----- the residents' vote (§4.6.6, D10) -----

def check_vote_form(form: dict[str, str], code: str | None, contest: Contest, eligible: list[str]) -> dict[str, str]:
    """The form's fields; `code` is None under `eid` (D15: signed in, nothing typed)."""
    errors: dict[str, str] = {}
    rules = contest.rules
    if form["municipality"] not in eligible:
        errors["municipality"] = _("Choose a municipality from the list.")
    if form["rating"] not in {str(r) for r in range(rules.vote_rating_min, rules.vote_rating_max + 1)}:
        errors["rating"] = _("Choose a rating from %(low)s to %(high)s.", low=rules.vote_rating_min,
                             high=rules.vote_rating_max)
    if len(form["comment"]) > rules.vote_comment_max_chars:
        errors["comment"] = _("The comment may be at most %(n)s characters long.", n=rules.vote_comment_max_chars)
    if code is not None and not code.strip():
        errors["personal_code"] = _("Enter your personal code.")
    return errors


def personal_code_message(e: PersonalCodeError) -> str:
    reason = e.message_lv if ps.language() == "lv" else e.message_en
    return _("The personal code is not valid. Check failed: %(check)s. %(reason)s",
             check=_(CHECK_NAMES.get(e.check, e.check)), reason=reason)


def submit_vote(contest: Contest, form: dict[str, str], code: str, now: Any, identity: Identity | None = None
                ) -> tuple[Any, dict[str, str], dict[str, str] | None, int]:
    """Cast the vote through the service: (the vote or None, field errors, a refusal, the HTTP status). With
    `identity` (a resident signed in with eID, D15) no code is typed."""
    if not contest.accepts_votes_at(now):
        return None, {}, window_refusal(contest, now), 409
    errors = check_vote_form(form, code if identity is None else None, contest, contest.eligible_for_vote())
    by_mail = identity is None and contest.rules.vote_identity == vote_link_pages.EMAIL  # D15: counted once
    if by_mail:  # its link is opened
        errors.update(vote_link_pages.check_email(form))
    if errors:
        return None, errors, None, 422
    fields = {"municipality": form["municipality"], "rating": int(form["rating"]), "comment": form["comment"] or None,
              "client_address": request.remote_addr}
    try:
        if by_mail:
            return vote_link_pages.request_by_mail(contest, form, code), {}, None, 200
        if identity is None:
            cast, _position = ps.service().round2.cast_vote(contest.year, personal_code=code, **fields)
        else:  # D15 `eid`: the signed-in resident (api/eid.py)
            cast, _position = eid.cast_vote(contest.year, identity, **fields)
    except vote_link_pages.REFUSALS as e:
        shown, status = vote_link_pages.refusal(e, contest)
        return None, {}, shown, status
    except PersonalCodeError as e:
        return None, {"personal_code": personal_code_message(e)}, None, 422
    except VoteSecretsMismatch:
        return None, {}, unavailable_refusal(), 503
    except AlreadyVoted:
        return None, {}, already_refusal(), 409
    except RuleViolation as e:  # the window closed meanwhile, or a rule of the year's configuration (D10)
        if e.field == "window":
            return None, {}, window_refusal(ps.service().contest(contest.year), now), 409
        return None, {}, {"kind": "rule", "title": _("The vote was not accepted"), "text": e.message,
                          "rule": e.clause}, 409
    except InvalidInput as e:
        return None, {k if k in form or k == "personal_code" else "form": "; ".join(v)
                      for k, v in e.errors.items()}, None, 422
    return cast, {}, None, 200


@blp.route("/balsot", methods=["GET", "POST"])
def vote() -> tuple[str, int] | Response:
    """The residents' vote (§4.6.6, D10): one municipality rated 1-5, an optional comment, the personal code."""
    contest = ps.current_contest()
    now = ps.service().clock.now()
    all_names = ps.names(contest)
    form = {"municipality": request.args.get("m", ""), "rating": "", "comment": "", "email": ""}
    errors: dict[str, str] = {}
    refusal = None if contest.accepts_votes_at(now) else window_refusal(contest, now)
    status = 200
    if refusal is None and ps.service().round2.vote_secrets_problem(contest.year) is not None:
        refusal, status = unavailable_refusal(), 503
    level = contest.rules.vote_identity  # D15: how residents are verified
    if refusal is None and level == vote_link_pages.EMAIL and ps.service().round2.mail_problem() is not None:
        refusal, status = vote_link_pages.mail_refusal(), 503
    # D15 `eid`: the resident signs in with eID first (api/eid.py); the page has no code field then
    signed = eid.page_state(contest) if level == eid.LEVEL else None
    if refusal is None and signed is not None and signed.refusal is not None:
        refusal, status = signed.refusal, signed.status
    if request.method == "POST":
        form = {k: request.form.get(k, "").strip() for k in form}
        if signed is not None and signed.identity is None and contest.accepts_votes_at(now):
            cast, refusal, status = None, refusal or eid.sign_in_first(), 503 if status == 503 else 409
        else:
            cast, errors, refusal, status = submit_vote(contest, form, request.form.get("personal_code", ""), now,
                                                        signed.identity if signed is not None else None)
        if isinstance(cast, Sent):  # the `email` level: the link is mailed, the vote is not recorded yet
            return vote_link_pages.sent_page(contest, cast), 200
        if signed is not None and signed.identity is not None and (cast is not None or
                                                                   (refusal or {}).get("kind") == "already"):
            eid.sign_out()  # the sign-in was for this one vote
        if cast is not None:  # post/redirect/get: the receipt survives a reload (api/vote_receipt.py)
            return thank_you(cast)
    choices = sorted(((c, all_names.get(c, c)) for c in contest.eligible_for_vote()), key=lambda p: lv_key(p[1]))
    return render_template("pages/vote.html", contest=contest, choices=choices, form=form, errors=errors,
                           refusal=refusal, rating_words=RATING_WORDS, level=level,
                           link_minutes=vote_link_pages.link_minutes() if level == vote_link_pages.EMAIL else None,
                           max_comment=contest.rules.vote_comment_max_chars,
                           votes_public=contest.votes_public_at(now), window=contest.window_times(),
                           eid=signed, eid_until=eid.local_time(signed.until, contest.window.timezone)
                           if signed is not None and signed.until is not None else None), status


# ----- results -----

def ranking_rows(contest: Contest) -> list[dict[str, Any]]:
    assert contest.round1 is not None
    all_names = ps.names(contest)
    advancing = set(contest.round1["advancing"])
    return [{**row, "name": all_names.get(row["municipality"], row["municipality"]),
             "advances": row["municipality"] in advancing} for row in contest.round1["ranking"]]


def cut_description(round1: dict[str, Any]) -> str:
    """The chart's sentence on who went on to round 2: never "the N best" when nothing was submitted (§4.2,
    §4.5) or when ties took more than the cut's size (D7)."""
    n = len(round1["advancing"])
    if round1.get("confirmed_empty"):
        return ngettext("No municipality submitted answers: all share the same score, and %(num)s goes on to "
                        "round 2; the same numbers are in the table below.",
                        "No municipality submitted answers: all share the same score, and all %(num)s go on to "
                        "round 2; the same numbers are in the table below.", n)
    if n > round1["cut"].get("size", n):
        return ngettext("%(num)s municipality goes on to round 2: the %(size)s best and those tied with the last "
                        "of them; the same numbers are in the table below.",
                        "%(num)s municipalities go on to round 2: the %(size)s best and those tied with the last "
                        "of them; the same numbers are in the table below.", n, size=round1["cut"]["size"])
    return _("The %(n)s municipalities with the highest score advance to round 2; the same numbers are in the table "
             "below.", n=n)


@blp.route("/rezultati")
def results() -> str:
    svc = ps.service()
    contest = ps.page_contest()
    ranking = ranking_rows(contest) if contest.round1 is not None else []
    chart = None
    if ranking:
        bars = [Bar(r["name"], float(r["overall"] or 0), ps.number(r["overall"]), r["advances"]) for r in ranking]
        chart = bar_chart(bars, title=_("Round 1: overall score (0–100) of every municipality"),
                          description=cut_description(contest.round1),
                          chart_id="ranking-chart", cut_after=len(contest.round1["advancing"]),
                          cut_label=_("round 2"))
    all_names = ps.names(contest)
    finalists = [{**f, "name": all_names.get(f["municipality"], f["municipality"])}
                 for f in (contest.round2 or {}).get("finalists", [])]
    result = svc.round3.result(contest.year) if contest.round3 is not None else None
    return render_template("pages/results.html", contest=contest, ranking=ranking, chart=chart,
                           finalists=finalists, result=result,
                           votes_public=contest.votes_public_at(svc.clock.now()))


# The vote's public page as rendered, by what it shows: while the window is open the public sees no tally or the
# last interim result as counted then (D10), neither of which a new vote changes, so under a vote load the page is
# rendered once per language and contest version instead of once per reader (docs/BENCHMARKS.md: its p95 against
# /health's). Never a page with a receipt looked up, never the live tally. One cache per app (and so per store).
PAGE_CACHE = "contest.vote_results_pages"
PAGE_CACHE_SIZE = 16


@blp.route("/rezultati/balsojums")
def vote_results() -> str | tuple[str, int]:
    svc = ps.service()
    contest = ps.page_contest()
    access = contest.vote_tallies_access(None, svc.clock.now())  # the public's view (D10, domain.publication)
    cache: dict[tuple[Any, ...], str] = current_app.extensions.setdefault(PAGE_CACHE, {})
    key = None
    if not request.args.get("kvits") and (not access.visible or access.snapshot):
        key = (ps.language(), request.query_string, contest.year, contest.version, access.kind, access.through)
        page = cache.get(key)
        if page is not None:
            return page
    page = _vote_results_page(svc, contest, access)
    if key is not None and isinstance(page, str):
        if len(cache) >= PAGE_CACHE_SIZE:
            cache.clear()
        cache[key] = page
    return page


def _vote_results_page(svc: Any, contest: Contest, access: Any) -> str | tuple[str, int]:
    tally = None
    if access.visible:  # an interim result is shown as counted when it was published
        tally = svc.round2.vote_results(contest.year, svc.history.state(str(access.through))
                                        if access.snapshot else None)
    chart = None
    if tally and tally["municipalities"]:
        top = tally["municipalities"][:10]
        chart = bar_chart([Bar(r["name"], float(r["average"] or 0), ps.number(r["average"], 2), i == 0)
                           for i, r in enumerate(top)],
                          title=_("The residents' vote: the best average ratings (1–5)"),
                          description=_("The ten municipalities with the highest average rating; every municipality "
                                        "is in the table below."), maximum=5.0, chart_id="vote-chart")
    receipt, receipt_error = request.args.get("kvits", "").strip().upper()[:20], None
    if shows_code(request.args.get("kvits", "")):  # a personal code in the receipt's place: refused, not echoed (D10)
        receipt, receipt_error = "", _(RECEIPT_NOT_A_CODE_PAGE)
    found = find_receipt(contest, receipt) if receipt and contest.window_status == WINDOW_CLOSED else None
    page = render_template("pages/vote_results.html", contest=contest, tally=tally, chart=chart,
                           window=contest.window_times(), receipt=receipt, found=found, receipt_error=receipt_error,
                           board=contest.window_status == WINDOW_CLOSED)
    return (page, 422) if receipt_error else page


def find_receipt(contest: Contest, receipt: str) -> dict[str, Any]:
    """A resident finds their vote on the public board by its receipt (D10)."""
    rows = ps.service().round2.board(contest.year)
    i = bisect.bisect_left(rows, (receipt, "", 0))
    if i < len(rows) and rows[i][0] == receipt:
        return {"municipality": ps.names(contest).get(rows[i][1], rows[i][1]), "rating": rows[i][2],
                "quarantined": receipt in ps.service().round2.quarantined_receipts(contest.year)}
    return {}


@blp.route("/rezultati/<string:code>")
def explanation(code: str) -> tuple[str, int]:
    contest = ps.page_contest()
    municipality = contest.municipality(code)
    if contest.round1 is None:
        return render_template("pages/explanation.html", contest=contest, municipality=municipality,
                               data=None), 200
    _contest, result, _final = ps.service().round1.results(contest.year)
    data = result.explanation(code)
    return render_template("pages/explanation.html", contest=contest, municipality=municipality, data=data,
                           **explanation_view(contest, data)), 200


# ----- the archive: the store's earlier contests -----

@blp.route("/arhivs")
def archive() -> str:
    """The contests before the current one, newest first, each with its stage, winners and result pages."""
    svc = ps.service()
    current = ps.current_contest()
    rows = []
    for year in sorted((y for y in svc.years() if y < current.year), reverse=True):
        past = svc.round2.gate.contest(year)
        winners = None
        if past.round3 is not None:
            all_names = ps.names(past)
            winners = {"main": all_names.get(past.round3.winner, past.round3.winner),
                       "theme": all_names.get(past.round3.theme_winner, past.round3.theme_winner)}
        rows.append({"contest": past, "winners": winners})
    return render_template("pages/archive.html", contest=current, rows=rows)


# ----- the published checkpoints (D16) -----

CHECKPOINT_NAMES = {"round1_closed": ps.N_("Round 1 closed"), "interim_result": ps.N_("Interim result"),
                    "window_closed": ps.N_("Voting closed"), "round2_closed": ps.N_("Round 2 closed"),
                    "round3_closed": ps.N_("Round 3 closed"), "approval": ps.N_("The council's approval")}


@blp.route("/kontrolpunkti")
def checkpoints() -> str:
    """The checkpoints (D16): what each published, the position, the digest and the time, with the JSON to keep."""
    contest = ps.page_contest()
    document = checkpoints_document(contest)
    rows = [{**cp, "what": _(CHECKPOINT_NAMES.get(cp["kind"], cp["kind"]))} for cp in document["checkpoints"]]
    return render_template("pages/checkpoints.html", contest=contest, rows=rows,
                           json_url=f"/api/contests/{contest.year}/checkpoints")


def limit_votes(app: Flask) -> None:
    """The page's vote counts against the same per-address budget as POST /votes (api/operations.py: the same
    counters, api/ratelimit.py), so the form is no way around it."""
    rates = ratelimit.parse_rates(ratelimit.vote_rate_limit())
    counters = app.extensions.get("contest.ratelimit")
    if not rates or counters is None:
        return
    app.view_functions["pages.vote"] = ratelimit.limited(
        app.view_functions["pages.vote"], route="page", rates=rates, counters=counters,
        message="too many votes from this address")


def init_app(app: Flask) -> None:
    """Register the pages (before anything else claims "/") with their language, session and CSRF; the desk's
    blueprint (api/desk.py) is registered by create_app (api/app.py) after them."""
    ps.init_pages_support(app, app.extensions["contest.service"])
    app.register_blueprint(blp)
    limit_votes(app)
