"""Round 1's scoring parameters on a page (§4.2, Annex "Punktu aprēķins", RULES.md D2-D7;
/sekretariats/konfiguracija/vertesana): the points of the first places and of a value above the median, how the
median is taken, each scored section's weight w(s) and each block's weight W(b), through the command of
PUT /api/contests/<year>/scoring with its reason, until round 1 opens. The cut's size is a rule number
(…/noteikumi, §4.5) and the tie-break has one option (D7): both are shown and sent as recorded.

What a valid value is stays the domain's (domain/scoring_params.py ScoringParams): a refused weight is found by
asking it about each field on its own, and its refusal is shown at that field; nothing is stored.

Field ids: ``ladder-1``, ``ladder-2``, … (one empty at the end to add a place), ``above_median_points``,
``median_rule`` (radios ``median_rule-<rule>``), ``section-<n>`` (empty: the questionnaire's weight),
``block-<block>``, ``reason``.
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
from domain.errors import InvalidInput
from domain.questionnaire_model import BLOCKS
from domain.scoring_params import ScoringParams

blp = Blueprint("scoring", __name__, url_prefix="/konfiguracija/vertesana")

LADDER_MAX = 20
UNSCORED_SECTIONS = range(2, 11)  # the scored sections of the Annex, when no questionnaire is recorded yet
MEDIANS = {"mean_of_middle": ps.N_("For an even count, the mean of the two middle values"),
           "lower_middle": ps.N_("For an even count, the lower of the two middle values"),
           "upper_middle": ps.N_("For an even count, the higher of the two middle values")}
WORDS = {"ladder": ps.N_("Points from 0 to 1000, each place no more than the one before it."),
         "above_median_points": ps.N_("Points from 0 to 1000, no more than the last place's."),
         "median_rule": ps.N_("Choose one of the options listed."),
         "weight": ps.N_("A weight above 0 and at most 1000, e.g. 1 or 1,5.")}


def sections(contest: Contest) -> list[dict[str, Any]]:
    """The scored sections of the recorded questionnaire (or of the Annex), with the questionnaire's own weight."""
    if contest.questionnaire is not None:
        return [{"number": s.number, "title": s.title_lv if ps.language() == "lv" else s.title_en,
                 "weight": s.weight} for s in contest.questionnaire.sections if s.scored]
    return [{"number": n, "title": "", "weight": 1.0} for n in UNSCORED_SECTIONS]


def form_of(params: ScoringParams, contest: Contest) -> dict[str, str]:
    form = {f"ladder-{i}": cp.shown_number(v) for i, v in enumerate(params.ladder, 1)}
    form[f"ladder-{len(params.ladder) + 1}"] = ""
    form["above_median_points"] = cp.shown_number(params.above_median_points)
    form["median_rule"] = params.median_rule
    for s in sections(contest):
        weight = params.section_weights.get(s["number"])
        form[f"section-{s['number']}"] = "" if weight is None else cp.shown_number(weight)
    for b in BLOCKS:
        form[f"block-{b}"] = cp.shown_number(params.block_weights[b])
    form["reason"] = ""
    return form


def render(contest: Contest, form: dict[str, str] | None = None, errors: dict[str, str] | None = None,
           problem: dict[str, str] | None = None, status: int = 200) -> Any:
    params = contest.scoring_params
    form = form or form_of(params, contest)
    ladder = sorted((k for k in form if k.startswith("ladder-")), key=lambda k: int(k.split("-")[1]))
    return cp.page("pages/config_scoring.html", status, contest=contest, actor=cp.actor(), form=form,
                   ladder=ladder, sections=sections(contest), blocks=[(b, ps.block_name(b)) for b in BLOCKS],
                   medians=MEDIANS, params=params, errors=errors or {}, problem=problem,
                   state=words.part_freeze(contest, "scoring"))


@blp.route("", methods=["GET"])
@cp.signed_in
def page(_actor: Actor, contest: Contest) -> Any:
    return render(contest)


def read(form: Mapping[str, str], contest: Contest, errors: dict[str, str]) -> tuple[dict[str, str], dict[str, Any]]:
    """(What was typed, for the form again; the scoring parameters it gives, in the command's JSON form). A number
    that cannot be read is an error at its field; an empty place of the ladder or an empty section weight is left
    out (the section keeps the questionnaire's weight)."""
    typed = {k: form.get(k, "").strip() for k in form if k.startswith(("ladder-", "section-", "block-"))}
    typed |= {k: form.get(k, "").strip() for k in ("above_median_points", "median_rule", "reason")}
    ladder_keys = [f"ladder-{i}" for i in range(1, LADDER_MAX + 1) if f"ladder-{i}" in typed]
    ladder: list[float] = []
    for key in ladder_keys:
        value = cp.decimal(typed.get(key, ""))
        if typed.get(key, "") and value is None:
            errors[key] = _(WORDS["ladder"])
        elif value is not None:
            ladder.append(value)
    above = cp.decimal(typed["above_median_points"])
    if above is None:
        errors["above_median_points"] = _(WORDS["above_median_points"])
    shown = sections(contest)
    recorded = contest.scoring_params
    numbers = {s["number"] for s in shown}  # a weight of a section the questionnaire no longer has stays as recorded
    section_weights = {str(n): w for n, w in recorded.section_weights.items() if n not in numbers}
    for s in shown:
        key = f"section-{s['number']}"
        value = cp.decimal(typed.get(key, ""))
        if typed.get(key, "") and value is None:
            errors[key] = _(WORDS["weight"])
        elif value is not None:
            section_weights[str(s["number"])] = value
    block_weights: dict[str, float] = {}
    for b in BLOCKS:
        value = cp.decimal(typed.get(f"block-{b}", ""))
        if value is None:
            errors[f"block-{b}"] = _(WORDS["weight"])
        else:
            block_weights[b] = value
    value_sent = {"ladder": ladder, "above_median_points": above, "median_rule": typed["median_rule"],
                  "cut_size": recorded.cut_size, "section_weights": section_weights, "block_weights": block_weights,
                  "tie_break": recorded.tie_break}
    return typed, value_sent


def field_errors(e: InvalidInput, value: dict[str, Any]) -> dict[str, str]:
    """ScoringParams' refusals at their fields. A weight's refusal names the map, so each weight of that map is
    asked about on its own (the domain's answer, not a rule repeated here)."""
    out: dict[str, str] = {}
    for key in e.errors:
        if key == "ladder":
            out["ladder-1"] = _(WORDS["ladder"])
        elif key in ("above_median_points", "median_rule"):
            out[key] = _(WORDS[key])
        elif key in ("section_weights", "block_weights"):
            prefix = "section" if key == "section_weights" else "block"
            for name, weight in value[key].items():
                try:
                    ScoringParams.from_dict({key: {name: weight}})
                except InvalidInput:
                    out[f"{prefix}-{name}"] = _(WORDS["weight"])
    return out


@blp.route("", methods=["POST"])
@cp.signed_in
def save(actor: Actor, contest: Contest) -> Any:
    """The command of PUT /api/contests/<year>/scoring: the parameters as the form gives them."""
    errors: dict[str, str] = {}
    typed, value = read(request.form, contest, errors)
    why = cp.reason(request.form, errors)
    if errors:
        return render(contest, typed, errors, status=422)
    if unchanged(value, contest):
        flash(_("Nothing was changed, so nothing was recorded."), "info")
        return cp.done(url_for("config.scoring.page"))
    return cp.record(lambda: ps.service().configure(contest.year, "scoring", value, reason=why, actor=actor),
                     render, typed, fields=lambda e: field_errors(e, value), refused_at="ladder-1",
                     recorded=_("Recorded: the scoring of round 1."), target=url_for("config.scoring.page"))


def unchanged(value: dict[str, Any], contest: Contest) -> bool:
    """Whether the parameters given are those recorded (then nothing is recorded)."""
    try:
        return ScoringParams.from_dict(value) == contest.scoring_params
    except InvalidInput:
        return False
