"""The explanation of one municipality's round-1 score for the page (RULES.md D2–D6, Annex "Punktu aprēķins"):
per question the answer, which direction is better, the median, the place and the points before and after the
weight; per section the sum, its place and what the place is worth; and in words how the section places become
the three block indices and the overall score, with this municipality's own numbers. It only arranges what the
round-1 result computed (domain/scoring_result.py `explanation`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import format_decimal
from flask_babel import gettext as _

from api import page_support as ps
from api.units import unit_value
from domain.contest import Contest


def answer_text(question: Any, value: Any) -> str:
    if value is None or value == "":
        return "–"
    if question is None:
        return str(value)
    if question.kind == "choice":
        option = question.option(str(value))
        return str(value) if option is None else option_label(option)
    if question.kind == "amount" and isinstance(value, int | float):
        return unit_value(value, question.unit, 2)
    return str(value)


def option_label(option: Any) -> str:
    return str(option.label_lv if ps.language() == "lv" else option.label_en)


def better_text(question: Any) -> str:
    """Which answers rank higher (D2): a larger amount, a smaller one (a co-payment), an option nearer the top of
    the list, or any answer at all (a text)."""
    if question is None:
        return "–"
    if question.kind == "amount":
        return _("more is better") if question.direction == "higher_better" else _("less is better")
    if question.kind == "choice":
        return _("the options are listed best first")
    return _("an answer counts")


def median_text(question: Any, median: float | None) -> str:
    """The median of all municipalities' answers (D4) in the question's own terms."""
    if question is None or median is None:
        return "–"
    if question.kind == "amount":
        return unit_value(median, question.unit, 2)
    if question.kind == "choice" and question.options:
        low = int(median)
        high = low if float(median).is_integer() else low + 1
        options = question.options
        first, second = options[max(1, min(low, len(options))) - 1], options[max(1, min(high, len(options))) - 1]
        if first is second:
            return option_label(first)
        return _("between “%(first)s” and “%(second)s”", first=option_label(first), second=option_label(second))
    return "–"


def explanation_view(contest: Contest, data: Mapping[str, Any]) -> dict[str, Any]:
    """The sections with their questions, and the computation in words (D6) with this municipality's numbers."""
    q = contest.questionnaire
    lv = ps.language() == "lv"
    sections: dict[int, dict[str, Any]] = {}
    for row in data["questions"]:
        question = q.question(row["question_id"]) if q else None
        number = row["section"]
        if number not in sections:
            section = q.section(number) if q else None
            sections[number] = {"number": number, "questions": [],
                                "title": (section.title_lv if lv else section.title_en) if section else str(number)}
        sections[number]["questions"].append({
            **row, "text": (question.text_lv if lv else question.text_en) if question else row["question_id"],
            "answer": answer_text(question, row["value"]), "better": better_text(question),
            "median_shown": median_text(question, row.get("median"))})
    params = contest.scoring_params
    blocks = []
    for block, index in data["indices"].items():
        parts = [s for s in data["sections"] if s["block"] == block]
        weights = sum(s["weight"] for s in parts)
        terms = " + ".join(f"{ps.number(s['weight'], 2)} × {ps.number(s['relative'], 3)}" for s in parts)
        blocks.append({"block": block, "index": index, "sections": parts,
                       "formula": f"100 × ({terms}) / {ps.number(weights, 2)} = {ps.number(index, 2)}"})
    block_weights = params.block_weights if params else {}
    overall_terms = " + ".join(f"{ps.number(block_weights.get(b['block'], 1.0), 2)} × {ps.number(b['index'], 2)}"
                               for b in blocks)
    overall_sum = sum(block_weights.get(b["block"], 1.0) for b in blocks)
    return {"sections": list(sections.values()), "blocks": blocks,
            "overall_formula": f"({overall_terms}) / {ps.number(overall_sum, 2)} = {ps.number(data['overall'], 2)}",
            "participants": len(contest.municipalities),
            "ladder": [format_decimal(v, format="#,##0.##") for v in (params.ladder if params else ())],
            "above_median": format_decimal(params.above_median_points if params else 0.5, format="#,##0.##")}
