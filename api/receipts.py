"""A resident's own vote by its receipt, over the API (D10): any time, the window open or closed, that vote only
(no tallies: the vote's counts are the secretariat's until the window closes or an interim result is published).
The public board of every receipt (api/round2.py /votes/board) is published once the window closes."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint

from contest.service import ContestService
from domain.code_shape import check_receipt_lookup
from domain.config import instant_str
from domain.errors import InvalidInput, NotFound
from domain.personal_code import normalise_receipt

blp = Blueprint("receipts", __name__, url_prefix="/api/contests",
                description="A resident's own vote by its receipt (D10)")

def service() -> ContestService:
    return current_app.extensions["contest.service"]


OwnVoteSchema = ma.Schema.from_dict({"receipt": ma.fields.String(), "municipality": ma.fields.String(),
                                     "rating": ma.fields.Integer(), "at": ma.fields.String(),
                                     "quarantined": ma.fields.Boolean()}, name="OwnVote")


@blp.route("/<int:year>/votes/receipts/<string:receipt>")
class OwnVote(MethodView):
    @blp.response(200, OwnVoteSchema)
    @blp.alt_response(404, description="No vote has this receipt")
    @blp.alt_response(422, description="Not a receipt (a personal code typed here is refused and not echoed)")
    def get(self, year: int, receipt: str) -> dict[str, Any]:
        """Check your own vote by its receipt, also while the vote is open: the municipality, the rating, when, and
        whether it is in quarantine (kept, not counted, §4.6.7); no other vote and no tally (D10)"""
        check_receipt_lookup(receipt)
        printed = normalise_receipt(receipt)
        if printed is None:
            raise InvalidInput({"receipt": ["a receipt is 12 letters and digits, e.g. 7K3M-Q9XA-B2RT (D10)"]})
        found = service().round2.votes.own_vote(year, printed)
        if found is None:
            raise NotFound("vote with receipt", printed)
        return {"receipt": found.receipt, "municipality": found.municipality, "rating": found.rating,
                "at": instant_str(found.at), "quarantined": found.quarantined}
