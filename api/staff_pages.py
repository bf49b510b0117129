"""What the staff pages opened with a token share (the council's page api/council.py, the progress page
api/overview.py): the sign-in form (pages/staff_login.html) and its refusal in the reader's language, as the
secretariat's desk (api/desk.py) words its own. The session itself is api/staff_login.py's."""

from __future__ import annotations

import math
from typing import Any

from flask import render_template
from flask_babel import gettext as _
from flask_babel import ngettext

from api import page_support as ps
from api.staff_login import Attempt


def sign_in_page(page: dict[str, str], error: str | None = None, status: int = 200,
                 headers: dict[str, str] | None = None) -> tuple[str, int, dict[str, str]]:
    """The sign-in form of a staff page: `page` has its "title", "heading", "intro" and the form's "action"."""
    return (render_template("pages/staff_login.html", contest=ps.current_contest(), page=page, error=error),
            status, headers or {})


def refusal(attempt: Attempt, wrong_role: str) -> tuple[str, int, dict[str, str]]:
    """A refused sign-in (staff_login.Attempt.refusal) as (message, status, headers): 429 with Retry-After when
    throttled, else 401; `wrong_role` is the page's own words for a valid token of another role."""
    if attempt.refusal == "throttled":
        minutes = math.ceil(attempt.wait / 60)
        return (ngettext("Too many failed logins. Please wait %(num)s minute and try again.",
                         "Too many failed logins. Please wait %(num)s minutes and try again.", minutes),
                429, {"Retry-After": str(attempt.wait)})
    if attempt.refusal == "empty":
        return _("Enter the access token."), 401, {}
    if attempt.refusal == "unknown":
        return _("This token is unknown, malformed or revoked."), 401, {}
    return wrong_role, 401, {}


def arrival(hhmm: str) -> str:
    """A planned arrival time ("10:00") as the pages write times: 'plkst. 10.00' in Latvian (LATVIAN.md), '10:00'
    in English."""
    return f"plkst. {hhmm.replace(':', '.')}" if ps.language() == "lv" else hhmm


def session_ended(page: dict[str, str]) -> Any:
    return sign_in_page(page, _("Please log in again: the session has ended."), 401)
