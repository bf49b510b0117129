"""Hand-computed examples of the round-1 rules (Annex "Punktu aprēķins", RULES.md D2-D7).

Each test builds a tiny questionnaire and writes the arithmetic out as comments, so a reader can check the code
against the rules without running anything.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from domain.errors import InvalidInput, NotFound
from domain.questionnaire import Questionnaire, load_questionnaire
from domain.scoring import Round1Result, ScoringParams, score_round1
from tests.support import ROOT


def amount(qid: str, section: int = 2, block: str = "one_off", direction: str = "higher_better",
           weight: float = 1.0, group: str | None = None, unit: str = "EUR", counts: bool | None = None) -> dict:
    if counts is None:
        counts = direction == "higher_better" and block != "long_term" and unit.startswith("EUR")
    q = {"id": qid, "section": section, "measure": "M", "measure_en": "M", "text_lv": qid, "text_en": qid,
         "kind": "amount", "block": block, "direction": direction, "unit": unit, "min": 0, "max": 100000,
         "counts_toward_total": counts, "weight": weight}
    if group:
        q["exclusive_group"] = group
    return q


def choice(qid: str, options: list[tuple[str, bool]], section: int = 2, block: str = "regular") -> dict:
    return {"id": qid, "section": section, "measure": "M", "measure_en": "M", "text_lv": qid, "text_en": qid,
            "kind": "choice", "block": block,
            "options": [{"id": o, "label_lv": o, "label_en": o, "none": none} for o, none in options]}


def text(qid: str, section: int = 2, block: str = "long_term") -> dict:
    return {"id": qid, "section": section, "measure": "M", "measure_en": "M", "text_lv": qid, "text_en": qid,
            "kind": "text", "block": block}


def make(*questions: dict, sections: tuple[int, ...] = (2, 3, 4)) -> Questionnaire:
    return load_questionnaire({
        "id": "t", "version": "1", "title_lv": "T", "title_en": "T",
        "sections": [{"number": s, "title_lv": f"S{s}", "title_en": f"S{s}"} for s in sections],
        "questions": list(questions)})


def points(result: Round1Result, qid: str) -> dict[str, float]:
    return {c: result.explanation(c)["questions"][_pos(result, qid)]["points"] for c in result.participants}


def places(result: Round1Result, qid: str) -> dict[str, int]:
    return {c: result.explanation(c)["questions"][_pos(result, qid)]["place"] for c in result.participants}


def _pos(result: Round1Result, qid: str) -> int:
    return [q.question_id for q in result.questions].index(qid)


def one_question(values: dict[str, object], **kw: Any) -> Round1Result:
    q = make(amount("q", **kw))
    return score_round1(q, list(values), {c: {"q": v} for c, v in values.items() if v is not None})


# --------------------------------------------------------------------------- D2 competition ranking


def test_d2_competition_ranking_1224() -> None:
    r = one_question({"A": 500, "B": 300, "C": 300, "D": 200, "E": 100, "F": None})
    # sorted: A 500 | B, C 300 | D 200 | E 100 | F not provided (worst)
    # places "1224": A 1; B and C share 2; 3 is skipped; D 4; E 5; F 6
    assert places(r, "q") == {"A": 1, "B": 2, "C": 2, "D": 4, "E": 5, "F": 6}
    # ladder: 1st 1.0; 2nd 0.9 (both); nobody is 3rd, so nobody earns 0.8.
    # median (D4, N = 6): mean of the 3rd and 4th values = (300 + 200)/2 = 250; D 200 is not above it -> 0
    assert points(r, "q") == {"A": 1.0, "B": 0.9, "C": 0.9, "D": 0.0, "E": 0.0, "F": 0.0}
    assert r.questions[0].median == 250


# --------------------------------------------------------------------------- D3 not provided


def test_d3_not_provided_earns_nothing_but_ranks_as_worst() -> None:
    r = one_question({"A": 100, "B": 0, "C": None, "D": 50})
    # B's 0 where higher is better and C's missing answer are both "not provided": the worst value, tied.
    # places: A 1, D 2, B and C share 3. B and C would be "3rd" (0.8) but not provided earns 0 (D3).
    assert places(r, "q") == {"A": 1, "D": 2, "B": 3, "C": 3}
    assert points(r, "q") == {"A": 1.0, "D": 0.9, "B": 0.0, "C": 0.0}
    rows = {c: r.explanation(c)["questions"][0] for c in "ABCD"}
    assert rows["B"]["provided"] is False and rows["B"]["value"] == 0 and rows["B"]["comparable"] is None
    assert rows["C"]["provided"] is False and rows["C"]["value"] is None


def test_d3_everyone_the_same_provided_value_all_first_with_one_point() -> None:
    r = one_question({"A": 200, "B": 200, "C": 200})
    # all share place 1, which is also the lowest place and the median: D3 says all take 1st and 1.0
    assert places(r, "q") == {"A": 1, "B": 1, "C": 1}
    assert points(r, "q") == {"A": 1.0, "B": 1.0, "C": 1.0}
    r = one_question({"A": None, "B": None})  # nobody provides it: nobody earns anything
    assert points(r, "q") == {"A": 0.0, "B": 0.0}


def test_d3_lowest_place_earns_zero_even_in_the_ladder() -> None:
    r = one_question({"A": 10, "B": 5})
    # Annex: "0 points ... to the lowest place": B is 2nd but also the lowest place -> 0, not 0.9
    assert points(r, "q") == {"A": 1.0, "B": 0.0}


def test_d3_choice_option_marked_none_is_not_provided() -> None:
    q = make(choice("c", [("full", False), ("partial", False), ("no", True)]))
    r = score_round1(q, ["A", "B", "C", "D"], {"A": {"c": "full"}, "B": {"c": "no"}, "C": {"c": "partial"}})
    # comparable = option position (best first): A 1, C 2; B chose the none option, D did not answer: worst
    # places: A 1, C 2, B and D share 3 -> points A 1.0, C 0.9, B 0 and D 0 (not provided, D3)
    assert places(r, "c") == {"A": 1, "C": 2, "B": 3, "D": 3}
    assert points(r, "c") == {"A": 1.0, "C": 0.9, "B": 0.0, "D": 0.0}
    assert r.explanation("C")["questions"][0]["comparable"] == 2


def test_d3_lower_better_zero_is_free_and_provided() -> None:
    r = one_question({"A": 0, "B": 2.5, "C": None, "D": 1}, direction="lower_better", block="regular",
                     unit="EUR/day")
    # a co-payment: lower is better; 0 = free = the best value; only C (unanswered) is not provided.
    # places: A 0 -> 1, D 1 -> 2, B 2.5 -> 3, C -> 4 (worst). B is 3rd but not the lowest place (C is) -> 0.8
    assert places(r, "q") == {"A": 1, "D": 2, "B": 3, "C": 4}
    assert points(r, "q") == {"A": 1.0, "D": 0.9, "B": 0.8, "C": 0.0}


def test_d3_blank_text_is_not_provided() -> None:
    q = make(text("t"))
    r = score_round1(q, ["A", "B", "C"], {"A": {"t": "Jā, ir"}, "B": {"t": "   "}})
    # a text ranks by whether it was given: A 1st; B (blank) and C (nothing) share the worst place 2
    assert places(r, "t") == {"A": 1, "B": 2, "C": 2}
    assert points(r, "t") == {"A": 1.0, "B": 0.0, "C": 0.0}


# --------------------------------------------------------------------------- D4 median


def test_d4_odd_count_median_is_the_middle_value() -> None:
    vals = {c: v for c, v in zip("ABCDEFGHI", [900, 800, 700, 600, 500, 400, 300, 200, 100], strict=True)}
    r = one_question(vals)
    # N = 9: median = the 5th value = 500. Places 1..9.
    # A 1.0, B 0.9, C 0.8 (ladder); D 600 > 500 -> 0.5; E 500 is AT the median -> 0; F..I below -> 0
    assert points(r, "q") == {"A": 1.0, "B": 0.9, "C": 0.8, "D": 0.5, "E": 0.0, "F": 0.0, "G": 0.0,
                              "H": 0.0, "I": 0.0}
    assert r.questions[0].median == 500


def test_d4_even_count_median_is_the_mean_of_the_middle_two() -> None:
    vals = {c: v for c, v in zip("ABCDEFGH", [800, 700, 600, 500, 400, 300, 200, 100], strict=True)}
    r = one_question(vals)
    # N = 8: median = (4th + 5th)/2 = (500 + 400)/2 = 450; D 500 > 450 -> 0.5; E 400 -> 0
    assert r.questions[0].median == 450
    assert points(r, "q")["D"] == 0.5 and points(r, "q")["E"] == 0.0


def test_d4_not_provided_counts_in_the_median_as_the_worst_value() -> None:
    vals: dict[str, object] = {c: v for c, v in zip("ABCDE", [1000, 900, 800, 700, 600], strict=True)}
    vals.update({c: None for c in "FGHIJ"})
    r = one_question(vals)
    # N = 10: sorted 1000, 900, 800, 700, 600, NP, NP, NP, NP, NP; middle two = 600 and "not provided";
    # their mean lies below 600, so D (700, 4th) and E (600, 5th) are strictly above the median -> 0.5 each.
    # The median itself is reported as None: it falls on the not-provided value.
    assert points(r, "q") == {"A": 1.0, "B": 0.9, "C": 0.8, "D": 0.5, "E": 0.5, "F": 0.0, "G": 0.0,
                              "H": 0.0, "I": 0.0, "J": 0.0}
    assert r.questions[0].median is None


def test_d4_the_ladder_applies_before_the_median() -> None:
    vals = {c: v for c, v in zip("ABCDEFG", [50, 40, 30, 30, 30, 20, 10], strict=True)}
    r = one_question(vals)
    # median = 4th value = 30; C, D, E share place 3 -> 0.8 each although they sit at the median
    # F 20 (place 6) is below -> 0; G is the lowest place -> 0
    assert points(r, "q") == {"A": 1.0, "B": 0.9, "C": 0.8, "D": 0.8, "E": 0.8, "F": 0.0, "G": 0.0}


def test_d4_lower_better_median_in_amount_units() -> None:
    r = one_question({"A": 1, "B": 2, "C": 3, "D": 4, "E": 5, "F": 6, "G": 7}, direction="lower_better",
                     block="regular")
    # fees: A best. median = 4th value = 4 EUR; D (4) is at the median -> 0... but D is 4th, not in the ladder
    assert r.questions[0].median == 4
    assert points(r, "q") == {"A": 1.0, "B": 0.9, "C": 0.8, "D": 0.0, "E": 0.0, "F": 0.0, "G": 0.0}


# --------------------------------------------------------------------------- D5 weights, exclusive groups


def test_d5_weights_and_exclusive_group_count_once() -> None:
    q = make(amount("q1", weight=2.0), amount("q2", group="g"), amount("q3", group="g"))
    answers = {"A": {"q1": 100, "q2": 50}, "B": {"q1": 200, "q3": 400}, "C": {"q2": 30, "q3": 500}}
    r = score_round1(q, ["A", "B", "C"], answers)
    # q1 (weight 2): B 200 1st 1.0 -> 2.0; A 100 2nd 0.9 -> 1.8 (C, not provided, is the lowest place); C 0
    # q2: A 50 1st 1.0; C 30 2nd 0.9; B 0 (not provided)
    # q3: C 500 1st 1.0; B 400 2nd 0.9; A 0
    # group g counts once, the best weighted points: A max(1.0, 0) = 1.0 (q2 counted, q3 excluded)
    #                                                B max(0, 0.9) = 0.9 (q3 counted, q2 excluded)
    #                                                C max(0.9, 1.0) = 1.0 (q3 counted, q2 excluded)
    # S(one_off, 2): A 1.8 + 1.0 = 2.8; B 2.0 + 0.9 = 2.9; C 0 + 1.0 = 1.0
    ex = {c: r.explanation(c) for c in "ABC"}
    assert [x["weighted_points"] for x in ex["A"]["questions"]] == [1.8, 1.0, 0.0]
    assert [x["counted"] for x in ex["A"]["questions"]] == [True, True, False]
    assert ex["A"]["questions"][2]["excluded_by_group"] == "g"
    assert [x["counted"] for x in ex["B"]["questions"]] == [True, False, True]
    assert [x["counted"] for x in ex["C"]["questions"]] == [True, False, True]
    assert {c: ex[c]["sections"][0]["sum"] for c in "ABC"} == {"A": 2.8, "B": 2.9, "C": 1.0}
    assert {c: ex[c]["raw_points"] for c in "ABC"} == {"A": 2.8, "B": 2.9, "C": 1.0}
    # EUR totals (one_off) count only counted, provided amounts: A 100 + 50 = 150; B 200 + 400 = 600;
    # C 500 (q3 counted; q2's 30 is excluded by the group; q1 not provided)
    assert {c: ex[c]["eur_totals"]["one_off"] for c in "ABC"} == {"A": 150.0, "B": 600.0, "C": 500.0}


def test_d5_exclusive_group_prefers_a_provided_answer_on_equal_points() -> None:
    q = make(amount("x"), amount("q2", group="g"), amount("q3", group="g"))
    # three municipalities; A answers q3 only with the lowest provided value of the three: 0 points either way
    answers = {"A": {"q3": 10}, "B": {"q3": 30, "q2": 5}, "C": {"q3": 20, "q2": 9}}
    r = score_round1(q, ["A", "B", "C"], answers)
    # q3: B 1.0, C 0.9, A lowest -> 0; q2: C 1.0, B 0.9, A not provided 0. A: both 0 -> the provided q3 counts
    a = r.explanation("A")["questions"]
    assert [x["counted"] for x in a] == [True, False, True]
    assert r.explanation("A")["eur_totals"]["one_off"] == 10.0


# --------------------------------------------------------------------------- D6 combination


def d6_questionnaire() -> Questionnaire:
    return make(amount("s2q", section=2, block="one_off"),
                amount("s3q", section=3, block="regular", unit="EUR/month"),
                choice("s4q", [("yes", False), ("partly", False), ("no", True)], section=4, block="regular"))


D6_ANSWERS = {
    "A": {"s2q": 400, "s4q": "yes"},
    "B": {"s2q": 300, "s3q": 50, "s4q": "no"},
    "C": {"s2q": 200, "s3q": 50, "s4q": "partly"},
    "D": {"s3q": 10, "s4q": "yes"},
}


def test_d6_sections_blocks_and_overall() -> None:
    params = ScoringParams(section_weights={4: 2.0})
    r = score_round1(d6_questionnaire(), ["D", "C", "B", "A"], D6_ANSWERS, params)
    # s2q (one_off, s2): A 400 1.0, B 300 0.9, C 200 0.8 (D not provided is the lowest), D 0
    #   S(one_off,2) = A 1.0, B 0.9, C 0.8, D 0 -> P 1, 2, 3, 4 -> R = (4 - P)/3 = 1, 2/3, 1/3, 0
    #   I(one_off) = 100·R: A 100, B 66.666667, C 33.333333, D 0
    # s3q (regular, s3): B 50 and C 50 share 1st -> 1.0; D 10 is 3rd -> 0.8 (A, not provided, is lowest); A 0
    #   S(regular,3) = A 0, B 1, C 1, D 0.8 -> P: B 1, C 1, D 3, A 4 -> R: A 0, B 1, C 1, D 1/3
    # s4q (regular, s4, weight w(4) = 2): A and D "yes" 1st 1.0; C "partly" 3rd 0.8; B "no" = none -> 0
    #   S(regular,4) = A 1, B 0, C 0.8, D 1 -> P: A 1, D 1, C 3, B 4 -> R: A 1, B 0, C 1/3, D 1
    # I(regular) = 100·(1·R3 + 2·R4)/3: A 2/3 -> 66.666667; B 1/3 -> 33.333333; C (1 + 2/3)/3 = 5/9 -> 55.555556;
    #   D (1/3 + 2)/3 = 7/9 -> 77.777778
    # O = (I(one_off) + I(regular))/2: A 83.333333, B 50, C 44.444444, D 38.888889 -> places 1, 2, 3, 4
    rows = {row.municipality: row.to_dict() for row in r.ranking}
    assert rows["A"]["indices"] == {"regular": 66.666667, "one_off": 100.0}
    assert rows["B"]["indices"] == {"regular": 33.333333, "one_off": 66.666667}
    assert rows["C"]["indices"] == {"regular": 55.555556, "one_off": 33.333333}
    assert rows["D"]["indices"] == {"regular": 77.777778, "one_off": 0.0}
    assert {c: rows[c]["overall"] for c in "ABCD"} == {"A": 83.333333, "B": 50.0, "C": 44.444444, "D": 38.888889}
    assert [row.municipality for row in r.ranking] == ["A", "B", "C", "D"]
    assert [row.place for row in r.ranking] == [1, 2, 3, 4]
    sec = {(s["block"], s["section"]): s for s in r.explanation("D")["sections"]}
    assert sec[("regular", 3)] == {"block": "regular", "section": 3, "sum": 0.8, "place": 3,
                                   "relative": 0.333333, "weight": 1.0}
    assert sec[("regular", 4)]["weight"] == 2.0 and sec[("regular", 4)]["place"] == 1
    # EUR totals: one_off counts s2q; regular counts s3q (EUR/month, a benefit): D regular 10, one_off 0
    assert rows["D"]["eur_totals"] == {"regular": 10.0, "one_off": 0.0}
    assert rows["B"]["eur_totals"] == {"regular": 50.0, "one_off": 300.0}


def test_d6_block_weights_change_the_overall_order() -> None:
    params = ScoringParams(section_weights={4: 2.0},
                           block_weights={"regular": 2.0, "one_off": 1.0, "long_term": 1.0})
    r = score_round1(d6_questionnaire(), list("ABCD"), D6_ANSWERS, params)
    # O = (1·I(one_off) + 2·I(regular))/3: A (100 + 133.33)/3 = 77.777778; B (66.67 + 66.67)/3 = 44.444444;
    #   C (33.33 + 111.11)/3 = 48.148148; D (0 + 155.56)/3 = 51.851852 -> A 1, D 2, C 3, B 4
    assert [(row.municipality, round(row.overall, 6)) for row in r.ranking] == [
        ("A", 77.777778), ("D", 51.851852), ("C", 48.148148), ("B", 44.444444)]


def test_d6_municipality_that_sent_nothing_takes_part_as_not_provided() -> None:
    r = score_round1(d6_questionnaire(), list("ABCDE"), D6_ANSWERS)  # §3.3: E sent nothing
    e = r.explanation("E")
    assert all(not x["provided"] and x["points"] == 0 for x in e["questions"])
    # In every section E's sum is 0, shared with one other municipality that also scored 0 there
    # (s2: D; s3: A; s4: B), so both take place 4 of 5 (D2): R = (N - P)/(N - 1) = (5 - 4)/4 = 0.25.
    # I(one_off) = I(regular) = 25, O = 25; still the last overall place.
    assert all(s["sum"] == 0.0 and s["place"] == 4 and s["relative"] == 0.25 for s in e["sections"])
    assert e["overall"] == 25.0 and e["place"] == 5


def test_d6_ties_are_exact_whatever_the_float_sums() -> None:
    q = make(amount("qa", weight=0.1), amount("qb", weight=0.2), amount("qc", weight=0.3))
    r = score_round1(q, ["X", "Y", "Z"], {"X": {"qa": 10, "qb": 10}, "Y": {"qc": 10}})
    # X: 1.0·0.1 + 1.0·0.2 = 0.3 exactly (in floats 0.1 + 0.2 = 0.30000000000000004); Y: 1.0·0.3 = 0.3
    # so X and Y share place 1 of section 2 and overall (D2)
    assert r.row("X").place == r.row("Y").place == 1
    assert r.row("X").overall == r.row("Y").overall == 100.0


# --------------------------------------------------------------------------- D7 the cut


def d7_questionnaire() -> Questionnaire:
    return make(amount("s2q", section=2), amount("s3a", section=3), amount("s3b", section=3))


def test_d7_tie_at_the_cut_broken_by_raw_points() -> None:
    answers = {"A": {"s2q": 400, "s3a": 400, "s3b": 400},
               "B": {"s2q": 300, "s3a": 200, "s3b": 200},
               "C": {"s2q": 200, "s3a": 300, "s3b": 300},
               "D": {}}
    r = score_round1(d7_questionnaire(), list("ABCD"), answers, ScoringParams(cut_size=2))
    # s2q: A 1.0, B 0.9, C 0.8, D 0 -> S(one_off,2) places A 1, B 2, C 3, D 4
    # s3a, s3b: A 1.0, C 0.9, B 0.8, D 0 each -> S(one_off,3) = A 2.0, C 1.8, B 1.6, D 0 -> A 1, C 2, B 3, D 4
    # R = (4 - P)/3; I(one_off) = 100·(R2 + R3)/2: A 100; B (2/3 + 1/3)/2 = 50; C (1/3 + 2/3)/2 = 50; D 0
    # B and C tie at place 2 = the last place of a cut of 2. Raw points: B 0.9 + 1.6 = 2.5; C 0.8 + 1.8 = 2.6
    # -> C advances (D7)
    assert [(row.municipality, row.place, round(row.overall, 6)) for row in r.ranking] == [
        ("A", 1, 100.0), ("C", 2, 50.0), ("B", 2, 50.0), ("D", 4, 0.0)]
    assert r.row("B").raw_points == 2.5 and r.row("C").raw_points == pytest.approx(2.6)
    assert r.advancing == ("A", "C")
    cut = r.to_dict()["cut"]
    assert cut["tie_break_used"] is True and cut["all_tied_advance"] is False
    assert sorted(cut["tied_at_cut"]) == ["B", "C"]
    assert "raw question points" in cut["note"]


def test_d7_still_tied_all_advance_and_the_result_says_so() -> None:
    q = make(amount("s2q", section=2), amount("s3q", section=3))
    answers = {"A": {"s2q": 400, "s3q": 400}, "B": {"s2q": 300, "s3q": 200}, "C": {"s2q": 200, "s3q": 300},
               "D": {}}
    r = score_round1(q, list("ABCD"), answers, ScoringParams(cut_size=2))
    # s2: A 1.0, B 0.9, C 0.8 -> P A 1, B 2, C 3; s3: A 1.0, C 0.9, B 0.8 -> P A 1, C 2, B 3
    # O: A 100; B = C = 100·(2/3 + 1/3)/2 = 50; raw: B 0.9 + 0.8 = 1.7 = C 0.8 + 0.9 -> still tied: both advance
    assert r.row("B").overall == r.row("C").overall == 50.0
    assert r.advancing == ("A", "B", "C")
    assert r.cut.all_tied_advance is True and r.cut.all_tied == ("B", "C")
    assert "all of them advance" in (r.cut.note or "")
    d = r.to_dict()
    assert d["advancing"] == ["A", "B", "C"] and d["cut"]["advancing_count"] == 3
    assert [row["advances"] for row in d["ranking"]] == [True, True, True, False]


def test_d7_no_tie_and_fewer_participants_than_the_cut() -> None:
    r = score_round1(d7_questionnaire(), list("ABC"), {"A": {"s2q": 5}, "B": {"s2q": 4}})
    assert r.advancing == ("A", "B", "C") and not r.cut.tie_break_used  # 3 <= 10: everyone advances
    r = score_round1(d7_questionnaire(), list("ABCD"), {"A": {"s2q": 5}, "B": {"s2q": 4}, "C": {"s2q": 3}},
                     ScoringParams(cut_size=2))
    assert r.advancing == ("A", "B") and r.cut.note is None


# --------------------------------------------------------------------------- params, errors, output


def test_scoring_params_defaults_equal_rules_md_and_round_trip() -> None:
    p = ScoringParams()
    assert p.ladder == (1.0, 0.9, 0.8) and p.above_median_points == 0.5  # Annex
    assert p.median_rule == "mean_of_middle" and p.cut_size == 10  # D4, §4.5
    assert p.block_weights == {"regular": 1.0, "one_off": 1.0, "long_term": 1.0} and p.section_weights == {}
    assert ScoringParams.from_dict(p.to_dict()) == p
    assert ScoringParams.from_dict({}) == p and ScoringParams.from_dict(None) == p
    q = ScoringParams.from_dict({"section_weights": {"4": 2}, "block_weights": {"regular": 3}, "cut_size": 5})
    assert q.section_weights == {4: 2.0} and q.block_weights["regular"] == 3.0
    assert ScoringParams.from_dict(json.loads(json.dumps(q.to_dict()))) == q


@pytest.mark.parametrize("bad", [
    {"ladder": []}, {"ladder": [0.8, 0.9]}, {"above_median_points": 0.95}, {"median_rule": "mode"},
    {"cut_size": 0}, {"section_weights": {"2": 0}}, {"block_weights": {"monthly": 1}}, {"tie_break": "coin"},
    {"colour": 1}, {"ladder": [1, True]},
])
def test_scoring_params_refuse_bad_values(bad: dict[str, Any]) -> None:
    with pytest.raises(InvalidInput) as e:
        ScoringParams.from_dict(bad)
    assert set(e.value.errors) & (set(bad) | {"ladder", "block_weights"})


def test_score_round1_refuses_bad_inputs() -> None:
    q = d7_questionnaire()
    with pytest.raises(InvalidInput):
        score_round1(q, ["A"], {})  # D6 needs N >= 2
    with pytest.raises(InvalidInput):
        score_round1(q, ["A", "A"], {})
    with pytest.raises(InvalidInput) as e:
        score_round1(q, ["A", "B"], {"Z": {}, "A": {"nope": 1, "s2q": "x"}})
    assert set(e.value.errors) == {"Z", "A: nope"}
    with pytest.raises(InvalidInput) as e:
        score_round1(q, ["A", "B"], {"A": {"s2q": "x"}, "B": {"s3a": -1}})
    assert set(e.value.errors) == {"A: s2q", "B: s3a"}
    with pytest.raises(NotFound):
        score_round1(q, ["A", "B"], {}).explanation("C")


def test_to_dict_is_json_and_deterministic() -> None:
    r1 = score_round1(d6_questionnaire(), list("ABCD"), D6_ANSWERS)
    r2 = score_round1(d6_questionnaire(), list("DCBA"), dict(reversed(list(D6_ANSWERS.items()))))
    s1 = json.dumps(r1.to_dict(), sort_keys=True)
    assert s1 == json.dumps(r2.to_dict(), sort_keys=True)
    d = r1.to_dict()
    assert set(d) == {"questionnaire", "params", "participants", "blocks", "ranking", "advancing", "cut",
                      "questions", "explanations"}
    row = d["explanations"]["A"]["questions"][0]
    assert set(row) == {"question_id", "section", "block", "kind", "value", "comparable", "provided", "place",
                        "median", "points", "weight", "weighted_points", "counted", "exclusive_group",
                        "excluded_by_group"}
    assert set(d["ranking"][0]) == {"municipality", "place", "overall", "indices", "eur_totals", "raw_points",
                                    "advances"}


def test_section_1_is_not_scored_and_43_municipalities_are_all_scored() -> None:
    """43 municipalities on the 2024 questionnaire, a full-sized input: every scored question is scored for every
    one of them, section 1 is not scored, every municipality is ranked with a place from 1 to 43, and scoring the
    same answers again gives the same result (no timing assertion: the outcome at a large input)."""
    from contest.seeding import generate_answers

    q = load_questionnaire(json.loads((ROOT / "contest/presets/2024/questionnaire.json").read_text("utf-8")))
    codes = [f"LV-{i:03d}" for i in range(43)]
    answers = generate_answers(q, codes)
    r = score_round1(q, codes, answers)
    assert all(x.section != 1 for x in r.questions)
    assert len(r.questions) == len(q.scored_questions)
    assert all(len(x.places) == len(codes) for x in r.questions)
    assert sorted(row.municipality for row in r.ranking) == codes
    assert all(1 <= row.place <= len(codes) for row in r.ranking)
    assert r.ranking[0].place == 1
    assert [row.place for row in r.ranking] == sorted(row.place for row in r.ranking)
    assert score_round1(q, codes, answers).to_dict() == r.to_dict()
