"""The jury seat's two forms (api/juror.py routes them): the round-2 ballot for the municipalities of round 2
(§4.6.4, D8) and the round-3 score sheet for the finalists (§4.7.8, §4.7.11), each saved as a draft
(contest/jury_drafts.py: not an event, never counted) or submitted through the same command as the API's
PUT /ballots/{seat} and PUT /scores/{seat}; replaceable while the round is open. The score sheet also shows the
visits the seat attended and whether its scores will count (§4.7.4), from the recorded attendance.
"""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request
from flask_babel import gettext as _
from flask_babel import ngettext
from werkzeug.wrappers import Response

from api import page_support as ps
from api.juror_forms import (
    BALLOT_CHOICES,
    MEMBER,
    SCORE_CHOICES,
    ballot_command,
    ballot_errors,
    not_open_text,
    read_ballot,
    read_scores,
    refusal,
    scores_command,
    scores_errors,
)
from domain.actors import Actor
from domain.config import JurySeat
from domain.contest import ROUND2, ROUND3, Contest
from domain.errors import DomainError, InvalidInput

Page = str | tuple[str, int] | Response


def caster_options(seat: JurySeat) -> list[tuple[str, str]]:
    """Who fills in the seat's form (§3.2.1): its member or one of its delegated substitutes, by name; the
    choice is recorded in the event (`cast_by`)."""
    return [(MEMBER, _("The member (%(person)s)", person=seat.person)),
            *((name, _("Delegated substitute: %(name)s", name=name)) for name in seat.substitutes)]


def caster_name(seat: JurySeat, cast_by: str | None) -> str:
    if cast_by in (None, MEMBER):
        return _("the member (%(person)s)", person=seat.person)
    return _("delegated substitute %(name)s", name=cast_by)


def round1_rows(contest: Contest, codes: list[str]) -> list[dict[str, Any]]:
    """The municipalities in `codes` with their round-1 place and score, in round 1's order."""
    names = ps.names(contest)
    ranking = {r["municipality"]: r for r in (contest.round1["ranking"] if contest.round1 else [])}
    return [{"code": c, "name": names.get(c, c), "place": ranking.get(c, {}).get("place"),
             "overall": ranking.get(c, {}).get("overall")} for c in codes]


def _submit_or_save(command: Any, save: Any, saved_text: str, done_text: str) -> Response | DomainError:
    try:
        if request.form.get("action") == "submit":
            command()
            flash(done_text, "ok")
        else:
            save()
            flash(saved_text, "ok")
    except DomainError as e:
        return e
    return redirect(request.path, code=303)


# ----- round 2: the ballot (§4.6.4, D8) -----

def ballot_page(actor: Actor) -> Page:
    svc = ps.service()
    contest = ps.current_contest()
    year, seat = contest.year, contest.seat(actor.seat or "")
    codes = contest.round2_municipalities
    names = ps.names(contest)
    errors: dict[str, str] = {}
    problem: dict[str, str] | None = None
    status = 200
    if request.method == "POST":
        values = read_ballot(request.form, codes)
        points, justifications = ballot_command(values)
        outcome = _submit_or_save(
            lambda: svc.round2.cast_ballot(year, seat.id, points, justifications, cast_by=values["cast_by"],
                                           actor=actor),
            lambda: svc.round2.save_ballot_draft(year, seat.id, values["points"], values["justifications"],
                                                 cast_by=values["cast_by"], actor=actor),
            _("The draft is saved. It is not submitted and does not count until you submit the ballot."),
            _("Your ballot is submitted. You can replace it while round 2 is open; the last one counts."))
        if not isinstance(outcome, DomainError):
            return outcome
        contest = svc.contest(year)  # as it stands now: round 2 may have closed meanwhile
        errors = ballot_errors(outcome, names) or {}
        problem = None if errors else refusal(outcome, contest, 2)
        status = 422 if isinstance(outcome, InvalidInput) else 409
    cast = svc.round2.seat_ballot(year, seat.id) if codes else None
    is_open = contest.stage == ROUND2 and seat.voting
    draft = svc.round2.ballot_draft(year, seat.id, actor=actor) if is_open else None
    shown = None  # the draft whose values the form shows (none after a refused post: the posted values are shown)
    if request.method != "POST":
        shown = draft
        if draft is not None:
            values = draft.body
        elif cast is not None:
            values = {"points": cast.points, "justifications": cast.justifications, "cast_by": cast.cast_by}
        else:
            values = {"points": {}, "justifications": {}, "cast_by": MEMBER}
    page = render_template(
        "pages/juror_ballot.html", contest=contest, seat=seat, rows=round1_rows(contest, codes), values=values,
        errors=errors, problem=problem, is_open=is_open, closed_text=not_open_text(contest, 2), cast=cast,
        cast_by=caster_name(seat, cast.cast_by) if cast else "", draft=shown, choices=BALLOT_CHOICES,
        casters=caster_options(seat))
    return (page, status) if status != 200 else page


# ----- round 3: the score sheet (§4.7.8, §4.7.11) and whether the seat's scores count (§4.7.4) -----

def seat_round3(contest: Contest, seat: JurySeat) -> dict[str, Any] | None:
    """The visits as the seat attended them (by its member or a named substitute), whether each visit counts
    (§4.7.3), and whether the seat's scores will count (§4.7.4), in words; None before round 3."""
    if not contest.has_reached(ROUND3):
        return None
    status = ps.service().round3.status(contest.year)
    names = ps.names(contest)
    assessment = status["assessment"]
    explanation = assessment["result"]["explanation"]
    needed = explanation["min_visits_per_seat"]
    visits = []
    for v in assessment["visits"]:
        attendance = v["attendance"]
        present = None if attendance is None else attendance.get(seat.id)
        visits.append({"name": names.get(v["municipality"], v["municipality"]),
                       "date": (v["plan"] or {}).get("date"), "arrival": (v["plan"] or {}).get("arrival"),
                       "recorded": attendance is not None,
                       "present": None if present is None else caster_name(seat, present),
                       "counted": v["counted"]})
    row = next((r for r in explanation["seats"] if r["seat"] == seat.id), None)
    counted_visits = len(row["counted_visits"]) if row else 0
    pending = sum(1 for v in visits if not v["recorded"])
    if not seat.voting:
        verdict, state = _("This seat has no vote: its scores do not count."), "no"
    elif row is not None and row["counted"]:
        verdict, state = _("Your scores will count."), "yes"
    elif pending and counted_visits + pending >= needed and contest.round3 is None:
        verdict, state = _("Your scores do not count yet."), "pending"
    else:
        verdict, state = _("Your scores will not count."), "no"
    return {"visits": visits, "verdict": verdict, "state": state, "needed": needed,
            "attended": ngettext("You (the member or a delegated substitute) were at %(num)s counted visit.",
                                 "You (the member or a delegated substitute) were at %(num)s counted visits.",
                                 counted_visits),
            "pending": ngettext("%(num)s visit has no attendance recorded yet.",
                                "%(num)s visits have no attendance recorded yet.", pending) if pending else "",
            "rule": ngettext("A member's scores count when they were at %(num)s counted visit or more.",
                             "A member's scores count when they were at %(num)s counted visits or more.", needed)}


def scores_page(actor: Actor) -> Page:
    svc = ps.service()
    contest = ps.current_contest()
    year, seat = contest.year, contest.seat(actor.seat or "")
    codes = contest.finalists
    names = ps.names(contest)
    errors: dict[str, str] = {}
    problem: dict[str, str] | None = None
    status = 200
    if request.method == "POST":
        values = read_scores(request.form, codes)
        scores, justifications, theme = scores_command(values, codes)
        outcome = _submit_or_save(
            lambda: svc.round3.submit_scores(year, seat.id, scores, justifications, theme,
                                             cast_by=values["cast_by"], actor=actor),
            lambda: svc.round3.drafts.save_scores(year, seat.id, values["scores"], values["justifications"],
                                                  values["theme_points"], cast_by=values["cast_by"], actor=actor),
            _("The draft is saved. It is not submitted and does not count until you submit the scores."),
            _("Your scores are submitted. You can replace them while round 3 is open; the last ones count."))
        if not isinstance(outcome, DomainError):
            return outcome
        contest = svc.contest(year)
        errors = scores_errors(outcome, names) or {}
        problem = None if errors else refusal(outcome, contest, 3)
        status = 422 if isinstance(outcome, InvalidInput) else 409
    card = svc.round3.seat_scorecard(year, seat.id) if codes else None
    is_open = contest.stage == ROUND3 and seat.voting
    draft = svc.round3.drafts.scores(year, seat.id, actor=actor) if is_open else None
    shown = None  # the draft whose values the form shows (none after a refused post: the posted values are shown)
    if request.method != "POST":
        shown = draft
        if draft is not None:
            values = draft.body
        elif card is not None:
            values = {"scores": card.scores, "justifications": card.justifications,
                      "theme_points": card.theme_points, "cast_by": card.cast_by}
        else:
            values = {"scores": {}, "justifications": {}, "theme_points": {}, "cast_by": MEMBER}
    theme = values["theme_points"]
    page = render_template(
        "pages/juror_scores.html", contest=contest, seat=seat, rows=round1_rows(contest, codes), values=values,
        theme_two=next((c for c, v in theme.items() if v == 2), ""),
        theme_one=next((c for c, v in theme.items() if v == 1), ""),
        errors=errors, problem=problem, is_open=is_open, closed_text=not_open_text(contest, 3), card=card,
        cast_by=caster_name(seat, card.cast_by) if card else "", draft=shown, choices=SCORE_CHOICES,
        casters=caster_options(seat), visits=seat_round3(contest, seat))
    return (page, status) if status != 200 else page
