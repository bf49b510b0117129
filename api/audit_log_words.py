"""The audit log's words (api/audit_log.py): who did what, and when, for each entry of contest/event_log.py, in
the reader's language. One sentence per type of event; a type the log does not know is shown by its name.

What is never shown: a personal code, an e-mail address, a token or its digest, a vote's municipality, rating,
comment, receipt or keys (the residents' votes are counted per hour, D10), the recipients of a notice (§4.7.2:
the municipality, its mayor and its contact person are named as such), the answers of a questionnaire, the texts of
requests for information. Free text that is shown (a reason, a note, a name) goes through `redact` first, so an
e-mail address or a personal code typed into it is not shown either.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from flask_babel import ngettext

from api import page_support as ps
from api.desk import TIE_KINDS
from api.juror_sheets import caster_name
from api.staff_pages import arrival
from contest.event_log import Entry
from domain.config import JurySeat
from domain.contest import Contest

N_ = ps.N_
EMAIL = re.compile(r"[^\s@<>()\"',;:]+@[^\s@<>()\"',;:]+\.[^\s@<>()\"',;:]+")
PERSONAL_CODE = re.compile(r"(?<!\d)\d{6}-?\d{5}(?!\d)")

KIND_LABELS = {"contest": N_("The contest"), "config": N_("Configuration"), "stages": N_("Rounds and stages"),
               "access": N_("Access"), "round1": N_("Round 1 questionnaires"), "window": N_("The vote's dates"),
               "votes": N_("Residents' votes"), "quarantine": N_("Quarantine of votes"),
               "ballots": N_("Round 2 ballots"), "decisions": N_("Jury decisions"),
               "visits": N_("Visits and notices"), "scores": N_("Round 3 score sheets"),
               "approval": N_("Nominations and the approval")}
ROLE_LABELS = {"secretariat": N_("Secretariat"), "juror": N_("Jury"), "municipality": N_("Municipalities"),
               "auditor": N_("Auditors"), "council": N_("Fund council"), "public": N_("Residents"),
               "system": N_("System")}
CONFIG_PARTS = {"MunicipalitiesSet": N_("the participating municipalities"), "JurySet": N_("the jury"),
                "ThemeSet": N_("the annual theme"), "PrizesSet": N_("the prizes"),
                "VotingWindowSet": N_("the dates of the residents' vote"), "ScoringSet": N_("the scoring"),
                "QuestionnaireSet": N_("the questionnaire"), "RulesSet": N_("the rules' numbers"),
                "CalendarSet": N_("the working-day calendar")}
TOKEN_ROLES = {"secretariat": N_("secretariat"), "juror": N_("jury seat"), "municipality": N_("municipality"),
               "auditor": N_("auditor"), "council": N_("Fund council")}
SYSTEM_NAMES = {"clock": N_("the clock"), "vote-secrets": N_("the vote's secrets"),
                "preset-loader": N_("the preset loader")}  # the service's own actors (contest/)
SCHEDULED = {"scheduled opening", "scheduled closing"}  # the clock's own reasons (contest/vote_window.py)
CALENDAR_REASON = "recorded when the contest was created"  # contest/calendar.py creation_reason


def redact(text: object) -> str:
    """Free text as the log shows it: e-mail addresses and personal codes left out."""
    value = "" if text is None else str(text)
    return PERSONAL_CODE.sub("[…]", EMAIL.sub("[…]", value)).strip()


def reason_text(reason: object) -> str:
    if isinstance(reason, str) and reason.strip() in SCHEDULED:
        return _("on schedule")
    if isinstance(reason, str) and reason.startswith(CALENDAR_REASON):
        return _("recorded when the contest was created, from the maintained calendar of Latvian holidays")
    return redact(reason) or "–"


class Words:
    """The words of one page: the contest's names of municipalities and seats."""

    def __init__(self, contest: Contest) -> None:
        self.contest = contest
        self.names = ps.names(contest)
        self.seats: dict[str, JurySeat] = {s.id: s for s in contest.jury}

    def place(self, code: object) -> str:
        return self.names.get(str(code), str(code)) if code else "–"

    def places(self, codes: object) -> str:
        return ", ".join(self.place(c) for c in codes) if isinstance(codes, list) and codes else "–"

    def seat(self, seat_id: object) -> str:
        seat = self.seats.get(str(seat_id))
        return seat.organisation if seat else str(seat_id or "–")

    # ----- who -----

    def who(self, e: Entry) -> str:
        role, principal = e.actor.get("role", ""), redact(e.actor.get("principal", ""))
        if role == "public":
            return _("Residents") if e.votes + e.claims > 1 else _("Resident")
        if role == "juror":
            return _("Jury: %(seat)s", seat=self.seat(principal))
        if role == "municipality":
            return _("Municipality: %(name)s", name=self.place(principal))
        if role == "system":
            name = _(SYSTEM_NAMES[principal]) if principal in SYSTEM_NAMES else principal
            return _("System (%(name)s)", name=name) if name else _("System")
        label = {"secretariat": _("Secretariat"), "auditor": _("Auditor"), "council": _("Fund council")}.get(role)
        if label is None:
            return f"{role} ({principal})" if principal else role
        return f"{label} ({principal})" if principal else label

    # ----- when -----

    def when(self, e: Entry) -> str:
        if e.at is None:
            return "–"
        text = ps.when(e.at)
        if e.until is not None and e.until != e.at:
            until = ps.local(e.until)
            clock = f"{until:%H.%M}" if ps.language() == "lv" else f"{until:%H:%M}"  # 'plkst. 21.00–21.58'
            text += f"–{clock}" if ps.local(e.at).date() == until.date() else f" – {ps.when(e.until)}"
        return text

    # ----- what -----

    def what(self, e: Entry) -> str:
        if e.kind == "votes":
            return self.votes(e)
        event = e.name.rsplit(".", 1)[-1]
        if e.name.startswith("Contest.") and event in CONFIG_PARTS:
            return _("Configuration changed: %(part)s. Reason: %(reason)s", part=_(CONFIG_PARTS[event]),
                     reason=reason_text(e.payload.get("reason")))
        say = SENTENCES.get(e.name)
        if say is None or e.kind is None:
            return _("Event %(type)s", type=e.name)
        return say(self, e.payload, e.subject)

    def votes(self, e: Entry) -> str:
        text = ngettext("%(num)s vote cast", "%(num)s votes cast", e.votes) if e.votes else ""
        if e.claims:
            claims = ngettext("%(num)s e-mail address confirmed with its vote",
                              "%(num)s e-mail addresses confirmed with their votes", e.claims)
            text = f"{text}; {claims}" if text else claims
        return text

    def mode(self, p: Mapping[str, Any]) -> str:
        if p.get("mode") == "remote":
            return _("remote visit (reason: %(reason)s)", reason=redact(p.get("remote_reason")))
        return _("visit on site")

    def plan(self, p: Mapping[str, Any]) -> dict[str, str]:
        minutes = p.get("duration_minutes") or 0
        return {"date": ps.day(p.get("visit_date")), "arrival": arrival(str(p.get("arrival", ""))),
                "duration": ngettext("%(num)s minute", "%(num)s minutes", int(minutes)), "mode": self.mode(p)}

    def caster(self, seat_id: str, cast_by: object) -> str:
        seat = self.seats.get(seat_id)
        if seat is None:
            return redact(cast_by) or "–"
        return caster_name(seat, str(cast_by) if cast_by else None)


Say = Callable[[Words, Mapping[str, Any], Mapping[str, str]], str]


def _created(w: Words, p: Mapping[str, Any], s: Mapping[str, str]) -> str:
    setup = p.get("setup") if isinstance(p.get("setup"), dict) else {}
    return _("Contest created: “%(title)s” (%(year)s)", title=redact(setup.get("title", "")), year=p.get("year"))


def _round1_closed(w: Words, p: Mapping[str, Any], s: Mapping[str, str]) -> str:
    n = len(p.get("advancing") or [])
    text = ngettext("Round 1 closed: %(num)s municipality goes on to round 2.",
                    "Round 1 closed: %(num)s municipalities go on to round 2.", n)
    if p.get("confirmed_empty"):
        text += " " + _("Closed with no submissions. Reason: %(reason)s", reason=reason_text(p.get("reason")))
    return text


def _round2_closed(w: Words, p: Mapping[str, Any], s: Mapping[str, str]) -> str:
    finalists = [f.get("municipality") for f in p.get("finalists") or [] if isinstance(f, dict)]
    return _("Round 2 closed. The finalists: %(names)s.", names=w.places(finalists))


def _issued(w: Words, p: Mapping[str, Any], s: Mapping[str, str]) -> str:
    role = str(p.get("role", ""))
    if p.get("seat"):
        whom = w.seat(p["seat"])
    elif p.get("municipality"):
        whom = w.place(p["municipality"])
    else:
        whom = redact(p.get("principal"))
    return _("Access token issued (%(role)s): %(whom)s", role=_(TOKEN_ROLES[role]) if role in TOKEN_ROLES else role,
             whom=whom or "–")


def _decision(w: Words, p: Mapping[str, Any], s: Mapping[str, str]) -> str:
    d = p.get("decision") if isinstance(p.get("decision"), dict) else {}
    kind = str(d.get("kind", ""))
    return _("Jury decision on the tie for %(kind)s between %(tied)s: %(chosen)s; %(votes_for)s of %(votes_total)s "
             "members voted for it.", kind=_(TIE_KINDS[kind]) if kind in TIE_KINDS else kind,
             tied=w.places(d.get("tied")), chosen=w.places(d.get("chosen")), votes_for=d.get("votes_for"),
             votes_total=d.get("votes_total"))


def _briefed(w: Words, p: Mapping[str, Any], s: Mapping[str, str]) -> str:
    text = _("The jury's briefing on the finalists recorded: %(date)s.", date=ps.day(p.get("briefed_on")))
    note = redact(p.get("note"))
    return text + " " + _("Note: %(note)s", note=note) if note else text


def _rescheduled(w: Words, p: Mapping[str, Any], s: Mapping[str, str]) -> str:
    text = _("Visit rescheduled: %(name)s, now %(date)s, arrival %(arrival)s, %(duration)s, %(mode)s. Reason: "
             "%(reason)s", name=w.place(s.get("municipality")), reason=reason_text(p.get("reason")), **w.plan(p))
    if p.get("attendance_cleared"):
        text += " " + _("The attendance recorded before no longer stands.")
    return text


def _notice(w: Words, p: Mapping[str, Any], s: Mapping[str, str]) -> str:
    return _("Notice of the visit recorded: %(name)s; given on %(date)s for the visit on %(visit)s at %(arrival)s, "
             "to the municipality, its mayor and its contact person.", name=w.place(s.get("municipality")),
             date=ps.day_in(p.get("notice_date"), "locative"), visit=ps.day_in(p.get("visit_date"), "locative"),
             arrival=arrival(str(p.get("arrival", ""))))


def _attendance(w: Words, p: Mapping[str, Any], s: Mapping[str, str]) -> str:
    present = p.get("present") if isinstance(p.get("present"), dict) else {}
    seats = ", ".join(w.seat(seat) + ("" if who == "member" else f" ({w.caster(seat, who)})")
                      for seat, who in present.items())
    return ngettext("Attendance recorded: %(name)s; %(num)s seat present: %(seats)s.",
                    "Attendance recorded: %(name)s; %(num)s seats present: %(seats)s.", len(present),
                    name=w.place(s.get("municipality")), seats=seats or "–")


def _approved(w: Words, p: Mapping[str, Any], s: Mapping[str, str]) -> str:
    return _("The Fund council approved the result: decision %(number)s of %(date)s. The contest is sealed.",
             number=redact(p.get("decision_number")), date=ps.day_in(p.get("decision_date"), "genitive"))


def _closes(p: Mapping[str, Any]) -> str:
    value = p.get("closes_at")
    return ps.when_in(value, "dative") if isinstance(value, datetime) else "–"


def _quarantine(singular: str, plural: str) -> Say:
    return lambda w, p, s: ngettext(singular, plural, len(p.get("votes") or []),
                                    reason=reason_text(p.get("reason")))


SENTENCES: dict[str, Say] = {
    "Contest.Created": _created,
    "Registry.Created": lambda w, p, s: _("The register of contests created."),
    "Registry.ContestRegistered": lambda w, p, s: _("The %(year)s contest registered.", year=p.get("year")),
    "Contest.StageChanged": lambda w, p, s: _("Stage changed: %(stage)s.", stage=ps.stage_name(str(p.get("stage")))),
    "Contest.Round1Closed": _round1_closed,
    "Contest.Round2Closed": _round2_closed,
    "Contest.Round3Closed": lambda w, p, s: _("Round 3 closed. The winner: %(winner)s; the annual theme prize: "
                                              "%(theme)s.", winner=w.place(p.get("winner")),
                                              theme=w.place(p.get("theme_winner"))),
    "Credential.Issued": _issued,
    "Credential.Revoked": lambda w, p, s: _("Access token revoked. Reason: %(reason)s",
                                            reason=reason_text(p.get("reason"))),
    "Contest.VoteSecretsBound": lambda w, p, s: _("The vote's secrets bound to the contest (their fingerprints "
                                                  "recorded)."),
    "Submission.Started": lambda w, p, s: _("Questionnaire record opened: %(name)s.",
                                            name=w.place(s.get("municipality"))),
    "Submission.AnswersSaved": lambda w, p, s: _("Answers saved: %(name)s (%(answers)s).",
                                                 name=w.place(s.get("municipality")),
                                                 answers=ngettext("%(num)s answer", "%(num)s answers",
                                                                  len(p.get("answers") or {}))),
    "Submission.InformationRequested": lambda w, p, s: _("More information requested: %(name)s.",
                                                         name=w.place(s.get("municipality"))),
    "Submission.InformationProvided": lambda w, p, s: _("More information given: %(name)s.",
                                                        name=w.place(s.get("municipality"))),
    "Contest.VotingWindowOpened": lambda w, p, s: _("The residents' vote opened. Reason: %(reason)s",
                                                    reason=reason_text(p.get("reason"))),
    "Contest.VotingWindowClosed": lambda w, p, s: _("The residents' vote closed. Reason: %(reason)s",
                                                    reason=reason_text(p.get("reason"))),
    "Contest.VotingWindowExtended": lambda w, p, s: _("The residents' vote extended until %(closes)s. Reason: "
                                                      "%(reason)s", closes=_closes(p),
                                                      reason=reason_text(p.get("reason"))),
    "Contest.InterimResultPublished": lambda w, p, s: _("Interim result of the residents' vote published. Reason: "
                                                        "%(reason)s", reason=reason_text(p.get("reason"))),
    "Contest.VotesQuarantined": _quarantine("%(num)s vote put in quarantine. Reason: %(reason)s",
                                            "%(num)s votes put in quarantine. Reason: %(reason)s"),
    "Contest.VotesReinstated": _quarantine("%(num)s vote reinstated. Reason: %(reason)s",
                                           "%(num)s votes reinstated. Reason: %(reason)s"),
    "Ballot.Opened": lambda w, p, s: _("Round-2 ballot record opened: %(seat)s.", seat=w.seat(s.get("seat"))),
    "Ballot.Cast": lambda w, p, s: _("Round-2 ballot submitted: %(seat)s; filled in by %(who)s.",
                                     seat=w.seat(s.get("seat")), who=w.caster(s.get("seat", ""), p.get("cast_by"))),
    "Contest.JuryDecisionRecorded": _decision,
    "Contest.JuryBriefed": _briefed,
    "Visit.Scheduled": lambda w, p, s: _("Visit planned: %(name)s, %(date)s, arrival %(arrival)s, %(duration)s, "
                                         "%(mode)s.", name=w.place(p.get("municipality")), **w.plan(p)),
    "Visit.Rescheduled": _rescheduled,
    "Visit.NoticeRecorded": _notice,
    "Visit.AttendanceRecorded": _attendance,
    "Scorecard.Opened": lambda w, p, s: _("Round-3 score sheet record opened: %(seat)s.", seat=w.seat(s.get("seat"))),
    "Scorecard.Submitted": lambda w, p, s: _("Round-3 score sheet submitted: %(seat)s; filled in by %(who)s.",
                                             seat=w.seat(s.get("seat")),
                                             who=w.caster(s.get("seat", ""), p.get("cast_by"))),
    "Contest.SupporterNominationRecorded": lambda w, p, s: _(
        "Supporter's nomination recorded: %(supporter)s, “%(nomination)s”: %(name)s.",
        supporter=redact((p.get("nomination") or {}).get("supporter")),
        nomination=redact((p.get("nomination") or {}).get("nomination")),
        name=w.place((p.get("nomination") or {}).get("municipality"))),
    "Contest.ResultApproved": _approved,
}
