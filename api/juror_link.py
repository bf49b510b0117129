"""A jury seat's one-time sign-in link (/komisija/saite/<token>, mailed by the outbox: contest/outbox.py).

Opening the link (GET) records nothing: it shows a button, since mail scanners and link previews fetch the links in
mails. The button POSTs (with the form's CSRF token): the link is spent (`Notification.LinkUsed`, once), a session
for the seat opens as the jury's sign-in opens one (api/staff_login.py; it stands on a juror token issued for it,
ContestService.sign_in_with_link) and the jury's pages follow. A used, expired or unknown link says so and what to
do next. The token is never written to a log (api/operations.py's `log_path`).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, session, url_for
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException

from api import page_support as ps
from api import staff_login
from contest.settings_errors import SettingsError
from domain.errors import NotFound
from domain.notification import SignInLinkSpent, UnknownSignInLink

blp = Blueprint("juror_link", __name__, url_prefix="/komisija/saite", template_folder="templates")
blp.before_request(ps.csrf_on_every_form)
blp.after_request(ps.after)
blp.register_error_handler(HTTPException, ps.http_error)


def refusal_page(e: Exception) -> tuple[str, int]:
    if isinstance(e, SignInLinkSpent):
        title = _("This link has expired") if e.expired else _("This link has been used")
        text = _("A sign-in link works once and for three days. Ask the contest's secretariat for a new one, or "
                 "log in with your seat's access token.")
        status = 409
    else:
        title = _("This link is not known")
        text = _("The link may be incomplete: open it from the e-mail again, or ask the contest's secretariat for a "
                 "new one.")
        status = 404
    return render_template("pages/juror_link.html", contest=ps.current_contest(), refusal={"title": title,
                                                                                         "text": text}), status


@blp.route("/<string:token>", methods=["GET"])
def show(token: str) -> Any:
    try:
        year, seat, until = ps.service().notifications.check_sign_in_link(token)
    except (UnknownSignInLink, NotFound, SignInLinkSpent, SettingsError) as e:
        return refusal_page(e)
    organisation = next((s.organisation for s in ps.service().contest(year).jury if s.id == seat), seat)
    return render_template("pages/juror_link.html", contest=ps.current_contest(), refusal=None, token=token,
                           organisation=organisation, until=ps.when_in(until, "dative"))


@blp.route("/<string:token>", methods=["POST"])
def use(token: str) -> Any:
    try:
        _actor, session_id = ps.service().sign_in_with_link(token)
    except (UnknownSignInLink, NotFound, SignInLinkSpent, SettingsError) as e:
        return refusal_page(e)
    session.clear()  # no session fixation: the cookie's old contents go
    session[staff_login.SESSION_KEY] = session_id
    return redirect(url_for("juror.home"), code=303)
