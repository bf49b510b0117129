"""The secretariat's audit log (/sekretariats/vesture, RULES.md "Audit"): every event of the store in the reader's
language, oldest first: who (the actor's role and seat, municipality or name; the residents only counted, an hour's
votes on one line, D10), what (one sentence per type of event, api/audit_log_words.py) and when (Latvian time).
Filtered by kind of event, by the actor's role and by a range of days; paged by position (contest/event_log.py
reads the store's notification log a page at a time, so a million votes are never read at once). For auditors: the
export of the whole history with its hash chain (GET /api/audit/export, api/audit.py) and how to verify it.

Query: ?veids=<kind>&loma=<role>&no=<YYYY-MM-DD>&lidz=<YYYY-MM-DD>&sakot=<position>
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import render_template, request, url_for
from flask_babel import gettext as _

from api import page_support as ps
from api.audit_log_words import KIND_LABELS, ROLE_LABELS, Words
from api.desk_pages import Actor, blueprint, signed_in
from contest.event_log import KINDS, ROLES, read_page

blp = blueprint("audit_log")


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def read_filters() -> tuple[dict[str, str], dict[str, str]]:
    """The filters as asked (kind, role, from, to, start) and what is wrong with them, at their fields."""
    asked = {k: request.args.get(k, "").strip() for k in ("veids", "loma", "no", "lidz", "sakot")}
    errors: dict[str, str] = {}
    if asked["veids"] and asked["veids"] not in KINDS:
        errors["veids"] = _("Choose a kind of event from the list.")
    if asked["loma"] and asked["loma"] not in ROLES:
        errors["loma"] = _("Choose a role from the list.")
    for key in ("no", "lidz"):
        if asked[key] and _day(asked[key]) is None:
            errors[key] = _("Enter a date as YYYY-MM-DD, e.g. 2024-11-04.")
    since, until = _day(asked["no"]), _day(asked["lidz"])
    if since and until and until < since:
        errors["lidz"] = _("The last day cannot be before the first day (%(date)s).", date=ps.day(since))
    if asked["sakot"] and not asked["sakot"].isdigit():
        asked["sakot"] = ""
    return asked, errors


def page_link(asked: dict[str, str], start: int | None) -> str:
    args = {k: v for k, v in asked.items() if v and k != "sakot"}
    if start is not None and start > 1:
        args["sakot"] = str(start)
    return url_for("audit_log.page", **args)


@signed_in
def page(actor: Actor) -> Any:
    contest = ps.current_contest()
    asked, errors = read_filters()
    view: dict[str, Any] = {"entries": [], "next": None, "start": 1, "head": ps.service().event_count()}
    if not errors:
        log = read_page(ps.service(), kind=asked["veids"] or None, role=asked["loma"] or None,
                        since=_day(asked["no"]), until=_day(asked["lidz"]), start=int(asked["sakot"] or 1),
                        tz=contest.window.timezone)
        words = Words(contest)
        view = {"entries": [{"position": e.position, "last": e.last, "type": e.name, "kind": e.kind,
                             "when": words.when(e), "who": words.who(e), "what": words.what(e),
                             "role": e.actor.get("role", "")} for e in log.entries],
                "next": page_link(asked, log.next) if log.next else None, "start": log.start, "head": log.head}
    filtered = any(asked[k] for k in ("veids", "loma", "no", "lidz"))
    return render_template("pages/desk_log.html", contest=contest, actor=actor, asked=asked, errors=errors,
                           view=view, kinds=KIND_LABELS, roles=ROLE_LABELS, filtered=filtered,
                           first_page=page_link(asked, None) if asked["sakot"] else None)


blp.add_url_rule("/vesture", "page", page, methods=["GET"])
