"""The questionnaire on pages (§4.2, Annex; /sekretariats/konfiguracija/anketa): "the questions change from year
to year", so before round 1 opens the secretariat uploads a new one from a spreadsheet (XLSX: the workbook of
contest/questionnaire_sheets.py; CSV: the questions alone) or edits a question's texts, weight, unit and options.
Either way the whole questionnaire goes through the command of PUT /api/contests/<year>/questionnaire
(ContestService.configure, part "questionnaire") with its reason, and the domain validates it
(domain/questionnaire_loader.py). A refused upload changes nothing and is listed cell by cell (sheet, row, column,
what is wrong); a refused edit is shown at its field.

Downloads: the blank template (…/veidne.xlsx), the questionnaire in force as the same workbook (…/anketa.xlsx, to
edit for next year) and its questions as CSV (…/jautajumi.csv).

Field ids of a question's form: ``q-<id>-text_lv``, ``-text_en``, ``-weight``, ``-unit``, ``-option-<n>-label_lv``,
``-option-<n>-label_en``, ``-reason``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Blueprint, Response, flash, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from api import config_pages as cp
from api import config_words as words
from api import page_support as ps
from api import questionnaire_notes, table_words
from contest import questionnaire_sheets as sheets
from contest.questionnaire_import import read_questionnaire
from contest.table_report import TableInvalid
from domain.actors import Actor
from domain.contest import Contest
from domain.errors import InvalidInput, NotFound, RuleViolation
from domain.questionnaire import Question, Questionnaire, QuestionnaireError

blp = Blueprint("questionnaire", __name__, url_prefix="/konfiguracija/anketa")

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def attachment(data: bytes, mimetype: str, filename: str) -> Response:
    return Response(data, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def render(contest: Contest, errors: dict[str, str] | None = None, problem: dict[str, str] | None = None,
           cells: list[dict[str, Any]] | None = None, reason: str = "", status: int = 200) -> Any:
    q = contest.questionnaire
    sections = []
    for s in q.sections if q else ():
        count = sum(1 for x in q.questions if x.section == s.number) if q else 0
        sections.append({"number": s.number, "title": s.title_lv if ps.language() == "lv" else s.title_en,
                         "scored": s.scored, "count": ngettext("%(num)s question", "%(num)s questions", count)})
    return cp.page("pages/config_questionnaire.html", status, contest=contest, actor=cp.actor(), q=q,
                   sections=sections, errors=errors or {}, problem=problem, cells=cells, reason=reason,
                   state=words.part_freeze(contest, "questionnaire"), notes=questionnaire_notes.notes(),
                   sheet_names=dict(questionnaire_notes.sheets()))


@blp.route("", methods=["GET"])
@cp.signed_in
def page(_actor: Actor, contest: Contest) -> Any:
    return render(contest)


@blp.route("/veidne.xlsx", methods=["GET"])
@cp.signed_in
def template(_actor: Actor, _contest: Contest) -> Any:
    data = sheets.workbook_bytes(None, questionnaire_notes.notes())
    return attachment(data, XLSX, "anketa-veidne.xlsx")


def current(contest: Contest) -> Questionnaire:
    if contest.questionnaire is None:
        raise NotFound("questionnaire", contest.year)
    return contest.questionnaire


@blp.route("/anketa.xlsx", methods=["GET"])
@cp.signed_in
def workbook(_actor: Actor, contest: Contest) -> Any:
    data = sheets.workbook_bytes(current(contest), questionnaire_notes.notes())
    return attachment(data, XLSX, f"anketa-{contest.year}.xlsx")


@blp.route("/jautajumi.csv", methods=["GET"])
@cp.signed_in
def questions_csv(_actor: Actor, contest: Contest) -> Any:
    return attachment(sheets.questions_csv(current(contest)), "text/csv", f"anketa-{contest.year}-jautajumi.csv")


@blp.route("/augsupielade", methods=["POST"])
@cp.signed_in
def upload(actor: Actor, contest: Contest) -> Any:
    """Read the uploaded spreadsheet; every bad cell refuses it (nothing changes), else the questionnaire it holds
    is recorded through the command of PUT …/questionnaire."""
    errors: dict[str, str] = {}
    why = cp.reason(request.form, errors)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        errors["file"] = _("Choose the file to upload (.xlsx or .csv).")
    if errors:
        return render(contest, errors, reason=request.form.get("reason", ""), status=422)
    assert upload is not None
    try:
        data = read_questionnaire(upload.read(), upload.filename or "", contest.questionnaire)
        contest = ps.service().configure(contest.year, "questionnaire", data, reason=why, actor=actor)
    except TableInvalid as e:
        return render(contest, {"file": ngettext("The file has %(num)s problem; nothing was changed.",
                                                 "The file has %(num)s problems; nothing was changed.",
                                                 len(e.cells))},
                      cells=table_words.report(e.cells), reason=why, status=422)
    except InvalidInput as e:
        return render(contest, problem=words.refusal(e), reason=why, status=422)
    except RuleViolation as e:
        contest = ps.service().contest(contest.year)
        return render(contest, {"file": words.refusal(e)["text"]}, words.refusal(e), reason=why, status=409)
    q = current(contest)
    flash(ngettext("Recorded: the questionnaire %(version)s with %(num)s question.",
                   "Recorded: the questionnaire %(version)s with %(num)s questions.", len(q.questions),
                   version=q.version), "ok")
    return cp.done(url_for("config.questionnaire.page"))


# ----- a section's questions, each with its own small form -----

def question_form(q: Question) -> dict[str, Any]:
    return {"text_lv": q.text_lv, "text_en": q.text_en, "weight": cp.shown_number(q.weight), "unit": q.unit or "",
            "options": [{"label_lv": o.label_lv, "label_en": o.label_en} for o in q.options], "reason": ""}


def render_section(contest: Contest, number: int, typed: Mapping[str, dict[str, Any]] | None = None,
                   errors: dict[str, str] | None = None, problem: dict[str, str] | None = None,
                   status: int = 200) -> Any:
    q = current(contest)
    if number not in {s.number for s in q.sections}:
        raise NotFound("section", number)
    section = q.section(number)
    questions = [x for x in q.questions if x.section == number]
    forms = {x.id: (typed or {}).get(x.id) or question_form(x) for x in questions}
    numbers = [s.number for s in q.sections]
    return cp.page("pages/config_questionnaire_section.html", status, contest=contest, actor=cp.actor(),
                   section=section, questions=questions, forms=forms, errors=errors or {}, problem=problem,
                   title=section.title_lv if ps.language() == "lv" else section.title_en, sections=numbers,
                   state=words.part_freeze(contest, "questionnaire"))


@blp.route("/sadala/<int:number>", methods=["GET"])
@cp.signed_in
def section(_actor: Actor, contest: Contest, number: int) -> Any:
    return render_section(contest, number)


def read_question(q: Question, form: Mapping[str, str], errors: dict[str, str]) -> dict[str, Any]:
    """The posted changes of one question (texts, weight, unit, the options' labels), as typed."""
    p = f"q-{q.id}"
    typed: dict[str, Any] = {"text_lv": form.get(f"{p}-text_lv", ""), "text_en": form.get(f"{p}-text_en", ""),
                             "weight": form.get(f"{p}-weight", ""), "unit": form.get(f"{p}-unit", ""),
                             "reason": form.get(f"{p}-reason", ""),
                             "options": [{"label_lv": form.get(f"{p}-option-{n}-label_lv", ""),
                                          "label_en": form.get(f"{p}-option-{n}-label_en", "")}
                                         for n in range(1, len(q.options) + 1)]}
    if cp.decimal(typed["weight"]) is None:
        errors[f"{p}-weight"] = _("Enter the weight as a number, e.g. 1 or 1,5.")
    return typed


def changed(q: Questionnaire, question: Question, typed: Mapping[str, Any]) -> dict[str, Any]:
    """The whole questionnaire in its JSON form with the one question changed as typed."""
    data = q.to_dict()
    for item in data["questions"]:
        if item["id"] != question.id:
            continue
        item.update(text_lv=typed["text_lv"].strip(), text_en=typed["text_en"].strip(),
                    weight=cp.decimal(typed["weight"]))
        if question.kind == "amount":
            item["unit"] = typed["unit"].strip()
        for option, labels in zip(item.get("options", []), typed["options"], strict=False):
            option.update(label_lv=labels["label_lv"].strip(), label_en=labels["label_en"].strip())
    return data


def edit_errors(e: QuestionnaireError, q: Questionnaire, question: Question) -> dict[str, str]:
    """The domain's problems of the edited question at its fields."""
    index = list(q.questions).index(question)
    p = f"q-{question.id}"
    out: dict[str, str] = {}
    for problem in e.problems:
        if problem.part != "question" or problem.index != index:
            continue
        field = problem.field
        if field.startswith("options[") and "." in field:
            n = int(field[8:field.index("]")]) + 1
            key = f"{p}-option-{n}-{field.rsplit('.', 1)[-1]}"
        else:
            key = f"{p}-{field}" if field in ("text_lv", "text_en", "weight", "unit") else f"{p}-text_lv"
        out.setdefault(key, ngettext("Fill in this field (at most %(num)s character).",
                                     "Fill in this field (at most %(num)s characters).",
                                     int(problem.params.get("max", 300)))
                       if problem.code in ("required", "unit") else
                       table_words.words_for(problem.code, problem.params, problem.message))
    return out


@blp.route("/jautajums/<string:question_id>", methods=["POST"])
@cp.signed_in
def edit(actor: Actor, contest: Contest, question_id: str) -> Any:
    """Change one question: the whole questionnaire, so changed, through the command of PUT …/questionnaire."""
    q = current(contest)
    if not q.has_question(question_id):
        raise NotFound("question", question_id)
    question = q.question(question_id)
    errors: dict[str, str] = {}
    typed = read_question(question, request.form, errors)
    why = cp.reason(request.form, errors, f"q-{question_id}-reason")
    if errors:
        return render_section(contest, question.section, {question_id: typed}, errors, status=422)
    data = changed(q, question, typed)
    if data == q.to_dict():
        flash(_("Nothing was changed, so nothing was recorded."), "info")
        return cp.done(url_for("config.questionnaire.section", number=question.section, _anchor=f"q-{question_id}"))
    try:
        ps.service().configure(contest.year, "questionnaire", data, reason=why, actor=actor)
    except QuestionnaireError as e:
        return render_section(contest, question.section, {question_id: typed}, edit_errors(e, q, question) or
                              {f"q-{question_id}-text_lv": words.refusal(e)["text"]}, status=422)
    except RuleViolation as e:
        contest = ps.service().contest(contest.year)
        return render_section(contest, question.section, {question_id: typed},
                              {f"q-{question_id}-text_lv": words.refusal(e)["text"]}, words.refusal(e), 409)
    flash(_("Recorded: the question %(id)s.", id=question_id), "ok")
    return cp.done(url_for("config.questionnaire.section", number=question.section, _anchor=f"q-{question_id}"))
