"""The residents' vote under the `email` identity level over HTTP (D15): ask for the vote (the link is mailed),
then confirm it with the link's token. The page flow is api/vote_link_pages.py; the application,
contest/vote_requests.py."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import current_app, request
from flask.views import MethodView
from marshmallow import validate

from api.parsing import Blueprint
from api.round2_schemas import ReceiptSchema, VoteSchema
from contest.service import ContestService
from domain.config import instant_str
from domain.identity import ADDRESS_MAX

blp = Blueprint("vote_links", __name__, url_prefix="/api/contests",
                description="The residents' vote confirmed by a one-time link sent by e-mail (identity level "
                            "`email`, D15)")


class VoteRequestSchema(VoteSchema):
    email = ma.fields.String(required=True, validate=validate.Length(min=1, max=ADDRESS_MAX),
                             metadata={"description": "where the one-time link is sent; only a keyed hash is kept"})


class VoteRequestSentSchema(ma.Schema):
    sent_to = ma.fields.String(metadata={"description": "the address the link went to, masked: v***@example.lv"})
    expires_at = ma.fields.String(metadata={"description": "the link is good until then (UTC)"})


class ConfirmationSchema(ma.Schema):
    token = ma.fields.String(required=True, validate=validate.Length(min=1, max=200),
                             metadata={"description": "the token of the link in the mail (its last path segment)"})


def service() -> ContestService:
    return current_app.extensions["contest.service"]


@blp.route("/<int:year>/votes/requests")
class VoteRequests(MethodView):
    @blp.arguments(VoteRequestSchema)
    @blp.response(201, VoteRequestSentSchema)
    @blp.alt_response(409, description="The contest verifies otherwise (D15), the window is closed, this personal "
                                       "code or address has a counted vote already, or links sent are still live")
    @blp.alt_response(503, description="This service cannot send the mail (the settings it names), or the mail "
                                       "server did not take it: nothing is kept")
    def post(self, body: dict[str, Any], year: int) -> dict[str, Any]:
        """Ask to vote under the identity level `email`: the vote is checked, and counts only once the link mailed
        to the address is opened and confirmed (D15)"""
        sent = service().round2.request_vote(
            year, personal_code=body["personal_code"], email=body["email"], municipality=body["municipality"],
            rating=body["rating"], comment=body["comment"], client_address=request.remote_addr)
        return {"sent_to": sent.sent_to, "expires_at": instant_str(sent.expires_at)}


@blp.route("/<int:year>/votes/confirmations")
class VoteConfirmations(MethodView):
    @blp.arguments(ConfirmationSchema)
    @blp.response(201, ReceiptSchema)
    @blp.alt_response(404, description="The link is not known (mistyped, or expired more than a day ago)")
    @blp.alt_response(409, description="The link has expired or has been used, or the vote is refused as POST "
                                       "/votes would refuse it (§4.6.6, D10, D15)")
    def post(self, body: dict[str, Any], year: int) -> dict[str, Any]:
        """Confirm a vote with the token of the link sent by e-mail: the vote is recorded, verified "email" (D15)"""
        vote, _ = service().round2.confirm_vote(body["token"], year)
        return {"receipt": vote.receipt, "municipality": vote.municipality, "rating": vote.rating,
                "at": instant_str(vote.at)}
