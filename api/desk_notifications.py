"""The desk's list of the mail the service sends (/sekretariats/pazinojumi, the outbox: domain/notification.py):
each notification with what it is, to whom (the recipient's role, never the address), where it stands, the
attempts, the last error, the next attempt and the server's answer; and the form that sends a jury seat a one-time
sign-in link to an address the secretariat gives (§3.2.1, §3.2.5), through contest/outbox.py's command.

For the secretariat's session only (the desk's sign-in, api/desk.py); linked from the desk.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException

from api import page_support as ps
from api import staff_login
from api.desk import desk_actor, refusal_text
from contest.settings_errors import SettingsError
from domain.contest import Contest
from domain.errors import DomainError, InvalidInput, NotFound

blp = Blueprint("desk_notifications", __name__, url_prefix="/sekretariats/pazinojumi", template_folder="templates")
blp.before_request(ps.csrf_on_every_form)
blp.after_request(ps.after)
blp.register_error_handler(NotFound, ps.not_found)
blp.register_error_handler(HTTPException, ps.http_error)
blp.record_once(lambda state: None if staff_login.THROTTLE in state.app.extensions
                else staff_login.init_app(state.app))

KIND_NAMES = {"visit_notice": ps.N_("Notice of the jury's visit"),
              "sign_in_link": ps.N_("Sign-in link to the jury's pages"),
              "ballot_reminder": ps.N_("Reminder of the round-2 ballot")}
STATUS_NAMES = {"queued": ps.N_("queued"), "sending": ps.N_("being sent"), "sent": ps.N_("sent"),
                "failed": ps.N_("not sent yet: will be tried again"), "gave_up": ps.N_("not sent: given up")}
ROLE_NAMES = {"municipality": ps.N_("the municipality"), "mayor": ps.N_("the mayor"),
              "contact": ps.N_("the contact person")}


def recipient_words(row: dict[str, Any], contest: Contest) -> str:
    """To whom, in the reader's language: the finalist and the role, or the jury seat's organisation."""
    if row["seat"]:
        seat = next((s for s in contest.jury if s.id == row["seat"]), None)
        return _("jury seat: %(seat)s", seat=seat.organisation if seat else row["seat"])
    name = ps.names(contest).get(row["municipality"] or "", row["municipality"] or "")
    return f"{name}: {_(ROLE_NAMES.get(row['role'], row['role']))}"


def page(contest: Contest, errors: dict[str, str] | None = None, form: dict[str, str] | None = None,
         status: int = 200) -> Any:
    rows = ps.service().notifications.listing(contest.year)
    for row in rows:
        row["kind_words"] = _(KIND_NAMES.get(row["kind"], row["kind"]))
        row["status_words"] = _(STATUS_NAMES.get(row["status"], row["status"]))
        row["to_words"] = recipient_words(row, contest)
    return render_template("pages/desk_notifications.html", contest=contest, rows=rows, errors=errors or {},
                           form=form or {}, seats=contest.jury), status


def signed_out() -> Any:
    return render_template("pages/desk_login.html", contest=ps.current_contest(),
                           error=_("Please log in again: the session has ended.")), 401


@blp.route("", methods=["GET"])
def listing() -> Any:
    if desk_actor() is None:
        return render_template("pages/desk_login.html", contest=ps.current_contest(), error=None)
    return page(ps.current_contest())


@blp.route("/saite", methods=["POST"])
def sign_in_link() -> Any:
    actor = desk_actor()
    if actor is None:
        return signed_out()
    contest = ps.current_contest()
    form = {"seat": request.form.get("seat", ""), "email": request.form.get("email", "").strip()}
    errors: dict[str, str] = {}
    if form["seat"] not in {s.id for s in contest.jury}:
        errors["seat"] = _("Choose the jury seat.")
    if not form["email"]:
        errors["email"] = _("Enter the e-mail address the link is sent to.")
    if errors:
        return page(contest, errors, form, 422)
    try:
        ps.service().notifications.send_sign_in_link(contest.year, form["seat"], form["email"], actor=actor)
    except InvalidInput as e:
        if "email" in e.errors:
            return page(contest, {"email": _("This is not an e-mail address; write it as vards@example.lv.")},
                        form, 422)
        return page(contest, {"form": refusal_text(e, contest)}, form, 422)
    except SettingsError:
        return page(contest, {"form": _("The service cannot send mail: its mail settings are not set.")}, form, 503)
    except DomainError as e:
        return page(contest, {"form": refusal_text(e, contest)}, form, 409)
    flash(_("Queued: the link is sent in a moment. The address is kept only for the contest's mail."), "ok")
    return redirect(url_for("desk_notifications.listing"), code=303)
