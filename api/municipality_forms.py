"""The questionnaire's sections as forms for a municipality (§4.2, Annex): each question a field with its unit and
help, what a Latvian types read into answers ("12,5", "1 500"), and the domain's refusals worded per question in the
reader's language. The domain (domain/questionnaire_answers.py) decides what an answer may be and reports each
refusal's kind (``AnswersInvalid.kinds``); this module only words those kinds, and reads numbers as people write
them before the command is called (api/municipality.py)."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

from flask_babel import format_decimal, ngettext
from flask_babel import gettext as _

from api import page_support as ps
from api.explanation import answer_text
from api.units import unit_word
from domain.errors import InvalidInput
from domain.questionnaire import (
    DEFAULT_TEXT_MAX,
    AnswersInvalid,
    Question,
    Questionnaire,
)

FIELD_PREFIX = "q-"  # a field's name and id: "q-" and the question id (no question id can then be "csrf_token")

# As a Latvian writes a number (LATVIAN.md): a decimal comma (a dot is taken too), spaces (also non-breaking ones)
# between groups of three digits; in English also commas between such groups.
_SPACED = re.compile(r"^([-−]?)(\d{1,3}(?:[ \u00a0\u202f\u2009]\d{3})+|\d+)(?:[,.](\d+))?$")
_COMMAS = re.compile(r"^([-−]?)(\d{1,3}(?:,\d{3})+)(?:\.(\d+))?$")


def field_name(question_id: str) -> str:
    return FIELD_PREFIX + question_id


def read_amount(text: str, language: str) -> float | int | None:
    """A typed amount as a number, or None if it is not one: '12,5' and '12.5' -> 12.5, '1 500' -> 1500; in
    English '1,500' -> 1500. A minus sign is kept (the domain refuses negative amounts with its own reason)."""
    text = text.strip()
    m = _COMMAS.match(text) if language == "en" else None
    m = m or _SPACED.match(text)
    if m is None:
        return None
    sign, whole, fraction = m.groups()
    number = float(f"{'-' if sign else ''}{re.sub(r'[^0-9]', '', whole)}.{fraction or '0'}")
    if not math.isfinite(number):
        return None
    return int(number) if number.is_integer() and abs(number) < 2**53 else number


def shown_amount(value: Any) -> str:
    """An amount as the input shows it, in the reader's form ('1 500', '12,5'): read_amount reads it back."""
    return "" if value is None else format_decimal(value, format="#,##0.##########")


def same_answer(given: Any, current: Any) -> bool:
    if isinstance(given, int | float) and isinstance(current, int | float) and not isinstance(current, bool):
        return math.isclose(given, current, rel_tol=1e-12, abs_tol=1e-12)
    return bool(given == current)


def _number(value: float | None) -> str:
    return format_decimal(value or 0, format="#,##0.##")


def not_a_number_text() -> str:
    return _("Enter a number in digits, e.g. 12.5 or 1,500.")


def problem_text(question: Question | None, kind: str) -> str:
    """One refused answer, in the reader's language, from the kind of problem the domain reported."""
    if kind == "not_a_number":
        return not_a_number_text()
    if kind == "negative":
        return _("The number must not be negative.")
    if kind == "out_of_range" and question is not None:
        return _("Enter a number from %(low)s to %(high)s.", low=_number(question.min), high=_number(question.max))
    if kind == "not_an_option":
        return _("Choose one of the answers listed.")
    if kind == "not_text":
        return _("Enter the answer as text.")
    if kind == "too_long":
        limit = (question.max_length if question else None) or DEFAULT_TEXT_MAX
        return ngettext("The text may be at most %(num)s character long.",
                        "The text may be at most %(num)s characters long.", limit)
    if kind == "forbidden_character":
        return _("The text contains a character that cannot be saved; please remove it.")
    if kind == "unknown_question":
        return _("This question is not in the questionnaire.")
    return _("This answer could not be accepted.")


def refusal_by_question(e: InvalidInput, questionnaire: Questionnaire) -> dict[str, list[str]]:
    """The domain's refusal of a save, per question id, in the reader's language (a kind the domain did not
    name is worded generally)."""
    kinds = e.kinds if isinstance(e, AnswersInvalid) else {}
    out: dict[str, list[str]] = {}
    for key, messages in e.errors.items():
        question = questionnaire.question(key) if questionnaire.has_question(key) else None
        named = kinds.get(key) or ["" for _m in messages]
        out[key] = [problem_text(question, kind) for kind in named]
    return out


def read_section(questions: tuple[Question, ...], form: Mapping[str, str], answers: Mapping[str, Any],
                 language: str) -> tuple[dict[str, Any], dict[str, str], dict[str, list[str]]]:
    """What a section's form changes: (the changed answers, None clearing one; what was typed, per question id;
    the numbers that could not be read, per question id). A question whose field was not sent is left as it is."""
    changes: dict[str, Any] = {}
    typed: dict[str, str] = {}
    errors: dict[str, list[str]] = {}
    for q in questions:
        name = field_name(q.id)
        if name not in form:
            continue
        raw = form[name].replace("\r\n", "\n")
        typed[q.id] = raw
        value: Any = raw.strip() or None
        if q.kind == "amount" and value is not None:
            value = read_amount(value, language)
            if value is None:
                errors[q.id] = [not_a_number_text()]
                continue
        if not same_answer(value, answers.get(q.id)):
            changes[q.id] = value
    return changes, typed, errors


def _option_label(option: Any, lv: bool) -> str:
    return str(option.label_lv if lv else option.label_en)


def question_field(q: Question, answers: Mapping[str, Any], typed: Mapping[str, str],
                   errors: Mapping[str, list[str]]) -> dict[str, Any]:
    """One question as the section page shows it: its text, help, unit, the value in the field (what was typed
    when the save was refused, else the answer in force) and its errors."""
    lv = ps.language() == "lv"
    current = answers.get(q.id)
    if q.id in typed:
        value = typed[q.id]
    elif q.kind == "amount":
        value = shown_amount(current)
    else:
        value = "" if current is None else str(current)
    field: dict[str, Any] = {
        "id": field_name(q.id), "name": field_name(q.id), "kind": q.kind,
        "text": q.text_lv if lv else q.text_en, "value": value, "errors": errors.get(q.id, []),
        "answer": answer_text(q, current), "unit": unit_word(q.unit) if q.kind == "amount" else "", "hint": ""}
    if q.kind == "amount":
        field["hint"] = _("From %(low)s to %(high)s.", low=_number(q.min), high=_number(q.max))
    elif q.kind == "choice":
        field["options"] = [{"value": o.id, "label": _option_label(o, lv), "id": f"{field['id']}-{i}"}
                            for i, o in enumerate(q.options, start=1)]
        field["first_id"] = f"{field['id']}-1"  # the error summary's link; "-0" is "not answered"
    else:
        limit = q.max_length or DEFAULT_TEXT_MAX
        field["max_length"] = limit
        field["hint"] = ngettext("At most %(num)s character.", "At most %(num)s characters.", limit)
    described = [("hint", field["hint"]), ("unit", field["unit"]), ("error", field["errors"])]
    field["described"] = " ".join(f"{field['id']}-{part}" for part, shown in described if shown)  # aria-describedby
    return field


def section_groups(questions: tuple[Question, ...], answers: Mapping[str, Any], typed: Mapping[str, str],
                   errors: Mapping[str, list[str]]) -> list[dict[str, Any]]:
    """A section's questions under the support measure each describes (Annex), in the questionnaire's order."""
    lv = ps.language() == "lv"
    groups: list[dict[str, Any]] = []
    for q in questions:
        measure = q.measure if lv else q.measure_en
        if not groups or groups[-1]["measure"] != measure:
            groups.append({"measure": measure, "id": f"measure-{len(groups) + 1}", "fields": []})
        groups[-1]["fields"].append(question_field(q, answers, typed, errors))
    return groups


def section_progress(questionnaire: Questionnaire, answers: Mapping[str, Any],
                     saved_at: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Per section of the Annex: its title, how many of its questions are answered, and when a save last named one
    of them (what the municipality has sent)."""
    lv = ps.language() == "lv"
    rows = []
    for s in questionnaire.sections:
        ids = [q.id for q in questionnaire.questions if q.section == s.number]
        times = [saved_at[i] for i in ids if i in saved_at]
        answered = sum(1 for i in ids if i in answers)
        rows.append({"number": s.number, "title": s.title_lv if lv else s.title_en, "questions": len(ids),
                     "answered": answered, "last_saved_at": max(times) if times else None,
                     "progress": ngettext("%(answered)s of %(num)s question answered",
                                          "%(answered)s of %(num)s questions answered", len(ids),
                                          answered=answered)})
    return rows
