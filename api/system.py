"""Health, the API docs (Swagger UI served from the installed swagger-ui-bundle, no CDN) and the home page."""

from __future__ import annotations

from typing import Any

from eventsourcing.persistence import PersistenceError
from flask import Blueprint as FlaskBlueprint
from flask import current_app, redirect, send_from_directory
from flask.views import MethodView
from swagger_ui_bundle import swagger_ui_path
from werkzeug.wrappers import Response

from api.errors import error_response
from api.parsing import Blueprint
from api.schemas import HealthSchema

blp = Blueprint("system", __name__, description="Service health")
assets = FlaskBlueprint("swagger_assets", __name__)


@blp.route("/health")
class Health(MethodView):
    @blp.response(200, HealthSchema)
    @blp.alt_response(503, description="The event store does not answer")
    def get(self) -> Any:
        """The store answers; the last position; how far this worker's read models and the persisted snapshot
        lag behind it (in positions)"""
        svc = current_app.extensions["contest.service"]
        try:
            head = svc.event_count()
            snapshot = svc.readmodels.snapshots.position() if svc.readmodels.snapshots else 0
        except PersistenceError as e:
            return error_response(503, "Service Unavailable", f"the event store does not answer ({type(e).__name__})",
                                  headers={"Retry-After": "2"})
        return {"status": "ok", "store": svc.store_kind, "events": head,
                "projections": {"position": svc.readmodels.position, "lag": max(0, head - svc.readmodels.position),
                                "snapshot_position": snapshot, "snapshot_lag": max(0, head - snapshot)}}


@assets.route("/static/swagger-ui/<path:filename>")
def swagger_asset(filename: str) -> Response:
    return send_from_directory(str(swagger_ui_path), filename, max_age=86400)


@assets.route("/")
def home() -> Response:
    return redirect("/docs")
