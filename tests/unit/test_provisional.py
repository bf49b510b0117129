"""D18 (domain.provisional): who sees round 1's provisional results, and what of them, one behaviour per test."""

from __future__ import annotations

import pytest

from domain.provisional import FULL, OWN_ANSWERS, REFUSED, own_answers, round1_results_access


@pytest.mark.parametrize("role", [None, "public", "secretariat", "juror", "auditor", "council", "municipality"])
def test_d18_everything_is_public_once_round1_closes(role: str | None) -> None:
    assert round1_results_access(role, closed=True) == FULL
    assert round1_results_access(role, closed=True, own=True) == FULL


def test_d18_the_secretariat_reads_the_provisional_results() -> None:
    assert round1_results_access("secretariat", closed=False) == FULL


def test_d18_a_municipality_reads_its_own_answers_only() -> None:
    assert round1_results_access("municipality", closed=False, own=True) == OWN_ANSWERS
    assert round1_results_access("municipality", closed=False, own=False) == REFUSED


@pytest.mark.parametrize("role", [None, "public", "juror", "auditor", "council"])
def test_d18_nobody_else_reads_the_provisional_results(role: str | None) -> None:
    assert round1_results_access(role, closed=False) == REFUSED


def test_d18_the_trimmed_explanation_keeps_the_answers_and_drops_what_the_others_decide() -> None:
    question = {"question_id": "1.1", "section": 1, "block": "regular", "kind": "amount", "value": 120,
                "comparable": 120.0, "provided": True, "place": 3, "median": 80.0, "points": 0.8,
                "weight": 1.0, "weighted_points": 0.8, "counted": True, "exclusive_group": None,
                "excluded_by_group": None}
    trimmed = own_answers({"municipality": "LV-RIX", "place": 2, "overall": 71.2, "sections": [],
                           "questions": [question]})
    assert set(trimmed) == {"municipality", "questions", "withheld"}
    assert trimmed["questions"] == [{"question_id": "1.1", "section": 1, "block": "regular", "kind": "amount",
                                     "value": 120, "comparable": 120.0, "provided": True,
                                     "exclusive_group": None}]
