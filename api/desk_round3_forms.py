"""The secretariat's round-3 forms as the pages read and word them (api/desk_round3.py): the jury's briefing
(§4.6.8), a visit's plan and its rescheduling (§4.7.1, §4.7.7), its notice (§4.7.2) and its attendance (§4.7.3).
Reading a posted form into the command's arguments (what the API's schemas would give the same commands), and the
domain's refusals (InvalidInput, RuleViolation) as messages in the reader's language at the field they concern.
Nothing here decides a rule: the commands do (contest/round3.py, domain/visit.py, domain/workdays.py).

Field ids (one page holds several forms): ``briefing-date``, ``briefing-note``; ``plan-date``, ``plan-arrival``,
``plan-duration``, ``plan-mode``, ``plan-remote_reason``, ``plan-reason``; ``notice-notice_date``,
``notice-municipality_email``, ``notice-mayor_name``, ``notice-mayor_email``, ``notice-contact_name``,
``notice-contact_email``; ``seat-<id>``. A refusal that concerns no field is ``form``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from flask_babel import gettext as _
from flask_babel import ngettext

from api import page_support as ps
from domain.contest import Contest
from domain.errors import DomainError, InvalidInput, NotFound, RuleViolation
from domain.workdays import CALENDAR_CLAUSE

ABSENT = ""
MEMBER = "member"
NOTE_MAX, REASON_MAX = 5000, 2000  # what the API's schemas take (api/round3.py)
PLAN_FIELDS = {"date": "plan-date", "arrival": "plan-arrival", "duration_minutes": "plan-duration",
               "mode": "plan-mode", "remote_reason": "plan-remote_reason", "reason": "plan-reason"}
NOTICE_FIELDS = {"notice_date": "notice-notice_date", "municipality_email": "notice-municipality_email",
                 "mayor.name": "notice-mayor_name", "mayor.email": "notice-mayor_email",
                 "contact.name": "notice-contact_name", "contact.email": "notice-contact_email",
                 "mayor": "notice-mayor_name", "contact": "notice-contact_name"}


def too_long(limit: int) -> str:
    return ngettext("At most %(num)s character.", "At most %(num)s characters.", limit)


def entered_date(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        return None


# ----- reading the forms -----

def read_plan(form: Mapping[str, str]) -> dict[str, Any]:
    """A visit's plan as the command takes it (VisitPlan.parse): the date, the arrival, the length in minutes (a
    whole number, or the text as typed, which the rule refuses), on site or remote with the reason."""
    minutes_text = form.get("duration_minutes", "").strip()  # a page without script shows the reason's field always
    mode = form.get("mode", "on_site")
    reason = form.get("remote_reason", "").strip()
    return {"date": form.get("date", "").strip(), "arrival": form.get("arrival", "").strip(),
            "duration_minutes": int(minutes_text) if minutes_text.isdigit() else minutes_text, "mode": mode,
            "remote_reason": (reason or None) if mode == "remote" else None}  # no reason for a visit on site


def read_notice(form: Mapping[str, str]) -> tuple[str, dict[str, Any]]:
    """The notice's date and who was told (domain.notice.Recipients.parse)."""
    value = {k: form.get(k, "").strip() for k in ("municipality_email", "mayor_name", "mayor_email", "contact_name",
                                                  "contact_email")}
    return form.get("notice_date", "").strip(), {
        "municipality_email": value["municipality_email"],
        "mayor": {"name": value["mayor_name"], "email": value["mayor_email"]},
        "contact": {"name": value["contact_name"], "email": value["contact_email"]}}


def notice_values(notice_date: str, recipients: Mapping[str, Any]) -> dict[str, str]:
    """The notice's fields as the form shows them again: the names; the addresses only as just typed (a recorded
    notice keeps no address in clear, only its keyed hash, so a new notice asks for them again)."""
    mayor, contact = recipients.get("mayor") or {}, recipients.get("contact") or {}
    return {"notice_date": notice_date, "municipality_email": str(recipients.get("municipality_email") or ""),
            "mayor_name": mayor.get("name", ""), "mayor_email": mayor.get("email", ""),
            "contact_name": contact.get("name", ""), "contact_email": contact.get("email", "")}


def read_attendance(form: Mapping[str, str]) -> dict[str, str | None]:
    """Which seats were present (§4.7.3): every ``seat-<id>`` field that is not "absent", the member or a named
    substitute. A seat the roster does not have is passed on as sent, so the rule names it."""
    present: dict[str, str | None] = {}
    for key, value in form.items():
        if key.startswith("seat-") and value != ABSENT:
            present[key[5:]] = None if value == MEMBER else value
    return present


# ----- refusals shared by the forms -----

def common_refusal(e: DomainError, contest: Contest) -> str | None:
    """What concerns no field of any form: the sealed contest, round 3 not open, the visit not planned."""
    if isinstance(e, RuleViolation) and "D14" in e.clause:
        return _("The contest is approved and sealed: nothing changes any more.")
    if isinstance(e, RuleViolation) and "stage" in e.details:
        if contest.round3 is not None or contest.approval is not None:
            return _("Round 3 has closed: its briefing, visits, notices and attendance no longer change.")
        return _("Round 3 is not open: it opens when round 2 closes and the finalists are known.")
    if isinstance(e, NotFound):
        return _("Plan the visit first.")
    return None


def calendar_error(e: RuleViolation) -> str:
    return _("The working-day calendar recorded with the contest does not cover this date (it covers %(first)s to "
             "%(last)s).", first=ps.day_in(e.details.get("first_day"), "genitive"),
             last=ps.day_in(e.details.get("last_day"), "dative"))


def other(e: DomainError) -> str:
    if isinstance(e, RuleViolation):
        return _("Refused: %(message)s", message=e.message)
    errors = getattr(e, "errors", None) or {}
    return _("Refused: %(message)s", message="; ".join(f"{k}: {', '.join(v)}" for k, v in errors.items()) or str(e))


# ----- the briefing (§4.6.8) -----

def briefing_errors(e: DomainError, contest: Contest, entered: date | None, today: date) -> dict[str, str]:
    if (common := common_refusal(e, contest)) is not None:
        return {"form": common}
    if isinstance(e, InvalidInput) and "date" in e.errors:
        return {"briefing-date": _("The briefing is recorded once it has taken place: the date cannot be later "
                                   "than today (%(today)s).", today=ps.day(today))}
    if isinstance(e, RuleViolation) and e.field == "date":
        closed = contest.local_day(contest.round2.closed_at) if contest.round2 else today
        return {"briefing-date": _("The full information on the finalists exists once round 2 has closed (%(date)s): "
                                   "the briefing cannot be earlier.", date=ps.day(closed))}
    if isinstance(e, RuleViolation) and e.field == "briefing_date":
        d = e.details
        first = entered + timedelta(days=int(d.get("days_given", 0))) if entered else None
        return {"briefing-date": ngettext(
            "The jury is briefed at least %(num)s day before the first visit (%(visit)s), that is on %(latest)s or "
            "earlier.", "The jury is briefed at least %(num)s days before the first visit (%(visit)s), that is on "
            "%(latest)s or earlier.", int(d.get("days_required", 7)), visit=ps.day(first),
            latest=ps.day_in(d.get("latest_briefing_date"), "locative"))}
    return {"form": other(e)}


# ----- the plan and its rescheduling (§4.7.1, §4.7.7, §4.6.8) -----

def _plan_input(key: str, messages: list[str], rescheduling: bool) -> str:
    if key == "date" and rescheduling and any("same" in m for m in messages):
        return _("The new plan is the same as the current one: change the date, the arrival, the length or the mode.")
    texts = {"date": _("Enter the visit's date."),
             "arrival": _("Enter the arrival as a time HH:MM in Latvian time, e.g. 10:00."),
             "duration_minutes": _("Enter the planned length in minutes, a whole number from 1 to 1440."),
             "mode": _("Choose on site or remote."),
             "reason": _("Say why the visit is rescheduled.")}
    if key == "remote_reason":
        if any("only for a remote" in m for m in messages):
            return _("A reason is given only for a remote visit.")
        return too_long(REASON_MAX)
    return texts.get(key, "; ".join(messages))


def plan_errors(e: DomainError, contest: Contest, rescheduling: bool = False) -> dict[str, str]:
    if (common := common_refusal(e, contest)) is not None:
        return {"form": common}
    if isinstance(e, InvalidInput):
        return {PLAN_FIELDS.get(k, "form"): _plan_input(k, v, rescheduling) for k, v in e.errors.items()}
    if not isinstance(e, RuleViolation):
        return {"form": other(e)}
    d = e.details
    if e.field == "duration_minutes":
        minutes = int(d.get("max_minutes", contest.rules.visit_max_hours * 60))
        return {"plan-duration": ngettext("A visit lasts at most %(num)s hour (%(minutes)s minutes).",
                                          "A visit lasts at most %(num)s hours (%(minutes)s minutes).",
                                          minutes // 60, minutes=minutes)}
    if e.field == "remote_reason":
        return {"plan-remote_reason": _("A visit is remote only when assemblies are restricted: give the reason.")}
    if e.field == "date" and contest.briefing is None:
        return {"plan-date": ngettext(
            "Record the jury's briefing on the finalists first: visits are at least %(num)s day after it.",
            "Record the jury's briefing on the finalists first: visits are at least %(num)s days after it.",
            contest.rules.briefing_days)}
    if e.field == "briefing_date" and contest.briefing is not None:
        days = int(d.get("days_required", contest.rules.briefing_days))
        return {"plan-date": ngettext(
            "A visit is at least %(num)s day after the jury's briefing (%(briefed)s): the earliest date is %(first)s.",
            "A visit is at least %(num)s days after the jury's briefing (%(briefed)s): the earliest date is %(first)s.",
            days, briefed=ps.day(contest.briefing.date),
            first=ps.day(contest.briefing.date + timedelta(days=days)))}
    if e.clause == CALENDAR_CLAUSE and "first_day" in d:
        return {"plan-date": calendar_error(e)}
    if e.field == "municipality":
        return {"form": _("The visit to this finalist is planned already: reschedule it instead.")}
    return {"form": other(e)}


# ----- the notice (§4.7.2) -----

def notice_errors(e: DomainError, contest: Contest, entered: date | None, today: date,
                  visit_day: date | None) -> dict[str, str]:
    if (common := common_refusal(e, contest)) is not None:
        return {"form": common}
    if isinstance(e, InvalidInput):
        out: dict[str, str] = {}
        for key in e.errors:
            field = NOTICE_FIELDS.get(key, "form")
            if key == "notice_date":
                out[field] = (_("The notice is recorded once it has been given: the date cannot be later than today "
                                "(%(today)s).", today=ps.day(today)) if entered and entered > today
                              else _("Enter the day the notice was given."))
            elif key.endswith("email"):
                out[field] = _("Enter an e-mail address, e.g. dome@example.lv.")
            else:
                out[field] = _("Enter the person's name.")
        return out
    if not isinstance(e, RuleViolation):
        return {"form": other(e)}
    d = e.details
    if e.field == "notice_date" and "latest_notice_date" in d:
        required, given = int(d.get("working_days_required", 5)), int(d.get("working_days_given", 0))
        return {"notice-notice_date": " ".join((
            ngettext("The notice is given at least %(num)s working day before the visit (%(visit)s), that is on "
                     "%(latest)s or earlier.", "The notice is given at least %(num)s working days before the visit "
                     "(%(visit)s), that is on %(latest)s or earlier.", required, visit=ps.day(visit_day),
                     latest=ps.day_in(d["latest_notice_date"], "locative")),
            ngettext("This date leaves %(num)s working day.", "This date leaves %(num)s working days.", given)))}
    if e.field == "notice_date" and contest.round2 is not None:
        return {"notice-notice_date": _(
            "The notice states the results of round 2, which exist from %(date)s (round 2 closed): it cannot be "
            "earlier.", date=ps.day_in(contest.local_day(contest.round2.closed_at), "genitive"))}
    if e.clause == CALENDAR_CLAUSE and "first_day" in d:
        return {"notice-notice_date": calendar_error(e)}
    return {"form": other(e)}


# ----- the attendance (§4.7.3) -----

def attendance_errors(e: DomainError, contest: Contest, visit_day: date | None) -> dict[str, str]:
    if (common := common_refusal(e, contest)) is not None:
        return {"form": common}
    seats = {s.id for s in contest.jury}
    if isinstance(e, InvalidInput):
        out: dict[str, str] = {}
        for key in e.errors:
            seat = key.split(".", 1)[1] if key.startswith("present.") else ""
            if seat and seat in seats:
                out[f"seat-{seat}"] = _("Choose the member, one of the seat's delegated substitutes, or absent.")
            elif seat:
                out["form"] = _("The jury has no seat “%(seat)s”.", seat=seat)
            else:
                out["form"] = _("Mark at least one seat as present.")
        return out
    if isinstance(e, RuleViolation) and e.field == "notice":
        return {"form": _("The visit has no valid notice, so it cannot be held: record a notice given in time "
                          "first.")}
    if isinstance(e, RuleViolation) and e.field == "present":
        return {"form": _("The attendance is recorded once the visit has taken place (%(date)s).",
                          date=ps.day_in(visit_day, "locative"))}
    return {"form": other(e)}
