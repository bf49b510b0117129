"""The secretariat's requests for more information (§4.4, §4.6.2) at /sekretariats/pieprasijumi: a form that asks a
municipality for more information, through the same command as POST …/submissions/<code>/requests
(contest/round1.py request_information), and every request sent so far with the municipality's replies (which it
gives on /pasvaldiba/pieprasijumi, api/municipality.py).

The API names each request with an id of the caller's; the form gives the next free one of the municipality's
(``q1``, ``q2``, …), by which the municipality's page anchors the request and its reply form. Requests are made
while rounds 1 and 2 are open (§4.4, §4.6.2); the domain's refusals are shown at the field they concern, in the
reader's language, and a refused form stores nothing.
"""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from api import page_support as ps
from api.desk_pages import Actor, blueprint, signed_in
from api.desk_round3_forms import too_long
from api.pages import lv_key
from domain.contest import Contest
from domain.errors import DomainError, InvalidInput, NotFound, RuleViolation
from domain.submission import information_may_be_requested

blp = blueprint("desk_requests")
TEXT_MAX = 5000  # what the API's schema takes (api/round1.py RequestSchema)
CLAUSE = "§4.4, §4.6.2"


def sent_requests(contest: Contest) -> list[dict[str, Any]]:
    """Every request for information of the contest, the newest first, with the municipality's name and replies."""
    svc = ps.service()
    names = ps.names(contest)
    out = []
    for row in svc.round1.submissions(contest.year):
        if row["requests"]:
            for r in svc.round1.submission(contest.year, row["municipality"])["requests"]:
                out.append({**r, "municipality": row["municipality"], "name": names.get(row["municipality"], "")})
    return sorted(out, key=lambda r: r["asked_at"], reverse=True)


def next_id(contest: Contest, code: str) -> str:
    """The next free id of the municipality's requests: q1, q2, … (the API's ids are the caller's to choose)."""
    taken = {r["id"] for r in ps.service().round1.submission(contest.year, code)["requests"]}
    n = len(taken) + 1
    while f"q{n}" in taken:
        n += 1
    return f"q{n}"


def render(contest: Contest, actor: Actor, errors: dict[str, str] | None = None,
           values: dict[str, str] | None = None, status: int = 200) -> tuple[str, int]:
    choices = sorted(((m.code, m.name) for m in contest.municipalities), key=lambda p: lv_key(p[1]))
    return render_template("pages/desk_requests.html", contest=contest, actor=actor, requests=sent_requests(contest),
                           open=information_may_be_requested(contest.stage), choices=choices, errors=errors or {},
                           values=values or {}, text_max=TEXT_MAX, clause=CLAUSE), status


@signed_in
def page(actor: Actor) -> Any:
    return render(ps.current_contest(), actor)


def refusal_errors(e: DomainError, contest: Contest) -> dict[str, str]:
    """The command's refusal at the field it concerns (``request-municipality``, ``request-text``; ``form``)."""
    if isinstance(e, NotFound):
        return {"request-municipality": _("Choose the municipality.")}
    if isinstance(e, InvalidInput):
        return {"request-text": _("Write what the municipality is asked.")}
    if isinstance(e, RuleViolation) and "D14" in e.clause:
        return {"form": _("The contest is approved and sealed: nothing changes any more.")}
    if isinstance(e, RuleViolation) and "stage" in e.details:
        return {"form": _("Requests for information are made while round 1 or round 2 is open; the contest is now "
                          "at the stage: %(stage)s.", stage=ps.stage_name(contest.stage))}
    if isinstance(e, RuleViolation):  # the id was taken by a request sent at the same moment
        return {"form": _("Another request to this municipality was recorded at the same moment; send it again.")}
    return {"form": _("Refused: %(message)s", message=str(e))}


@signed_in
def ask(actor: Actor) -> Any:
    """Ask a municipality for more information (§4.4, §4.6.2): POST …/submissions/<code>/requests's command."""
    contest = ps.current_contest()
    values = {"municipality": request.form.get("municipality", "").strip(),
              "text": request.form.get("text", "").replace("\r\n", "\n").strip()}
    errors = {}
    if values["municipality"] not in {m.code for m in contest.municipalities}:
        errors["request-municipality"] = _("Choose the municipality.")
    if not values["text"]:
        errors["request-text"] = _("Write what the municipality is asked.")
    elif len(values["text"]) > TEXT_MAX:
        errors["request-text"] = too_long(TEXT_MAX)
    if errors:
        return render(contest, actor, errors, values, 422)
    svc = ps.service()
    try:
        svc.round1.request_information(contest.year, values["municipality"], next_id(contest, values["municipality"]),
                                       values["text"], actor=actor)
    except DomainError as e:
        contest = svc.contest(contest.year)  # as the refusal found it
        return render(contest, actor, refusal_errors(e, contest), values,
                      422 if isinstance(e, InvalidInput | NotFound) else 409)
    flash(_("The request is sent to %(name)s; its reply will be shown here.",
            name=ps.names(contest).get(values["municipality"], values["municipality"])), "ok")
    return redirect(url_for("desk_requests.page"), code=303)


blp.add_url_rule("/pieprasijumi", "page", page, methods=["GET"])
blp.add_url_rule("/pieprasijumi", "ask", ask, methods=["POST"])
