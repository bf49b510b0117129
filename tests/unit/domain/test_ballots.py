"""Round-2 ballots (§4.6.4, D8) and the quorum to close round 2 (D9, §3.2.3). One rule per test."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.ballots import check_quorum, validate_ballot
from domain.errors import InvalidInput, RuleViolation

ROUND2 = ["LV-RIX", "LV-DGV", "LV-JEL", "LV-JUR", "LV-LPX", "LV-REZ", "LV-VEN", "LV-VMR", "LV-002", "LV-007"]
VOTING = [f"seat-{i}" for i in range(1, 10)]


def good_ballot(round2: list[str] = ROUND2) -> tuple[dict[str, int], dict[str, str]]:
    """The first five get 5, 4, 3, 2, 1 (D8); every other gets 0 with a justification (§4.6.4)."""
    points = {m: 0 for m in round2}
    points.update(zip(round2[:5], (5, 4, 3, 2, 1), strict=True))
    justifications = {m: f"why {m} gets 0" for m in round2[5:]}
    return points, justifications


def test_s4_6_4_d8_valid_ballot_is_accepted() -> None:
    points, justifications = good_ballot()
    assert validate_ballot(points, justifications, ROUND2) is None


def test_s4_6_4_justification_for_a_point_holder_is_optional_but_allowed() -> None:
    points, justifications = good_ballot()
    assert validate_ballot(points, {**justifications, "LV-RIX": "the best"}, ROUND2) is None  # valid: no error


@pytest.mark.parametrize("bad", [7, -1, "x", 2.0, True, None])
def test_s4_6_4_malformed_point_value_is_invalid_input(bad: object) -> None:
    points, justifications = good_ballot()
    points["LV-VEN"] = bad  # type: ignore[assignment]
    with pytest.raises(InvalidInput) as err:
        validate_ballot(points, justifications, ROUND2)
    assert "points.LV-VEN" in err.value.errors
    assert "§4.6.4" in err.value.errors["points.LV-VEN"][0]


def test_s4_6_4_justification_that_is_not_text_is_invalid_input() -> None:
    points, justifications = good_ballot()
    justifications["LV-VEN"] = 42  # type: ignore[assignment]
    with pytest.raises(InvalidInput) as err:
        validate_ballot(points, justifications, ROUND2)
    assert list(err.value.errors) == ["justifications.LV-VEN"]


def test_s4_6_4_missing_municipality_is_named() -> None:
    points, justifications = good_ballot()
    del points["LV-007"]
    with pytest.raises(RuleViolation) as err:
        validate_ballot(points, justifications, ROUND2)
    assert err.value.clause == "§4.6.4"
    assert err.value.field == "points"
    assert err.value.details == {"unknown": [], "missing": ["LV-007"]}
    assert "LV-007" in err.value.message


def test_s4_6_4_unknown_municipality_is_named() -> None:
    points, justifications = good_ballot()
    points["LV-011"] = 0
    with pytest.raises(RuleViolation) as err:
        validate_ballot(points, {**justifications, "LV-011": "not in round 2"}, ROUND2)
    assert err.value.clause == "§4.6.4"
    assert err.value.details["unknown"] == ["LV-011"]


def test_s4_6_4_justification_for_a_municipality_outside_round2_is_refused() -> None:
    points, justifications = good_ballot()
    with pytest.raises(RuleViolation) as err:
        validate_ballot(points, {**justifications, "LV-011": "?"}, ROUND2)
    assert (err.value.clause, err.value.field) == ("§4.6.4", "justifications")


def test_s4_6_4_six_municipalities_with_points_is_refused() -> None:
    # 5, 4, 3, 2, 1 to the first five and a sixth 1 to LV-REZ: six "best", not five.
    points, justifications = good_ballot()
    points["LV-REZ"] = 1
    with pytest.raises(RuleViolation) as err:
        validate_ballot(points, justifications, ROUND2)
    assert err.value.clause == "§4.6.4"
    assert err.value.details["with_points"] == ROUND2[:6]


def test_s4_6_4_four_municipalities_with_points_is_refused() -> None:
    points, justifications = good_ballot()
    points["LV-LPX"] = 0
    with pytest.raises(RuleViolation) as err:
        validate_ballot(points, {**justifications, "LV-LPX": "dropped"}, ROUND2)
    assert err.value.clause == "§4.6.4"


def test_d8_two_fives_are_refused() -> None:
    # Five municipalities with points, but 5, 5, 3, 2, 1: 5 twice and 4 never.
    points, justifications = good_ballot()
    points["LV-DGV"] = 5
    with pytest.raises(RuleViolation) as err:
        validate_ballot(points, justifications, ROUND2)
    assert err.value.clause == "D8"
    assert err.value.details == {"duplicated": {"5": ["LV-RIX", "LV-DGV"]}, "missing_values": [4]}


@pytest.mark.parametrize("text", [None, "", "   \n"])
def test_s4_6_4_zero_without_justification_is_refused(text: str | None) -> None:
    points, justifications = good_ballot()
    if text is None:
        del justifications["LV-VMR"]
    else:
        justifications["LV-VMR"] = text
    with pytest.raises(RuleViolation) as err:
        validate_ballot(points, justifications, ROUND2)
    assert (err.value.clause, err.value.field) == ("§4.6.4", "justifications")
    assert err.value.details == {"municipalities": ["LV-VMR"]}


def test_d7_d8_round2_of_eleven_top_five_ranked_six_zeros() -> None:
    # D7 "all tied advance": eleven in round 2 -> 5, 4, 3, 2, 1 and six 0s, each 0 justified.
    round2 = [*ROUND2, "LV-011"]
    points, justifications = good_ballot(round2)
    assert sum(1 for v in points.values() if v == 0) == 6
    validate_ballot(points, justifications, round2)
    del justifications["LV-011"]
    with pytest.raises(RuleViolation) as err:
        validate_ballot(points, justifications, round2)
    assert err.value.details == {"municipalities": ["LV-011"]}


def test_round2_list_with_repeats_is_a_caller_error() -> None:
    points, justifications = good_ballot()
    with pytest.raises(ValueError):
        validate_ballot(points, justifications, [*ROUND2, "LV-RIX"])


@given(st.permutations(ROUND2))
def test_d8_any_ranking_of_five_is_valid(order: list[str]) -> None:
    points = {m: 0 for m in ROUND2}
    points.update(zip(order[:5], (5, 4, 3, 2, 1), strict=True))
    assert validate_ballot(points, {m: "reason" for m in order[5:]}, ROUND2) is None  # valid: no error


def test_d9_quorum_met_with_five_voting_seats() -> None:
    assert check_quorum(["seat-1", "seat-2", "seat-3", "seat-4", "seat-5"], VOTING, 5) is None  # met: no error


def test_d9_quorum_not_met_names_how_many_and_how_many_needed() -> None:
    # Four voting seats have ballots; "seat-10" is not a voting seat, so its ballot does not count: 4 < 5.
    with pytest.raises(RuleViolation) as err:
        check_quorum(["seat-1", "seat-2", "seat-3", "seat-4", "seat-10"], VOTING, 5)
    assert err.value.clause == "D9"
    assert err.value.details["ballots"] == 4
    assert err.value.details["needed"] == 5
    assert err.value.details["seats_without_ballots"] == ["seat-5", "seat-6", "seat-7", "seat-8", "seat-9"]
    assert "4 voting seat(s), at least 5 needed" in err.value.message
    assert "§3.2.3" in err.value.message


@pytest.mark.parametrize("quorum", [0, -1, True, 2.5])
def test_d9_quorum_must_be_a_positive_int(quorum: object) -> None:
    with pytest.raises(ValueError):
        check_quorum([], VOTING, quorum)  # type: ignore[arg-type]
