"""Amounts as a Latvian types them on the municipality's pages (api/municipality_forms.py, LATVIAN.md): a decimal
comma (or a dot), spaces between groups of three digits, in English also commas between such groups; anything else
is no number, and the page says so before the command is called."""

from __future__ import annotations

import pytest

from api.municipality_forms import read_amount
from contest.demo_pages import typed as as_typed


@pytest.mark.parametrize(("typed", "number"), [
    ("12,5", 12.5), ("12.5", 12.5), ("1 500", 1500), ("1\u00a0500", 1500), ("1\u202f500,25", 1500.25),
    ("20 000 000", 20_000_000), (" 7 ", 7), ("0", 0), ("0,0", 0), ("-5", -5), ("−5", -5), ("007", 7),
])
def test_latvian_forms_are_read(typed: str, number: float) -> None:
    got = read_amount(typed, "lv")
    assert got == number and type(got) is type(number)


@pytest.mark.parametrize("typed", ["abc", "12 5", "1 50", "1,500.00", "1.2.3", "12 EUR", "12,", ",5", "1e3",
                                   "", "12,5,0", "1  500", "inf", "nan"])
def test_anything_else_is_no_number(typed: str) -> None:
    assert read_amount(typed, "lv") is None


def test_english_takes_commas_between_groups_of_three() -> None:
    assert read_amount("1,500", "en") == 1500 and read_amount("1,500.25", "en") == 1500.25
    assert read_amount("12,5", "en") == 12.5  # not a grouping: the decimal comma, as in Latvian
    assert read_amount("1,500", "lv") == 1.5  # in Latvian the comma is the decimal separator


@pytest.mark.parametrize(("number", "shown"), [
    (1500, "1 500"), (2.35, "2,35"), (0.5, "0,5"), (8_000_000, "8 000 000"), (12, "12"), (0, "0"),
    (1234567.89, "1 234 567,89"), (150_000.5, "150 000,5")])
def test_the_demo_types_a_number_as_a_latvian_does_and_the_page_reads_it_back(number: float, shown: str) -> None:
    """`contest demo --via pages` (contest/demo_pages.py) types each amount into the questionnaire as a Latvian
    would; the page reads back the very number the seeded answers hold."""
    assert as_typed(number) == shown
    got = read_amount(shown, "lv")
    assert got == number and type(got) is type(number)
