"""The secretariat's round 3 (§4.6.8, §4.7) at /sekretariats/3-karta: the jury's briefing on the finalists (its date
and note), each finalist's visit (/sekretariats/3-karta/vizite/<code>: the plan, its rescheduling with a reason, the
§4.7.2 notice with its text in Latvian and English shown before it is recorded, the attendance by seat), and the
score sheets received (which seats have submitted, read only; §4.7.8).

Every form calls the same ContestService command as the API (POST …/round3/briefing, POST …/visits/<code>,
…/reschedule, …/notice/preview, …/notice, PUT …/attendance) and shows the domain's refusals at the field they
concern, in the reader's language (api/desk_round3_forms.py); a refused form stores nothing. The secretariat's
desk session (api/desk.py) opens these pages.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from api import desk_round3_forms as forms
from api import page_support as ps
from api.desk_pages import Actor, blueprint, signed_in
from api.juror_sheets import caster_name
from api.staff_pages import arrival
from domain.contest import ROUND3, Contest
from domain.errors import DomainError, InvalidInput, NotFound

blp = blueprint("desk_round3")
Errors = dict[str, dict[str, str]]


def status_of(e: DomainError) -> int:
    return 422 if isinstance(e, InvalidInput | NotFound) else 409


def today(contest: Contest) -> date:
    return contest.local_day(ps.service().clock.now())


# ----- round 3 at a glance: the briefing, the visits, the score sheets -----

def scorecards_view(contest: Contest, status: dict[str, Any]) -> list[dict[str, Any]]:
    """Each voting seat's score sheet as received (§4.7.8): when, how many times, filled in by whom, and whether
    the seat's scores count (§4.7.4), from round 3's status."""
    cards = status["scorecards"]
    rows = {r["seat"]: r for r in status["assessment"]["result"]["explanation"]["seats"]}
    out = []
    for seat in contest.voting_seats:
        card = cards.get(seat.id)
        out.append({"seat": seat, "card": card, "by": caster_name(seat, card["cast_by"]) if card else "",
                    "counted": rows.get(seat.id, {}).get("counted")})
    return out


def round3_view(contest: Contest) -> dict[str, Any] | None:
    if not contest.has_reached(ROUND3):
        return None
    status = ps.service().round3.status(contest.year)
    names = ps.names(contest)
    visits = {v["municipality"]: v for v in status["visits"]}
    return {"status": status, "open": contest.stage == ROUND3, "briefing": status["briefing"],
            "finalists": [{"code": m, "name": names.get(m, m), "visit": visits.get(m)} for m in contest.finalists],
            "scorecards": scorecards_view(contest, status),
            "round2_closed": contest.local_day(contest.round2.closed_at) if contest.round2 else None,
            "first_visit": min((v["plan"]["date"] for v in status["visits"]), default=None)}


def render_round3(contest: Contest, actor: Actor, errors: dict[str, str] | None = None,
                  values: dict[str, str] | None = None, status: int = 200) -> tuple[str, int]:
    return render_template("pages/desk_round3.html", contest=contest, actor=actor, view=round3_view(contest),
                           errors=errors or {}, values=values or {}, today=today(contest),
                           arrival=arrival), status


@signed_in
def page(actor: Actor) -> Any:
    return render_round3(ps.current_contest(), actor)


@signed_in
def briefing(actor: Actor) -> Any:
    """The jury received the full information on the finalists (§4.6.8): POST …/round3/briefing's command."""
    contest = ps.current_contest()
    values = {"date": request.form.get("date", "").strip(), "note": request.form.get("note", "").strip()}
    entered = forms.entered_date(values["date"])
    errors = {}
    if entered is None:
        errors["briefing-date"] = _("Enter the day the jury received the information.")
    if len(values["note"]) > forms.NOTE_MAX:
        errors["briefing-note"] = forms.too_long(forms.NOTE_MAX)
    if errors or entered is None:
        return render_round3(contest, actor, errors, values, 422)
    svc = ps.service()
    try:
        svc.round3.brief(contest.year, entered, note=values["note"], actor=actor)
    except DomainError as e:
        contest = svc.contest(contest.year)
        return render_round3(contest, actor, forms.briefing_errors(e, contest, entered, today(contest)), values,
                             status_of(e))
    flash(_("The jury's briefing is recorded."), "ok")
    return redirect(url_for("desk_round3.page"), code=303)


# ----- one finalist's visit -----

def visit_view(contest: Contest, code: str) -> dict[str, Any]:
    if code not in contest.finalists:
        raise NotFound("finalist", code)
    try:
        visit: dict[str, Any] | None = ps.service().round3.visit(contest.year, code)
    except NotFound:
        visit = None
    last = visit["notices"][-1] if visit and visit["notices"] else None
    seats = []
    for seat in contest.jury:
        options = [(forms.ABSENT, _("absent")), (forms.MEMBER, _("the member (%(person)s)", person=seat.person)),
                   *((name, _("delegated substitute %(name)s", name=name)) for name in seat.substitutes)]
        seats.append({"seat": seat, "options": options})
    briefed = contest.briefing
    return {"code": code, "name": ps.names(contest).get(code, code), "visit": visit, "last_notice": last,
            "open": contest.stage == ROUND3, "seats": seats, "briefing": briefed,
            "earliest": briefed.date + timedelta(days=contest.rules.briefing_days) if briefed else None,
            "max_minutes": contest.rules.visit_max_hours * 60, "working_days": contest.rules.notice_working_days}


def form_values(view: dict[str, Any], posted: dict[str, dict[str, Any]] | None) -> dict[str, dict[str, Any]]:
    """What each form shows: what was posted to it, else the visit as recorded."""
    visit, last = view["visit"], view["last_notice"]
    plan = visit["plan"] if visit else {}
    values: dict[str, dict[str, Any]] = {
        "plan": {"date": plan.get("date", ""), "arrival": plan.get("arrival", "10:00"),
                 "duration_minutes": plan.get("duration_minutes", 180), "mode": plan.get("mode", "on_site"),
                 "remote_reason": plan.get("remote_reason") or "", "reason": ""},
        "notice": forms.notice_values("", last["recipients"]) if last else {},
        "attendance": dict((visit or {}).get("attendance") or {}),
    }
    return values | (posted or {})


def render_visit(contest: Contest, actor: Actor, code: str, errors: Errors | None = None,
                 posted: dict[str, dict[str, Any]] | None = None, preview: dict[str, str] | None = None,
                 status: int = 200) -> tuple[str, int]:
    view = visit_view(contest, code)
    return render_template("pages/desk_visit.html", contest=contest, actor=actor, view=view, errors=errors or {},
                           values=form_values(view, posted), preview=preview, today=today(contest),
                           arrival=arrival), status


@signed_in
def visit(actor: Actor, code: str) -> Any:
    return render_visit(ps.current_contest(), actor, code)


def _done(code: str, message: str) -> Any:
    flash(message, "ok")
    return redirect(url_for("desk_round3.visit", code=code), code=303)


@signed_in
def plan(actor: Actor, code: str) -> Any:
    """Plan the visit (§4.7.1, §4.7.7): POST …/visits/<code>'s command."""
    contest = ps.current_contest()
    visit_view(contest, code)  # a finalist's page only
    values = forms.read_plan(request.form)
    svc = ps.service()
    try:
        svc.round3.schedule_visit(contest.year, code, values, actor=actor)
    except DomainError as e:
        contest = svc.contest(contest.year)
        return render_visit(contest, actor, code, {"plan": forms.plan_errors(e, contest)},
                            {"plan": {**values, "reason": ""}}, status=status_of(e))
    return _done(code, ngettext("The visit is planned. Its notice is due at least %(num)s working day before it.",
                                "The visit is planned. Its notice is due at least %(num)s working days before it.",
                                contest.rules.notice_working_days))


@signed_in
def reschedule(actor: Actor, code: str) -> Any:
    """Move the visit, with a reason (§4.7.1, §4.7.2): POST …/visits/<code>/reschedule's command."""
    contest = ps.current_contest()
    visit_view(contest, code)
    values = forms.read_plan(request.form)
    reason = request.form.get("reason", "").strip()
    posted = {"plan": {**values, "reason": reason}}
    if len(reason) > forms.REASON_MAX:  # what the API's schema refuses before the command
        return render_visit(contest, actor, code, {"plan": {"plan-reason": forms.too_long(forms.REASON_MAX)}}, posted,
                            status=422)
    svc = ps.service()
    try:
        svc.round3.reschedule_visit(contest.year, code, values, reason=reason, actor=actor)
    except DomainError as e:
        contest = svc.contest(contest.year)
        return render_visit(contest, actor, code, {"plan": forms.plan_errors(e, contest, rescheduling=True)}, posted,
                            status=status_of(e))
    return _done(code, _("The visit is rescheduled. A new date or arrival time needs a new notice."))


@signed_in
def notice(actor: Actor, code: str) -> Any:
    """The §4.7.2 notice: its text in Latvian and English first (POST …/notice/preview's command, which records
    nothing), then recorded with that text (POST …/notice's command)."""
    contest = ps.current_contest()
    view = visit_view(contest, code)
    notice_date, recipients = forms.read_notice(request.form)
    posted = {"notice": forms.notice_values(notice_date, recipients)}
    entered = forms.entered_date(notice_date)
    svc = ps.service()
    try:
        if entered is None:
            raise InvalidInput({"notice_date": ["must be a date, YYYY-MM-DD"]})
        if request.form.get("action") == "record":
            svc.round3.record_notice(contest.year, code, entered, recipients, actor=actor)
        else:
            texts = svc.round3.preview_notice(contest.year, code, entered, recipients)
            return render_visit(contest, actor, code, posted=posted, preview=texts)
    except DomainError as e:
        contest = svc.contest(contest.year)
        visit_day = forms.entered_date(view["visit"]["plan"]["date"]) if view["visit"] else None
        errors = forms.notice_errors(e, contest, entered, today(contest), visit_day)
        return render_visit(contest, actor, code, {"notice": errors}, posted, status=status_of(e))
    return _done(code, _("The notice is recorded with its text."))


@signed_in
def attendance(actor: Actor, code: str) -> Any:
    """Which seats were present, by member or named substitute (§4.7.3): PUT …/attendance's command."""
    contest = ps.current_contest()
    view = visit_view(contest, code)
    present = forms.read_attendance(request.form)
    svc = ps.service()
    try:
        svc.round3.record_attendance(contest.year, code, present, actor=actor)
    except DomainError as e:
        contest = svc.contest(contest.year)
        visit_day = forms.entered_date(view["visit"]["plan"]["date"]) if view["visit"] else None
        shown = {k: v or forms.MEMBER for k, v in present.items()}
        return render_visit(contest, actor, code, {"attendance": forms.attendance_errors(e, contest, visit_day)},
                            {"attendance": shown}, status=status_of(e))
    return _done(code, _("The attendance is recorded."))


blp.add_url_rule("/3-karta", "page", page, methods=["GET"])
blp.add_url_rule("/3-karta/informesana", "briefing", briefing, methods=["POST"])
blp.add_url_rule("/3-karta/vizite/<municipality:code>", "visit", visit, methods=["GET"])
blp.add_url_rule("/3-karta/vizite/<municipality:code>/planot", "plan", plan, methods=["POST"])
blp.add_url_rule("/3-karta/vizite/<municipality:code>/parcelt", "reschedule", reschedule, methods=["POST"])
blp.add_url_rule("/3-karta/vizite/<municipality:code>/pazinojums", "notice", notice, methods=["POST"])
blp.add_url_rule("/3-karta/vizite/<municipality:code>/apmeklejums", "attendance", attendance, methods=["POST"])
