"""The working-day calendar on a page (§4.7.2, RULES.md D17; /sekretariats/konfiguracija/kalendars): the calendar
recorded with the contest, by which every notice before a visit and the jury's briefing are counted (its span, its
source, the weekdays that are days off with their names, the Saturdays and Sundays declared working days), and a
form to replace it through the command of PUT /api/contests/<year>/calendar with its reason, until round 3 opens.

The days are typed a line each, "YYYY-MM-DD name" for a day off and "YYYY-MM-DD" for a working day; the form can be
filled from the maintained holidays library for a span of years (contest/calendar.py, as when a contest is created),
and the secretariat corrects it (a Cabinet order the library does not know yet) before recording. What a valid
calendar is stays the domain's (domain/workdays.py WorkCalendar.parse): its refusal is shown at the line it concerns,
and nothing is stored.

Field ids: ``first_day``, ``last_day``, ``source``, ``days_off``, ``working_days``, ``reason``; the library's form
``first_year``, ``last_year``.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from flask import Blueprint, flash, request, url_for
from flask_babel import gettext as _

from api import config_pages as cp
from api import config_words as words
from api import page_support as ps
from contest.calendar import latvian_calendar
from domain.actors import Actor
from domain.contest import Contest
from domain.errors import InvalidInput
from domain.workdays import COUNTRIES, WorkCalendar

blp = Blueprint("calendar", __name__, url_prefix="/konfiguracija/kalendars")

LINES_MAX = 2000
LINE = re.compile(r"^(\S+)\s*(.*)$")
FIELDS = ("first_day", "last_day", "source", "days_off", "working_days", "reason")
WEEKDAYS = (ps.N_("Monday"), ps.N_("Tuesday"), ps.N_("Wednesday"), ps.N_("Thursday"), ps.N_("Friday"),
            ps.N_("Saturday"), ps.N_("Sunday"))


def form_of(recorded: WorkCalendar | None) -> dict[str, str]:
    if recorded is None:
        return dict.fromkeys(FIELDS, "")
    data = recorded.to_dict()
    return {"first_day": data["first_day"], "last_day": data["last_day"], "source": data["source"],
            "days_off": "\n".join(f"{d} {name}" for d, name in data["days_off"].items()),
            "working_days": "\n".join(data["working_days"]), "reason": ""}


def render(contest: Contest, form: dict[str, str] | None = None, errors: dict[str, str] | None = None,
           problem: dict[str, str] | None = None, status: int = 200) -> Any:
    this_year = contest.year
    return cp.page("pages/config_calendar.html", status, contest=contest, actor=cp.actor(),
                   form=form or form_of(contest.calendar), recorded=contest.calendar, weekday=weekday,
                   years={"first_year": request.args.get("first_year", str(this_year)),
                          "last_year": request.args.get("last_year", str(this_year + 1))},
                   errors=errors or {}, problem=problem, state=words.part_freeze(contest, "calendar"))


def weekday(day: date) -> str:
    return _(WEEKDAYS[day.weekday()])


@blp.route("", methods=["GET"])
@cp.signed_in
def page(_actor: Actor, contest: Contest) -> Any:
    """The recorded calendar; with ``first_year`` and ``last_year`` the form is filled from the holidays library
    (nothing is recorded until the form is sent)."""
    if "first_year" not in request.args:
        return render(contest)
    first, last = request.args.get("first_year", ""), request.args.get("last_year", "")
    errors: dict[str, str] = {}
    if not (first.isdigit() and last.isdigit() and 2000 <= int(first) <= int(last) <= int(first) + 9
            and int(last) <= 2100):
        errors["first_year"] = _("Enter two years from 2000 to 2100, the first not after the second, at most ten "
                                 "years apart.")
        return render(contest, errors=errors, status=422)
    filled = form_of(WorkCalendar.parse(latvian_calendar(int(first), int(last))))
    flash(_("The form is filled from %(source)s for %(first)s-%(last)s: check it, give a reason and record it.",
            source=filled["source"], first=first, last=last), "info")
    return render(contest, filled)


def lines(text: str) -> list[tuple[int, str, str]]:
    """The non-empty lines of a text field: (line number, the first word, the rest)."""
    out = []
    for n, line in enumerate(text.splitlines(), 1):
        found = LINE.match(line.strip())
        if found:
            out.append((n, found.group(1), found.group(2).strip()))
    return out


@blp.route("", methods=["POST"])
@cp.signed_in
def save(actor: Actor, contest: Contest) -> Any:
    """The command of PUT /api/contests/<year>/calendar: the calendar as the form gives it."""
    form = {k: request.form.get(k, "") for k in FIELDS}
    errors: dict[str, str] = {}
    off, worked = lines(form["days_off"]), lines(form["working_days"])
    if len(off) > LINES_MAX or len(worked) > LINES_MAX:
        errors["days_off" if len(off) > LINES_MAX else "working_days"] = _("Too many lines.")
    why = cp.reason(request.form, errors)
    if errors:
        return render(contest, form, errors, status=422)
    value = {"country": COUNTRIES[0], "source": form["source"].strip(), "first_day": form["first_day"].strip(),
             "last_day": form["last_day"].strip(), "days_off": {day: name for _n, day, name in off},
             "working_days": [day for _n, day, _rest in worked]}
    repeated = [n for i, (n, day, _name) in enumerate(off) if day in {d for _m, d, _x in off[:i]}]
    if repeated:
        return render(contest, form, {"days_off": _("Line %(line)s: %(why)s", line=repeated[0],
                                                    why=_("this day is listed already."))}, status=422)
    return cp.record(lambda: ps.service().set_calendar(contest.year, value, reason=why, actor=actor), render, form,
                     fields=lambda e: calendar_errors(e, off, worked), refused_at="first_day",
                     recorded=_("Recorded: the working-day calendar."), target=url_for("config.calendar.page"))


def calendar_errors(e: InvalidInput, off: list[tuple[int, str, str]],
                    worked: list[tuple[int, str, str]]) -> dict[str, str]:
    """WorkCalendar.parse's refusals (D17) at their fields, a day's at its line."""
    out: dict[str, str] = {}
    line_of = {day: n for n, day, _name in off}
    for key, messages in e.errors.items():
        part = key.removeprefix("calendar.")
        text = " ".join(messages)
        if part in ("first_day", "last_day"):
            out[part] = (_("The span covers at most ten years.") if "ten years" in text
                         else _("The last day must not be before the first.") if "earlier" in text
                         else _("Enter the date, e.g. 2024-08-01."))
        elif part == "source":
            out[part] = _("Say where the calendar comes from (e.g. the library and its version, or the Cabinet "
                          "order), at most 300 characters.")
        elif part.startswith("days_off."):
            n = line_of.get(part.removeprefix("days_off."), 1)
            out.setdefault("days_off", _("Line %(line)s: %(why)s", line=n, why=day_off_error(text)))
        elif part.startswith("working_days["):
            i = int(part[13:part.index("]")])
            n = worked[i][0] if i < len(worked) else 1
            out.setdefault("working_days", _("Line %(line)s: %(why)s", line=n, why=working_day_error(text)))
        elif part == "reason":
            out["reason"] = _("Give a reason for the change (it is recorded with the event).")
    return out


def day_off_error(text: str) -> str:
    """WorkCalendar.parse's refusal of a day off, in the reader's words."""
    if "YYYY" in text:
        return _("write the date as YYYY-MM-DD, then the day's name.")
    if "Monday" in text:
        return _("only Monday to Friday are listed here: a Saturday or Sunday is not a working day anyway.")
    if "outside" in text:
        return _("the day lies outside the calendar's span.")
    return _("name the day, e.g. Latvijas Republikas proklamēšanas diena.")


def working_day_error(text: str) -> str:
    """WorkCalendar.parse's refusal of a declared working day, in the reader's words."""
    if "YYYY" in text:
        return _("write the date as YYYY-MM-DD.")
    if "only" in text:
        return _("only a Saturday or Sunday declared a working day is listed here.")
    if "outside" in text:
        return _("the day lies outside the calendar's span.")
    return _("this day is listed already.")
