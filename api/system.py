"""Health, the API docs (Swagger UI served from the installed swagger-ui-bundle, no CDN) and the home page."""

from __future__ import annotations

from typing import Any

from eventsourcing.persistence import PersistenceError
from flask import Blueprint as FlaskBlueprint
from flask import current_app, redirect, send_from_directory
from flask.views import MethodView
from swagger_ui_bundle import swagger_ui_path
from werkzeug.wrappers import Response

from api.auth import require
from api.errors import error_response
from api.parsing import Blueprint
from api.schemas import HealthDetailsSchema, HealthSchema
from domain.actors import SECRETARIAT

blp = Blueprint("system", __name__, description="Service health")
assets = FlaskBlueprint("swagger_assets", __name__)


@blp.route("/health")
class Health(MethodView):
    @blp.response(200, HealthSchema)
    @blp.alt_response(503, description="The event store does not answer")
    def get(self) -> Any:
        """Up or down, nothing more: the public may not follow the history's growth (the vote's turnout while the
        window is open, D10); the figures are the secretariat's, at /health/details"""
        svc = current_app.extensions["contest.service"]
        try:
            svc.event_count()
        except PersistenceError as e:
            return _store_down(e)
        return {"status": "ok"}


@blp.route("/health/details")
class HealthDetails(MethodView):
    @require(SECRETARIAT)
    @blp.response(200, HealthDetailsSchema)
    @blp.alt_response(503, description="The event store does not answer")
    def get(self) -> Any:
        """For operators (the secretariat's token): the store, the last position, how far this worker's read
        models and the persisted snapshot lag behind it (in positions)"""
        svc = current_app.extensions["contest.service"]
        try:
            head = svc.event_count()
            snapshot = svc.readmodels.snapshots.position() if svc.readmodels.snapshots else 0
        except PersistenceError as e:
            return _store_down(e)
        return {"status": "ok", "store": svc.store_kind, "events": head,
                "projections": {"position": svc.readmodels.position, "lag": max(0, head - svc.readmodels.position),
                                "snapshot_position": snapshot, "snapshot_lag": max(0, head - snapshot)}}


def _store_down(e: Exception) -> Response:
    return error_response(503, "Service Unavailable", f"the event store does not answer ({type(e).__name__})",
                          headers={"Retry-After": "2"})


@assets.route("/static/swagger-ui/<path:filename>")
def swagger_asset(filename: str) -> Response:
    return send_from_directory(str(swagger_ui_path), filename, max_age=86400)


@assets.route("/")
def home() -> Response:
    return redirect("/docs")
