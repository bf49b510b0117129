"""Access tokens on a page (README "Roles"; /sekretariats/piekluves-atslegas): issue one (a role, and for a juror
its seat, for a municipality its municipality, an optional name), through the command of POST /api/tokens
(ContestService.issue_token; the new token is shown once, on the answer to the form, and never again: only its
SHA-256 is kept); list every token issued (its id, role, name, when, whether revoked: contest/access_list.py, as
GET /api/tokens); revoke one with a reason, through the command of DELETE /api/tokens/<id> (its sessions end with
it).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Blueprint, flash, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from api import config_pages as cp
from api import config_words as words
from api import page_support as ps
from contest.access_list import issued_tokens
from domain.actors import JUROR, MUNICIPALITY, TOKEN_ROLES, Actor
from domain.contest import Contest
from domain.errors import InvalidInput, NotFound, RuleViolation

blp = Blueprint("tokens", __name__, url_prefix="/piekluves-atslegas")

NAME_MAX = 80  # as the API's (api/schemas.py TokenRequestSchema) and the domain's


def render(contest: Contest, form: Mapping[str, str] | None = None, errors: dict[str, str] | None = None,
           problem: dict[str, str] | None = None, issued: dict[str, Any] | None = None,
           reasons: Mapping[str, str] | None = None, status: int = 200) -> Any:
    return cp.page("pages/config_tokens.html", status, contest=contest, actor=cp.actor(),
                   form=form or {"role": "", "name": "", "seat": "", "municipality": ""}, errors=errors or {},
                   problem=problem, issued=issued, reasons=reasons or {}, tokens=issued_tokens(ps.service()),
                   roles=[(r, _(words.ROLES[r])) for r in TOKEN_ROLES], role_names=words.ROLES,
                   seats=[(s.id, f"{s.organisation} ({s.person})") for s in contest.jury],
                   municipalities=sorted(((m.code, m.name) for m in contest.municipalities), key=lambda x: x[1]),
                   names=ps.names(contest))


@blp.route("", methods=["GET"])
@cp.signed_in
def page(_actor: Actor, contest: Contest) -> Any:
    return render(contest)


def name_too_long() -> str:
    return ngettext("The name may be at most %(num)s character long.",
                    "The name may be at most %(num)s characters long.", NAME_MAX)


def issue_errors(e: InvalidInput | NotFound) -> dict[str, str]:
    """Credential.issue's and the service's refusals at their fields."""
    if isinstance(e, NotFound):
        return {"seat" if e.what == "jury seat" else "municipality": _("Choose one of those listed.")}
    out: dict[str, str] = {}
    for key in e.errors:
        if key == "role":
            out["role"] = _("Choose the role.")
        elif key == "seat":
            out["seat"] = _("A jury seat's token is for one seat: choose it; other roles have none.")
        elif key == "municipality":
            out["municipality"] = _("A municipality's token is for one municipality: choose it; other roles have "
                                    "none.")
        elif key == "name":
            out["name"] = name_too_long()
    return out


@blp.route("", methods=["POST"])
@cp.signed_in
def issue(actor: Actor, contest: Contest) -> Any:
    """Issue a token: the command of POST /api/tokens. The answer shows it once (not a redirect: the token is never
    put in the session cookie), with Cache-Control: no-store (api/page_support.py after)."""
    form = {k: request.form.get(k, "").strip() for k in ("role", "name", "seat", "municipality")}
    if len(form["name"]) > NAME_MAX:
        return render(contest, form, {"name": name_too_long()}, status=422)
    role = form["role"]
    try:
        token, credential = ps.service().issue_token(
            role, actor=actor, name=form["name"] or None, seat=form["seat"] or None,
            municipality=form["municipality"] or None,
            year=contest.year if role in (JUROR, MUNICIPALITY) else None)
    except (InvalidInput, NotFound) as e:
        found = issue_errors(e)
        return render(contest, form, found, None if found else words.refusal(e), status=422)
    issued = {"token": token, "token_id": credential.token_id, "role": credential.role,
              "principal": credential.principal}
    return render(contest, issued=issued)


@blp.route("/<string:token_id>/atsaukt", methods=["POST"])
@cp.signed_in
def revoke(actor: Actor, contest: Contest, token_id: str) -> Any:
    """Revoke a token with a reason: the command of DELETE /api/tokens/<id>; its signed-in sessions end."""
    errors: dict[str, str] = {}
    field = f"reason-{token_id}"
    why = cp.reason(request.form, errors, field)
    if errors:
        return render(contest, errors=errors, reasons={token_id: request.form.get(field, "")}, status=422)
    try:
        ps.service().revoke_token(token_id, reason=why, actor=actor)
    except NotFound:
        raise NotFound("token", token_id) from None
    except RuleViolation:
        return render(contest, problem={"text": _("This token is revoked already."), "rule": ""}, status=409)
    flash(_("Revoked: the token %(id)s. Its sessions have ended.", id=token_id), "ok")
    return cp.done(url_for("config.tokens.page"))
