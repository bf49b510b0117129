"""What blocks the contest's next transition (§4.1), for the secretariat: the same list the desk shows and the close
commands refuse by (domain.transitions, gathered by contest/transitions.py)."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import current_app
from flask.views import MethodView

from api.auth import require
from api.parsing import Blueprint
from contest.service import ContestService
from contest.transitions import transitions
from domain.actors import SECRETARIAT
from domain.transitions import ACTIONS, TRANSITIONS

blp = Blueprint("transitions", __name__, url_prefix="/api/contests",
                description="The contest's transitions (§4.1): what blocks the next one, and the secretariat's actions")


def service() -> ContestService:
    return current_app.extensions["contest.service"]


class BlockerSchema(ma.Schema):
    transition = ma.fields.String(metadata={"description": f"the transition it blocks: {', '.join(TRANSITIONS)}"})
    code = ma.fields.String(metadata={"description": (
        "what blocks it: questionnaire_missing, no_submissions, window_not_closed, quorum_not_met, tie_open, "
        "briefing_missing, visit_not_planned, notice_invalid, attendance_missing, visit_not_counted, "
        "scores_below_quorum, awaiting_approval (and for a command taken from the wrong stage: wrong_stage, "
        "sealed)")})
    clause = ma.fields.String(metadata={"description": "the clause of the rules (RULES.md), as the refusal names it"})
    params = ma.fields.Dict(metadata={"description": "the facts, per code (e.g. ballots, needed, "
                                                     "seats_without_ballots for quorum_not_met)"})
    confirmable = ma.fields.Boolean(metadata={
        "description": "the step may be taken anyway with a confirmation and a reason (no_submissions: "
                       "POST …/round1/close with confirm_empty and reason)"})
    message = ma.fields.String(metadata={"description": "the blocker in English"})


class TransitionsSchema(ma.Schema):
    year = ma.fields.Integer()
    stage = ma.fields.String()
    next = ma.fields.String(allow_none=True, metadata={"description": "the stage's next transition (none: sealed)"})
    blockers = ma.fields.List(ma.fields.Nested(BlockerSchema), metadata={
        "description": "what keeps the contest from its next transition; empty: it can be taken. The close "
                       "commands refuse (409) exactly these, naming their clauses"})
    actions = ma.fields.List(ma.fields.String(), metadata={
        "description": f"the secretariat's actions now, blocked or not (of {', '.join(ACTIONS)})"})
    window_now = ma.fields.String(metadata={"description": "the vote as a resident finds it now: scheduled, open "
                                                           "or closed (§4.6.6)"})


@blp.route("/<int:year>/transitions")
class Transitions(MethodView):
    @require(SECRETARIAT)
    @blp.response(200, TransitionsSchema)
    def get(self, year: int) -> dict[str, Any]:
        """What blocks the next transition (each blocker with its clause, code and params) and the actions"""
        return transitions(service(), year)
