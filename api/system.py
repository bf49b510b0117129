"""Health, the API docs (Swagger UI served from the installed swagger-ui-bundle, no CDN) and the home page."""

from __future__ import annotations

from typing import Any

from flask import Blueprint as FlaskBlueprint
from flask import current_app, redirect, send_from_directory
from flask.views import MethodView
from flask_smorest import Blueprint
from swagger_ui_bundle import swagger_ui_path
from werkzeug.wrappers import Response

from api.schemas import HealthSchema

blp = Blueprint("system", __name__, description="Service health")
assets = FlaskBlueprint("swagger_assets", __name__)


@blp.route("/health")
class Health(MethodView):
    @blp.response(200, HealthSchema)
    def get(self) -> dict[str, Any]:
        """The store answers; how many events it holds"""
        svc = current_app.extensions["contest.service"]
        return {"status": "ok", "store": svc.store_kind, "events": svc.event_count()}


@assets.route("/static/swagger-ui/<path:filename>")
def swagger_asset(filename: str) -> Response:
    return send_from_directory(str(swagger_ui_path), filename, max_age=86400)


@assets.route("/")
def home() -> Response:
    return redirect("/docs")
