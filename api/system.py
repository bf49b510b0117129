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
from contest.replica_lag import replica_lag
from domain.actors import SECRETARIAT

blp = Blueprint("system", __name__, description="Service health")
assets = FlaskBlueprint("swagger_assets", __name__)


@blp.route("/health")
class Health(MethodView):
    @blp.response(200, HealthSchema)
    @blp.alt_response(503, description="The event store does not answer (with a replica: neither store does)")
    def get(self) -> Any:
        """Up or down, nothing more: the public may not follow the history's growth (the vote's turnout while the
        window is open, D10); the figures are the secretariat's, at /health/details. With a read replica
        (CONTEST_READ_STORE): which of the primary and the replica answers, and the replica's lag in bytes and
        seconds; `degraded` (still 200) while one of them does not: reads go on from the replica while the primary
        is down (commands answer 503), so a load balancer keeps the host"""
        svc = current_app.extensions["contest.service"]
        if svc.replica is not None:
            lag = replica_lag(svc.primary, svc.replica)
            return _store_down(None) if lag.status == "down" else lag.public()
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
        models and the persisted snapshot lag behind it (in positions); with a read replica, the replica's lag in
        bytes, seconds and positions with its WAL locations, and which store answers"""
        svc = current_app.extensions["contest.service"]
        if svc.replica is not None:
            return _details_with_replica(svc)
        try:
            head = svc.event_count()
            snapshot = svc.readmodels.snapshots.position() if svc.readmodels.snapshots else 0
        except PersistenceError as e:
            return _store_down(e)
        return {"status": "ok", "store": svc.store_kind, "events": head,
                "projections": _projections(svc, head, snapshot)}


def _projections(svc: Any, head: int, snapshot: int) -> dict[str, int]:
    position = svc.readmodels.position
    return {"position": position, "lag": max(0, head - position), "snapshot_position": snapshot,
            "snapshot_lag": max(0, head - snapshot)}


def _details_with_replica(svc: Any) -> Any:
    lag = replica_lag(svc.primary, svc.replica)
    if lag.status == "down":
        return _store_down(None)
    head = lag.primary_events if lag.primary_events is not None else lag.replica_events
    snapshots = svc.readmodels.snapshots if lag.primary == "ok" else svc.readmodels.replica_snapshots
    try:
        snapshot = snapshots.position() if snapshots else 0
    except PersistenceError as e:
        return _store_down(e)
    return {"status": lag.status, "store": svc.store_kind, "events": head, "primary": lag.primary,
            "replica": lag.details(), "projections": _projections(svc, head or 0, snapshot)}


def _store_down(e: Exception | None) -> Response:
    what = "the event store does not answer" if e is not None else "neither the primary nor the replica answers"
    return error_response(503, "Service Unavailable", f"{what} ({type(e).__name__ if e else 'both down'})",
                          headers={"Retry-After": "2"})


@assets.route("/static/swagger-ui/<path:filename>")
def swagger_asset(filename: str) -> Response:
    return send_from_directory(str(swagger_ui_path), filename, max_age=86400)


@assets.route("/")
def home() -> Response:
    return redirect("/docs")
