"""Properties of round-1 scoring that must hold for any answers (Annex, RULES.md D2-D6), checked with hypothesis.

Deterministic (``derandomize=True``, no example database) and modest in size so the file runs in seconds.
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.questionnaire import Questionnaire, load_questionnaire
from domain.scoring import Round1Result, ScoringParams, score_round1

SETTINGS = settings(max_examples=60, derandomize=True, database=None, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


def _q(qid: str, section: int, block: str, kind: str, **extra: Any) -> dict[str, Any]:
    return {"id": qid, "section": section, "measure": "M", "measure_en": "M", "text_lv": qid, "text_en": qid,
            "kind": kind, "block": block, **extra}


def _amount(qid: str, section: int, block: str, direction: str = "higher_better", **extra: Any) -> dict[str, Any]:
    counts = direction == "higher_better" and block != "long_term"
    return _q(qid, section, block, "amount", direction=direction, unit="EUR", min=0, max=1000,
              counts_toward_total=counts, **extra)


def questionnaire(fee_direction: str = "lower_better") -> Questionnaire:
    return load_questionnaire({
        "id": "prop", "version": "1", "title_lv": "P", "title_en": "P",
        "sections": [{"number": n, "title_lv": f"S{n}", "title_en": f"S{n}"} for n in (2, 3, 4)],
        "questions": [
            _amount("birth", 2, "one_off", weight=1.5),
            _amount("fee", 3, "regular", direction=fee_direction),
            _q("choice", 3, "regular", "choice", options=[
                {"id": "full", "label_lv": "a", "label_en": "a"},
                {"id": "part", "label_lv": "b", "label_en": "b"},
                {"id": "no", "label_lv": "c", "label_en": "c", "none": True}]),
            _q("text", 4, "long_term", "text"),
            _amount("per_child", 2, "one_off", exclusive_group="g"),
            _amount("lump", 2, "one_off", exclusive_group="g", weight=2.0),
        ],
    })


Q = questionnaire()
AMOUNT = st.one_of(st.none(), st.integers(0, 4), st.sampled_from([0.5, 2.5, 1000]))
ANSWER = st.fixed_dictionaries({
    "birth": AMOUNT, "fee": AMOUNT, "choice": st.sampled_from([None, "full", "part", "no"]),
    "text": st.sampled_from([None, "", "  ", "jā"]), "per_child": AMOUNT, "lump": AMOUNT,
}).map(lambda d: {k: v for k, v in d.items() if v is not None})
TABLES = st.lists(ANSWER, min_size=2, max_size=7)
PARAMS = st.sampled_from([
    ScoringParams(),
    ScoringParams(median_rule="upper_middle", cut_size=2),
    ScoringParams(section_weights={3: 2.5}, block_weights={"regular": 1.0, "one_off": 3.0, "long_term": 0.5}),
])


def codes_for(n: int) -> list[str]:
    return [f"M{i}" for i in range(n)]


def per_question(result: Round1Result, code: str) -> dict[str, tuple[Any, ...]]:
    return {x["question_id"]: (x["place"], x["points"], x["weighted_points"], x["counted"])
            for x in result.explanation(code)["questions"]}


def summary(result: Round1Result, code: str) -> tuple[Any, ...]:
    row = result.row(code).to_dict()
    return row["place"], row["overall"], row["indices"], row["eur_totals"], row["raw_points"]


@SETTINGS
@given(table=TABLES, params=PARAMS, data=st.data())
def test_d2_d6_renaming_or_reordering_municipalities_changes_nobodys_points(
        table: list[dict[str, object]], params: ScoringParams, data: st.DataObject) -> None:
    codes = codes_for(len(table))
    answers = dict(zip(codes, table, strict=True))
    base = score_round1(Q, codes, answers, params)
    new_names = data.draw(st.permutations([f"Z{k}" for k in range(len(codes))]))
    rename = dict(zip(codes, new_names, strict=True))
    order = data.draw(st.permutations(codes))
    renamed = score_round1(Q, [rename[c] for c in order], {rename[c]: answers[c] for c in reversed(order)}, params)
    for c in codes:
        assert per_question(base, c) == per_question(renamed, rename[c])
        assert summary(base, c) == summary(renamed, rename[c])


@SETTINGS
@given(table=TABLES, params=PARAMS)
def test_d2_equal_answers_get_equal_points(table: list[dict[str, object]], params: ScoringParams) -> None:
    codes = codes_for(len(table))
    table = [table[0], *table[1:]]
    table[1] = dict(table[0])  # M1 answers exactly as M0
    result = score_round1(Q, codes, dict(zip(codes, table, strict=True)), params)
    assert per_question(result, "M0") == per_question(result, "M1")
    assert summary(result, "M0") == summary(result, "M1")


@SETTINGS
@given(table=TABLES, params=PARAMS)
def test_d3_not_provided_never_earns_points(table: list[dict[str, object]], params: ScoringParams) -> None:
    codes = codes_for(len(table))
    result = score_round1(Q, codes, dict(zip(codes, table, strict=True)), params)
    for c in codes:
        for x in result.explanation(c)["questions"]:
            if not x["provided"]:
                assert x["points"] == 0 and x["weighted_points"] == 0
            assert 0 <= x["points"] <= 1
        row = result.row(c)
        assert 0 <= row.overall <= 100 + 1e-9


@SETTINGS
@given(fees=st.lists(st.one_of(st.none(), st.integers(0, 6), st.sampled_from([0.5, 2.5])), min_size=2,
                     max_size=8), table=TABLES)
def test_annex_lower_better_mirrors_higher_better_on_reflected_values(
        fees: list[object], table: list[dict[str, object]]) -> None:
    # A co-payment v ranks like the amount C - v where higher is better; with C above every fee, C - v > 0
    # stays "provided" (D3), and an unanswered fee stays unanswered.
    n = min(len(fees), len(table))
    codes = codes_for(n)
    top = 10
    lower = {c: {**table[i], "fee": fees[i]} for i, c in enumerate(codes)}
    higher = {c: {**table[i], "fee": None if fees[i] is None else top - fees[i]} for i, c in enumerate(codes)}
    lower = {c: {k: v for k, v in a.items() if v is not None} for c, a in lower.items()}
    higher = {c: {k: v for k, v in a.items() if v is not None} for c, a in higher.items()}
    a = score_round1(questionnaire("lower_better"), codes, lower)
    b = score_round1(questionnaire("higher_better"), codes, higher)
    for c in codes:
        assert per_question(a, c) == per_question(b, c)
        assert a.row(c).overall == b.row(c).overall and a.row(c).place == b.row(c).place


@SETTINGS
@given(table=TABLES, who=st.integers(0, 6), qid=st.sampled_from(["birth", "per_child", "lump", "fee"]),
       delta=st.sampled_from([0.5, 1, 3, 1000]), params=PARAMS)
def test_annex_improving_ones_own_amount_never_lowers_ones_own_points(
        table: list[dict[str, object]], who: int, qid: str, delta: float, params: ScoringParams) -> None:
    codes = codes_for(len(table))
    me = codes[who % len(codes)]
    answers = dict(zip(codes, table, strict=True))
    before = score_round1(Q, codes, answers, params)
    old = answers[me].get(qid)
    if qid == "fee":  # lower is better: improving means paying less (and answering at all)
        new: float = max(0, (old if isinstance(old, int | float) else 1000) - delta)
    else:
        new = min(1000, (old if isinstance(old, int | float) else 0) + delta)
    after = score_round1(Q, codes, {**answers, me: {**answers[me], qid: new}}, params)
    assert per_question(after, me)[qid][1] >= per_question(before, me)[qid][1]
