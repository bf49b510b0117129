"""What the secretariat's pages beside the desk share (api/desk_round3.py, api/desk_decisions.py,
api/audit_log.py): a blueprint with the pages' plumbing (CSRF on every form, the security headers, the error
pages) and the desk's session (api/desk.py desk_actor, api/staff_login.py): without it the desk's sign-in, and a
form sent after the session ended is refused with 401 and stores nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, render_template, request
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException

from api import page_support as ps
from api import staff_login
from api.desk import desk_actor
from domain.actors import Actor
from domain.errors import NotFound


def blueprint(name: str) -> Blueprint:
    blp = Blueprint(name, __name__, url_prefix="/sekretariats", template_folder="templates")
    blp.before_request(ps.csrf_on_every_form)
    blp.after_request(ps.after)
    blp.register_error_handler(NotFound, ps.not_found)
    blp.register_error_handler(HTTPException, ps.http_error)
    blp.record_once(lambda state: None if staff_login.THROTTLE in state.app.extensions
                    else staff_login.init_app(state.app))  # the failed sign-ins' throttle, shared with the desk
    return blp


def signed_in(view: Callable[..., Any]) -> Callable[..., Any]:
    """A page for the secretariat's live session only: `view(actor, **url values)`."""
    def page(**values: Any) -> Any:
        actor = desk_actor()
        if actor is None:
            posted = request.method == "POST"
            error = _("Please log in again: the session has ended.") if posted else None
            return render_template("pages/desk_login.html", contest=ps.current_contest(), error=error), (
                401 if posted else 200)
        return view(actor, **values)

    page.__name__ = view.__name__
    page.__doc__ = view.__doc__
    return page


__all__ = ["Actor", "blueprint", "signed_in"]
