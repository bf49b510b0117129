"""Tokens and identity: the secretariat issues and revokes tokens; anyone with a token can ask who it is."""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask.views import MethodView

from api.auth import current_actor, require
from api.parsing import Blueprint
from api.schemas import ReasonQuerySchema, TokenRequestSchema, TokenSchema, WhoAmISchema
from domain.actors import SECRETARIAT, TOKEN_ROLES

blp = Blueprint("access", __name__, url_prefix="/api", description="Roles and bearer tokens")


@blp.route("/tokens")
class Tokens(MethodView):
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

