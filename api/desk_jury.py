"""The jury's seats on a page (§3.2.1, D1; /sekretariats/konfiguracija/komisija): each seat's organisation, person,
vote, chair (§3.2.2) and delegated substitutes, and whether the service has an e-mail address for the seat's mail (a
sign-in link's address becomes the seat's: /sekretariats/pazinojumi; the address is kept sealed beside the events,
contest/address_book.py, never in the history, so it is not part of the seat); a form per seat to replace it or
remove it and one to add a seat, through the commands of PUT and DELETE /api/contests/<year>/jury/<seat>
(ContestService.set_jury_seat and remove_jury_seat), each with its reason. Refused once round 2 has opened, or when
the roster would break (one chair who votes, enough voting seats for the quorum, §3.2.2-§3.2.3): the refusal is
shown at the field.
Field ids: ``seat-<id>-organisation``, ``-person``, ``-voting``, ``-chair``, ``-substitutes``, ``-reason``,
``-remove-reason``; the new seat's are ``new-seat-…`` with ``new-seat-id``.
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
from domain.actors import Actor
from domain.config import JurySeat
from domain.contest import Contest
from domain.errors import InvalidInput, NotFound, RuleViolation

blp = Blueprint("jury", __name__, url_prefix="/konfiguracija/komisija")

NEW = "new-seat"  # the add form's prefix (no seat's prefix: those are "seat-<id>")
SUBSTITUTES_MAX = 10  # as the API's (api/schemas.py SeatChangeSchema)


def seat_form(seat: JurySeat) -> dict[str, Any]:
    return {"id": seat.id, "organisation": seat.organisation, "person": seat.person, "voting": seat.voting,
            "chair": seat.chair, "substitutes": "\n".join(seat.substitutes), "reason": "", "remove-reason": ""}


def render(contest: Contest, forms: Mapping[str, Mapping[str, Any]] | None = None,
           errors: dict[str, str] | None = None, problem: dict[str, str] | None = None, status: int = 200) -> Any:
    shown = {prefix_of(s.id): seat_form(s) for s in contest.jury}
    shown[NEW] = {"id": "", "organisation": "", "person": "", "voting": True, "chair": False, "substitutes": "",
                  "reason": ""}
    shown.update(forms or {})
    return cp.page("pages/config_jury.html", status, contest=contest, actor=cp.actor(), seats=contest.jury,
                   forms=shown, errors=errors or {}, problem=problem, state=words.part_freeze(contest, "jury"),
                   new=NEW, addressed=set(ps.service().notifications.book.seat_keys(contest.year)))


def prefix_of(seat_id: str) -> str:
    return f"seat-{seat_id}"


def read_seat(form: Mapping[str, str], prefix: str, errors: dict[str, str]) -> dict[str, Any]:
    """The posted seat as the command takes it (voting and chair as booleans, a substitute per line); what cannot
    be the API's input is an error at its field (the API's schema checks the same)."""
    typed = {"organisation": form.get(f"{prefix}-organisation", ""), "person": form.get(f"{prefix}-person", ""),
             "voting": form.get(f"{prefix}-voting") == "1", "chair": form.get(f"{prefix}-chair") == "1",
             "substitutes": form.get(f"{prefix}-substitutes", "")}
    subs = [line.strip() for line in typed["substitutes"].replace("\r\n", "\n").split("\n") if line.strip()]
    if len(subs) > SUBSTITUTES_MAX:
        errors[f"{prefix}-substitutes"] = ngettext("At most %(num)s substitute, one per line.",
                                                    "At most %(num)s substitutes, one per line.", SUBSTITUTES_MAX)
    elif any(len(s) > 120 for s in subs):
        errors[f"{prefix}-substitutes"] = _("Each substitute's name may be at most 120 characters long.")
    return {**typed, "seat": {"organisation": typed["organisation"], "person": typed["person"],
                              "voting": typed["voting"], "chair": typed["chair"], "substitutes": subs}}


def seat_errors(e: InvalidInput, prefix: str) -> dict[str, str]:
    """JurySeat.parse's and check_jury's refusals (§3.2.1-§3.2.3) at the seat's fields."""
    out: dict[str, str] = {}
    for key, messages in e.errors.items():
        field = key.rsplit(".", 1)[-1]
        if field == "id":
            out[f"{prefix}-id"] = _("The seat's id: 1 to 40 lowercase letters, digits or '-', e.g. lm.")
        elif field in ("organisation", "person"):
            out[f"{prefix}-{field}"] = ngettext("Write the name, at most %(num)s character.",
                                                "Write the name, at most %(num)s characters.",
                                                300 if field == "organisation" else 120)
        elif field == "substitutes":
            out[f"{prefix}-substitutes"] = _("Each substitute's name may be at most 120 characters long.")
        elif key == "jury":
            for m in messages:
                if "§3.2.3" in m:
                    out.setdefault(f"{prefix}-voting", _("Too few seats would have a vote to reach the quorum "
                                                         "(§3.2.3)."))
                elif "voting seat" in m:
                    out.setdefault(f"{prefix}-voting", _("The chair's seat must have a vote (§3.2.2)."))
                else:
                    out.setdefault(f"{prefix}-chair", _("Exactly one seat must be the chair (§3.2.2): to move the "
                                                        "chair, mark another seat as the chair."))
    return out


@blp.route("", methods=["GET"])
@cp.signed_in
def page(_actor: Actor, contest: Contest) -> Any:
    return render(contest)


@blp.route("", methods=["POST"])
def add() -> Any:
    """Add a seat: the command of PUT …/jury/<seat> for a seat that does not exist yet (§3.2.1, D1)."""
    return save(None)


@blp.route("/<string:seat_id>", methods=["POST"])
def replace(seat_id: str) -> Any:
    """Replace a seat: the command of PUT …/jury/<seat> (§3.2.1, D1); naming a new chair moves the chair."""
    return save(seat_id)


@cp.signed_in
def save(actor: Actor, contest: Contest, seat_id: str | None) -> Any:
    known = {s.id for s in contest.jury}
    if seat_id is not None and seat_id not in known:
        raise NotFound("jury seat", seat_id)
    errors: dict[str, str] = {}
    prefix = NEW if seat_id is None else prefix_of(seat_id)
    posted = read_seat(request.form, prefix, errors)
    target = seat_id or request.form.get(f"{NEW}-id", "").strip()
    if seat_id is None:
        posted["id"] = target
        if target in known:
            errors[f"{NEW}-id"] = _("This seat exists already: change it in its own form.")
    why = cp.reason(request.form, errors, f"{prefix}-reason")
    posted["reason"] = request.form.get(f"{prefix}-reason", "")
    if errors:
        return render(contest, {prefix: posted}, errors, status=422)
    try:
        ps.service().set_jury_seat(contest.year, {**posted["seat"], "id": target}, reason=why, actor=actor)
    except InvalidInput as e:
        found = seat_errors(e, prefix)
        return render(contest, {prefix: posted}, found, None if found else words.refusal(e), 422)
    except RuleViolation as e:
        return render(ps.service().contest(contest.year), {prefix: posted},
                      {f"{prefix}-organisation": words.refusal(e)["text"]}, words.refusal(e), 409)
    flash(_("Recorded: the seat %(seat)s.", seat=target), "ok")
    return cp.done(url_for("config.jury.page", _anchor=f"seat-{target}"))


@blp.route("/<string:seat_id>/nonemt", methods=["POST"])
@cp.signed_in
def remove(actor: Actor, contest: Contest, seat_id: str) -> Any:
    """Remove a seat: the command of DELETE …/jury/<seat>, refused if the roster would break (§3.2.2-§3.2.3)."""
    if seat_id not in {s.id for s in contest.jury}:
        raise NotFound("jury seat", seat_id)
    errors: dict[str, str] = {}
    field = f"{prefix_of(seat_id)}-remove-reason"
    why = cp.reason(request.form, errors, field)
    kept = {prefix_of(seat_id): {**seat_form(contest.seat(seat_id)), "remove-reason": request.form.get(field, "")}}
    if errors:
        return render(contest, kept, errors, status=422)
    try:
        ps.service().remove_jury_seat(contest.year, seat_id, reason=why, actor=actor)
    except InvalidInput as e:
        message = (_("Without this seat the jury would have no chair, or too few seats with a vote for the quorum "
                     "(§3.2.2, §3.2.3)."))
        return render(contest, kept, {field: message}, None, 422) if "jury" in e.errors else \
            render(contest, kept, {}, words.refusal(e), 422)
    except RuleViolation as e:
        return render(ps.service().contest(contest.year), kept, {field: words.refusal(e)["text"]},
                      words.refusal(e), 409)
    flash(_("Removed: the seat %(seat)s.", seat=seat_id), "ok")
    return cp.done(url_for("config.jury.page"))
