"""A resident's comment (D10): every way of writing a personal code is redacted, invisible characters go."""

from __future__ import annotations

import re

import pytest

from domain.code_shape import redact_codes
from domain.comment import REDACTED, clean_comment, normalise_comment
from domain.errors import InvalidInput

FULLWIDTH = str.maketrans("0123456789-", "０１２３４５６７８９－")

# Each way a resident may write a code (old form 120386-12343 / new form 32579461005).
WRITTEN = [
    "120386-12343",                 # the usual hyphen
    "12038612343",                  # no separator
    "120386–12343",                 # en dash U+2013
    "120386—12343",                 # em dash U+2014
    "120386‐12343",                 # hyphen U+2010
    "120386‑12343",                 # non-breaking hyphen U+2011
    "120386‒12343",                 # figure dash U+2012
    "120386―12343",                 # horizontal bar U+2015
    "120386−12343",                 # minus sign U+2212
    "120386 – 12343",               # spaced dash
    "120386 12343",                 # a space
    "120386\u00a012343",            # no-break space
    "120386\u200912343",            # thin space
    "120386\u202f12343",            # narrow no-break space
    "12 03 87 12344",               # spaces between the groups
    "12.03.87.12344",               # dots between the groups
    "120388.12345",                 # a dot
    "120388. 12345",                # a dot and a space
    "32579461005",                  # new form
    "325794-61005",                 # new form with a hyphen
    "325794 61005",                 # new form with a space
    "325 794 610 05",               # new form in threes
    "120386-12343".translate(FULLWIDTH),   # fullwidth digits and hyphen
    "32579461005".translate(FULLWIDTH),
    "𝟏𝟐𝟎𝟑𝟖𝟔-𝟏𝟐𝟑𝟒𝟑",                # mathematical bold digits
    "١٢٠٣٨٦١٢٣٤٣",                  # Arabic-Indic digits (not folded by NFKC, still digits)
    "1203\u202e86-12343",           # a bidirectional override inside
    "1203\u200b86-12343",           # a zero-width space inside
    "120386\u00ad-12343",           # a soft hyphen inside
    "120386\u200d12343",            # a zero-width joiner between the groups
]


@pytest.mark.parametrize("written", WRITTEN)
def test_d10_each_written_form_of_a_code_is_redacted(written: str) -> None:
    cleaned = clean_comment(f"Mans kods: {written}, paldies!", 1000)
    assert cleaned == f"Mans kods: {REDACTED}, paldies!"
    assert cleaned is not None and not re.search(r"\d", cleaned)


@pytest.mark.parametrize("written", WRITTEN)
def test_d10_a_code_alone_or_beside_other_numbers_is_redacted(written: str) -> None:
    assert clean_comment(written, 1000) == REDACTED
    assert clean_comment(f"2024 {written} 5", 1000) == f"2024 {REDACTED} 5"
    assert clean_comment(f"a{written}b", 1000) == f"a{REDACTED}b"


def test_d10_two_codes_are_both_redacted() -> None:
    assert redact_codes("120386-12343 un 32579461005") == f"{REDACTED} un {REDACTED}"
    assert redact_codes("120386-12343, 325794-61005") == f"{REDACTED}, {REDACTED}"


@pytest.mark.parametrize("text", [
    "Vērtējums 5 no 5, bērnudārzos 120 vietu.",
    "Tālrunis 67 123 456",            # eight digits: not a code
    "Konts 123456789012",             # twelve digits in one run: a number, not a code
    "2024. gada 1. augustā",
    "Paldies!",
])
def test_text_without_a_code_is_kept(text: str) -> None:
    assert clean_comment(text, 1000) == text


@pytest.mark.parametrize("char", [
    "\u202a", "\u202b", "\u202c", "\u202d", "\u202e",   # embeddings, pop, overrides
    "\u2066", "\u2067", "\u2068", "\u2069",             # isolates
    "\u200e", "\u200f", "\u061c",                       # marks
    "\u200b", "\u2060", "\ufeff", "\u00ad",             # zero-width space, word joiner, BOM, soft hyphen
    "\x00", "\x07", "\x1b", "\x7f", "\x85", "\x9b",     # C0, DEL and C1 controls
])
def test_bidirectional_controls_and_invisible_characters_are_removed(char: str) -> None:
    assert clean_comment(f"Labi{char} bērnudārzi", 1000) == "Labi bērnudārzi"


def test_line_and_paragraph_separators_become_newlines() -> None:
    cleaned = clean_comment("Pirmā rinda\u2028otrā\u2029trešā", 1000)
    assert cleaned == "Pirmā rinda\notrā\ntrešā"
    assert "\u2028" not in normalise_comment("a\u2028b") and "\u2029" not in normalise_comment("a\u2029b")


def test_the_comment_is_stored_nfkc_normalised() -> None:
    assert clean_comment("ＬＶ ａｂｃ", 1000) == "LV abc"
    assert clean_comment("Ogre", 1000) == "Ogre"
    assert clean_comment("Cēsis un Ādaži", 1000) == "Cēsis un Ādaži"


def test_empty_too_long_and_not_text() -> None:
    assert clean_comment(None, 10) is None
    assert clean_comment("  \u202e \u200b ", 10) is None
    assert clean_comment("x" * 10, 10) == "x" * 10
    with pytest.raises(InvalidInput) as e:
        clean_comment("x" * 11, 10)
    assert "comment" in e.value.errors
    with pytest.raises(InvalidInput) as e:
        clean_comment(5, 10)  # type: ignore[arg-type]
    assert "comment" in e.value.errors


def test_redaction_is_linear_on_long_digit_runs() -> None:
    long = " ".join(["1"] * 5000)
    assert REDACTED in redact_codes(long)
    assert redact_codes("9" * 20000) == "9" * 20000
