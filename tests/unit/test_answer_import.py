"""Spreadsheet imports of round-1 answers (§4.2, RULES.md "Round 1"), all or nothing, and the seeded generator."""

from __future__ import annotations

import csv
import io
import json

import pytest
from openpyxl import Workbook

from contest.answer_import import answers_to_csv, parse_answers_table
from contest.seeding import generate_answers
from domain.errors import InvalidInput
from domain.questionnaire import Questionnaire, load_questionnaire, validate_answers
from domain.scoring import score_round1
from tests.support import ROOT

KNOWN = ["LV-RIX", "LV-JUR", "LV-LPX", "LV-VEN", "LV-011"]


@pytest.fixture(scope="module")
def q2024() -> Questionnaire:
    return load_questionnaire(json.loads((ROOT / "contest/presets/2024/questionnaire.json").read_text("utf-8")))


@pytest.fixture(scope="module")
def codes_2024() -> list[str]:
    with open(ROOT / "contest/presets/2024/municipalities.csv", encoding="utf-8", newline="") as f:
        return [row["iso_3166_2"] for row in csv.DictReader(f)]


def xlsx(rows: list[list[object]]) -> bytes:
    wb = Workbook()
    ws = wb.active
    for r in rows:
        ws.append(r)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# --------------------------------------------------------------------------- CSV


def test_csv_with_bom_semicolons_and_comma_decimals(q2024: Questionnaire) -> None:
    text = ("municipality;s2.m1.q1;s3.m1.q1;s3.m2.q1;s1.m1.q1\r\n"
            "LV-RIX;150;1,45;grades_1_9;Anna Bērziņa, speciāliste\r\n"
            "lv-jur;500;;;\r\n"
            ";;;;\r\n")
    data = ("\ufeff" + text).encode("utf-8")
    out = parse_answers_table(data, "atbildes.csv", q2024, KNOWN)
    assert out == {
        "LV-RIX": {"s2.m1.q1": 150, "s3.m1.q1": 1.45, "s3.m2.q1": "grades_1_9",
                   "s1.m1.q1": "Anna Bērziņa, speciāliste"},
        "LV-JUR": {"s2.m1.q1": 500},  # empty cells are no answer; the code's case is normalised
    }


def test_csv_comma_delimited_with_quoted_text(q2024: Questionnaire) -> None:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["municipality", "s1.m2.q1", "s2.m1.q1"])
    w.writerow(["LV-LPX", 'Skolās "drošā telpa",\nlekcijas vecākiem', "300.00"])
    out = parse_answers_table(buf.getvalue().encode("utf-8"), "csv", q2024, KNOWN)
    assert out == {"LV-LPX": {"s1.m2.q1": 'Skolās "drošā telpa",\nlekcijas vecākiem', "s2.m1.q1": 300}}


def test_every_bad_cell_is_reported_and_nothing_is_imported(q2024: Questionnaire) -> None:
    text = ("municipality;s2.m1.q1;s9.m9.q9;s3.m2.q1;s4.m1.q1\n"   # row 1: s9.m9.q9 is unknown
            "LV-RIX;abc;1;grades_1_9;3\n"                        # row 2: bad amount
            "LV-XXX;100;;;\n"                                    # row 3: unknown municipality
            "LV-RIX;200;;;\n"                                    # row 4: duplicate of row 2
            "LV-JUR;-5;;maybe;61\n"                              # row 5: negative, bad option, out of range
            "LV-LPX;1 500,5;;grades_1_12;0\n"                    # row 6: fine
            ";5;;;\n"                                            # row 7: missing code
            "LV-VEN;20000;;;;extra\n")                           # row 8: out of range, value outside header
    with pytest.raises(InvalidInput) as e:
        parse_answers_table(text.encode("utf-8"), "answers.CSV", q2024, KNOWN)
    errors = e.value.errors
    assert set(errors) == {
        "row 1, s9.m9.q9", "row 2, s2.m1.q1", "row 3, municipality", "row 4, municipality",
        "row 5, s2.m1.q1", "row 5, s3.m2.q1", "row 5, s4.m1.q1", "row 7, municipality", "row 8, s2.m1.q1",
        "row 8, column 6",
    }
    assert "unknown question id" in errors["row 1, s9.m9.q9"][0]
    assert errors["row 2, s2.m1.q1"][0].startswith("'abc': ")
    assert "unknown municipality" in errors["row 3, municipality"][0]
    assert "duplicate row (first on row 2)" in errors["row 4, municipality"][0]
    assert "negative" in errors["row 5, s2.m1.q1"][0]
    assert "not an option" in errors["row 5, s3.m2.q1"][0]
    assert "from 0 to 60 months" in errors["row 5, s4.m1.q1"][0]
    assert "'20000'" in errors["row 8, s2.m1.q1"][0]
    assert "nothing imported" in e.value.message


def test_header_must_start_with_municipality(q2024: Questionnaire) -> None:
    with pytest.raises(InvalidInput) as e:
        parse_answers_table(b"code,s2.m1.q1\nLV-RIX,1\n", "a.csv", q2024, KNOWN)
    assert "row 1, A" in e.value.errors


@pytest.mark.parametrize(("data", "name", "needle"), [
    (b"municipality,s2.m1.q1\n", "a.ods", "unsupported format"),
    (b"\xff\xfemunicipality", "a.csv", "not UTF-8"),
    (b"not a zip", "a.xlsx", "XLSX"),
    (b"", "a.csv", "empty"),
])
def test_unreadable_files_are_refused(q2024: Questionnaire, data: bytes, name: str, needle: str) -> None:
    with pytest.raises(InvalidInput) as e:
        parse_answers_table(data, name, q2024, KNOWN)
    assert needle in e.value.errors["file"][0]


# --------------------------------------------------------------------------- XLSX


def test_xlsx_first_sheet_numbers_strings_and_empty_cells(q2024: Questionnaire) -> None:
    data = xlsx([
        ["municipality", "s2.m1.q1", "s3.m1.q1", "s3.m2.q1", "s1.m1.q2", "s1.m1.q1"],
        ["LV-RIX", 150, "1,45", "grades_1_9", 605802.0, 12345],
        ["LV-VEN", 300.5, None, None, None, None],
        [None, None, None, None, None, None],
    ])
    out = parse_answers_table(data, "Atbildes.xlsx", q2024, KNOWN)
    assert out == {
        "LV-RIX": {"s2.m1.q1": 150, "s3.m1.q1": 1.45, "s3.m2.q1": "grades_1_9", "s1.m1.q2": 605802,
                   "s1.m1.q1": "12345"},  # a number typed in a text cell is read as the text shown
        "LV-VEN": {"s2.m1.q1": 300.5},
    }


def test_xlsx_bad_cells_are_all_reported(q2024: Questionnaire) -> None:
    data = xlsx([
        ["municipality", "s2.m1.q1", "s3.m2.q1"],
        ["LV-RIX", True, 3],
        ["LV-RIX", 10, "grades_1_4"],
    ])
    with pytest.raises(InvalidInput) as e:
        parse_answers_table(data, "xlsx", q2024, KNOWN)
    assert set(e.value.errors) == {"row 2, s2.m1.q1", "row 2, s3.m2.q1", "row 3, municipality"}


# --------------------------------------------------------------------------- round trip


def test_answers_to_csv_round_trips_generated_answers(q2024: Questionnaire, codes_2024: list[str]) -> None:
    answers = generate_answers(q2024, codes_2024, seed=7)
    for bom, delimiter in ((False, ","), (True, ";")):
        data = answers_to_csv(answers, q2024, delimiter=delimiter, bom=bom)
        assert data.startswith(b"\xef\xbb\xbf") == bom
        back = parse_answers_table(data, "export.csv", q2024, codes_2024)
        assert back == {c: a for c, a in answers.items() if a}


# --------------------------------------------------------------------------- the seeded generator


def test_seeded_generator_is_deterministic_and_valid(q2024: Questionnaire, codes_2024: list[str]) -> None:
    a = generate_answers(q2024, codes_2024)
    assert a == generate_answers(q2024, list(reversed(codes_2024)))  # per code, whatever the order
    assert a != generate_answers(q2024, codes_2024, seed=1)
    assert set(a) == set(codes_2024)
    for code, answers in a.items():
        assert validate_answers(q2024, answers) == answers, code
    birth = [x["s2.m1.q1"] for x in a.values() if x.get("s2.m1.q1")]
    assert birth and all(50 <= v <= 1500 for v in birth)  # realistic birth allowances (shared/data/README.md)
    sizes = sorted(len(x) for x in a.values())
    assert sizes[0] < len(q2024.questions) / 2 < sizes[-1]  # a few municipalities send little
    fees = [x["s3.m1.q1"] for x in a.values() if "s3.m1.q1" in x]
    assert 0 in fees or any(x.get("s6.m2.q1") == 0 for x in a.values())  # some co-payments are free
    result = score_round1(q2024, codes_2024, a)
    assert len(result.ranking) == 43 and len(result.advancing) >= 10
