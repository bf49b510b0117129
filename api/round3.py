"""Round 3 and the end of the contest over HTTP (§4.6.8, §4.7, §7): the briefing, visits, notices, attendance,
scorecards, closing round 3, supporters' nominations, the council's approval, and the final result (JSON, HTML)."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import Response, current_app
from flask.views import MethodView
from marshmallow import validate

from api.auth import current_actor, require
from api.parsing import Blueprint
from api.report import render_report
from contest.round3 import final_report, nomination_out
from contest.service import ContestService
from domain.actors import AUDITOR, COUNCIL, JUROR, MUNICIPALITY, SECRETARIAT

blp = Blueprint("round3", __name__, url_prefix="/api/contests",
                description="Round 3 (§4.7): briefing, visits, notices, attendance, scores; the result, prizes and "
                            "the council's approval (§7)")

INSIDERS = (SECRETARIAT, JUROR, AUDITOR, COUNCIL)
CONFLICT = "A rule or the contest's state forbids this (names the clause)"
CODE = validate.Length(min=1, max=10)


def service() -> ContestService:
    return current_app.extensions["contest.service"]


class BriefingSchema(ma.Schema):
    date = ma.fields.Date(required=True, metadata={"description": "the day the jury received the full information"})
    note = ma.fields.String(load_default="", validate=validate.Length(max=5000),
                            metadata={"description": "what was given, e.g. the documents sent"})


class VisitPlanSchema(ma.Schema):
    date = ma.fields.Date(required=True)
    arrival = ma.fields.String(required=True, validate=validate.Regexp(r"^([01]\d|2[0-3]):[0-5]\d$"),
                               metadata={"description": "the jury's planned arrival, HH:MM local time (Europe/Riga)"})
    duration_minutes = ma.fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=1440),
                                         metadata={"description": "planned length; at most visit_max_hours (§4.7.7)"})
    mode = ma.fields.String(load_default="on_site", validate=validate.OneOf(["on_site", "remote"]))
    remote_reason = ma.fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000),
                                     metadata={"description": "required for a remote visit (§4.7.1)"})


class RescheduleSchema(VisitPlanSchema):
    reason = ma.fields.String(required=True, validate=validate.Length(min=1, max=2000))


class PersonSchema(ma.Schema):
    name = ma.fields.String(required=True, validate=validate.Length(min=1, max=200))
    email = ma.fields.Email(required=True, validate=validate.Length(max=254))


class NoticeSchema(ma.Schema):
    notice_date = ma.fields.Date(required=True, metadata={"description": "the day the notice was given"})
    municipality_email = ma.fields.Email(required=True, validate=validate.Length(max=254))
    mayor = ma.fields.Nested(PersonSchema, required=True)
    contact = ma.fields.Nested(PersonSchema, required=True)


class NoticeTextSchema(ma.Schema):
    lv = ma.fields.String()
    en = ma.fields.String()
    recipients = ma.fields.Dict(metadata={"description": "who would be told, per role (municipality, mayor, "
                                                         "contact): the name and the address masked (v***@example.lv)"})


class AttendanceSchema(ma.Schema):
    present = ma.fields.Dict(keys=ma.fields.String(validate=validate.Length(min=1, max=40)),
                             values=ma.fields.String(allow_none=True, validate=validate.Length(min=1, max=120)),
                             required=True, validate=validate.Length(min=1, max=50),
                             metadata={"description": "seat -> 'member' or the substitute's name (§4.7.3, D1)"})


class VisitOutSchema(ma.Schema):
    municipality = ma.fields.String()
    name = ma.fields.String()
    plan = ma.fields.Dict()
    reschedules = ma.fields.List(ma.fields.Dict())
    notice = ma.fields.Dict(metadata={"description": "whether the visit has a valid notice now, and why (§4.7.2)"})
    notices = ma.fields.List(ma.fields.Dict(), metadata={
        "description": "the notices recorded (§4.7.2), each with its texts and its recipients per role: the name and "
                       "the address masked (v***@example.lv), never the address"})
    attendance = ma.fields.Dict(allow_none=True)
    attendance_recorded_at = ma.fields.String(allow_none=True)


class ScorecardSchema(ma.Schema):
    scores = ma.fields.Dict(keys=ma.fields.String(validate=CODE), values=ma.fields.Integer(strict=True),
                            required=True, validate=validate.Length(min=1, max=20),
                            metadata={"description": "finalist -> 1..5 (§4.7.8)"})
    justifications = ma.fields.Dict(keys=ma.fields.String(validate=CODE),
                                    values=ma.fields.String(validate=validate.Length(max=5000)), required=True,
                                    validate=validate.Length(max=20),
                                    metadata={"description": "finalist -> why (each score, §4.7.8)"})
    theme_points = ma.fields.Dict(keys=ma.fields.String(validate=CODE), values=ma.fields.Integer(strict=True),
                                  required=True, validate=validate.Length(min=1, max=20),
                                  metadata={"description": "finalist -> 2, 1 (once each) or 0 (§4.7.11)"})
    cast_by = ma.fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=120),
                               metadata={"description": "'member' (default) or the substitute's name (D1)"})


class ScorecardOutSchema(ma.Schema):
    seat = ma.fields.String()
    scores = ma.fields.Dict()
    justifications = ma.fields.Dict()
    theme_points = ma.fields.Dict()
    cast_by = ma.fields.String()
    submissions = ma.fields.Integer(metadata={"description": "how many times the seat has submitted (last counts)"})


class Round3StatusSchema(ma.Schema):
    year = ma.fields.Integer()
    stage = ma.fields.String()
    position = ma.fields.Integer()
    finalists = ma.fields.List(ma.fields.String())
    briefing = ma.fields.Dict(allow_none=True)
    visits = ma.fields.List(ma.fields.Dict())
    scorecards = ma.fields.Dict()
    missing_scorecards = ma.fields.List(ma.fields.String())
    blocked = ma.fields.Boolean()
    blockers = ma.fields.List(ma.fields.Dict(), metadata={"description": "what keeps round 3 from closing"})
    assessment = ma.fields.Dict()
    closed = ma.fields.Boolean()


class NominationSchema(ma.Schema):
    supporter = ma.fields.String(required=True, validate=validate.Length(min=1, max=300))
    nomination = ma.fields.String(required=True, validate=validate.Length(min=1, max=300))
    amount_eur = ma.fields.Integer(required=True, strict=True, validate=validate.Range(min=0, max=10_000_000))
    municipality = ma.fields.String(required=True, validate=CODE)
    note = ma.fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000))


class NominationOutSchema(ma.Schema):
    id = ma.fields.String()
    supporter = ma.fields.String()
    nomination = ma.fields.String()
    amount_eur = ma.fields.Integer()
    municipality = ma.fields.String()
    name = ma.fields.String()
    note = ma.fields.String(allow_none=True)
    recorded_at = ma.fields.String(allow_none=True)


class ApprovalSchema(ma.Schema):
    decision_number = ma.fields.String(required=True, validate=validate.Length(min=1, max=200),
                                       metadata={"description": "the council's decision, e.g. 'Protokols Nr. 12, 3.1'"})
    decision_date = ma.fields.Date(required=True)


class ResultSchema(ma.Schema):
    year = ma.fields.Integer()
    title = ma.fields.String()
    theme = ma.fields.Dict()
    stage = ma.fields.String()
    status = ma.fields.String(metadata={"description": "awaiting_approval, or approved (§7.4)"})
    approved = ma.fields.Boolean()
    approval = ma.fields.Dict(allow_none=True)
    closed_at = ma.fields.String()
    included_through = ma.fields.Integer()
    digest = ma.fields.String(metadata={"description": "audit digest of the history round 3's result counted"})
    winner = ma.fields.Dict(allow_none=True)
    theme_winner = ma.fields.Dict(allow_none=True)
    prizes = ma.fields.Dict()
    round3 = ma.fields.Dict()
    round2 = ma.fields.Dict()
    round1 = ma.fields.Dict()


def _scorecard_out(card: Any) -> dict[str, Any]:
    return {"seat": card.seat, "scores": card.scores, "justifications": card.justifications,
            "theme_points": card.theme_points, "cast_by": card.cast_by, "submissions": card.submissions}


def _visit_out(year: int, code: str) -> dict[str, Any]:
    return service().round3.visit(year, code)


@blp.route("/<int:year>/round3")
class Round3Status(MethodView):
    @require(*INSIDERS)
    @blp.response(200, Round3StatusSchema)
    def get(self, year: int) -> dict[str, Any]:
        """Round 3 as it stands: briefing, visits, scorecards, what blocks closing, the provisional result"""
        return service().round3.status(year)


@blp.route("/<int:year>/round3/briefing")
class Briefing(MethodView):
    @require(SECRETARIAT)
    @blp.arguments(BriefingSchema)
    @blp.response(201, Round3StatusSchema)
    @blp.alt_response(409, description=CONFLICT)
    def post(self, body: dict[str, Any], year: int) -> dict[str, Any]:
        """Record that the jury received the full information on the finalists (§4.6.8): visits are dated at
        least `briefing_days` after it"""
        service().round3.brief(year, body["date"], note=body["note"], actor=current_actor())
        return service().round3.status(year)


@blp.route("/<int:year>/visits")
class Visits(MethodView):
    @require(*INSIDERS)
    @blp.response(200, VisitOutSchema(many=True))
    def get(self, year: int) -> list[dict[str, Any]]:
        """Every planned visit with its notices and attendance (§4.7.1-§4.7.3)"""
        return service().round3.visits(year)


@blp.route("/<int:year>/visits/<municipality:code>")
class VisitView(MethodView):
    @require(*INSIDERS, MUNICIPALITY)
    @blp.response(200, VisitOutSchema)
    def get(self, year: int, code: str) -> dict[str, Any]:
        """One finalist's visit (a municipality sees its own)"""
        actor = current_actor()
        if actor.role == MUNICIPALITY and actor.municipality != code:
            raise PermissionError(f"this token belongs to {actor.municipality}, not {code}")
        return _visit_out(year, code)

    @require(SECRETARIAT)
    @blp.arguments(VisitPlanSchema)
    @blp.response(201, VisitOutSchema)
    @blp.alt_response(409, description=CONFLICT)
    def post(self, body: dict[str, Any], year: int, code: str) -> dict[str, Any]:
        """Plan the visit to a finalist (§4.7.1, §4.7.7): date, arrival time, length, on site or remote"""
        service().round3.schedule_visit(year, code, body, actor=current_actor())
        return _visit_out(year, code)


@blp.route("/<int:year>/visits/<municipality:code>/reschedule")
class Reschedule(MethodView):
    @require(SECRETARIAT)
    @blp.arguments(RescheduleSchema)
    @blp.response(200, VisitOutSchema)
    @blp.alt_response(409, description=CONFLICT)
    def post(self, body: dict[str, Any], year: int, code: str) -> dict[str, Any]:
        """Move a visit (an event, with a reason); a new date or time needs a new notice (§4.7.2)"""
        reason = body.pop("reason")
        service().round3.reschedule_visit(year, code, body, reason=reason, actor=current_actor())
        return _visit_out(year, code)


@blp.route("/<int:year>/visits/<municipality:code>/notice")
class Notice(MethodView):
    @require(SECRETARIAT)
    @blp.arguments(NoticeSchema)
    @blp.response(201, VisitOutSchema)
    @blp.alt_response(409, description="Fewer than notice_working_days working days before the visit (§4.7.2)")
    def post(self, body: dict[str, Any], year: int, code: str) -> dict[str, Any]:
        """Record that the finalist, its mayor and contact person were told (§4.7.2); the text (LV, EN) is
        written by the service and stored with the notice. The addresses are kept sealed beside the history, which
        names each recipient by name and a keyed hash; the answer shows them masked"""
        notice_date = body.pop("notice_date")
        service().round3.record_notice(year, code, notice_date, body, actor=current_actor())
        return _visit_out(year, code)


@blp.route("/<int:year>/visits/<municipality:code>/notice/preview")
class NoticePreview(MethodView):
    @require(SECRETARIAT)
    @blp.arguments(NoticeSchema)
    @blp.response(200, NoticeTextSchema)
    @blp.alt_response(409, description=CONFLICT)
    def post(self, body: dict[str, Any], year: int, code: str) -> dict[str, Any]:
        """The notice's text in Latvian and English, as it would be recorded (§4.7.2), and who would be told (the
        addresses masked); records nothing"""
        notice_date = body.pop("notice_date")
        return service().round3.preview_notice(year, code, notice_date, body)


@blp.route("/<int:year>/visits/<municipality:code>/attendance")
class Attendance(MethodView):
    @require(SECRETARIAT)
    @blp.arguments(AttendanceSchema)
    @blp.response(200, VisitOutSchema)
    @blp.alt_response(409, description="No valid notice (§4.7.2) or the visit has not taken place (§4.7.3)")
    def put(self, body: dict[str, Any], year: int, code: str) -> dict[str, Any]:
        """Record which seats were present, by member or named substitute (§4.7.3); replaces a previous record"""
        service().round3.record_attendance(year, code, body["present"], actor=current_actor())
        return _visit_out(year, code)


@blp.route("/<int:year>/scores/<string:seat>")
class ScorecardView(MethodView):
    @require(JUROR)
    @blp.arguments(ScorecardSchema)
    @blp.response(200, ScorecardOutSchema)
    @blp.alt_response(409, description="A scoring rule is broken (§4.7.8, §4.7.11) or round 3 is not open")
    def put(self, body: dict[str, Any], year: int, seat: str) -> dict[str, Any]:
        """Submit or replace the seat's scores: 1-5 with a justification for each finalist (§4.7.8), theme points
        2 and 1 to two finalists, 0 to the rest (§4.7.11); the last submission counts"""
        card = service().round3.submit_scores(year, seat, body["scores"], body["justifications"],
                                              body["theme_points"], cast_by=body["cast_by"], actor=current_actor())
        return _scorecard_out(card)


@blp.route("/<int:year>/round3/close")
class CloseRound3(MethodView):
    @require(SECRETARIAT)
    @blp.response(200, ResultSchema)
    @blp.alt_response(409, description="Something blocks: a visit (§4.7.2, §4.7.3), scores (§3.2.3) or a tie "
                                       "needing a jury decision (D12, D13); each blocker is listed")
    def post(self, year: int) -> dict[str, Any]:
        """Close round 3: record the winner, the theme-prize winner, the full table and the audit digest"""
        return final_report(service().round3.close(year, actor=current_actor()))


@blp.route("/<int:year>/supporter-nominations")
class Nominations(MethodView):
    @blp.response(200, NominationOutSchema(many=True))
    def get(self, year: int) -> list[dict[str, Any]]:
        """Supporters' nominations and prizes (§7.3)"""
        contest = service().contest(year)
        return [nomination_out(contest, n) for n in contest.supporter_nominations]

    @require(SECRETARIAT)
    @blp.arguments(NominationSchema)
    @blp.response(201, NominationOutSchema)
    @blp.alt_response(409, description="The contest is sealed (D14)")
    def post(self, body: dict[str, Any], year: int) -> dict[str, Any]:
        """Record a supporter's nomination and prize for a municipality (§7.3), before the approval"""
        return service().round3.nominate(year, body, actor=current_actor())


@blp.route("/<int:year>/approval")
class Approval(MethodView):
    @require(COUNCIL)
    @blp.arguments(ApprovalSchema)
    @blp.response(200, ResultSchema)
    @blp.alt_response(409, description="Round 3 has not closed, or the contest is sealed already (§7.4, D14)")
    def post(self, body: dict[str, Any], year: int) -> dict[str, Any]:
        """The Fund council approves the result by its decision (§7.4); the approval names the digest of the whole
        history up to it, and the contest is sealed (D14)"""
        contest = service().round3.approve(year, decision_number=body["decision_number"],
                                           decision_date=body["decision_date"], actor=current_actor())
        return final_report(contest)


@blp.route("/<int:year>/result")
class Result(MethodView):
    @blp.response(200, ResultSchema)
    @blp.alt_response(409, description="Round 3 has not closed yet (§4.7.9)")
    def get(self, year: int) -> dict[str, Any]:
        """The final result (public once round 3 closes; `approved` once the council has approved it, §7.4)"""
        return service().round3.result(year)


@blp.route("/<int:year>/result.html")
class ResultReport(MethodView):
    @blp.doc(responses={"200": {"description": "A printable HTML report (no external assets)",
                                "content": {"text/html": {"schema": {"type": "string"}}}}})
    @blp.alt_response(409, description="Round 3 has not closed yet (§4.7.9)")
    def get(self, year: int) -> Response:
        """The final result as a printable report (Latvian; ?lang=en English), marked as awaiting the council's
        approval until it is approved; the published report is /rezultati/gala-rezultati (and .pdf)"""
        return Response(render_report(service().round3.result(year)), mimetype="text/html")
