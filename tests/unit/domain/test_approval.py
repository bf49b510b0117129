"""The council's approval (§7.4, D14; domain.approval): when it may be given, by what decision, and that an
approval given on a digest shown to the council names that digest or nothing."""

from __future__ import annotations

from datetime import date

import pytest

from domain.approval import check_approval, check_named_digest
from domain.errors import InvalidInput, RuleViolation

CLOSED, TODAY = date(2024, 12, 2), date(2024, 12, 10)


def test_s7_4_the_council_approves_once_round_3_has_closed() -> None:
    with pytest.raises(RuleViolation) as e:
        check_approval("round3", None, "Nr. 12", TODAY, today=TODAY)
    assert e.value.clause == "§7.4"
    assert check_approval("finished", CLOSED, " Nr. 12 ", CLOSED, today=TODAY) == "Nr. 12"


def test_s7_4_d14_the_decision_is_dated_between_the_result_and_today() -> None:
    with pytest.raises(InvalidInput) as future:
        check_approval("finished", CLOSED, "Nr. 12", date(2024, 12, 11), today=TODAY)
    assert "decision_date" in future.value.errors
    with pytest.raises(RuleViolation) as early:
        check_approval("finished", CLOSED, "Nr. 12", date(2024, 12, 1), today=TODAY)
    assert (early.value.clause, early.value.field) == ("§7.4, D14", "decision_date")
    with pytest.raises(InvalidInput) as unnamed:
        check_approval("finished", CLOSED, "  ", TODAY, today=TODAY)
    assert "decision_number" in unnamed.value.errors


def test_d14_an_approval_names_the_digest_it_was_shown_or_nothing() -> None:
    check_named_digest("a" * 64, "a" * 64, 94)
    with pytest.raises(RuleViolation) as e:
        check_named_digest("a" * 64, "b" * 64, 95)
    assert (e.value.clause, e.value.field) == ("D14", "digest")
    assert e.value.details == {"digest": "b" * 64, "through": 95}
