"""Tokens and identity: the secretariat issues and revokes tokens; anyone with a token can ask who it is."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import current_app
from flask.views import MethodView

from api.auth import current_actor, require
from api.parsing import Blueprint
from api.schemas import ReasonQuerySchema, TokenRequestSchema, TokenSchema, WhoAmISchema
from contest.access_list import issued_tokens
from domain.actors import SECRETARIAT, TOKEN_ROLES

blp = Blueprint("access", __name__, url_prefix="/api", description="Roles and bearer tokens")


class IssuedTokenSchema(ma.Schema):
    token_id = ma.fields.String()
    role = ma.fields.String()
    principal = ma.fields.String()
    seat = ma.fields.String(allow_none=True)
    municipality = ma.fields.String(allow_none=True)
    contest_year = ma.fields.Integer(allow_none=True)
    issued_at = ma.fields.DateTime()
    issued_by = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.String())
    revoked = ma.fields.Boolean()
    revoked_at = ma.fields.DateTime(allow_none=True)
    revoked_by = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.String(), allow_none=True)
    reason = ma.fields.String(allow_none=True, metadata={"description": "why it was revoked"})


@blp.route("/tokens")
class Tokens(MethodView):
    @require(SECRETARIAT)
    @blp.response(200, IssuedTokenSchema(many=True))
    def get(self) -> list[dict[str, Any]]:
        """Every token issued, the newest first, and whether it is revoked (never the token or its hash)"""
        return issued_tokens(current_app.extensions["contest.service"])

    @require(SECRETARIAT)
    @blp.arguments(TokenRequestSchema)
    @blp.response(201, TokenSchema)
    def post(self, body: dict[str, Any]) -> dict[str, Any]:
        """Issue a token for a role (juror: one seat; municipality: one municipality); shown once"""
        svc = current_app.extensions["contest.service"]
        token, cred = svc.issue_token(body["role"], actor=current_actor(), name=body["name"], seat=body["seat"],
                                      municipality=body["municipality"], year=body["year"])
        return {"token": token, "token_id": cred.token_id, "role": cred.role, "principal": cred.principal,
                "seat": cred.seat, "municipality": cred.municipality, "contest_year": cred.contest_year}


@blp.route("/tokens/<string:token_id>")
class TokenView(MethodView):
    @require(SECRETARIAT)
    @blp.arguments(ReasonQuerySchema, location="query")
    @blp.response(204)
    def delete(self, query: dict[str, Any], token_id: str) -> None:
        """Revoke a token (an event with the reason)"""
        current_app.extensions["contest.service"].revoke_token(token_id, reason=query["reason"],
                                                               actor=current_actor())


@blp.route("/me")
class WhoAmI(MethodView):
    @require(*TOKEN_ROLES)
    @blp.response(200, WhoAmISchema)
    def get(self) -> dict[str, Any]:
        """The role and principal a token stands for"""
        a = current_actor()
        return {"role": a.role, "principal": a.principal, "seat": a.seat, "municipality": a.municipality}

