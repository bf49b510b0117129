"""What the secretariat's configuration and access pages share (api/desk_config.py and the pages it holds): the desk's
session (api/desk.py desk_actor: a secretariat token signed in on the desk), the answer to a request without it, the
reason a change records, numbers as a Latvian types them, and the page's response when a command refuses.

Each page calls the same ContestService command as the API's endpoint for the change (through ps.service()) and
words the domain's refusal at the field it concerns; an error changes nothing, as in the API.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from flask import flash, redirect, render_template, request
from flask_babel import gettext as _
from flask_babel import ngettext
from werkzeug.wrappers import Response

from api import config_words as words
from api import page_support as ps
from api.desk import desk_actor
from api.municipality_forms import read_amount
from domain.actors import Actor
from domain.contest import Contest
from domain.errors import InvalidInput, RuleViolation

REASON_MAX = 2000  # as the API's `reason` (api/schemas.py REASON)


def actor() -> Actor | None:
    """The secretariat's actor of this request's desk session, or None."""
    return desk_actor()


def signed_out() -> Any:
    """A GET without the desk's session goes to the desk's sign-in; a POST is refused (401) and changes nothing."""
    if request.method == "GET":
        return redirect("/sekretariats", code=303)
    return render_template("pages/desk_login.html", contest=ps.current_contest(),
                           error=_("Please log in again: the session has ended.")), 401


def reason(form: Mapping[str, str], errors: dict[str, str], field: str = "reason") -> str:
    """The change's reason (required where the API requires it: api/schemas.py REASON), or an error at `field`."""
    text = form.get(field, "").strip()
    if not text:
        errors[field] = _("Give a reason for the change (it is recorded with the event).")
    elif len(text) > REASON_MAX:
        errors[field] = ngettext("The reason may be at most %(num)s character long.",
                                 "The reason may be at most %(num)s characters long.", REASON_MAX)
    return text


def whole_number(text: str) -> int | None:
    """A whole number as typed ('20 000', '20000'; in English also '20,000'), or None."""
    value = read_amount(text, ps.language()) if text.strip() else None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return value if isinstance(value, int) else None


def decimal(text: str) -> float | None:
    """A number as typed ('1,5', '1.5'), or None."""
    value = read_amount(text, ps.language()) if text.strip() else None
    return None if value is None else float(value)


def shown_number(value: float | int | None) -> str:
    """A number in a field as the reader writes it ('1,5', '20 000'); `whole_number`/`decimal` read it back."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return ps.number(value, 0) if isinstance(value, int) else ps.number(value, len(repr(value).split(".")[1]))


def page(template: str, status: int = 200, **context: Any) -> tuple[str, int]:
    """A page of the secretariat's configuration, with the contest and the signed-in actor."""
    context.setdefault("errors", {})
    context.setdefault("problem", None)
    return render_template(template, contest=context.pop("contest", None) or ps.current_contest(), **context), status


def done(target: str) -> Response:
    """After a recorded change: back to the page (a GET), where the flashed message says what was done."""
    return redirect(target, code=303)


class Render(Protocol):
    """A configuration page's render: the contest, what was typed, the errors at fields, a refusal, the status."""

    def __call__(self, contest: Contest, typed: Any = None, errors: dict[str, str] | None = None,
                 problem: dict[str, str] | None = None, status: int = 200) -> Any: ...


def record(command: Callable[[], object], render: Render, typed: Any, *,
           fields: Callable[[InvalidInput], dict[str, str]], refused_at: str, recorded: str, target: str) -> Any:
    """Run a configuration command and answer as every configuration page does: its InvalidInput at the fields
    `fields` finds (422), a RuleViolation (a frozen part, a sealed contest) at `refused_at` with the clause (409),
    both with what was typed and nothing stored; once recorded, the flashed `recorded` on the page `target`."""
    try:
        command()
    except InvalidInput as e:
        found = fields(e)
        return render(ps.current_contest(), typed, found, None if found else words.refusal(e), status=422)
    except RuleViolation as e:
        contest = ps.service().contest(ps.current_contest().year)
        return render(contest, typed, {refused_at: words.refusal(e)["text"]}, words.refusal(e), status=409)
    flash(recorded, "ok")
    return done(target)


def signed_in(view: Callable[..., Any]) -> Callable[..., Any]:
    """A configuration page's view that needs the desk's session: run with the signed-in actor and the current
    contest before its own arguments; without the session, `signed_out()` answers and the view does not run."""

    @functools.wraps(view)
    def with_session(*args: Any, **kwargs: Any) -> Any:
        who = actor()
        if who is None:
            return signed_out()
        return view(who, ps.current_contest(), *args, **kwargs)

    return with_session
