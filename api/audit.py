"""The auditors' view: the whole history as canonical JSON Lines with its hash chain (docs/AUDIT.md)."""

from __future__ import annotations

from collections.abc import Iterator

import marshmallow as ma
from flask import Response, current_app, stream_with_context
from flask.views import MethodView
from marshmallow import validate

from api.auth import require
from api.parsing import Blueprint
from contest.audit import export_lines
from domain.actors import AUDITOR

blp = Blueprint("audit", __name__, url_prefix="/api/audit", description="History export for auditors")


class ExportQuerySchema(ma.Schema):
    through = ma.fields.Integer(load_default=None, validate=validate.Range(min=0),
                                metadata={"description": "stop at this position"})


class DigestSchema(ma.Schema):
    position = ma.fields.Integer()
    digest = ma.fields.String()


@blp.route("/export")
class Export(MethodView):
    @require(AUDITOR)
    @blp.arguments(ExportQuerySchema, location="query")
    @blp.response(200, content_type="application/x-ndjson",
                  description="One canonical JSON record per event, in global order, each with its chain hash")
    def get(self, query: dict) -> Response:
        """Stream the whole history (JSON Lines)"""
        store = current_app.extensions["contest.service"].store

        def generate() -> Iterator[str]:
            for line in export_lines(store, stop=query["through"]):
                yield line + "\n"

        return Response(stream_with_context(generate()), mimetype="application/x-ndjson",
                        headers={"Content-Disposition": 'attachment; filename="contest-history.jsonl"'})


@blp.route("/digest")
class Digest(MethodView):
    @require(AUDITOR)
    @blp.response(200, DigestSchema)
    def get(self) -> dict:
        """The digest of the history up to now (what a closing or the approval would record)"""
        svc = current_app.extensions["contest.service"]
        position = svc.event_count()
        return {"position": position, "digest": svc.audit.digest_through(position)}
