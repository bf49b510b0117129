"""The prizes on a page (§6, §7.1-§7.3; /sekretariats/konfiguracija/balvas): the prize fund and the prizes paid from
it (exactly one main prize and one theme prize, within the fund), supporters' prizes beside them, through the command
of PUT /api/contests/<year>/prizes with its reason; and the supporters' nominations for a municipality (§7.3), through
the command of POST …/supporter-nominations. Both are refused once the council has approved the result (D14).

Field ids: ``fund_eur``; a prize row ``prize-<n>-id``, ``-name``, ``-amount``, ``-kind``, ``-sponsor``, ``-remove``
(rows 1, 2, … as shown, the empty ones at the end for new prizes); the nomination's ``supporter``, ``nomination``,
``amount``, ``municipality``, ``note``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Blueprint, flash, request, url_for
from flask_babel import gettext as _

from api import config_pages as cp
from api import config_words as words
from api import page_support as ps
from domain.actors import Actor
from domain.contest import Contest
from domain.errors import InvalidInput, RuleViolation

blp = Blueprint("prizes", __name__, url_prefix="/konfiguracija/balvas")

BLANK_ROWS = 2
KINDS = {"main": ps.N_("Main prize"), "theme": ps.N_("Annual theme prize"), "supporter": ps.N_("Supporter's prize")}
PRIZE_PARTS = ("id", "name", "amount", "kind", "sponsor")


def prize_rows(contest: Contest) -> list[dict[str, str]]:
    rows = [{"id": p.id, "name": p.name, "amount": cp.shown_number(p.amount_eur), "kind": p.kind,
             "sponsor": p.sponsor or ""} for p in contest.prizes.prizes]
    return rows + [dict.fromkeys(PRIZE_PARTS, "") for _n in range(BLANK_ROWS)]


def render(contest: Contest, prizes: dict[str, Any] | None = None, nomination: dict[str, str] | None = None,
           errors: dict[str, str] | None = None, problem: dict[str, str] | None = None, status: int = 200) -> Any:
    prizes = prizes or {"fund_eur": cp.shown_number(contest.prizes.fund_eur), "rows": prize_rows(contest),
                        "reason": ""}
    nomination = nomination or dict.fromkeys(("supporter", "nomination", "amount", "municipality", "note"), "")
    return cp.page("pages/config_prizes.html", status, contest=contest, actor=cp.actor(), prizes=prizes,
                   nomination=nomination, kinds=KINDS, errors=errors or {}, problem=problem,
                   state=words.part_freeze(contest, "prizes"), names=ps.names(contest),
                   municipalities=sorted(((m.code, m.name) for m in contest.municipalities), key=lambda x: x[1]))


@blp.route("", methods=["GET"])
@cp.signed_in
def page(_actor: Actor, contest: Contest) -> Any:
    return render(contest)


def read_prizes(form: Mapping[str, str], errors: dict[str, str]) -> tuple[dict[str, Any], list[int], int | None]:
    """The posted prizes: (what was typed, for the form again; the row number of each prize sent; the fund).
    A row marked for removal, or left empty, is not sent."""
    count = min(int(form.get("rows", "0")) if form.get("rows", "").isdigit() else 0, 60)
    typed: dict[str, Any] = {"fund_eur": form.get("fund_eur", ""), "reason": form.get("reason", ""), "rows": []}
    fund = cp.whole_number(typed["fund_eur"])
    if fund is None:
        errors["fund_eur"] = _("Enter the prize fund in whole euros, e.g. 30 000.")
    sent: list[int] = []
    for n in range(1, count + 1):
        row = {part: form.get(f"prize-{n}-{part}", "").strip() for part in PRIZE_PARTS}
        row["remove"] = form.get(f"prize-{n}-remove") == "1"
        typed["rows"].append(row)
        if row["remove"] or not any(row[part] for part in ("id", "name", "amount", "sponsor")):
            continue
        if cp.whole_number(row["amount"]) is None:
            errors[f"prize-{n}-amount"] = _("Enter the amount in whole euros, e.g. 20 000.")
        sent.append(n)
    return typed, sent, fund


def prize_errors(e: InvalidInput, sent: list[int]) -> dict[str, str]:
    """Prizes.parse's refusals (§6, §7.1-§7.3) at their fields: a prize's at its row, the list's at the fund or the
    first row."""
    out: dict[str, str] = {}
    kinds = [f"prize-{n}-kind" for n in sent] or ["prize-1-kind"]
    for key, messages in e.errors.items():
        if key == "fund_eur":
            out["fund_eur"] = _("Enter the prize fund in whole euros, e.g. 30 000.")
        elif key.startswith("prizes[") and "]." in key:
            i, part = int(key[7:key.index("]")]), key.rsplit(".", 1)[-1]
            n = sent[i] if i < len(sent) else 1
            out[f"prize-{n}-{'amount' if part == 'amount_eur' else part}"] = {
                "id": _("The prize's id: 1 to 40 lowercase letters, digits or '-', e.g. main."),
                "name": _("Write the prize's name, at most 300 characters."),
                "amount_eur": _("Enter the amount in whole euros, from 0 to 10 000 000."),
                "kind": _("Choose the kind of prize."),
                "sponsor": _("Write the supporter's name, at most 300 characters, or leave it empty."),
            }.get(part, messages[0])
        else:
            for m in messages:
                if "exceed" in m:
                    out["fund_eur"] = _("The main prize and the theme prize together exceed the prize fund (§6).")
                elif "unique" in m:
                    out.setdefault(kinds[0].replace("-kind", "-id"), _("Each prize needs an id of its own."))
                elif "'main'" in m:
                    out.setdefault(kinds[0], _("There must be exactly one main prize (§7.1)."))
                elif "'theme'" in m:
                    at = kinds[1] if kinds[0] in out and len(kinds) > 1 else kinds[0]
                    out.setdefault(at, _("There must be exactly one annual theme prize (§7.2)."))
                else:
                    out.setdefault("fund_eur", m)
    return out


@blp.route("", methods=["POST"])
@cp.signed_in
def save(actor: Actor, contest: Contest) -> Any:
    """The command of PUT /api/contests/<year>/prizes: the fund and the prizes as the form lists them."""
    errors: dict[str, str] = {}
    typed, sent, fund = read_prizes(request.form, errors)
    why = cp.reason(request.form, errors)
    if errors:
        return render(contest, prizes=typed, errors=errors, status=422)
    rows = {n: typed["rows"][n - 1] for n in sent}
    value = {"fund_eur": fund, "prizes": [
        {"id": rows[n]["id"], "name": rows[n]["name"], "amount_eur": cp.whole_number(rows[n]["amount"]),
         "kind": rows[n]["kind"], "sponsor": rows[n]["sponsor"] or None} for n in sent]}
    try:
        ps.service().configure(contest.year, "prizes", value, reason=why, actor=actor)
    except InvalidInput as e:
        found = prize_errors(e, sent)
        return render(contest, prizes=typed, errors=found, problem=None if found else words.refusal(e), status=422)
    except RuleViolation as e:
        return render(ps.service().contest(contest.year), prizes=typed, errors={"fund_eur": words.refusal(e)["text"]},
                      problem=words.refusal(e), status=409)
    flash(_("Recorded: the prizes."), "ok")
    return cp.done(url_for("config.prizes.page"))


NOMINATION_WORDS = {"supporter": ps.N_("Write the supporter's name, at most 300 characters."),
                    "nomination": ps.N_("Write the nomination's name, at most 300 characters."),
                    "amount_eur": ps.N_("Enter the amount in whole euros, from 0 to 10 000 000."),
                    "municipality": ps.N_("Choose the municipality."),
                    "note": ps.N_("The note may be at most 2000 characters long.")}


@blp.route("/nominacijas", methods=["POST"])
@cp.signed_in
def nominate(actor: Actor, contest: Contest) -> Any:
    """A supporter's nomination and prize for a municipality (§7.3): the command of POST …/supporter-nominations."""
    typed = {k: request.form.get(k, "").strip() for k in ("supporter", "nomination", "amount", "municipality",
                                                          "note")}
    amount = cp.whole_number(typed["amount"])
    if amount is None:
        return render(contest, nomination=typed, errors={"amount": _(NOMINATION_WORDS["amount_eur"])}, status=422)
    body = {"supporter": typed["supporter"], "nomination": typed["nomination"], "amount_eur": amount,
            "municipality": typed["municipality"], "note": typed["note"] or None}
    try:
        ps.service().round3.nominate(contest.year, body, actor=actor)
    except InvalidInput as e:
        found = {("amount" if k == "amount_eur" else k): _(NOMINATION_WORDS[k]) for k in e.errors
                 if k in NOMINATION_WORDS}
        return render(contest, nomination=typed, errors=found, problem=None if found else words.refusal(e),
                      status=422)
    except RuleViolation as e:
        return render(ps.service().contest(contest.year), nomination=typed,
                      errors={"supporter": words.refusal(e)["text"]}, problem=words.refusal(e), status=409)
    flash(_("Recorded: the nomination '%(nomination)s'.", nomination=body["nomination"]), "ok")
    return cp.done(url_for("config.prizes.page", _anchor="h-nominations"))
