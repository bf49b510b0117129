"""The participants on a page (§3.3; /sekretariats/konfiguracija/dalibnieces): every municipality of the contest,
its ISO 3166-2 code, name and kind (a state city or a municipality), replaced as a whole list through the command
of PUT /api/contests/<year>/municipalities with its reason, until round 1 opens (domain/config_changes.py
FREEZES_AT). The list's own rules (at least two, codes unique, each code's form, domain/config.py
parse_municipalities) are the domain's: its refusal is shown at the row's field it concerns, and nothing is stored.

Field ids: a row's ``municipality-<n>-code``, ``-name``, ``-kind``, ``-remove`` (rows 1, 2, … as shown, the empty
ones at the end for new participants); ``reason``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Blueprint, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from api import config_pages as cp
from api import config_words as words
from api import page_support as ps
from domain.actors import Actor
from domain.config import MUNICIPALITY_KINDS
from domain.contest import Contest
from domain.errors import InvalidInput

blp = Blueprint("participants", __name__, url_prefix="/konfiguracija/dalibnieces")

BLANK_ROWS = 3
ROWS_MAX = 200  # as the API's (api/schemas.py MunicipalitiesChangeSchema)
PARTS = ("code", "name", "kind")
KINDS = {"valstspilsēta": ps.N_("State city"), "novads": ps.N_("Municipality (novads)")}
WORDS = {"code": ps.N_("The code is the municipality's ISO 3166-2 code: LV- and two or three capital letters or "
                       "digits, e.g. LV-RIX."),
         "name": ps.N_("Write the municipality's name, at most 100 characters."),
         "kind": ps.N_("Choose whether it is a state city or a municipality.")}


def rows_of(contest: Contest) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = [{"code": m.code, "name": m.name, "kind": m.kind, "remove": False}
                                  for m in contest.municipalities]
    return rows + [{"code": "", "name": "", "kind": "", "remove": False} for _n in range(BLANK_ROWS)]


def render(contest: Contest, typed: dict[str, Any] | None = None, errors: dict[str, str] | None = None,
           problem: dict[str, str] | None = None, status: int = 200) -> Any:
    typed = typed or {"rows": rows_of(contest), "reason": ""}
    return cp.page("pages/config_participants.html", status, contest=contest, actor=cp.actor(), typed=typed,
                   kinds=[(k, _(KINDS[k])) for k in MUNICIPALITY_KINDS], errors=errors or {}, problem=problem,
                   state=words.part_freeze(contest, "municipalities"))


@blp.route("", methods=["GET"])
@cp.signed_in
def page(_actor: Actor, contest: Contest) -> Any:
    return render(contest)


def read_rows(form: Mapping[str, str]) -> tuple[dict[str, Any], list[int]]:
    """The posted list: (what was typed, for the form again; the row number of each participant sent). A row marked
    for removal, or left empty, is not sent."""
    count = min(int(form["rows"]) if form.get("rows", "").isdigit() else 0, ROWS_MAX + BLANK_ROWS)
    typed: dict[str, Any] = {"reason": form.get("reason", ""), "rows": []}
    sent: list[int] = []
    for n in range(1, count + 1):
        row: dict[str, Any] = {part: form.get(f"municipality-{n}-{part}", "").strip() for part in PARTS}
        row["remove"] = form.get(f"municipality-{n}-remove") == "1"
        typed["rows"].append(row)
        if not row["remove"] and (row["code"] or row["name"]):
            sent.append(n)
    return typed, sent


def list_errors(e: InvalidInput, sent: list[int], typed: dict[str, Any]) -> dict[str, str]:
    """parse_municipalities' refusals (§3.3) at their rows' fields; the list's own (fewer than two) at the first
    row's code."""
    out: dict[str, str] = {}
    for key, messages in e.errors.items():
        if key.startswith("municipalities[") and "]." in key:
            i, part = int(key[15:key.index("]")]), key.rsplit(".", 1)[-1]
            n = sent[i] if i < len(sent) else 1
            if part == "code" and any(m.startswith("duplicate") for m in messages):
                code = typed["rows"][n - 1]["code"]
                out[f"municipality-{n}-code"] = _("The code %(code)s is listed twice: each municipality once.",
                                                  code=code)
            elif part in WORDS:
                out[f"municipality-{n}-{part}"] = _(WORDS[part])
        elif key == "municipalities":
            out["municipality-1-code"] = ngettext(
                "List at least %(num)s municipality: the round-1 ranking compares municipalities (§3.3).",
                "List at least %(num)s municipalities: the round-1 ranking compares municipalities (§3.3).", 2)
    return out


@blp.route("", methods=["POST"])
@cp.signed_in
def save(actor: Actor, contest: Contest) -> Any:
    """The command of PUT /api/contests/<year>/municipalities: the participants as the form lists them."""
    typed, sent = read_rows(request.form)
    errors: dict[str, str] = {}
    why = cp.reason(request.form, errors)
    if len(sent) > ROWS_MAX:
        errors["municipality-1-code"] = ngettext("At most %(num)s municipality can be listed.",
                                                 "At most %(num)s municipalities can be listed.", ROWS_MAX)
    if errors:
        return render(contest, typed, errors, status=422)
    value = [{part: typed["rows"][n - 1][part] for part in PARTS} for n in sent]
    return cp.record(lambda: ps.service().configure(contest.year, "municipalities", value, reason=why, actor=actor),
                     render, typed, fields=lambda e: list_errors(e, sent, typed), refused_at="municipality-1-code",
                     recorded=ngettext("Recorded: %(num)s participant.", "Recorded: %(num)s participants.",
                                       len(value)), target=url_for("config.participants.page"))
