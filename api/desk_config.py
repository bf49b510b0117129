"""The contest's configuration on pages, for the secretariat (§3.2.5): what each part is now, whether it can still
change and why not (domain/config_changes.py FREEZES_AT, RULE_FREEZES_AT), and a form for each part, which calls the
same ContestService command as the API's PUT (api/contests.py) with the reason the API requires. The domain's
refusal (a frozen part, a bad value) is shown at its field in the reader's language, and nothing is stored.

This blueprint holds the overview (/sekretariats/konfiguracija), the residents' vote dates (…/balsojums, entered
and shown as Latvian time, §4.6.6), the annual theme (…/tema, §4.3) and the rule numbers (…/noteikumi, with the
vote's identity level, D15), and the pages of the participants (api/desk_participants.py), the questionnaire
(api/desk_questionnaire.py), round 1's scoring (api/desk_scoring.py), the jury (api/desk_jury.py), the working-day
calendar (api/desk_calendar.py), the prizes (api/desk_prizes.py), the answers' import (api/desk_answers.py) and the
access tokens (api/desk_tokens.py), each a blueprint of its own under this one (endpoints `config.<page>.<view>`).
Every page needs the desk's session (api/desk.py, api/staff_login.py).
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, flash, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from werkzeug.exceptions import HTTPException

from api import config_pages as cp
from api import config_words as words
from api import (
    desk_answers,
    desk_calendar,
    desk_jury,
    desk_participants,
    desk_prizes,
    desk_questionnaire,
    desk_scoring,
    desk_tokens,
    staff_login,
)
from api import page_support as ps
from domain.actors import Actor
from domain.config import RULE_LIMITS, Rules, instant_str
from domain.contest import SEALED, WINDOW_CLOSED, Contest
from domain.errors import InvalidInput, NotFound, RuleViolation

blp = Blueprint("config", __name__, url_prefix="/sekretariats", template_folder="templates")
blp.before_request(ps.csrf_on_every_form)  # for the nested pages too (Flask runs a parent's handlers for them)
blp.after_request(ps.after)
blp.register_error_handler(NotFound, ps.not_found)
blp.register_error_handler(HTTPException, ps.http_error)
blp.record_once(lambda state: staff_login.init_app(state.app))
for _page in (desk_participants, desk_questionnaire, desk_scoring, desk_jury, desk_calendar, desk_prizes, desk_answers,
              desk_tokens):
    blp.register_blueprint(_page.blp)

PARTS = ("municipalities", "questionnaire", "scoring", "theme", "rules", "jury", "window", "calendar", "prizes")
NUMBER_RULES = tuple(RULE_LIMITS)


@blp.route("/konfiguracija", methods=["GET"])
@cp.signed_in
def home(actor: Actor, contest: Contest) -> Any:
    parts = [{"part": p, "name": words.part_name(p), "state": words.part_freeze(contest, p)} for p in PARTS]
    return cp.page("pages/config_home.html", contest=contest, actor=actor, parts=parts,
                   ladder="; ".join(ps.number(v, 1) for v in contest.scoring_params.ladder),
                   rules={k: words.rule_freeze(contest, k) for k in Rules().to_dict()},
                   rule_words=words.RULE_WORDS, identity=words.IDENTITY, eligible=words.ELIGIBLE)


# ----- the residents' vote dates (§4.6.6): entered and shown as Latvian time, recorded as UTC instants -----

def window_form(contest: Contest) -> dict[str, str]:
    """The window's instants as the form shows them: the date and the time in the contest's time zone; seconds
    only when they are not those of a whole minute's start or end."""
    tz = ZoneInfo(contest.window.timezone)
    out = {}
    for key, at in (("opens", contest.window.opens_at), ("closes", contest.window.closes_at)):
        local = at.astimezone(tz)
        out[f"{key}_date"] = local.date().isoformat()
        out[f"{key}_time"] = local.strftime("%H:%M" if local.second in (0, 59) else "%H:%M:%S")
    return out


def local_instant(day: str, clock: str, tz: ZoneInfo, closing: bool) -> tuple[datetime | None, str | None]:
    """A date and a time of day as typed, in `tz`, as an instant (a closing minute counts to its last second:
    23:59 is 23:59:59), or (None, why not)."""
    try:
        d = date.fromisoformat(day.strip())
    except ValueError:
        return None, "date"
    try:
        t = time.fromisoformat(clock.strip())
    except ValueError:
        return None, "time"
    if closing and len(clock.strip()) == 5:
        t = t.replace(second=59)
    at = datetime.combine(d, t, tzinfo=tz)
    if at.astimezone(ZoneInfo("UTC")).astimezone(tz).replace(tzinfo=None) != at.replace(tzinfo=None):
        return None, "gap"  # the hour the clocks skip in spring
    return at, None


def render_window(contest: Contest, form: dict[str, str], errors: dict[str, str] | None = None,
                  problem: dict[str, str] | None = None, status: int = 200) -> Any:
    closing = window_form(contest)
    form = {"extend_date": closing["closes_date"], "extend_time": closing["closes_time"], "extend_reason": "",
            **form}
    state = words.part_freeze(contest, "window")
    return cp.page("pages/config_window.html", status, contest=contest, actor=cp.actor(), form=form,
                   errors=errors or {}, problem=problem, state=state,
                   extendable=state["frozen"] and contest.window_status != WINDOW_CLOSED and contest.stage != SEALED)


@blp.route("/konfiguracija/balsojums", methods=["GET"])
@cp.signed_in
def window(_actor: Actor, contest: Contest) -> Any:
    return render_window(contest, {**window_form(contest), "reason": ""})


@blp.route("/konfiguracija/balsojums", methods=["POST"])
@cp.signed_in
def set_window(actor: Actor, contest: Contest) -> Any:
    """The command of PUT /api/contests/<year>/window (§4.6.6): refused once round 2 has opened or the vote has."""
    form = {k: request.form.get(k, "") for k in ("opens_date", "opens_time", "closes_date", "closes_time", "reason")}
    errors: dict[str, str] = {}
    tz = ZoneInfo(contest.window.timezone)
    instants: dict[str, datetime] = {}
    for key in ("opens", "closes"):
        at, wrong = local_instant(form[f"{key}_date"], form[f"{key}_time"], tz, closing=key == "closes")
        if at is not None:
            instants[key] = at
        elif wrong == "date":
            errors[f"{key}_date"] = _("Enter the date, e.g. 2024-08-01.")
        elif wrong == "time":
            errors[f"{key}_time"] = _("Enter the time as hours and minutes, e.g. 23:59.")
        else:
            errors[f"{key}_time"] = _("This time does not exist in Latvia: the clocks go forward an hour that "
                                      "night.")
    why = cp.reason(request.form, errors)
    if errors:
        return render_window(contest, form, errors, status=422)
    value = {"opens_at": instant_str(instants["opens"]), "closes_at": instant_str(instants["closes"]),
             "timezone": contest.window.timezone}
    try:
        ps.service().configure(contest.year, "window", value, reason=why, actor=actor)
    except InvalidInput as e:
        if "closes_at" in e.errors:
            errors["closes_date"] = _("The vote must close after it opens.")
        return render_window(contest, form, errors, None if errors else words.refusal(e), status=422)
    except RuleViolation as e:
        contest = ps.service().contest(contest.year)
        return render_window(contest, form, {"opens_date": words.refusal(e)["text"]}, words.refusal(e), 409)
    flash(_("Recorded: the residents' vote is %(window)s.",
            window=ps.window_sentence(ps.service().contest(contest.year).window_times())), "ok")
    return cp.done(url_for("config.window"))


@blp.route("/konfiguracija/balsojums/pagarinat", methods=["POST"])
@cp.signed_in
def extend_window(actor: Actor, contest: Contest) -> Any:
    """The command of POST /api/contests/<year>/window/extend (§4.6.6): the closing moved later, into the future,
    with a reason, while the vote has not closed (domain/vote_window.py check_extension decides)."""
    typed = {k: request.form.get(k, "") for k in ("extend_date", "extend_time", "extend_reason")}
    form = {**window_form(contest), "reason": "", **typed}
    errors: dict[str, str] = {}
    at, wrong = local_instant(typed["extend_date"], typed["extend_time"], ZoneInfo(contest.window.timezone),
                              closing=True)
    if wrong == "date":
        errors["extend_date"] = _("Enter the date, e.g. 2024-08-01.")
    elif wrong is not None:
        errors["extend_time"] = _("Enter the time as hours and minutes, e.g. 23:59.")
    why = cp.reason(request.form, errors, field="extend_reason")
    if errors or at is None:
        return render_window(contest, form, errors, status=422)
    try:
        ps.service().round2.extend_window(contest.year, at.astimezone(ZoneInfo("UTC")), actor=actor, reason=why)
    except RuleViolation as e:
        contest = ps.service().contest(contest.year)
        text = (_("The new closing must be later than the present one, and in the future.")
                if e.field == "closes_at" else words.refusal(e)["text"])
        return render_window(contest, form, {"extend_date": text}, None if e.field == "closes_at"
                             else words.refusal(e), 409)
    flash(_("Recorded: the residents' vote is %(window)s.",
            window=ps.window_sentence(ps.service().contest(contest.year).window_times())), "ok")
    return cp.done(url_for("config.window", _anchor="h-extend"))


# ----- the annual theme (§4.3, §4.7.11) -----

def render_theme(contest: Contest, form: dict[str, str], errors: dict[str, str] | None = None,
                 problem: dict[str, str] | None = None, status: int = 200) -> Any:
    return cp.page("pages/config_theme.html", status, contest=contest, actor=cp.actor(), form=form,
                   errors=errors or {}, problem=problem, state=words.part_freeze(contest, "theme"))


@blp.route("/konfiguracija/tema", methods=["GET"])
@cp.signed_in
def theme(_actor: Actor, contest: Contest) -> Any:
    return render_theme(contest, {**contest.theme.to_dict(), "reason": ""})


@blp.route("/konfiguracija/tema", methods=["POST"])
@cp.signed_in
def set_theme(actor: Actor, contest: Contest) -> Any:
    """The command of PUT /api/contests/<year>/theme (§4.3): refused once round 1 has opened."""
    form = {k: request.form.get(k, "") for k in ("title_lv", "title_en", "reason")}
    errors: dict[str, str] = {}
    for key in ("title_lv", "title_en"):
        if not 0 < len(form[key].strip()) <= 300:
            errors[key] = _("Write the title, at most 300 characters.")
    why = cp.reason(request.form, errors)
    if errors:
        return render_theme(contest, form, errors, status=422)
    try:
        ps.service().configure(contest.year, "theme", {"title_lv": form["title_lv"], "title_en": form["title_en"]},
                               reason=why, actor=actor)
    except InvalidInput as e:
        fields = {k: _("Write the title, at most 300 characters.") for k in e.errors if k in form}
        return render_theme(contest, form, fields, None if fields else words.refusal(e), 422)
    except RuleViolation as e:
        return render_theme(ps.service().contest(contest.year), form, {"title_lv": words.refusal(e)["text"]},
                            words.refusal(e), 409)
    flash(_("Recorded: the annual theme."), "ok")
    return cp.done(url_for("config.theme"))


# ----- the rule numbers (each freezes with the round it governs) and the vote's identity level (D15) -----

def render_rules(contest: Contest, form: dict[str, str], errors: dict[str, str] | None = None,
                 problem: dict[str, str] | None = None, status: int = 200) -> Any:
    return cp.page("pages/config_rules.html", status, contest=contest, actor=cp.actor(), form=form,
                   errors=errors or {}, problem=problem, numbers=NUMBER_RULES, limits=RULE_LIMITS,
                   rule_words=words.RULE_WORDS, identity=words.IDENTITY, eligible=words.ELIGIBLE,
                   states={k: words.rule_freeze(contest, k) for k in Rules().to_dict()})


@blp.route("/konfiguracija/noteikumi", methods=["GET"])
@cp.signed_in
def rules(_actor: Actor, contest: Contest) -> Any:
    return render_rules(contest, {**{k: str(v) for k, v in contest.rules.to_dict().items()}, "reason": ""})


@blp.route("/konfiguracija/noteikumi", methods=["POST"])
@cp.signed_in
def set_rules(actor: Actor, contest: Contest) -> Any:
    """The command of PUT /api/contests/<year>/rules with the numbers that differ from those in force (a frozen
    field is not sent, and an unchanged one is not a change); nothing changed, nothing recorded."""
    current = contest.rules.to_dict()
    form = {k: request.form.get(k, str(v)) for k, v in current.items()} | {"reason": request.form.get("reason", "")}
    errors: dict[str, str] = {}
    changes: dict[str, Any] = {}
    for key, value in current.items():
        if key not in request.form:
            continue
        given: Any = request.form[key].strip()
        if key in RULE_LIMITS:
            given = cp.whole_number(given)
            if given is None:
                errors[key] = words.rule_number_text(key)
                continue
        if given != value:
            changes[key] = given
    why = cp.reason(request.form, errors)
    if errors:
        return render_rules(contest, form, errors, status=422)
    if not changes:
        flash(_("Nothing was changed, so nothing was recorded."), "info")
        return cp.done(url_for("config.rules"))
    try:
        ps.service().configure(contest.year, "rules", changes, reason=why, actor=actor)
    except InvalidInput as e:
        return render_rules(contest, form, rule_errors(e, contest), status=422)
    except RuleViolation as e:
        contest = ps.service().contest(contest.year)
        field = words.frozen_field(e)
        at = field if field in current else next(iter(changes))
        return render_rules(contest, form, {at: words.refusal(e)["text"]}, words.refusal(e), 409)
    flash(_("Recorded: the rule numbers."), "ok")
    return cp.done(url_for("config.rules"))


def rule_errors(e: InvalidInput, contest: Contest) -> dict[str, str]:
    """Rules.parse's and check_jury's refusals at their fields."""
    out: dict[str, str] = {}
    for key in e.errors:
        if key == "jury":
            out["quorum"] = ngettext("The jury has %(num)s voting seat: the quorum cannot be higher (§3.2.3).",
                                     "The jury has %(num)s voting seats: the quorum cannot be higher (§3.2.3).",
                                     len(contest.voting_seats))
        elif key == "finalists_total":
            out[key] = _("There must be more finalists in all than those chosen by jury points, and no more than "
                         "the municipalities advancing to round 2 (§4.5, §4.6.7).")
        elif key == "vote_rating_max":
            out[key] = _("The highest rating must be above the lowest.")
        elif key in RULE_LIMITS:
            out[key] = words.rule_number_text(key)
        elif key in ("vote_eligible", "vote_identity"):
            out[key] = _("Choose one of the options listed.")
    return out or {"reason": words.refusal(e)["text"]}
