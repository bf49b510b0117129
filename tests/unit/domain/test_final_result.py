"""Round 3: counted visits and seats, the winner and the theme prize (§4.7.3, §4.7.4, §4.7.8–§4.7.11, D12, D13).

Voting seats seat-1 … seat-9; the chair is seat-1; seat-10 is a non-voting seat (D1).
"""

from __future__ import annotations

import json
from fractions import Fraction

import pytest

from domain.errors import InvalidInput, RuleViolation
from domain.final_result import compute_final_result
from domain.round3_scores import validate_scores, validate_theme_points
from domain.ties import JuryDecision

A, B, C, D, E = FINALISTS = ["LV-RIX", "LV-JEL", "LV-011", "LV-VEN", "LV-LPX"]
VOTING = [f"seat-{i}" for i in range(1, 10)]
CHAIR = "seat-1"


def seats(*numbers: int) -> set[str]:
    return {f"seat-{n}" for n in numbers}


# Visits:
#   A: seats 1–6       -> 6 voting seats, counted
#   B: seats 1–5, 9    -> 6, counted
#   C: seats 1–5       -> 5, counted
#   D: seats 2–6       -> 5, counted
#   E: seats 6–9 + 10  -> 4 voting seats (seat-10 does not vote): NOT counted (§4.7.3)
# Seats' counted visits:
#   seat-1: A B C (3, counts); seat-2..5: A B C D (4, count); seat-6: A D (2, does NOT count, §4.7.4);
#   seat-7, seat-8: none; seat-9: B (1). Counted seats: seat-1 … seat-5.
ATTENDANCE = {
    A: seats(1, 2, 3, 4, 5, 6),
    B: seats(1, 2, 3, 4, 5, 9),
    C: seats(1, 2, 3, 4, 5),
    D: seats(2, 3, 4, 5, 6),
    E: seats(6, 7, 8, 9, 10),
}


def sc(a: int, b: int, c: int = 3, d: int = 2, e: int = 1) -> dict[str, tuple[int, str]]:
    """One seat's scores (§4.7.8), each with a justification."""
    return {m: (v, f"justification for {m}") for m, v in zip(FINALISTS, (a, b, c, d, e), strict=True)}


def tp(two: str, one: str) -> dict[str, int]:
    """One seat's theme points (§4.7.11): 2 and 1 to two finalists, 0 to the others."""
    return {m: 2 if m == two else 1 if m == one else 0 for m in FINALISTS}


# A and B tie on the average; the chair ranks A higher.
#   seat-1 (chair): A5 B4 C3 D2 E1
#   seat-2:         A4 B5 C3 D2 E1
#   seat-3:         A4 B5 C3 D3 E2
#   seat-4:         A5 B4 C4 D2 E1
#   seat-5:         A4 B4 C2 D3 E3
#   seat-6 (does not count): A1 B5 C1 D1 E1
# Counted: A 5+4+4+5+4 = 22 / 5 = 4.4; B 4+5+5+4+4 = 22 / 5 = 4.4; C 3+3+3+4+2 = 15 / 5 = 3.0;
#          D 2+2+3+2+3 = 12 / 5 = 2.4; E 1+1+2+1+3 = 8 / 5 = 1.6.
# (Had seat-6 counted, B would lead: 27/6 = 4.5 against A 23/6 ≈ 3.83.)
SCORES = {
    "seat-1": sc(5, 4, 3, 2, 1),
    "seat-2": sc(4, 5, 3, 2, 1),
    "seat-3": sc(4, 5, 3, 3, 2),
    "seat-4": sc(5, 4, 4, 2, 1),
    "seat-5": sc(4, 4, 2, 3, 3),
    "seat-6": sc(1, 5, 1, 1, 1),
}

# Theme points: C wins outright.
#   seat-1 (chair): A2 C1; seat-2: C2 A1; seat-3: B2 C1; seat-4: A2 B1; seat-5: C2 D1; seat-6 (not counted): B2 A1
#   A 2+1+0+2+0 = 5; B 0+0+2+1+0 = 3; C 1+2+1+0+2 = 6; D 1; E 0.
THEME = {
    "seat-1": tp(A, C),
    "seat-2": tp(C, A),
    "seat-3": tp(B, C),
    "seat-4": tp(A, B),
    "seat-5": tp(C, D),
    "seat-6": tp(B, A),
}


def result(attendance=ATTENDANCE, scores=SCORES, theme=THEME, decisions=()):  # type: ignore[no-untyped-def]
    return compute_final_result(FINALISTS, VOTING, CHAIR, attendance, scores, theme, decisions)


def decision(kind: str, tied: list[str], chosen: list[str], votes_for: int = 5, total: int = 7) -> JuryDecision:
    return JuryDecision(kind, tuple(tied), tuple(chosen), "decided by the jury", votes_for, total)


def test_s4_7_3_visit_with_four_voting_seats_does_not_count() -> None:
    out = result()
    visit = {v.municipality: v for v in out.visits}
    assert not visit[E].counted
    assert visit[E].voting_present == ("seat-6", "seat-7", "seat-8", "seat-9")
    assert visit[E].other_present == ("seat-10",)
    assert visit[E].reason == ("4 voting seats present (seat-6, seat-7, seat-8, seat-9); needs 5, §4.7.3;"
                               " also present, not voting seats: seat-10")
    assert all(visit[m].counted for m in (A, B, C, D))


def test_s4_7_4_seat_with_two_counted_visits_does_not_count() -> None:
    out = result()
    seat = {s.seat: s for s in out.seats}
    assert not seat["seat-6"].counted
    assert seat["seat-6"].counted_visits == (A, D)
    assert seat["seat-6"].reason == ("attended 2 counted visits (LV-RIX, LV-VEN); needs 3, §4.7.4;"
                                     " also at LV-LPX, whose visit did not count (§4.7.3)")
    assert seat["seat-1"].counted and seat["seat-1"].counted_visits == (A, B, C)
    assert not seat["seat-10"].voting and not seat["seat-10"].counted
    assert [s.seat for s in out.seats if s.counted] == ["seat-1", "seat-2", "seat-3", "seat-4", "seat-5"]
    # seat-6's scores are left out of the averages: B 22/5, not (22+5)/6.
    row = {m.municipality: m for m in out.municipalities}
    assert row[B].average == Fraction(22, 5)
    assert dict(row[B].excluded_scores) == {"seat-6": 5}


def test_s4_7_10_chair_breaks_a_tie_on_the_average() -> None:
    # A 22/5 = 4.4 = B 22/5; the chair (seat-1, counted) gave A 5 and B 4 -> A wins.
    out = result()
    assert out.winner == A and not out.winner_blocked
    (tie,) = [t for t in out.ties if t.kind == "winner"]
    assert (tie.tied, tie.resolution, dict(tie.tiebreak_values or ())) == ((A, B), "tiebreak", {A: 5, B: 4})
    rows = [(m.municipality, m.score_sum, m.average, m.rank) for m in out.municipalities]
    assert rows == [(A, 22, Fraction(22, 5), 1), (B, 22, Fraction(22, 5), 1), (C, 15, Fraction(3), 3),
                    (D, 12, Fraction(12, 5), 4), (E, 8, Fraction(8, 5), 5)]


def test_d12_chair_not_counting_blocks_a_tie_until_a_decision() -> None:
    # The chair attends only A and B -> 2 counted visits, it does not count (§4.7.4). seat-7 replaces it
    # at C, so C still has 5 voting seats (2, 3, 4, 5, 7) and counts.
    attendance = {**ATTENDANCE, C: seats(2, 3, 4, 5, 7)}
    # Counted seats: seat-2..5 (A, B, C, D = 4 counted visits each).
    #   seat-2: A5 B4; seat-3: A4 B5; seat-4: A5 B5; seat-5: A4 B4 -> A 18/4 = 4.5 = B 18/4.
    #   The chair's A5 B3 would break it, but the chair does not count.
    scores = {"seat-1": sc(5, 3), "seat-2": sc(5, 4), "seat-3": sc(4, 5), "seat-4": sc(5, 5), "seat-5": sc(4, 4)}
    out = result(attendance, scores)
    seat = {s.seat: s for s in out.seats}
    assert not seat[CHAIR].counted
    assert seat[CHAIR].reason == "attended 2 counted visits (LV-RIX, LV-JEL); needs 3, §4.7.4"
    assert out.winner is None and out.winner_blocked
    assert [t.to_dict() for t in out.open_ties if t.kind == "winner"] == [
        {"kind": "winner", "tied": [A, B], "places": 1, "clause": "D12"}]
    (tie,) = [t for t in out.ties if t.kind == "winner"]
    assert tie.tiebreak_values is None and "does not count" in tie.tiebreak_note
    assert {m.municipality: m.chair_score for m in out.municipalities} == dict.fromkeys(FINALISTS)
    chosen = decision("winner", [B, A], [B])
    out2 = result(attendance, scores, decisions=[chosen])
    assert out2.winner == B and not out2.winner_blocked
    assert out2.used_decisions == (chosen,)


def test_d12_tie_the_chair_cannot_break_needs_a_decision() -> None:
    # seat-1 (chair): A4 B4; seat-2: A5 B4; seat-3: A4 B5; seat-4: A5 B4; seat-5: A4 B5
    # A 4+5+4+5+4 = 22 / 5 = 4.4; B 4+4+5+4+5 = 22 / 5 = 4.4; chair A 4 = B 4 -> still tied.
    scores = {"seat-1": sc(4, 4), "seat-2": sc(5, 4), "seat-3": sc(4, 5), "seat-4": sc(5, 4), "seat-5": sc(4, 5)}
    out = result(scores=scores)
    assert out.winner_blocked and out.winner is None
    (tie,) = [t for t in out.ties if t.kind == "winner"]
    assert dict(tie.tiebreak_values or ()) == {A: 4, B: 4}
    assert tie.still_tied == (A, B)
    with pytest.raises(RuleViolation) as err:
        decision("winner", [A, B], [A], votes_for=3, total=6)  # 3 > 6/2 is false (§3.2.4)
    assert err.value.clause == "§3.2.4"
    out2 = result(scores=scores, decisions=[decision("winner", [A, B], [A])])
    assert out2.winner == A and not out2.blocked


def test_s4_7_11_d13_theme_prize_to_the_highest_sum() -> None:
    # A 5, B 3, C 6, D 1, E 0 (seat-6's B2 A1 not counted) -> C.
    out = result()
    assert out.theme_winner == C and not out.theme_blocked
    row = {m.municipality: m for m in out.municipalities}
    assert {m: row[m].theme_sum for m in FINALISTS} == {A: 5, B: 3, C: 6, D: 1, E: 0}
    assert row[C].theme_rank == 1 and row[A].theme_rank == 2
    assert dict(row[C].theme_points) == {"seat-1": 1, "seat-2": 2, "seat-3": 1, "seat-4": 0, "seat-5": 2}


def test_d13_theme_tie_broken_by_the_chair() -> None:
    # seat-1 (chair): A2 C1; seat-2: C2 A1; seat-3: C2 B1; seat-4: A2 B1; seat-5: D2 E1
    # A 2+1+0+2+0 = 5; C 1+2+2+0+0 = 5; B 2; D 2; E 1. Tie A/C; chair A 2 > C 1 -> A.
    theme = {"seat-1": tp(A, C), "seat-2": tp(C, A), "seat-3": tp(C, B), "seat-4": tp(A, B), "seat-5": tp(D, E)}
    out = result(theme=theme)
    assert out.theme_winner == A
    (tie,) = [t for t in out.ties if t.kind == "theme_prize"]
    assert (tie.tied, tie.resolution, dict(tie.tiebreak_values or ())) == ((A, C), "tiebreak", {A: 2, C: 1})


def test_d13_theme_tie_the_chair_cannot_break_needs_a_decision() -> None:
    # seat-1 (chair): D2 E1; seat-2: C2 A1; seat-3: A2 C1; seat-4: A2 C1; seat-5: C2 A1
    # A 0+1+2+2+1 = 6; C 0+2+1+1+2 = 6; D 2; E 1. Chair A 0 = C 0 -> blocked.
    theme = {"seat-1": tp(D, E), "seat-2": tp(C, A), "seat-3": tp(A, C), "seat-4": tp(A, C), "seat-5": tp(C, A)}
    out = result(theme=theme)
    assert out.theme_blocked and out.theme_winner is None
    assert out.winner == A and not out.winner_blocked  # the main prize is not held up by the theme tie
    assert [t.to_dict() for t in out.open_ties] == [
        {"kind": "theme_prize", "tied": [A, C], "places": 1, "clause": "D13"}]
    out2 = result(theme=theme, decisions=[decision("theme_prize", [A, C], [C])])
    assert out2.theme_winner == C and not out2.blocked


def test_no_counted_seats_means_no_winner_yet() -> None:
    out = result(attendance={})
    assert out.winner is None and not out.winner_blocked
    assert out.theme_winner is None
    assert any("no counted scores" in n for n in out.notes)
    assert all(v.reason.startswith("no visit recorded") for v in out.visits)


def test_to_dict_is_json_and_deterministic() -> None:
    first = json.dumps(result().to_dict())
    assert first == json.dumps(result().to_dict())
    body = json.loads(first)
    assert list(body) == ["winner", "winner_blocked", "theme_winner", "theme_blocked", "open_ties",
                          "explanation"]
    top = body["explanation"]["municipalities"][0]
    assert top["municipality"] == A and top["average"] == 4.4 and top["score_count"] == 5


def test_s4_7_8_validate_scores() -> None:
    validate_scores(sc(5, 4, 3, 2, 1), FINALISTS)
    for bad in (0, 6, "x", True, 4.0):
        scores = sc(5, 4)
        scores[C] = (bad, "why")  # type: ignore[assignment]
        with pytest.raises(InvalidInput) as err:
            validate_scores(scores, FINALISTS)
        assert "scores.LV-011" in err.value.errors
    missing = sc(5, 4)
    del missing[E]
    with pytest.raises(RuleViolation) as rv:
        validate_scores(missing, FINALISTS)
    assert (rv.value.clause, rv.value.details) == ("§4.7.8", {"unknown": [], "missing": [E]})
    blank = {**sc(5, 4), D: (2, "  ")}
    with pytest.raises(RuleViolation) as rv:
        validate_scores(blank, FINALISTS)
    assert (rv.value.clause, rv.value.field, rv.value.details) == (
        "§4.7.8", "justifications", {"municipalities": [D]})


def test_s4_7_11_validate_theme_points() -> None:
    validate_theme_points(tp(A, B), FINALISTS)
    with pytest.raises(RuleViolation) as rv:
        validate_theme_points({**tp(A, B), C: 2}, FINALISTS)  # two 2s
    assert (rv.value.clause, rv.value.details) == ("§4.7.11", {"twos": [A, C], "ones": [B]})
    with pytest.raises(RuleViolation):
        validate_theme_points(dict.fromkeys(FINALISTS, 0), FINALISTS)  # no 2, no 1
    with pytest.raises(InvalidInput):
        validate_theme_points({**tp(A, B), C: 3}, FINALISTS)
    with pytest.raises(RuleViolation) as rv:
        validate_theme_points({m: v for m, v in tp(A, B).items() if m != E}, FINALISTS)
    assert rv.value.details["missing"] == [E]
