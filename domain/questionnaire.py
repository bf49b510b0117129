"""The round-1 questionnaire as versioned data (RULES.md "Round 1", Annex "Vērtēšanas sadaļas").

A questionnaire is configuration (RULES.md: "everything that varies by year ... is configuration"): the 2024 one
lives in ``contest/presets/2024/questionnaire.json`` and is loaded, validated and frozen here. Its parts:

- domain.questionnaire_model: the sections, questions and options (Annex), frozen;
- domain.questionnaire_loader: ``load_questionnaire``, which builds one from its JSON form and names every problem;
- domain.questionnaire_answers: ``validate_answers``, which checks a municipality's (partial) save against it and
  normalises it, so the same rules apply to the API, spreadsheet imports and generated data.

This module gathers their names, so the rest of the code imports the questionnaire from one place. Pure domain
code: no framework, no storage, no clock.
"""

from __future__ import annotations

from domain.questionnaire_answers import PROBLEMS, AnswersInvalid, parse_amount, validate_answers
from domain.questionnaire_loader import load_questionnaire
from domain.questionnaire_model import (
    AMOUNT_LIMIT,
    BLOCKS,
    DEFAULT_TEXT_MAX,
    DIRECTIONS,
    ID_PATTERN,
    KINDS,
    TEXT_MAX_LIMIT,
    TOTAL_BLOCKS,
    WEIGHT_MAX,
    Measure,
    Option,
    Problem,
    Question,
    Questionnaire,
    QuestionnaireError,
    Section,
)

__all__ = [
    "AMOUNT_LIMIT", "BLOCKS", "DEFAULT_TEXT_MAX", "DIRECTIONS", "ID_PATTERN", "KINDS", "PROBLEMS", "TEXT_MAX_LIMIT",
    "TOTAL_BLOCKS", "WEIGHT_MAX", "AnswersInvalid", "Measure", "Option", "Problem", "Question", "Questionnaire",
    "QuestionnaireError", "Section",
    "load_questionnaire", "parse_amount", "validate_answers",
]
