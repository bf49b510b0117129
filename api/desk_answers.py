"""The municipalities' answers imported from a spreadsheet (§4.2; /sekretariats/atbilzu-imports): the template to
fill in (XLSX or CSV: contest/answer_template.py) and the upload, through the command of POST
/api/contests/<year>/submissions/import (Round1.import_table), all or nothing. A refused file is listed cell by cell
(row, column, what is wrong) and changes nothing; the import is taken only while round 1 is open.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, flash, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from api import config_pages as cp
from api import config_words as words
from api import page_support as ps
from api import table_words
from contest.answer_template import GUIDE_COLUMNS, template_csv, template_xlsx
from contest.table_report import TableInvalid
from domain.actors import Actor
from domain.contest import ROUND1, Contest
from domain.errors import InvalidInput, NotFound, RuleViolation

blp = Blueprint("answers", __name__, url_prefix="/atbilzu-imports")

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
GUIDE_HEADER = {"id": ps.N_("Question id"), "section": ps.N_("Section"), "text": ps.N_("Question"),
                "kind": ps.N_("Kind"), "unit": ps.N_("Unit"), "min": ps.N_("From"), "max": ps.N_("To"),
                "options": ps.N_("Options (id = answer)")}


def render(contest: Contest, errors: dict[str, str] | None = None, problem: dict[str, str] | None = None,
           cells: list[dict[str, Any]] | None = None, status: int = 200) -> Any:
    return cp.page("pages/config_answers.html", status, contest=contest, actor=cp.actor(), errors=errors or {},
                   problem=problem, cells=cells, open=contest.stage == ROUND1,
                   submissions=ps.service().round1.submissions(contest.year))


@blp.route("", methods=["GET"])
@cp.signed_in
def page(_actor: Actor, contest: Contest) -> Any:
    return render(contest)


def _questionnaire(contest: Contest) -> Any:
    if contest.questionnaire is None:
        raise NotFound("questionnaire", contest.year)
    return contest.questionnaire


@blp.route("/veidne.xlsx", methods=["GET"])
@cp.signed_in
def template(_actor: Actor, contest: Contest) -> Any:
    data = template_xlsx(_questionnaire(contest), [(m.code, m.name) for m in contest.municipalities],
                         (_("Answers"), _("Questions")), [_(GUIDE_HEADER[c]) for c in GUIDE_COLUMNS],
                         latvian=ps.language() == "lv")
    return Response(data, mimetype=XLSX,
                    headers={"Content-Disposition": f'attachment; filename="atbildes-{contest.year}.xlsx"'})


@blp.route("/veidne.csv", methods=["GET"])
@cp.signed_in
def template_as_csv(_actor: Actor, contest: Contest) -> Any:
    data = template_csv(_questionnaire(contest), [m.code for m in contest.municipalities])
    return Response(data, mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="atbildes-{contest.year}.csv"'})


@blp.route("", methods=["POST"])
@cp.signed_in
def upload(actor: Actor, contest: Contest) -> Any:
    """Import the file: every bad cell refuses it, else every row's answers are saved (source "import")."""
    file = request.files.get("file")
    if file is None or not file.filename:
        return render(contest, {"file": _("Choose the file to upload (.xlsx or .csv).")}, status=422)
    try:
        done = ps.service().round1.import_table(contest.year, file.read(), file.filename, actor=actor)
    except TableInvalid as e:
        return render(contest, {"file": ngettext("The file has %(num)s problem; nothing was imported.",
                                                 "The file has %(num)s problems; nothing was imported.",
                                                 len(e.cells))},
                      cells=table_words.report(e.cells, contest.questionnaire), status=422)
    except InvalidInput as e:
        return render(contest, problem=words.refusal(e), status=422)
    except RuleViolation as e:
        text = (_("Answers are imported only while round 1 is open.") if e.clause == "§4.2"
                else words.refusal(e)["text"])
        return render(ps.service().contest(contest.year), {"file": text}, {"text": text, "rule": e.clause}, status=409)
    flash(ngettext("Imported: %(answers)s answers for %(num)s municipality.",
                   "Imported: %(answers)s answers for %(num)s municipalities.", done["municipalities"],
                   answers=done["answers"]), "ok")
    return cp.done(url_for("config.answers.page"))
