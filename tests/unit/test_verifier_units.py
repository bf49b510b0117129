"""The independent verifier's own parts (docs/AUDIT.md "How each result is recomputed"), on small exact cases. Its
command line (exit 0, 1, 2; `python3 -I verifier` and `python3 -m verifier`) is tests/e2e/test_verifier_cli.py."""

from __future__ import annotations

import hashlib
import json
from fractions import Fraction

from tests.support.verifiers import line
from verifier.chain import GENESIS, Chain, canonical_without_chain, cut_chain
from verifier.round1 import Row, comparable, competition_places, cut, median, question_points
from verifier.round2 import finalists
from verifier.round3 import recompute
from verifier.ties import order

SCORING = {"ladder": [1.0, 0.9, 0.8], "above_median_points": 0.5}


def test_the_chain_is_cut_from_the_lines_own_text() -> None:
    assert hashlib.sha256(b"contest-audit-v1").hexdigest() == GENESIS
    text, chain = line(1, "a", 1, {"š": 1.5}, GENESIS)
    hashed, recorded, canonical = cut_chain(text)
    assert canonical and recorded == chain and hashed == canonical_without_chain(json.loads(text))
    assert chain == hashlib.sha256((GENESIS + "\n" + hashed).encode()).hexdigest()
    moved = json.dumps(json.loads(text), separators=(",", ":"), ensure_ascii=False)  # chain key last: not canonical
    moved = moved.replace(f',"chain":"{chain}"', "")[:-1] + f',"chain":"{chain}"}}'
    assert cut_chain(moved)[2] is False


def test_the_chain_answers_digests_through_recent_and_pinned_positions() -> None:
    c = Chain(pinned={2, 5, 9})
    values = {}
    for p in (1, 3, 4, 7):
        values[p] = c.advance(p, f"line {p}")
    c.finish()
    assert c.digest_through(3) == values[3] and c.digest_through(6) == values[4] and c.digest_through(0) == GENESIS
    assert c.pinned_digests == {2: values[1], 5: values[4]}  # 9 is beyond the end: unknown


def test_d2_competition_places_and_d4_the_median() -> None:
    assert competition_places({"a": 3, "b": 5, "c": 5, "d": None}) == {"b": 1, "c": 1, "a": 3, "d": 4}
    assert median([Fraction(1), Fraction(4), None, Fraction(2)]) == Fraction(3, 2)
    assert median([Fraction(1), None, None, Fraction(2)]) is None  # a middle value not provided: the worst
    assert median([Fraction(1), Fraction(7), Fraction(2)]) == 2


def test_d3_not_provided_and_the_points_ladder() -> None:
    amount = {"id": "q", "kind": "amount", "direction": "higher_better"}
    assert comparable(amount, 0) is None and comparable(amount, None) is None and comparable(amount, 2.5) == 2.5
    assert comparable({**amount, "direction": "lower_better"}, 0) == 0  # a zero co-payment is the best
    choice = {"id": "q", "kind": "choice", "options": [{"id": "all"}, {"id": "some"}, {"id": "no", "none": True}]}
    assert comparable(choice, "all") > comparable(choice, "some") and comparable(choice, "no") is None
    assert comparable({"id": "q", "kind": "text"}, "  ") is None
    codes = ["a", "b", "c", "d", "e", "f", "g"]
    answers = {m: {"q": v} for m, v in zip(codes, [70, 60, 50, 40, 30, 20, 0], strict=True)}
    points = question_points(amount, answers, SCORING, codes)
    # places 1, 2, 3 on the ladder; 40 is the median (not above it); g gave nothing (D3)
    assert points == {"a": 1, "b": Fraction(9, 10), "c": Fraction(4, 5), "d": 0, "e": 0, "f": 0, "g": 0}
    same = question_points(amount, {m: {"q": 5} for m in codes}, SCORING, codes)
    assert set(same.values()) == {1}  # every municipality the same provided value: all first, 1.0


def test_d7_the_cut_breaks_a_tie_by_raw_points_then_lets_all_tied_advance() -> None:
    rows = [Row(m, Fraction(o), p, Fraction(r)) for m, o, p, r in
            [("a", 9, 1, 5), ("b", 8, 2, 5), ("c", 8, 2, 4), ("d", 8, 2, 4), ("e", 1, 5, 9)]]
    assert cut(rows, 2).advancing == ["a", "b"] and cut(rows, 2).tie_break_used
    both = cut(rows, 3)
    assert both.advancing == ["a", "b", "c", "d"] and both.all_tied_advance


def test_ties_need_the_chair_then_a_recorded_decision() -> None:
    key = {"a": (5, 1), "b": (5, 1), "c": (3, 0)}
    _ranked, open_ties = order(["a", "b", "c"], key, [], 1)
    assert open_ties == [["a", "b"]]
    decision = {"kind": "winner", "tied": ["b", "a"], "chosen": ["b"]}
    assert order(["a", "b", "c"], key, [decision], 1, ("winner",)) == (["b", "a", "c"], [])
    assert order(["a", "b", "c"], {**key, "a": (5, 2)}, [], 1) == (["a", "b", "c"], [])


TEN = ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j"]
#: jury points a 10, b 9, ... j 1 from one ballot; the chair's seat is "s".
TEN_BALLOTS = {"s": {m: 10 - i for i, m in enumerate(TEN)}}


def test_s4_6_7_finalists_under_the_recorded_numbers() -> None:
    def picks(by_jury: int, total: int, tally: dict[str, list[int]]) -> list[tuple[str, str]]:
        rules = {"finalists_by_jury": by_jury, "finalists_total": total}
        return finalists(TEN, TEN_BALLOTS, "s", tally, [*TEN, "x"], rules, []).finalists

    assert picks(4, 5, {"x": [1, 5]}) == [("a", "jury"), ("b", "jury"), ("c", "jury"), ("d", "jury"),
                                          ("x", "residents_vote")]
    assert picks(3, 4, {"b": [1, 5]}) == [("a", "jury"), ("b", "jury"), ("c", "jury"), ("d", "jury_fifth")]
    # J 2, T 4, the residents' choice is the jury's third: it goes through once, the jury's fourth completes
    assert picks(2, 4, {"c": [1, 5]}) == [("a", "jury"), ("b", "jury"), ("c", "residents_vote"), ("d", "jury_fifth")]
    assert picks(2, 4, {}) == [("a", "jury"), ("b", "jury"), ("c", "jury_fifth"), ("d", "jury_fifth")]


def test_s4_6_7_only_the_others_last_place_needs_a_decision() -> None:
    # c and d share 3 points (no chair ballot); the residents' choice x is outside the ten.
    ballots = {"s": {"a": 5, "b": 4, "c": 3, "d": 3, "e": 1, "f": 0, "g": 0, "h": 0, "i": 0, "j": 0}}

    def outcome(total: int, decisions: list[dict[str, object]]):  # type: ignore[no-untyped-def]
        return finalists(TEN, ballots, None, {"x": [1, 5]}, [*TEN, "x"],
                         {"finalists_by_jury": 2, "finalists_total": total}, decisions)

    assert outcome(3, []).open_ties == [] and outcome(3, []).finalists == [
        ("a", "jury"), ("b", "jury"), ("x", "residents_vote")]  # the tie is below the last place: no decision
    assert outcome(4, []).open_ties == [["c", "d"]]  # T − 1 = 3: c and d straddle the others' 3rd place
    decided = outcome(4, [{"kind": "jury_5th_place", "tied": ["c", "d"], "chosen": ["d"]}])
    assert decided.open_ties == [] and decided.finalists == [
        ("a", "jury"), ("b", "jury"), ("x", "residents_vote"), ("d", "jury_fifth")]


def test_4_7_3_and_4_7_4_only_counted_visits_and_seats_count() -> None:
    seats = {"s1", "s2", "s3", "s4", "s5", "s6"}
    everyone = dict.fromkeys(["s1", "s2", "s3", "s4", "s5"], "member")
    visits = {"A": everyone, "B": everyone, "C": everyone, "D": {"s6": "member", "s1": "member"}}
    sheets = {s: {"scores": {"A": 5, "B": 4, "C": 3, "D": 2}, "theme_points": {"A": 2, "B": 1}} for s in seats}
    sheets["s6"] = {"scores": {"A": 1, "B": 5, "C": 1, "D": 1}, "theme_points": {"B": 2, "C": 1}}
    rules = {"visit_min_seats": 5, "seat_min_visits": 3}
    res = recompute(["A", "B", "C", "D"], visits, sheets, seats, "s1", rules, [])
    assert res.counted_visits == {"A": True, "B": True, "C": True, "D": False}
    assert not res.counted_seats["s6"] and res.score_counts["A"] == 5 and res.averages["A"] == 5
    assert (res.winner, res.theme_winner) == ("A", "A")


