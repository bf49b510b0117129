"""The finalists of round 2 (§4.6.7, D10, D11) and jury decisions on ties (§3.2.4).

Ballots are written as rankings: ``rank(a, b, c, d, e)`` gives 5, 4, 3, 2, 1 (D8). The chair is seat-1.
"""

from __future__ import annotations

import json
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.errors import InvalidInput, RuleViolation
from domain.finalists import determine_finalists
from domain.ties import JuryDecision

A, B, C, D, E, F, G, H, K, J = ROUND2 = [
    "LV-RIX", "LV-DGV", "LV-JEL", "LV-JUR", "LV-LPX", "LV-REZ", "LV-VEN", "LV-VMR", "LV-002", "LV-007",
]
OUTSIDE = "LV-011"  # not in round 2 (D10: residents may rate any participant)
OTHER = "LV-016"
CHAIR = "seat-1"


def rank(*order: str) -> dict[str, int]:
    """A ballot: the five best get 5, 4, 3, 2, 1 (D8); the others 0 (left out here, as in the aggregate)."""
    return dict(zip(order, (5, 4, 3, 2, 1), strict=True))


# Clear jury order.
#   seat-1 (chair): A B C D E   -> A5 B4 C3 D2 E1
#   seat-2:         A B C D E   -> A5 B4 C3 D2 E1
#   seat-3:         A B C D E   -> A5 B4 C3 D2 E1
#   seat-4:         B A C D F   -> B5 A4 C3 D2 F1
#   seat-5:         A B C E D   -> A5 B4 C3 E2 D1
# Totals: A 5+5+5+4+5 = 24, B 4+4+4+5+4 = 21, C 3*5 = 15, D 2+2+2+2+1 = 9, E 1+1+1+0+2 = 5, F 1.
CLEAR = {
    "seat-1": rank(A, B, C, D, E),
    "seat-2": rank(A, B, C, D, E),
    "seat-3": rank(A, B, C, D, E),
    "seat-4": rank(B, A, C, D, F),
    "seat-5": rank(A, B, C, E, D),
}

# D and E tie at the 4th/5th place; the chair ranks D above E.
#   seat-1 (chair): A B C D E -> D2 E1
#   seat-2:         A B C E D -> E2 D1
#   seat-3:         A B C D E -> D2 E1
#   seat-4:         A B C E D -> E2 D1
#   seat-5:         A B C F G -> F2 G1
# Totals: A 25, B 20, C 15, D 2+1+2+1+0 = 6, E 1+2+1+2+0 = 6, F 2, G 1. Chair: D 2 > E 1.
CHAIR_BREAKS = {
    "seat-1": rank(A, B, C, D, E),
    "seat-2": rank(A, B, C, E, D),
    "seat-3": rank(A, B, C, D, E),
    "seat-4": rank(A, B, C, E, D),
    "seat-5": rank(A, B, C, F, G),
}

# D and E tie at the 4th/5th place and the chair gave both 0.
#   seat-1 (chair): A B C F G -> D0 E0
#   seat-2: A B C D E (D2 E1), seat-3: A B C E D (E2 D1), seat-4: A B C D E (D2 E1), seat-5: A B C E D (E2 D1)
# Totals: A 25, B 20, C 15, D 0+2+1+2+1 = 6, E 0+1+2+1+2 = 6, F 2, G 1. Chair: D 0 = E 0.
CHAIR_CANNOT = {
    "seat-1": rank(A, B, C, F, G),
    "seat-2": rank(A, B, C, D, E),
    "seat-3": rank(A, B, C, E, D),
    "seat-4": rank(A, B, C, D, E),
    "seat-5": rank(A, B, C, E, D),
}

# Places 3–6: C, D, E and F share 6 points.
#   seat-1 (chair): A B C G H -> A5 B4 C3 G2 H1
#   seat-2:         A B D E F -> D3 E2 F1
#   seat-3:         A B E F D -> E3 F2 D1
#   seat-4:         A B F D E -> F3 D2 E1
#   seat-5:         A B C K J -> C3 K2 J1
# Totals: A 25, B 20, C 3+3 = 6, D 3+1+2 = 6, E 2+3+1 = 6, F 1+2+3 = 6, G 2, K 2, H 1, J 1.
# Chair: C 3, D 0, E 0, F 0.
SPAN_3_TO_6 = {
    "seat-1": rank(A, B, C, G, H),
    "seat-2": rank(A, B, D, E, F),
    "seat-3": rank(A, B, E, F, D),
    "seat-4": rank(A, B, F, D, E),
    "seat-5": rank(A, B, C, K, J),
}


def decision(kind: str, tied: list[str], chosen: list[str], votes_for: int = 6, total: int = 9) -> JuryDecision:
    return JuryDecision(kind=kind, tied=tuple(tied), chosen=tuple(chosen), text="decided at the sitting",
                        votes_for=votes_for, votes_total=total)


def pairs(outcome) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    return [(f.municipality, f.via) for f in outcome.finalists]


def test_s4_6_7_d10_residents_choice_outside_the_jury_four() -> None:
    # Jury: A 24, B 21, C 15, D 9 are the four. Residents: LV-011 5 votes, sum 24 -> 24/5 = 4.8 (best).
    # LV-011 is not even in round 2 (D10): it is the fifth, via the residents' vote.
    out = determine_finalists(ROUND2, CLEAR, CHAIR, {OUTSIDE: (5, 24), B: (10, 40)})
    assert not out.blocked
    assert out.residents_choice == OUTSIDE
    assert pairs(out) == [(A, "jury"), (B, "jury"), (C, "jury"), (D, "jury"), (OUTSIDE, "residents_vote")]
    assert [f.position for f in out.finalists] == [1, 2, 3, 4, 5]
    assert out.finalists[-1].jury_points is None
    assert [(r.municipality, r.points, r.chair_points) for r in out.jury_table[:5]] == [
        (A, 24, 5), (B, 21, 4), (C, 15, 3), (D, 9, 2), (E, 5, 1)]
    assert out.vote_table[0].average == Fraction(24, 5)
    assert out.ties == ()


def test_s4_6_7_residents_choice_inside_the_four_gives_the_jury_fifth() -> None:
    # Residents: B 10 votes, sum 48 -> 4.8; LV-011 5 votes, sum 22 -> 4.4. B is already one of the four
    # (A 24, B 21, C 15, D 9), so the jury's fifth, E (5 points), goes through instead.
    out = determine_finalists(ROUND2, CLEAR, CHAIR, {B: (10, 48), OUTSIDE: (5, 22)})
    assert out.residents_choice == B
    assert pairs(out) == [(A, "jury"), (B, "jury"), (C, "jury"), (D, "jury"), (E, "jury_fifth")]
    assert any("§4.6.7" in n and E in n for n in out.notes)


def test_s4_6_7_no_votes_at_all_the_jury_fifth_goes_through() -> None:
    # No residents' votes: the jury's points fill all five places: A 24, B 21, C 15, D 9, E 5.
    out = determine_finalists(ROUND2, CLEAR, CHAIR, {})
    assert out.residents_choice is None
    assert pairs(out) == [(A, "jury"), (B, "jury"), (C, "jury"), (D, "jury"), (E, "jury_fifth")]
    assert any("no residents' votes" in n for n in out.notes)


def test_d11_jury_tie_at_4th_5th_broken_by_the_chair() -> None:
    # D 6 = E 6 at the 4th/5th place; the chair gave D 2 and E 1 -> D is fourth. Residents: LV-011.
    out = determine_finalists(ROUND2, CHAIR_BREAKS, CHAIR, {OUTSIDE: (3, 12)})
    assert not out.blocked
    assert pairs(out) == [(A, "jury"), (B, "jury"), (C, "jury"), (D, "jury"), (OUTSIDE, "residents_vote")]
    (tie,) = out.ties
    assert (tie.kind, tie.tied, tie.places, tie.resolution, tie.chosen) == (
        "jury_4th_place", (D, E), 1, "tiebreak", (D,))
    assert dict(tie.tiebreak_values or ()) == {D: 2, E: 1}


def test_d11_jury_4th_5th_tie_does_not_matter_when_residents_choice_is_in_the_four() -> None:
    # Same ballots (D 6 = E 6), but the residents chose A (in the four): the jury fills five places,
    # A 25, B 20, C 15, D 6, E 6 -> D and E both go through, no tie to break at that boundary.
    out = determine_finalists(ROUND2, CHAIR_BREAKS, CHAIR, {A: (3, 15)})
    assert {f.municipality for f in out.finalists} == {A, B, C, D, E}
    assert pairs(out)[-1] == (E, "jury_fifth")  # chair points order D (2) before E (1)
    assert out.ties == ()


def test_d11_tie_the_chair_cannot_break_blocks_until_a_decision() -> None:
    # D 6 = E 6, chair D 0 = E 0: still tied -> blocked; the open tie is D/E for one place.
    votes = {OUTSIDE: (3, 12)}
    out = determine_finalists(ROUND2, CHAIR_CANNOT, CHAIR, votes)
    assert out.blocked and out.finalists == ()
    assert [t.to_dict() for t in out.open_ties] == [
        {"kind": "jury_4th_place", "tied": [D, E], "places": 1, "clause": "D11"}]
    # The jury decides for E by 6 of 9 (6 > 9/2, §3.2.4).
    chosen = decision("jury_4th_place", [E, D], [E])
    out.open_ties[0].check_decision(chosen)
    out2 = determine_finalists(ROUND2, CHAIR_CANNOT, CHAIR, votes, [chosen])
    assert not out2.blocked
    assert pairs(out2) == [(A, "jury"), (B, "jury"), (C, "jury"), (E, "jury"), (OUTSIDE, "residents_vote")]
    assert out2.ties[0].resolution == "decision"
    assert out2.used_decisions == (chosen,) and out2.unused_decisions == ()


def test_d11_decision_on_another_tie_does_not_apply() -> None:
    stale = decision("jury_4th_place", [D, F], [D])
    out = determine_finalists(ROUND2, CHAIR_CANNOT, CHAIR, {OUTSIDE: (3, 12)}, [stale])
    assert out.blocked
    assert out.unused_decisions == (stale,)
    with pytest.raises(RuleViolation) as err:
        out.open_ties[0].check_decision(stale)
    assert err.value.clause == "D11"


def test_s3_2_4_decision_without_majority_is_refused() -> None:
    # 4 of 8 is not more than half (4 > 8/2 is false); 5 of 9 is (5 > 4.5).
    with pytest.raises(RuleViolation) as err:
        decision("jury_4th_place", [D, E], [E], votes_for=4, total=8)
    assert err.value.clause == "§3.2.4"
    assert err.value.details == {"votes_for": 4, "votes_total": 8, "needed": 5}
    decision("jury_4th_place", [D, E], [E], votes_for=5, total=9)


def test_d11_decision_needs_a_justification_and_well_formed_fields() -> None:
    with pytest.raises(RuleViolation) as err:
        JuryDecision("jury_4th_place", (D, E), (E,), "  ", 6, 9)
    assert err.value.clause == "D11"
    with pytest.raises(InvalidInput) as bad:
        JuryDecision("coin_toss", (D, E), (F,), "x", 10, 9)
    assert set(bad.value.errors) == {"kind", "chosen", "votes_for"}


def test_d11_vote_average_tie_broken_by_the_number_of_votes() -> None:
    # LV-011: 10 votes, sum 45 -> 4.5; LV-016: 4 votes, sum 18 -> 4.5; C: 5 votes, sum 22 -> 4.4.
    # LV-011 and LV-016 tie on 4.5; LV-011 has more votes (10 > 4) -> LV-011 is the residents' choice.
    out = determine_finalists(ROUND2, CLEAR, CHAIR, {OTHER: (4, 18), OUTSIDE: (10, 45), C: (5, 22)})
    assert out.residents_choice == OUTSIDE
    assert pairs(out)[-1] == (OUTSIDE, "residents_vote")
    (tie,) = out.ties
    assert (tie.kind, tie.tied, tie.resolution, tie.chosen) == (
        "residents_choice", (OUTSIDE, OTHER), "tiebreak", (OUTSIDE,))
    assert dict(tie.tiebreak_values or ()) == {OUTSIDE: 10, OTHER: 4}
    assert [(r.municipality, r.rank) for r in out.vote_table] == [(OUTSIDE, 1), (OTHER, 2), (C, 3)]


def test_d11_vote_tie_with_equal_counts_blocks_then_decision() -> None:
    # LV-011 and LV-016: 4 votes, sum 18 each -> 4.5 and 4 votes: still tied; both outside the four.
    votes = {OUTSIDE: (4, 18), OTHER: (4, 18)}
    out = determine_finalists(ROUND2, CLEAR, CHAIR, votes)
    assert out.blocked
    assert [t.to_dict() for t in out.open_ties] == [
        {"kind": "residents_choice", "tied": [OUTSIDE, OTHER], "places": 1, "clause": "D11"}]
    out2 = determine_finalists(ROUND2, CLEAR, CHAIR, votes, [decision("residents_choice", [OTHER, OUTSIDE],
                                                                       [OTHER])])
    assert pairs(out2)[-1] == (OTHER, "residents_vote")


def test_d11_vote_tie_that_does_not_change_the_finalists_needs_no_decision() -> None:
    # A and B: 2 votes, sum 10 each (5.0). Both are in the jury's four (A 24, B 21), so whichever is the
    # residents' choice, the jury's fifth (E) goes through: no decision needed.
    out = determine_finalists(ROUND2, CLEAR, CHAIR, {A: (2, 10), B: (2, 10)})
    assert not out.blocked
    assert out.residents_choice is None
    assert pairs(out) == [(A, "jury"), (B, "jury"), (C, "jury"), (D, "jury"), (E, "jury_fifth")]
    assert out.ties[0].resolution == "not_needed"


def test_d11_tie_spanning_places_3_to_6_chair_then_decision() -> None:
    # C, D, E, F share 6 points behind A 25 and B 20: they compete for places 3 and 4 (two places).
    # Chair: C 3, D/E/F 0 -> C takes one; D, E, F still tied for the last place of the four.
    votes = {OUTSIDE: (1, 5)}
    out = determine_finalists(ROUND2, SPAN_3_TO_6, CHAIR, votes)
    assert out.blocked
    (tie,) = out.ties
    assert (tie.tied, tie.places, tie.chosen, tie.still_tied, tie.still_places) == (
        (C, D, E, F), 2, (C,), (D, E, F), 1)
    assert [t.to_dict() for t in out.open_ties] == [
        {"kind": "jury_4th_place", "tied": [D, E, F], "places": 1, "clause": "D11"}]
    out2 = determine_finalists(ROUND2, SPAN_3_TO_6, CHAIR, votes, [decision("jury_4th_place", [D, E, F], [F])])
    assert pairs(out2) == [(A, "jury"), (B, "jury"), (C, "jury"), (F, "jury"), (OUTSIDE, "residents_vote")]


def test_d11_tie_spanning_places_3_to_6_when_residents_choice_is_first_is_a_5th_place_tie() -> None:
    # Residents chose A (in the four): the jury fills five places. Without A: B 20, then C/D/E/F 6 for three
    # places; chair C 3 -> C; D, E, F still tied for two places (the jury's 4th and 5th overall).
    out = determine_finalists(ROUND2, SPAN_3_TO_6, CHAIR, {A: (1, 5)})
    assert [t.to_dict() for t in out.open_ties] == [
        {"kind": "jury_5th_place", "tied": [D, E, F], "places": 2, "clause": "D11"}]
    out2 = determine_finalists(ROUND2, SPAN_3_TO_6, CHAIR, {A: (1, 5)},
                               [decision("jury_5th_place", [D, E, F], [E, D])])
    assert pairs(out2) == [(A, "jury"), (B, "jury"), (C, "jury"), (E, "jury"), (D, "jury_fifth")]


def test_d11_residents_choice_inside_the_tied_group_takes_its_place() -> None:
    # Residents chose D, one of C/D/E/F (6 each). D goes through; A 25, B 20 and two of C/E/F complete the
    # four; chair C 3 -> C; E and F still tied for one place.
    out = determine_finalists(ROUND2, SPAN_3_TO_6, CHAIR, {D: (1, 5)})
    assert [t.to_dict() for t in out.open_ties] == [
        {"kind": "jury_4th_place", "tied": [E, F], "places": 1, "clause": "D11"}]


def test_d11_chair_without_ballot_cannot_break_a_tie() -> None:
    # CHAIR_BREAKS without seat-5, and the chair is "seat-9", which has no ballot:
    # D 2+1+2+1 = 6, E 1+2+1+2 = 6 tie at the 4th/5th place and there are no chair points to break it.
    ballots = {s: b for s, b in CHAIR_BREAKS.items() if s != "seat-5"}
    out = determine_finalists(ROUND2, ballots, "seat-9", {OUTSIDE: (1, 5)})
    assert out.blocked
    assert out.ties[0].tiebreak_values is None
    assert "no ballot" in out.ties[0].tiebreak_note
    assert all(r.chair_points is None for r in out.jury_table)


def test_outcome_to_dict_is_json_and_deterministic() -> None:
    args = (ROUND2, SPAN_3_TO_6, CHAIR, {OUTSIDE: (4, 18), C: (2, 7)})
    first = json.dumps(determine_finalists(*args).to_dict(), sort_keys=False)
    assert first == json.dumps(determine_finalists(*args).to_dict(), sort_keys=False)
    body = json.loads(first)
    assert list(body) == ["blocked", "finalists", "open_ties", "residents_choice", "explanation"]
    assert body["explanation"]["jury_table"][0] == {
        "municipality": A, "points": 25, "chair_points": 5, "rank": 1,
        "points_by_seat": {"seat-1": 5, "seat-2": 5, "seat-3": 5, "seat-4": 5, "seat-5": 5},
        "finalist_via": None,
    }


def test_caller_errors() -> None:
    with pytest.raises(ValueError):
        determine_finalists(ROUND2, {"seat-1": {OUTSIDE: 5}}, CHAIR, {})
    with pytest.raises(ValueError):
        determine_finalists(ROUND2, CLEAR, CHAIR, {A: (2, 11)})  # 11 > 2 * 5


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[dict[str, dict[str, int]], dict[str, tuple[int, int]]]:
    seats = draw(st.integers(min_value=1, max_value=9))
    ballots = {f"seat-{i}": rank(*draw(st.permutations(ROUND2))[:5]) for i in range(1, seats + 1)}
    voted = draw(st.lists(st.sampled_from([*ROUND2, OUTSIDE, OTHER]), unique=True, max_size=4))
    votes = {}
    for m in voted:
        n = draw(st.integers(min_value=1, max_value=3))
        votes[m] = (n, draw(st.integers(min_value=n, max_value=5 * n)))
    return ballots, votes


@settings(max_examples=300, deadline=None)
@given(scenarios())
def test_s4_6_7_properties(scenario: tuple[dict[str, dict[str, int]], dict[str, tuple[int, int]]]) -> None:
    ballots, votes = scenario
    out = determine_finalists(ROUND2, ballots, CHAIR, votes)
    json.dumps(out.to_dict())
    # Deciding each open tie (first the listed ones) always ends in five finalists within three sittings.
    decisions: list[JuryDecision] = []
    for _sitting in range(3):
        if not out.blocked:
            break
        assert out.open_ties and not out.finalists
        rows = {r.municipality: r for r in out.jury_table}
        for tie in out.open_ties:
            if tie.kind != "residents_choice":  # a jury tie: equal points and equal chair points (D11)
                assert len({(rows[m].points, rows[m].chair_points) for m in tie.tied}) == 1
            else:
                assert len({votes[m] for m in tie.tied}) == 1
            decisions.append(decision(tie.kind, list(tie.tied), list(tie.tied[: tie.places])))
        out = determine_finalists(ROUND2, ballots, CHAIR, votes, decisions)
    assert not out.blocked
    assert not out.open_ties
    codes = [f.municipality for f in out.finalists]
    assert len(set(codes)) == 5
    totals = {r.municipality: r.points for r in out.jury_table}
    jury = [f.municipality for f in out.finalists if f.via == "jury"]
    assert len(jury) == 4
    # Every round-2 municipality left out has no more jury points than the weakest of the jury's four.
    assert all(totals[m] <= min(totals[j] for j in jury) for m in ROUND2 if m not in codes)
    fifth = out.finalists[-1]
    if fifth.via == "residents_vote":
        best = max(votes, key=lambda m: (Fraction(votes[m][1], votes[m][0]), votes[m][0]))
        key = (Fraction(votes[best][1], votes[best][0]), votes[best][0])
        assert (Fraction(votes[fifth.municipality][1], votes[fifth.municipality][0]),
                votes[fifth.municipality][0]) == key
    else:
        assert fifth.via == "jury_fifth"
        assert out.residents_choice is None or out.residents_choice in jury


# ----- the contest's rule numbers (§4.6.7): finalists_by_jury J and finalists_total T -----

def test_s4_6_7_three_by_the_jury_of_four_residents_choice_outside() -> None:
    # J 3, T 4. Jury: A 24, B 21, C 15 are the three; LV-011 is the residents' choice, the fourth.
    out = determine_finalists(ROUND2, CLEAR, CHAIR, {OUTSIDE: (5, 24)}, by_jury=3, total=4)
    assert pairs(out) == [(A, "jury"), (B, "jury"), (C, "jury"), (OUTSIDE, "residents_vote")]
    assert [f.position for f in out.finalists] == [1, 2, 3, 4]


def test_s4_6_7_three_by_the_jury_of_four_residents_choice_among_them_gives_the_jurys_fourth() -> None:
    out = determine_finalists(ROUND2, CLEAR, CHAIR, {B: (10, 48)}, by_jury=3, total=4)
    assert pairs(out) == [(A, "jury"), (B, "jury"), (C, "jury"), (D, "jury_fifth")]
    assert any("top 3" in n and D in n for n in out.notes)


def test_s4_6_7_two_by_the_jury_of_four_the_jury_completes_after_the_residents_choice() -> None:
    # J 2, T 4: A 24, B 21 by the jury, the residents' LV-011, then the jury's next, C 15.
    out = determine_finalists(ROUND2, CLEAR, CHAIR, {OUTSIDE: (5, 24)}, by_jury=2, total=4)
    assert pairs(out) == [(A, "jury"), (B, "jury"), (OUTSIDE, "residents_vote"), (C, "jury_fifth")]
    assert [f.position for f in out.finalists] == [1, 2, 3, 4]


def test_s4_6_7_two_by_the_jury_of_four_residents_choice_from_the_jurys_fourth_place() -> None:
    # D (9 points, 4th) is the residents' choice: A, B by the jury, D by the vote, C (the jury's next) completes.
    out = determine_finalists(ROUND2, CLEAR, CHAIR, {D: (4, 20)}, by_jury=2, total=4)
    assert pairs(out) == [(A, "jury"), (B, "jury"), (D, "residents_vote"), (C, "jury_fifth")]


def test_s4_6_7_two_by_the_jury_of_four_residents_choice_first_the_jury_fills_two() -> None:
    out = determine_finalists(ROUND2, CLEAR, CHAIR, {A: (4, 20)}, by_jury=2, total=4)
    assert pairs(out) == [(A, "jury"), (B, "jury"), (C, "jury_fifth"), (D, "jury_fifth")]


def test_s4_6_7_no_votes_the_jury_fills_all_total_places() -> None:
    out = determine_finalists(ROUND2, CLEAR, CHAIR, {}, by_jury=2, total=4)
    assert pairs(out) == [(A, "jury"), (B, "jury"), (C, "jury_fifth"), (D, "jury_fifth")]
    assert any("all 4 places" in n for n in out.notes)


def test_d11_three_of_four_a_tie_for_the_jurys_last_place_broken_by_the_chair() -> None:
    # SPAN_3_TO_6: C, D, E, F share 6 points for the 3rd place; the chair gave C 3: C is the jury's third.
    out = determine_finalists(ROUND2, SPAN_3_TO_6, CHAIR, {OUTSIDE: (3, 12)}, by_jury=3, total=4)
    assert not out.blocked
    assert pairs(out) == [(A, "jury"), (B, "jury"), (C, "jury"), (OUTSIDE, "residents_vote")]
    assert [(t.kind, t.resolution) for t in out.ties] == [("jury_4th_place", "tiebreak")]


def test_d11_three_of_four_residents_choice_in_the_top_then_the_tie_is_for_the_last_place() -> None:
    # CHAIR_CANNOT: D 6 = E 6 (the chair gave both 0). Residents: A. A, B, C are the jury's three; D or E is the
    # fourth: a jury decision (a "5th place" tie: the last place the jury fills).
    out = determine_finalists(ROUND2, CHAIR_CANNOT, CHAIR, {A: (3, 15)}, by_jury=3, total=4)
    assert out.blocked and [(t.kind, set(t.tied), t.places) for t in out.open_ties] == [
        ("jury_5th_place", {D, E}, 1)]
    out = determine_finalists(ROUND2, CHAIR_CANNOT, CHAIR, {A: (3, 15)},
                              [decision("jury_5th_place", [D, E], [E])], by_jury=3, total=4)
    assert pairs(out) == [(A, "jury"), (B, "jury"), (C, "jury"), (E, "jury_fifth")]


def test_d11_two_of_five_a_tie_the_chair_cannot_break_blocks_until_a_decision() -> None:
    # SPAN_3_TO_6, J 2, T 5: A, B by the jury; the residents' LV-011; two of C, D, E, F (6 points each): the chair
    # puts C first (3 points), D, E and F (chair 0) stay tied for the last place.
    votes = {OUTSIDE: (3, 12)}
    out = determine_finalists(ROUND2, SPAN_3_TO_6, CHAIR, votes, by_jury=2, total=5)
    assert out.blocked and [(t.kind, set(t.tied), t.places) for t in out.open_ties] == [
        ("jury_5th_place", {D, E, F}, 1)]
    out = determine_finalists(ROUND2, SPAN_3_TO_6, CHAIR, votes, [decision("jury_5th_place", [D, E, F], [F])],
                              by_jury=2, total=5)
    assert pairs(out) == [(A, "jury"), (B, "jury"), (OUTSIDE, "residents_vote"), (C, "jury_fifth"),
                          (F, "jury_fifth")]


def test_s4_6_7_the_numbers_must_fit_the_round() -> None:
    for by_jury, total in [(4, 4), (0, 3), (5, 11)]:
        with pytest.raises(ValueError):
            determine_finalists(ROUND2, CLEAR, CHAIR, {}, by_jury=by_jury, total=total)


@settings(max_examples=200, deadline=None)
@given(scenarios(), st.sampled_from([(3, 4), (2, 4), (2, 5), (1, 3), (4, 6)]))
def test_s4_6_7_properties_for_other_numbers(scenario: tuple[dict[str, dict[str, int]], dict[str, tuple[int, int]]],
                                            numbers: tuple[int, int]) -> None:
    ballots, votes = scenario
    by_jury, total = numbers
    out = determine_finalists(ROUND2, ballots, CHAIR, votes, by_jury=by_jury, total=total)
    decisions: list[JuryDecision] = []
    for _sitting in range(3):
        if not out.blocked:
            break
        decisions += [decision(t.kind, list(t.tied), list(t.tied[: t.places])) for t in out.open_ties]
        out = determine_finalists(ROUND2, ballots, CHAIR, votes, decisions, by_jury=by_jury, total=total)
    assert not out.blocked
    codes = [f.municipality for f in out.finalists]
    assert len(set(codes)) == total and [f.position for f in out.finalists] == list(range(1, total + 1))
    assert sum(1 for f in out.finalists if f.via == "jury") == by_jury
    assert sum(1 for f in out.finalists if f.via == "residents_vote") <= 1
    totals = {r.municipality: r.points for r in out.jury_table}
    by_points = [f.municipality for f in out.finalists if f.via != "residents_vote"]
    assert all(totals[m] <= min(totals[j] for j in by_points) for m in ROUND2 if m not in codes)
    if out.residents_choice is not None:  # None: no votes, or a residents' tie that did not matter (D11)
        assert out.residents_choice in codes
