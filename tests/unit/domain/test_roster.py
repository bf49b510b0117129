"""The roster of municipalities as data with validity dates (§3.3, domain/roster.py, contest/presets/
municipalities.csv): 43 until Varakļānu novads joined Madonas novads on 1 July 2025, 42 from then; the 2024 preset
keeps its 43."""

from __future__ import annotations

from datetime import date

import pytest

from contest.presets import load_preset, load_roster
from domain.errors import InvalidInput
from domain.roster import parse_roster, roster_on

VARAKLANI, MADONA = "LV-102", "LV-059"


def codes(day: date) -> list[str]:
    return [m.code for m in roster_on(load_roster(), day)]


def test_s3_3_the_roster_on_the_2024_roster_day_is_the_2024_presets_43() -> None:
    preset = load_preset("2024")["municipalities"]
    on_the_day = [m.to_dict() for m in roster_on(load_roster(), date(2024, 8, 1))]
    assert len(preset) == 43 and on_the_day == preset  # codes, names, kinds and order


def test_s3_3_varaklani_is_a_participant_until_30_june_2025_and_madona_continues() -> None:
    assert len(codes(date(2025, 6, 30))) == 43 and VARAKLANI in codes(date(2025, 6, 30))
    assert len(codes(date(2025, 7, 1))) == 42 and VARAKLANI not in codes(date(2025, 7, 1))
    assert MADONA in codes(date(2025, 6, 30)) and MADONA in codes(date(2025, 7, 1))
    assert len(codes(date(2027, 8, 1))) == 42
    kinds = [m.kind for m in roster_on(load_roster(), date(2027, 8, 1))]
    assert kinds.count("valstspilsēta") == 7 and kinds.count("novads") == 35


def test_the_roster_begins_with_the_2021_reform_and_says_why_varaklani_ends() -> None:
    assert codes(date(2021, 6, 30)) == []  # the roster holds the municipalities from the reform of 1 July 2021
    entry = next(e for e in load_roster() if e.municipality.code == VARAKLANI)
    assert entry.valid_until == date(2025, 6, 30) and "Madonas novads" in entry.note


ROW = {"code": "LV-RIX", "name": "Rīga", "kind": "valstspilsēta", "valid_from": "2021-07-01", "valid_until": ""}


@pytest.mark.parametrize(("rows", "field"), [
    ([{**ROW, "valid_from": ""}], "roster[0].valid_from"),
    ([{**ROW, "valid_from": "1 July 2021"}], "roster[0].valid_from"),
    ([{**ROW, "valid_until": "2020-01-01"}], "roster[0].valid_until"),
    ([{**ROW, "code": "RIX"}], "roster[0].code"),
    ([ROW, {**ROW, "valid_from": "2024-01-01"}], "roster"),  # the same code twice on the same days
])
def test_a_malformed_roster_is_refused_naming_the_row(rows: list[dict[str, str]], field: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_roster(rows)
    assert field in refused.value.errors


def test_a_renamed_municipality_may_appear_twice_on_different_days() -> None:
    roster = parse_roster([{**ROW, "valid_until": "2023-12-31"}, {**ROW, "name": "Rīgas valstspilsēta",
                                                                   "valid_from": "2024-01-01"}])
    assert [m.name for m in roster_on(roster, date(2023, 12, 31))] == ["Rīga"]
    assert [m.name for m in roster_on(roster, date(2024, 1, 1))] == ["Rīgas valstspilsēta"]
