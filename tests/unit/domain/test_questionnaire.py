"""The questionnaire as data (RULES.md "Round 1", Annex): the 2024 file, validation on load, validate_answers."""

from __future__ import annotations

import copy
import json
import math
from typing import Any

import pytest

from domain.errors import InvalidInput
from domain.questionnaire import (
    BLOCKS,
    PROBLEMS,
    AnswersInvalid,
    Questionnaire,
    QuestionnaireError,
    load_questionnaire,
    validate_answers,
)
from tests.support import ROOT

FILE_2024 = ROOT / "contest" / "presets" / "2024" / "questionnaire.json"
# the binding 2024 rules in Latvian (a copy of ../shared/seeds/001_88014a7ef1a2f43c.txt kept with the preset)
SEED_RULES = ROOT / "contest" / "presets" / "2024" / "nolikums-2024.txt"

# The support measures each section of the Annex names ("Vērtēšanas sadaļas"), verbatim; section 10 names none.
ANNEX_MEASURES: dict[int, list[str]] = {
    2: ["Vienreizējais atbalsts pirmā bērna piedzimšanas gadījumā",
        "Vienreizējais atbalsts otrā bērna piedzimšanas gadījumā",
        "Vienreizējais diferencētais maksājums par trešo un nākamajiem bērniem",
        "Vienreizējais pabalsts ģimenēm, ja vienās dzemdībās piedzimst vairāk par vienu bērnu"],
    3: ["Ēdināšana pirmsskolas izglītības iestādēs",
        "Ēdināšana izglītības iestādēs",
        "Mērķgrupas, kurām pašvaldība nodrošina pilnā apmērā pusdienas",
        "Mērķgrupas, kurām pašvaldības nodrošina pilnā apmērā pusdienas pirmsskolas izglītības iestādē",
        "Pusdienu un ēdināšanas finansēšana no 1,5 gadiem līdz 6 gadiem, un skolas vecuma bērniem"],
    4: ["Rinda uz pašvaldības pirmsskolas izglītības iestādēm",
        "Līdzfinansējums privātām pirmsskolas izglītības iestādēm",
        "Atbalsts bērnu uzraudzības pakalpojumu sniedzējam",
        "Līdzfinansējums bērniem, kuri neapmeklē pašvaldības pirmsskolas izglītības iestādes",
        "Atbalsts pirmsskolas vecuma bērniem ar speciālām vajadzībām",
        "Atbalsts pirmsskolas vecuma bērnu ārpusstundu nodarbībām",
        "Sadarbība ar blakus pašvaldībām, lai nodrošinātu pirmsskolas izglītību",
        "Pabalsts skolēniem",
        "Pabalsts individuālo mācību līdzekļu iegādei",
        "Stipendijas un naudas balvas studentiem un skolēniem"],
    5: ["Sabiedriskais transports",
        "Skolas transports",
        "Transports uz interešu un profesionālās ievirzes izglītības nodarbībām",
        "Mērķgrupas, kurām nodrošināts transports uz interešu un profesionālās ievirzes izglītības nodarbībām",
        "Vecāku līdzmaksājumi transporta izdevumiem"],
    6: ["Interešu izglītības klāsts pašvaldībā, blakus pašvaldībās",
        "Interešu izglītības maksa",
        "Interešu izglītības maksa mērķgrupām"],
    7: ["Mākslas skolas, sporta skolas, mūzikas skolas pieejamība pašvaldībā, blakus pašvaldībās",
        "Programmas profesionālās ievirzes izglītībā",
        "Profesionālās ievirzes izglītības maksa",
        "Profesionālās ievirzes izglītības maksa mērķgrupām"],
    8: ["Atbalsts ārpusģimenes aprūpei un audžuģimenēm",
        "Atbalsts daudzbērnu ģimenēm",
        "Atbalsts viena vecāka ģimenēm",
        "Pašvaldības pieeja daudz bērnu ģimenes statusa piemērošanai",
        "Atbalsts ģimenēm, kurās ir bērns ar speciālām vajadzībām, vai kuras veic aprūpētāja funkciju",
        "Atbalsts maznodrošinātām un trūcīgām ģimenēm",
        "Atbalsts citām ģimenēm"],
    9: ["Peldbaseina nodarbības",
        "Dzīvokļa rinda un fonds",
        "Dzīvokļa īres kompensācija, nekustamā nodokļa atlaide",
        "Iesaiste Remigrācijas programmā",
        "Dalība programmās “Ģimenei draudzīga darbavieta” un “Latvijas Goda ģimene”",
        "Pašvaldība interneta vidē (t.sk. e-adrešu izmantošana)",
        "Nometnes",
        "Nodarbinātība",
        "Papildu apmācības un kursi",
        "Psihologa konsultācijas un medicīnas izmaksu atbalsts",
        "Sadarbība ar NVO"],
    10: [],
}


@pytest.fixture(scope="module")
def data_2024() -> dict[str, Any]:
    return json.loads(FILE_2024.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def q2024(data_2024: dict[str, Any]) -> Questionnaire:
    return load_questionnaire(data_2024)


# --------------------------------------------------------------------------- the 2024 file (Annex)


def test_annex_2024_questionnaire_loads_with_ten_sections(q2024: Questionnaire) -> None:
    assert q2024.id == "gdp-2024" and q2024.version
    assert [s.number for s in q2024.sections] == list(range(1, 11))
    assert [s.scored for s in q2024.sections] == [False] + [True] * 9  # Annex: 9 scored groups, section 1 not
    assert q2024.section(10).title_lv == "Publiskā infrastruktūra"
    assert 100 <= len(q2024.questions) <= 250
    assert all(q.block is None for q in q2024.questions if q.section == 1)
    assert all(q.block in BLOCKS for q in q2024.scored_questions)


def test_annex_every_measure_of_sections_2_to_10_has_a_question(q2024: Questionnaire) -> None:
    for number, measures in ANNEX_MEASURES.items():
        section = q2024.section(number)
        assert [m.lv for m in section.measures if m.annex] == measures, number
        covered = {q.measure for q in q2024.questions if q.section == number}
        assert set(measures) <= covered, (number, set(measures) - covered)
        assert all(q.measure in {m.lv for m in section.measures} for q in q2024.questions if q.section == number)
    # section 10 names no measure: the questionnaire gives it infrastructure questions of its own
    assert len([q for q in q2024.questions if q.section == 10]) >= 3
    assert all(q.block == "long_term" for q in q2024.questions if q.section == 10)


def test_annex_measure_names_are_verbatim_from_the_source() -> None:
    source = SEED_RULES.read_text(encoding="utf-8")
    for measures in ANNEX_MEASURES.values():
        for m in measures:
            assert m in source, m


def test_annex_theme_question_is_descriptive_section_1(q2024: Questionnaire) -> None:
    theme = [q for q in q2024.questions if "Vardarbības mazināšana" in q.text_lv]  # §4.3, §4.7.11
    assert theme and all(q.section == 1 and q.kind == "text" for q in theme)
    assert all(q not in q2024.scored_questions for q in theme)


def test_annex_blocks_follow_the_block_descriptions(q2024: Questionnaire) -> None:
    by_id = {q.id: q for q in q2024.questions}
    assert by_id["s2.m1.q1"].block == "one_off"  # birth allowance: one-off (Annex block 2)
    assert by_id["s4.m8.q1"].block == "one_off"  # starting school
    assert by_id["s8.m1.q2"].block == "one_off"  # becoming a guardian
    assert all(q.block == "regular" for q in q2024.questions if q.section == 3)  # catering: regular
    assert by_id["s5.m2.q2"].block == "regular"  # transport compensation: regular
    assert by_id["s3.m1.q1"].direction == "lower_better"  # a parents' fee ranks the other way round (Annex)


def test_annex_eur_totals_only_count_eur_benefits_of_regular_and_one_off(q2024: Questionnaire) -> None:
    counted = [q for q in q2024.questions if q.counts_toward_total]
    assert counted
    for q in counted:
        assert q.kind == "amount" and q.unit is not None and q.unit.startswith("EUR")
        assert q.block in ("regular", "one_off") and q.direction == "higher_better"


def test_d5_exclusive_groups_in_2024_stay_within_one_section_and_block(q2024: Questionnaire) -> None:
    groups = q2024.exclusive_groups()
    assert len(groups) >= 2
    for members in groups.values():
        assert len(members) >= 2
        assert len({(q.section, q.block) for q in members}) == 1


def test_questionnaire_to_dict_round_trips(data_2024: dict[str, Any], q2024: Questionnaire) -> None:
    assert q2024.to_dict() == data_2024  # the file is stored in canonical form
    assert load_questionnaire(q2024.to_dict()) == q2024
    assert json.loads(json.dumps(q2024.to_dict())) == q2024.to_dict()


def test_choice_options_in_2024_are_best_first_with_none_last(q2024: Questionnaire) -> None:
    for q in q2024.questions:
        if q.kind == "choice":
            flags = [o.none for o in q.options]
            assert flags == sorted(flags), q.id  # "not provided" options come after every real answer
            assert not flags[0], q.id


# --------------------------------------------------------------------------- validation on load


def small() -> dict[str, Any]:
    return {
        "id": "test", "version": "1", "title_lv": "Tests", "title_en": "Test",
        "sections": [
            {"number": 1, "title_lv": "Vispārīgi", "title_en": "General", "scored": False},
            {"number": 2, "title_lv": "Atbalsts", "title_en": "Support",
             "measures": [{"lv": "Pabalsts", "en": "Allowance"}]},
        ],
        "questions": [
            {"id": "s1.q1", "section": 1, "measure": "Info", "measure_en": "Info", "text_lv": "Kontakti",
             "text_en": "Contacts", "kind": "text", "block": None},
            {"id": "s2.q1", "section": 2, "measure": "Pabalsts", "measure_en": "Allowance", "text_lv": "Summa",
             "text_en": "Amount", "kind": "amount", "block": "one_off", "direction": "higher_better",
             "unit": "EUR", "min": 0, "max": 5000, "counts_toward_total": True},
            {"id": "s2.q2", "section": 2, "measure": "Pabalsts", "measure_en": "Allowance", "text_lv": "Maksa",
             "text_en": "Fee", "kind": "amount", "block": "regular", "direction": "lower_better",
             "unit": "EUR/month", "min": 0, "max": 100},
            {"id": "s2.q3", "section": 2, "measure": "Pabalsts", "measure_en": "Allowance", "text_lv": "Vai?",
             "text_en": "Whether?", "kind": "choice", "block": "regular",
             "options": [{"id": "yes", "label_lv": "Jā", "label_en": "Yes"},
                         {"id": "no", "label_lv": "Nē", "label_en": "No", "none": True}]},
            {"id": "s2.q4", "section": 2, "measure": "Pabalsts", "measure_en": "Allowance", "text_lv": "Apraksts",
             "text_en": "Description", "kind": "text", "block": "long_term", "max_length": 20},
            {"id": "s2.q5", "section": 2, "measure": "Pabalsts", "measure_en": "Allowance", "text_lv": "Cits",
             "text_en": "Other", "kind": "amount", "block": "regular", "direction": "higher_better",
             "unit": "%", "min": 0, "max": 100, "exclusive_group": "g"},
            {"id": "s2.q6", "section": 2, "measure": "Pabalsts", "measure_en": "Allowance", "text_lv": "Cits 2",
             "text_en": "Other 2", "kind": "amount", "block": "regular", "direction": "higher_better",
             "unit": "EUR/month", "min": 0, "max": 100, "exclusive_group": "g"},
        ],
    }


def _question(data: dict[str, Any], qid: str) -> dict[str, Any]:
    return next(q for q in data["questions"] if q["id"] == qid)


def test_small_questionnaire_loads() -> None:
    q = load_questionnaire(small())
    assert [x.id for x in q.scored_questions] == ["s2.q1", "s2.q2", "s2.q3", "s2.q4", "s2.q5", "s2.q6"]
    assert load_questionnaire(q.to_dict()) == q


MUTATIONS = [
    ("unknown kind", "s2.q1", lambda q: q.update(kind="slider"), "unknown kind"),
    ("unknown block", "s2.q1", lambda q: q.update(block="monthly"), "unknown block"),
    ("missing block in a scored section", "s2.q1", lambda q: q.update(block=None), "unknown block"),
    ("unknown direction", "s2.q2", lambda q: q.update(direction="up"), "unknown direction"),
    ("missing unit", "s2.q2", lambda q: q.pop("unit"), "unit"),
    ("min above max", "s2.q2", lambda q: q.update(min=50, max=10), "min < max"),
    ("negative min", "s2.q2", lambda q: q.update(min=-1), "min < max"),
    ("choice without options", "s2.q3", lambda q: q.pop("options"), "at least two options"),
    ("choice with empty options", "s2.q3", lambda q: q.update(options=[]), "at least two options"),
    ("duplicate option id", "s2.q3",
     lambda q: q["options"].append({"id": "yes", "label_lv": "x", "label_en": "x"}), "duplicate option id"),
    ("options on an amount", "s2.q1", lambda q: q.update(options=[]), "only apply to choice"),
    ("direction on a text", "s2.q4", lambda q: q.update(direction="higher_better"), "only apply to amount"),
    ("unknown section", "s2.q1", lambda q: q.update(section=11), "unknown section"),
    ("zero weight", "s2.q1", lambda q: q.update(weight=0), "weight"),
    ("negative weight", "s2.q1", lambda q: q.update(weight=-2), "weight"),
    ("NaN weight", "s2.q1", lambda q: q.update(weight=math.nan), "weight"),
    ("string weight", "s2.q1", lambda q: q.update(weight="2"), "weight"),
    ("measure not of its section", "s2.q1", lambda q: q.update(measure="Cits"), "not one of section 2"),
    ("co-payment counted as a benefit", "s2.q2", lambda q: q.update(counts_toward_total=True), "co-payment"),
    ("percent counted as EUR", "s2.q5", lambda q: q.update(counts_toward_total=True), "only EUR"),
    ("long-term EUR total", "s2.q1", lambda q: q.update(block="long_term"), "third block"),
    ("every option none", "s2.q3", lambda q: q["options"][0].update(none=True), "every option is marked none"),
    ("text max_length 0", "s2.q4", lambda q: q.update(max_length=0), "max_length"),
    ("unknown field", "s2.q1", lambda q: q.update(colour="red"), "unknown fields"),
    ("exclusive group across blocks (D5)", "s2.q6", lambda q: q.update(block="one_off"), "mixes blocks"),
]


@pytest.mark.parametrize(("what", "qid", "mutate", "needle"), MUTATIONS, ids=[m[0] for m in MUTATIONS])
def test_load_error_names_the_question(what: str, qid: str, mutate: Any, needle: str) -> None:
    data = small()
    mutate(_question(data, qid))
    with pytest.raises(QuestionnaireError) as e:
        load_questionnaire(data)
    assert isinstance(e.value, InvalidInput)  # 422 for the API
    assert qid in e.value.errors, e.value.errors
    assert any(needle in m and qid in m for m in e.value.errors[qid]), e.value.errors
    assert qid in e.value.message


def test_load_error_duplicate_question_id() -> None:
    data = small()
    data["questions"].append(copy.deepcopy(_question(data, "s2.q1")))
    with pytest.raises(QuestionnaireError) as e:
        load_questionnaire(data)
    assert e.value.question_id == "s2.q1" and "duplicate question id" in e.value.message


def test_d5_load_error_exclusive_group_of_one_and_across_sections() -> None:
    data = small()
    data["questions"] = [q for q in data["questions"] if q["id"] != "s2.q6"]
    with pytest.raises(QuestionnaireError) as e:
        load_questionnaire(data)
    assert "only this question" in e.value.errors["s2.q5"][0]
    data = small()
    data["sections"].append({"number": 3, "title_lv": "C", "title_en": "C"})
    _question(data, "s2.q6").update(section=3, measure="Cits")
    with pytest.raises(QuestionnaireError) as e:
        load_questionnaire(data)
    assert any("spans sections" in m for m in e.value.errors["s2.q6"])


def test_load_reports_every_problem_at_once() -> None:
    data = small()
    _question(data, "s2.q1")["kind"] = "slider"
    _question(data, "s2.q3")["options"] = []
    with pytest.raises(QuestionnaireError) as e:
        load_questionnaire(data)
    assert {"s2.q1", "s2.q3"} <= set(e.value.errors)


def test_load_error_duplicate_section_and_bad_section_weight() -> None:
    data = small()
    data["sections"].append({"number": 2, "title_lv": "x", "title_en": "x"})
    data["sections"][1]["weight"] = -1
    with pytest.raises(QuestionnaireError) as e:
        load_questionnaire(data)
    assert "section 2" in e.value.errors
    assert any("duplicate" in m for m in e.value.errors["section 2"])
    assert any("weight" in m for m in e.value.errors["section 2"])


# --------------------------------------------------------------------------- validate_answers


def test_validate_answers_normalises_amounts_choices_texts() -> None:
    q = load_questionnaire(small())
    out = validate_answers(q, {"s2.q1": "1 500,50", "s2.q2": "12.5", "s2.q3": " yes ", "s2.q4": "  labi ",
                               "s2.q5": 40.0, "s2.q6": 7, "s1.q1": "Anna"})
    assert out == {"s2.q1": 1500.5, "s2.q2": 12.5, "s2.q3": "yes", "s2.q4": "labi", "s2.q5": 40, "s2.q6": 7,
                   "s1.q1": "Anna"}
    assert type(out["s2.q5"]) is int  # a whole float becomes an int
    assert validate_answers(q, {"s2.q2": "0"}) == {"s2.q2": 0}  # a free co-payment is an answer (D3)


def test_validate_answers_none_or_blank_clears() -> None:
    q = load_questionnaire(small())
    assert validate_answers(q, {"s2.q1": None, "s2.q3": "  ", "s2.q4": ""}) == {
        "s2.q1": None, "s2.q3": None, "s2.q4": None}


def test_validate_answers_reports_every_bad_answer_by_question_id() -> None:
    q = load_questionnaire(small())
    bad = {"s2.q1": True, "s2.q2": -1, "s2.q3": "maybe", "s2.q4": "x" * 21, "s2.q5": math.nan,
           "s2.q6": math.inf, "s9.q9": 1, "s1.q1": 5}
    with pytest.raises(InvalidInput) as e:
        validate_answers(q, bad)
    assert set(e.value.errors) == set(bad)
    assert "true/false" in e.value.errors["s2.q1"][0]
    assert "negative" in e.value.errors["s2.q2"][0]
    assert "not an option" in e.value.errors["s2.q3"][0]
    assert "at most 20 characters" in e.value.errors["s2.q4"][0]
    assert "finite" in e.value.errors["s2.q5"][0]
    assert "unknown question id" in e.value.errors["s9.q9"][0]


@pytest.mark.parametrize("value", ["abc", "1,500.00", "1.2.3", "12 EUR", "-5", "5001", 5000.01, [1], {"a": 1}])
def test_validate_answers_refuses_bad_amounts(value: object) -> None:
    q = load_questionnaire(small())
    with pytest.raises(InvalidInput) as e:
        validate_answers(q, {"s2.q1": value})
    assert list(e.value.errors) == ["s2.q1"]


def test_validate_answers_range_is_inclusive() -> None:
    q = load_questionnaire(small())
    assert validate_answers(q, {"s2.q1": 5000, "s2.q2": 0}) == {"s2.q1": 5000, "s2.q2": 0}


def test_validate_answers_refuses_a_non_mapping() -> None:
    q = load_questionnaire(small())
    with pytest.raises(InvalidInput):
        validate_answers(q, ["s2.q1"])  # type: ignore[arg-type]


def test_a_refusal_names_the_kind_of_each_problem() -> None:
    """Beside the English messages, each refused answer's kind, so a page can word it in Latvian itself."""
    q = load_questionnaire(small())
    bad = {"s2.q1": "abc", "s2.q2": -1, "s2.q5": 5001, "s2.q3": "maybe", "s2.q4": "x" * 21, "s1.q1": 5,
           "s9.q9": 1, "s2.q6": True}
    with pytest.raises(AnswersInvalid) as e:
        validate_answers(q, bad)
    assert e.value.kinds == {"s2.q1": ["not_a_number"], "s2.q2": ["negative"], "s2.q5": ["out_of_range"],
                             "s2.q3": ["not_an_option"], "s2.q4": ["too_long"], "s1.q1": ["not_text"],
                             "s9.q9": ["unknown_question"], "s2.q6": ["not_a_number"]}
    assert set(e.value.kinds) == set(e.value.errors) and isinstance(e.value, InvalidInput)
    assert all(k in PROBLEMS for kinds in e.value.kinds.values() for k in kinds)
    with pytest.raises(AnswersInvalid) as nul:
        validate_answers(q, {"s1.q1": "a\x00b"})
    assert nul.value.kinds == {"s1.q1": ["forbidden_character"]}
