"""Round 1 over HTTP (§4.2-4.5): the questionnaire, submissions, imports, requests for information, results."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import current_app
from flask.views import MethodView
from flask_smorest import abort
from marshmallow import validate

from api.auth import current_actor, request_actor, require
from api.errors import error_response
from api.parsing import Blueprint
from api.schemas import REASON, AsOfSchema
from contest.service import ContestService
from domain.actors import ANONYMOUS, AUDITOR, JUROR, MUNICIPALITY, SECRETARIAT, Actor
from domain.errors import RuleViolation
from domain.provisional import FULL, OWN_ANSWERS, REFUSED, own_answers, round1_results_access

blp = Blueprint("round1", __name__, url_prefix="/api/contests",
                description="Round 1 (§4.2-4.5): questionnaire, submissions, scoring, the cut to round 2")

def service() -> ContestService:
    return current_app.extensions["contest.service"]


class AnswersSchema(ma.Schema):
    answers = ma.fields.Dict(keys=ma.fields.String(validate=validate.Length(min=1, max=64)),
                             values=ma.fields.Raw(allow_none=True), required=True,
                             validate=validate.Length(min=1, max=1000),
                             metadata={"description": "question id -> value (number, option id or text); "
                                                      "null clears an answer"})


class SubmissionSchema(ma.Schema):
    municipality = ma.fields.String()
    answers = ma.fields.Dict()
    saves = ma.fields.Integer()
    last_saved_at = ma.fields.DateTime(allow_none=True)
    requests = ma.fields.List(ma.fields.Dict())


class SubmissionSummarySchema(ma.Schema):
    municipality = ma.fields.String()
    name = ma.fields.String()
    answered = ma.fields.Integer()
    saves = ma.fields.Integer()
    imported_saves = ma.fields.Integer()
    last_saved_at = ma.fields.DateTime(allow_none=True)
    requests = ma.fields.Integer()
    open_requests = ma.fields.List(ma.fields.String())


class ImportFileSchema(ma.Schema):
    file = ma.fields.Raw(required=True, metadata={"type": "string", "format": "binary",
                                                  "description": "CSV (UTF-8, , or ;) or XLSX: a `municipality` "
                                                                 "column, then one column per question id"})


class ImportResultSchema(ma.Schema):
    municipalities = ma.fields.Integer()
    answers = ma.fields.Integer()


class RequestSchema(ma.Schema):
    id = ma.fields.String(required=True, validate=validate.Regexp(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$"))
    text = ma.fields.String(required=True, validate=validate.Length(min=1, max=5000))


class ReplySchema(ma.Schema):
    text = ma.fields.String(required=True, validate=validate.Length(min=1, max=20000))


class QuestionnaireChangeSchema(ma.Schema):
    questionnaire = ma.fields.Dict(required=True)
    reason = REASON


class ScoringChangeSchema(ma.Schema):
    scoring = ma.fields.Dict(required=True)
    reason = REASON


class QuestionnaireSchema(ma.Schema):
    id = ma.fields.String()
    version = ma.fields.String()
    title_lv = ma.fields.String()
    title_en = ma.fields.String()
    sections = ma.fields.List(ma.fields.Dict())
    questions = ma.fields.List(ma.fields.Dict())


class ScoringParamsSchema(ma.Schema):
    ladder = ma.fields.List(ma.fields.Float(), metadata={"description": "points for places 1, 2, 3 (Annex)"})
    above_median_points = ma.fields.Float()
    median_rule = ma.fields.String(metadata={"description": "D4"})
    cut_size = ma.fields.Integer(metadata={"description": "§4.5, D7"})
    section_weights = ma.fields.Dict()
    block_weights = ma.fields.Dict()
    tie_break = ma.fields.String(metadata={"description": "D7"})


class ResultsSchema(ma.Schema):
    year = ma.fields.Integer()
    final = ma.fields.Boolean(metadata={"description": "false while round 1 is open (provisional)"})
    included_through = ma.fields.Integer(allow_none=True)
    advancing = ma.fields.List(ma.fields.String())
    cut = ma.fields.Dict()
    ranking = ma.fields.List(ma.fields.Dict())
    confirmed_empty = ma.fields.Boolean(metadata={
        "description": "round 1 was closed with no submissions at all, as the secretariat confirmed (§4.2, §4.5)"})


class CloseRound1Schema(ma.Schema):
    confirm_empty = ma.fields.Boolean(load_default=False, metadata={
        "description": "close even though no municipality has submitted any answer (§4.2, §4.5); needs a reason"})
    reason = ma.fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000),
                              metadata={"description": "why (required with confirm_empty; recorded in the event)"})


class ExplanationSchema(ma.Schema):
    year = ma.fields.Integer()
    final = ma.fields.Boolean()
    municipality = ma.fields.String()
    explanation = ma.fields.Dict()


def _require_own_municipality(actor: Actor, code: str) -> None:
    if actor.role == MUNICIPALITY and actor.municipality != code:
        raise PermissionError(f"this token acts for {actor.municipality}, not {code}")


@blp.route("/<int:year>/questionnaire")
class QuestionnaireView(MethodView):
    @blp.response(200, QuestionnaireSchema)
    def get(self, year: int) -> Any:
        """The questionnaire (Annex): sections, measures, questions, kinds, blocks, options, weights"""
        contest = service().contest(year)
        if contest.questionnaire is None:
            return error_response(404, "Not Found", "this contest has no questionnaire yet")
        return contest.questionnaire.to_dict()

    @require(SECRETARIAT)
    @blp.arguments(QuestionnaireChangeSchema)
    @blp.response(200, ma.Schema.from_dict({"id": ma.fields.String(), "version": ma.fields.String(),
                                            "questions": ma.fields.Integer()}, name="QuestionnaireLoaded"))
    @blp.alt_response(409, description="Round 1 has started")
    def put(self, body: dict[str, Any], year: int) -> dict[str, Any]:
        """Load a questionnaire version (validated; each error names the question); before round 1"""
        contest = service().configure(year, "questionnaire", body["questionnaire"], reason=body["reason"],
                                      actor=current_actor())
        q = contest.questionnaire
        return {"id": q.id, "version": q.version, "questions": len(q.questions)}


@blp.route("/<int:year>/scoring")
class ScoringView(MethodView):
    @blp.response(200, ScoringParamsSchema)
    def get(self, year: int) -> dict[str, Any]:
        """The scoring parameters of D2-D7 the results are computed with"""
        return service().contest(year).scoring_params.to_dict()

    @require(SECRETARIAT)
    @blp.arguments(ScoringChangeSchema)
    @blp.response(200, ScoringParamsSchema)
    @blp.alt_response(409, description="Round 1 has started")
    def put(self, body: dict[str, Any], year: int) -> dict[str, Any]:
        """Change the scoring parameters (ladder, median rule, weights); before round 1"""
        contest = service().configure(year, "scoring", body["scoring"], reason=body["reason"],
                                      actor=current_actor())
        return contest.scoring_params.to_dict()


@blp.route("/<int:year>/submissions")
class Submissions(MethodView):
    @require(SECRETARIAT, AUDITOR)
    @blp.response(200, SubmissionSummarySchema(many=True))
    def get(self, year: int) -> list[dict[str, Any]]:
        """Every participant's submission: answers given, saves, open requests"""
        return service().round1.submissions(year)


@blp.route("/<int:year>/submissions/<municipality:code>")
class SubmissionView(MethodView):
    @require(SECRETARIAT, AUDITOR, JUROR, MUNICIPALITY)
    @blp.response(200, SubmissionSchema)
    def get(self, year: int, code: str) -> dict[str, Any]:
        """A municipality's current answers and the information requests (its own, for a municipality)"""
        _require_own_municipality(current_actor(), code)
        return service().round1.submission(year, code)

    @require(MUNICIPALITY)
    @blp.arguments(AnswersSchema)
    @blp.response(200, SubmissionSchema)
    @blp.alt_response(409, description="Round 1 is not open (§4.2)")
    def patch(self, body: dict[str, Any], year: int, code: str) -> dict[str, Any]:
        """Save some answers (in parts, as often as needed) while round 1 is open; errors per question id"""
        _require_own_municipality(current_actor(), code)
        service().round1.save_answers(year, code, body["answers"], actor=current_actor())
        return service().round1.submission(year, code)


@blp.route("/<int:year>/submissions/import")
class ImportView(MethodView):
    @require(SECRETARIAT)
    @blp.arguments(ImportFileSchema, location="files")
    @blp.response(201, ImportResultSchema)
    @blp.alt_response(409, description="Round 1 is not open (§4.2)")
    def post(self, files: dict[str, Any], year: int) -> dict[str, Any]:
        """Import answers for many municipalities from CSV or XLSX: all or nothing, every bad cell reported"""
        upload = files["file"]
        data = upload.read()
        return service().round1.import_table(year, data, upload.filename or "upload.csv", actor=current_actor())


@blp.route("/<int:year>/submissions/<municipality:code>/requests")
class Requests(MethodView):
    @require(SECRETARIAT)
    @blp.arguments(RequestSchema)
    @blp.response(201, SubmissionSchema)
    def post(self, body: dict[str, Any], year: int, code: str) -> dict[str, Any]:
        """Ask a municipality for more information (§4.4, §4.6.2)"""
        service().round1.request_information(year, code, body["id"], body["text"], actor=current_actor())
        return service().round1.submission(year, code)


@blp.route("/<int:year>/submissions/<municipality:code>/requests/<string:request_id>/replies")
class Replies(MethodView):
    @require(MUNICIPALITY)
    @blp.arguments(ReplySchema)
    @blp.response(201, SubmissionSchema)
    def post(self, body: dict[str, Any], year: int, code: str, request_id: str) -> dict[str, Any]:
        """The municipality answers a request for information (§4.4)"""
        _require_own_municipality(current_actor(), code)
        service().round1.reply(year, code, request_id, body["text"], actor=current_actor())
        return service().round1.submission(year, code)


def _visible(year: int, code: str | None = None, as_of: str | None = None) -> tuple[Any, Any, bool, str]:
    """Final results are public. Provisional ones (round 1 open) are the secretariat's, and a municipality sees
    of its own explanation its answers (D18, decided by domain.provisional). The last item: what the reader sees."""
    contest, result, final = service().round1.results(year, service().history.state(as_of))
    if final:
        return contest, result, final, FULL
    return contest, result, final, _require_provisional_reader(code)


def _require_provisional_reader(code: str | None = None) -> str:
    """What this request's reader sees of the provisional results (D18): ``full`` or ``own_answers``; else
    401 (a bad token), 409 (the public: published when round 1 closes, §4.5) or 403 (the other roles)."""
    actor = request_actor()
    if actor is None:
        abort(401, message="the bearer token is unknown, malformed or revoked")
    if actor is ANONYMOUS:
        raise RuleViolation("round 1 is open: its results are provisional and published when it closes",
                            clause="§4.5")
    access = round1_results_access(actor.role, closed=False,
                                   own=code is not None and actor.role == MUNICIPALITY and actor.municipality == code)
    if access == REFUSED:
        raise PermissionError("while round 1 is open, scores, places and medians are the secretariat's; a "
                              "municipality sees its own answers (D18)")
    return access


def results_body(year: int, as_of: str | None = None) -> dict[str, Any]:
    """The ranking and the cut. Once round 1 has closed, as its close recorded them (Contest.Round1Closed: the
    final result, §4.5), never scored again; while it is open, scored on the answers so far (provisional)."""
    state = service().history.state(as_of)
    closed = state.contest(year).round1
    if closed is not None:
        advancing = set(closed["advancing"])
        return {"year": year, "final": True, "included_through": closed["included_through"],
                "advancing": list(closed["advancing"]), "cut": closed["cut"],
                "ranking": [{**row, "advances": row["municipality"] in advancing} for row in closed["ranking"]],
                "confirmed_empty": closed.get("confirmed_empty", False)}
    _contest, result, final = service().round1.results(year, state)
    _require_provisional_reader()
    data = result.to_dict(explanations=False)
    return {"year": year, "final": final, "included_through": None, "advancing": data["advancing"],
            "cut": data.get("cut", {}), "ranking": data["ranking"], "confirmed_empty": False}


@blp.route("/<int:year>/round1/results")
class Results(MethodView):
    @blp.arguments(AsOfSchema, location="query")
    @blp.response(200, ResultsSchema)
    def get(self, query: dict[str, Any], year: int) -> dict[str, Any]:
        """The round-1 ranking: place, overall score, the three block indices, EUR totals (§4.2, D6, D7)"""
        return results_body(year, query["as_of"])


def explanation_body(year: int, code: str, as_of: str | None = None) -> dict[str, Any]:
    service().contest(year).municipality(code)
    _, result, final, access = _visible(year, code, as_of)
    explanation = result.explanation(code)
    if access == OWN_ANSWERS:  # D18: the municipality's own answers, nothing that depends on the others'
        explanation = own_answers(explanation)
    return {"year": year, "final": final, "municipality": code, "explanation": explanation}


@blp.route("/<int:year>/round1/results/<municipality:code>")
class Explanation(MethodView):
    @blp.arguments(AsOfSchema, location="query")
    @blp.response(200, ExplanationSchema)
    def get(self, query: dict[str, Any], year: int, code: str) -> dict[str, Any]:
        """How one municipality's score was computed, down to each question: value, place, points, weight. While
        round 1 is open: the secretariat's; a municipality reads of its own only its answers (D18)"""
        return explanation_body(year, code, query["as_of"])


@blp.route("/<int:year>/round1/close")
class CloseRound1(MethodView):
    @require(SECRETARIAT)
    @blp.arguments(CloseRound1Schema)
    @blp.response(200, ResultsSchema)
    @blp.alt_response(409, description="Round 1 is not open, or no municipality has submitted anything and the "
                                       "close is not confirmed (§4.2, §4.5): the blockers of "
                                       "GET /api/contests/<year>/transitions")
    def post(self, body: dict[str, Any], year: int) -> dict[str, Any]:
        """Close round 1 (§4.5, D7): record the final ranking and the advancing municipalities; open round 2. With
        no submissions at all, only with `confirm_empty` and a `reason` (§4.2, §4.5), both recorded"""
        service().round1.close(year, actor=current_actor(), confirm_empty=body["confirm_empty"],
                               reason=body["reason"])
        return results_body(year)
