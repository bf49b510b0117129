"""The desk's form for next year's contest: the secretariat creates it from an earlier contest in the store through
the same command as `contest init --year … --from …` and `POST /api/contests` (ContestService.carry_forward,
domain/carry_forward.py). A refusal is shown at its field on the desk, in the reader's language: no such contest
to carry forward (404), a year not after it (422), a year whose contest exists (409).

The new contest does not become the current one by being created: the pages and the desk show the contest of
CONTEST_YEAR (api/page_support.py) until the operator changes the setting, and the success message says so.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from werkzeug.exceptions import HTTPException

from api import desk
from api import page_support as ps
from domain.errors import InvalidInput, NotFound, RuleViolation

blp = Blueprint("desk_next_year", __name__, url_prefix="/sekretariats", template_folder="templates")
blp.before_request(ps.csrf_on_every_form)
blp.after_request(ps.after)
blp.register_error_handler(NotFound, ps.not_found)
blp.register_error_handler(HTTPException, ps.http_error)


def refusal(e: InvalidInput | NotFound | RuleViolation, year: int, source: int) -> tuple[dict[str, str], int]:
    """A refused creation as the form's errors at their fields, and the status."""
    if isinstance(e, NotFound):
        return {"from": _("There is no %(year)s contest in this service.", year=source)}, 404
    if isinstance(e, RuleViolation):
        return {"year": _("The %(year)s contest exists already.", year=year)}, 409
    if "year" in e.errors:
        return {"year": _("The new contest's year must be after %(source)s, the year of the contest it is carried "
                          "forward from.", source=source)}, 422
    detail = "; ".join(f"{k}: {', '.join(v)}" for k, v in e.errors.items())
    return {"form": _("Refused: %(message)s", message=detail)}, 422


@blp.route("/jauns-konkurss", methods=["POST"])
def create() -> Any:
    """Create next year's contest from the form's year and the contest it is carried forward from."""
    actor = desk.desk_actor()
    if actor is None:
        return render_template("pages/desk_login.html", contest=ps.current_contest(),
                               error=_("Please log in again: the session has ended.")), 401
    contest = ps.current_contest()
    values = {"year": request.form.get("year", "").strip(), "from": request.form.get("from", "").strip()}
    errors: dict[str, str] = {}
    if not (values["year"].isdigit() and len(values["year"]) == 4):
        errors["year"] = _("Enter the new contest's year, four digits, e.g. %(year)s.", year=contest.year + 1)
    if not values["from"].isdigit():
        errors["from"] = _("Choose the contest to carry forward.")
    status = 422
    if not errors:
        year, source = int(values["year"]), int(values["from"])
        try:
            created = ps.service().carry_forward(year, source, actor=actor)
        except (InvalidInput, NotFound, RuleViolation) as e:
            errors, status = refusal(e, year, source)
    if errors:
        form = desk.next_year_form(values, errors)
        return desk.render_desk(contest, actor, next_form=form), status
    flash(ngettext("The %(year)s contest is created from the %(source)s contest, with %(num)s municipality. The "
                   "annual theme and the prizes are to be confirmed before round 1 opens.",
                   "The %(year)s contest is created from the %(source)s contest, with %(num)s municipalities. The "
                   "annual theme and the prizes are to be confirmed before round 1 opens.",
                   len(created.municipalities), year=created.year, source=source), "ok")
    if ps.current_contest().year != created.year:
        flash(_("The pages and this desk keep showing the %(current)s contest until the service's CONTEST_YEAR "
                "setting is changed to %(year)s.", current=contest.year, year=created.year), "ok")
    return redirect(url_for("desk.desk", _anchor="h-next-year"), code=303)
