"""What each column of the questionnaire's workbook means (contest/questionnaire_sheets.py), in the reader's
language: the sheet ``noradijumi`` of the downloaded template, and the table on the questionnaire's page."""

from __future__ import annotations

from flask_babel import gettext as _

from api import page_support as ps
from contest import questionnaire_sheets as qs

N_ = ps.N_

SHEETS = {
    qs.HEAD_SHEET: N_("The questionnaire: one row"),
    qs.SECTIONS_SHEET: N_("The sections of the Annex, one row each"),
    qs.MEASURES_SHEET: N_("The support measures each section names, one row each"),
    qs.QUESTIONS_SHEET: N_("The questions, one row each, in the order they are asked"),
}
NOTES: tuple[tuple[str, str, str], ...] = (
    (qs.HEAD_SHEET, "id", N_("The questionnaire's id: lowercase letters, digits, '.', '_' or "
                             "'-', e.g. gdp-2025.")),
    (qs.HEAD_SHEET, "version", N_("Its version, e.g. 2025-1: change it when the questions change.")),
    (qs.HEAD_SHEET, "title_lv", N_("Its title in Latvian.")),
    (qs.HEAD_SHEET, "title_en", N_("Its title in English.")),
    (qs.SECTIONS_SHEET, "number", N_("The section's number (1 to 99).")),
    (qs.SECTIONS_SHEET, "title_lv", N_("The section's title in Latvian.")),
    (qs.SECTIONS_SHEET, "title_en", N_("The section's title in English.")),
    (qs.SECTIONS_SHEET, "scored", N_("jā if the section is scored; nē for general information.")),
    (qs.SECTIONS_SHEET, "weight", N_("The section's weight in its block index (default 1).")),
    (qs.MEASURES_SHEET, "section", N_("The number of the section that names the measure.")),
    (qs.MEASURES_SHEET, "lv", N_("The measure's name in Latvian, as the questions name it.")),
    (qs.MEASURES_SHEET, "en", N_("The measure's name in English.")),
    (qs.MEASURES_SHEET, "annex", N_("jā if the rules' Annex names the measure, else nē.")),
    (qs.QUESTIONS_SHEET, "id", N_("The question's id, unique: lowercase letters, digits, '.', '_' "
                                  "or '-', e.g. s2.m1.q1. The answers' import names the question by it.")),
    (qs.QUESTIONS_SHEET, "section", N_("The number of the question's section.")),
    (qs.QUESTIONS_SHEET, "measure", N_("The support measure it describes, in Latvian: one of its section's.")),
    (qs.QUESTIONS_SHEET, "measure_en", N_("The measure in English.")),
    (qs.QUESTIONS_SHEET, "text_lv", N_("The question in Latvian.")),
    (qs.QUESTIONS_SHEET, "text_en", N_("The question in English.")),
    (qs.QUESTIONS_SHEET, "kind", N_("amount (a number), choice (one of the options) or text.")),
    (qs.QUESTIONS_SHEET, "block", N_("regular, one_off or long_term; empty only in a section that is not scored.")),
    (qs.QUESTIONS_SHEET, "weight", N_("The question's weight (default 1).")),
    (qs.QUESTIONS_SHEET, "exclusive_group", N_("Questions with the same group id count once: the highest weighted "
                                               "points among them (at least two, in one section and block).")),
    (qs.QUESTIONS_SHEET, "direction", N_("An amount: higher_better, or lower_better for a cost to parents.")),
    (qs.QUESTIONS_SHEET, "unit", N_("An amount's unit, e.g. EUR, EUR/month, days, %.")),
    (qs.QUESTIONS_SHEET, "min", N_("An amount's lowest value (default 0).")),
    (qs.QUESTIONS_SHEET, "max", N_("An amount's highest value.")),
    (qs.QUESTIONS_SHEET, "counts_toward_total", N_("An amount in EUR of the blocks regular or one_off: jā if it "
                                                   "counts toward the block's EUR total.")),
    (qs.QUESTIONS_SHEET, "max_length", N_("A text: the longest answer in characters (default 2000).")),
    (qs.QUESTIONS_SHEET, "option1_id", N_("A choice: the options best first, each with an id, its labels in "
                                          "Latvian (option1_label_lv) and English (option1_label_en), and "
                                          "option1_none jā if it means the support is not provided. Add "
                                          "option7_id, … for more.")),
)


def notes() -> list[tuple[str, str, str]]:
    """(sheet, column, what it means) in the reader's language."""
    return [(sheet, column, _(text)) for sheet, column, text in NOTES]


def sheets() -> list[tuple[str, str]]:
    return [(name, _(text)) for name, text in SHEETS.items()]
