"""A refused spreadsheet's cells (contest/table_report.py Cell) in the reader's language: the questionnaire's import
(contest/questionnaire_import.py, with the domain's problems, domain.questionnaire.Problem) and the answers' import
(contest/answer_import.py, with an answer's problem worded as on the municipality's pages). A kind this module does
not know is shown with the English message."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from flask_babel import gettext as _

from api import page_support as ps
from api.municipality_forms import problem_text
from contest.table_report import FILE, Cell
from domain.questionnaire import PROBLEMS, Questionnaire

N_ = ps.N_

WORDS = {
    # the file
    "format": N_("Upload a .xlsx or a .csv file."),
    "encoding": N_("The CSV is not in UTF-8: save it as 'CSV UTF-8'."),
    "unreadable": N_("The file cannot be read as a spreadsheet."),
    "no_sheets": N_("The workbook has no sheets."),
    "empty": N_("The table is empty."),
    "too_large": N_("The table is too large (at most %(rows)s rows and %(columns)s columns)."),
    "missing_sheet": N_("The workbook needs the sheet 'jautajumi' with the questions."),
    "needs_sections": N_("The contest has no questionnaire yet: upload the workbook with its sheets 'anketa', "
                         "'sadalas' and 'pasakumi'."),
    # a header row
    "missing_column": N_("The sheet needs this column."),
    "unknown_column": N_("Unknown column: the sheet 'noradijumi' lists the columns."),
    "duplicate_column": N_("This column appears twice (also column %(other)s)."),
    "first_column": N_("The first column must be headed 'municipality'."),
    "unnamed_column": N_("A column with answers needs a question id in its header."),
    "unknown_question": N_("No question of the questionnaire has this id."),
    # reading a cell
    "not_a_whole_number": N_("Write a whole number."),
    "not_a_boolean": N_("Write jā or nē."),
    # the questionnaire (domain.questionnaire_loader's problems)
    "required": N_("Fill in this cell (at most %(max)s characters)."),
    "id": N_("An id: 1 to 64 lowercase letters, digits, '.', '_' or '-'."),
    "boolean": N_("Write jā or nē."),
    "weight": N_("The weight: a number above 0 and at most %(max)s."),
    "list": N_("The sheet has no rows."),
    "object": N_("This row cannot be read."),
    "duplicate": N_("This is used more than once; each must be different."),
    "misplaced_fields": N_("Only a question of the kind %(kind)s fills in this column; leave it empty."),
    "unknown_fields": N_("Unknown column."),
    "choice": N_("Write one of: %(allowed)s."),
    "section_number": N_("A section's number: a whole number from 1 to 99."),
    "unknown_section": N_("There is no such section in the sheet 'sadalas'."),
    "measure_not_in_section": N_("This measure is not one of section %(section)s's measures (the sheet "
                                 "'pasakumi')."),
    "measure": N_("A measure needs its Latvian and English names (at most %(max)s characters)."),
    "options_few": N_("A choice question needs at least two options, the best first."),
    "options_all_none": N_("Every option is marked as 'not provided': there is nothing to rank."),
    "unit": N_("An amount needs a unit, e.g. EUR, EUR/month, days or %% (at most %(max)s characters)."),
    "number": N_("Write a number."),
    "range": N_("Needs 0 ≤ min < max ≤ %(limit)s."),
    "total_block": N_("Only amounts of the blocks regular and one_off count toward the EUR totals."),
    "total_unit": N_("Only amounts in EUR count toward the EUR totals."),
    "total_direction": N_("A co-payment (lower_better) is not a benefit: it cannot count toward the EUR totals."),
    "max_length": N_("The longest answer: a whole number from 1 to %(max)s."),
    "group_single": N_("The exclusive group %(group)s has only this question; it needs at least two."),
    "group_blocks": N_("The exclusive group %(group)s mixes blocks (see the question %(other)s): its questions must "
                       "be in one block."),
    "group_sections": N_("The exclusive group %(group)s spans sections (see the question %(other)s): its questions "
                         "must be in one section."),
    "group_unscored": N_("The exclusive group %(group)s is in section %(section)s, which is not scored."),
    # the answers (contest/answer_import.py)
    "missing_municipality": N_("Write the municipality's code, e.g. LV-RIX."),
    "unknown_municipality": N_("No participating municipality has the code %(value)s."),
    "duplicate_row": N_("This municipality has a row already (row %(first)s)."),
    "outside_header": N_("A value outside the header's columns."),
}


def _param(value: Any) -> str:
    if isinstance(value, list | tuple):
        return ", ".join(map(str, value))
    if isinstance(value, float):
        return ps.number(value, 0)
    return str(value)


def cell_text(cell: Cell, questionnaire: Questionnaire | None = None) -> str:
    """One problem in the reader's language; an answer's problem as the municipality's pages word it."""
    if cell.code in PROBLEMS and cell.code != "unknown_question":
        question_id = str(cell.params.get("question", ""))
        question = questionnaire.question(question_id) if questionnaire and questionnaire.has_question(
            question_id) else None
        return problem_text(question, cell.code)
    return words_for(cell.code, cell.params, cell.message)


def words_for(code: str, params: Mapping[str, Any], message: str) -> str:
    """A kind of problem (WORDS) with its parameters in the reader's language; else the English `message`."""
    if code in WORDS:
        try:
            return _(WORDS[code], **{k: _param(v) for k, v in params.items()})
        except KeyError:  # a kind given without the parameter its words need
            pass
    return message


def report(cells: Iterable[Cell], questionnaire: Questionnaire | None = None) -> list[dict[str, Any]]:
    """The rows of the per-cell report: the sheet, the row (None for the whole file), the column's letter and
    header, and what is wrong."""
    return [{"sheet": c.sheet, "row": None if c.row == FILE else c.row, "letter": c.letter, "column": c.column,
             "text": cell_text(c, questionnaire), "code": c.code} for c in cells]
