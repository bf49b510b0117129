"""Latvian personal codes for the residents' vote (RULES.md §4.6.6, D10)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contest.residents import fake_personal_codes
from domain.errors import InvalidInput
from domain.personal_code import (
    CHECKS,
    PersonalCodeError,
    birth_date,
    check_digit,
    check_personal_code,
    is_new_form,
    receipt_code,
    resident_key,
)

# --- worked check digits (D10: Z = (1101 − Σ wᵢdᵢ) mod 11 mod 10, weights 1,6,3,7,9,10,5,8,4,2) -----------------
#
# 161175-19997 (born 16.11.1975):
#   digits   1  6  1  1  7  5  1  9  9  9
#   weights  1  6  3  7  9 10  5  8  4  2
#   products 1+36+ 3+ 7+63+50+ 5+72+36+18 = 291
#   (1101 − 291) = 810; 810 mod 11 = 810 − 73·11 = 7; 7 mod 10 = 7 -> Z = 7  ✓
#
# 290200-21239 (born 29.02.2000, century digit 2):
#   digits   2  9  0  2  0  0  2  1  2  3
#   products 2+54+ 0+14+ 0+ 0+10+ 8+ 8+ 6 = 102
#   (1101 − 102) = 999; 999 mod 11 = 999 − 90·11 = 9 -> Z = 9  ✓
#
# 150385-10050 (born 15.03.1985): the "mod 10" case
#   digits   1  5  0  3  8  5  1  0  0  5
#   products 1+30+ 0+21+72+50+ 5+ 0+ 0+10 = 189
#   (1101 − 189) = 912; 912 mod 11 = 912 − 82·11 = 10; 10 mod 10 = 0 -> Z = 0  ✓

VALID_OLD = ["161175-19997", "290200-21239", "150385-10050"]


def test_d10_check_digit_arithmetic_written_out() -> None:
    weights = (1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    assert sum(w * d for w, d in zip(weights, (1, 6, 1, 1, 7, 5, 1, 9, 9, 9), strict=True)) == 291
    assert check_digit("1611751999") == (1101 - 291) % 11 % 10 == 7
    assert check_digit("2902002123") == (1101 - 102) % 11 % 10 == 9
    assert (1101 - 189) % 11 == 10
    assert check_digit("1503851005") == 0


@pytest.mark.parametrize("code", VALID_OLD)
def test_d10_old_form_valid_with_and_without_hyphen(code: str) -> None:
    normalised = code.replace("-", "")
    assert check_personal_code(code) == normalised
    assert check_personal_code(normalised) == normalised
    assert not is_new_form(normalised)


def test_d10_surrounding_whitespace_is_stripped() -> None:
    assert check_personal_code("  161175-19997 ") == "16117519997"
    assert check_personal_code("\t16117519997\n") == "16117519997"


def test_d10_birth_date_of_old_form_and_none_for_new_form() -> None:
    from datetime import date

    assert birth_date("16117519997") == date(1975, 11, 16)
    assert birth_date("29020021239") == date(2000, 2, 29)
    assert birth_date("32123456789") is None


def _refused(raw: str) -> PersonalCodeError:
    with pytest.raises(PersonalCodeError) as caught:
        check_personal_code(raw)
    return caught.value


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "   ",
        "1611751999",  # 10 digits
        "161175199970",  # 12 digits
        "1611751-9997",  # hyphen in the wrong place
        "161175--19997",
        "161175 19997",  # inner space
        "161175/19997",
        "161175–19997",  # en dash
        "161175-1999A",
        "16.11.75-19997",
        "١٦١١٧٥١٩٩٩٧",  # Arabic-Indic digits: Unicode digits are not tolerated
        "１６１１７５１９９９７",  # full-width digits
        "3A123456789",  # 3 followed by a non-digit
        "3-2123456789",
        "32123456789-",
    ],
)
def test_d10_format_check(raw: str) -> None:
    error = _refused(raw)
    assert error.check == "format"
    assert isinstance(error, InvalidInput)
    assert error.errors == {"personal_code": [CHECKS["format"][0]]}
    assert error.message_lv == CHECKS["format"][1]


def test_d10_non_string_is_a_format_error() -> None:
    assert _refused(16117519997).check == "format"  # type: ignore[arg-type]


@pytest.mark.parametrize("prefix", [f"3{d}" for d in range(2, 10)])
def test_d10_new_form_32_to_39_accepted_on_form_only(prefix: str) -> None:
    code = prefix + "123456789"
    assert check_personal_code(code) == code
    assert check_personal_code(f"{code[:6]}-{code[6:]}") == code
    assert is_new_form(code)
    # no date and no published check digit: any last digit is fine
    for last in "0123456789":
        assert check_personal_code(code[:10] + last) == code[:10] + last


def test_d10_30_and_31_are_not_new_form_but_old_form_days() -> None:
    # "30"/"31" are the 30th/31st of a month in the old form, so the date and check digit apply.
    # 300190-1234Z (30.01.1990): 3·1+0·6+0·3+1·7+9·9+0·10+1·5+2·8+3·4+4·2 = 132;
    # (1101 − 132) = 969 = 88·11 + 1 -> Z = 1
    assert check_digit("3001901234") == 1
    assert check_personal_code("300190-12341") == "30019012341"
    assert check_personal_code("30019012341") == "30019012341"
    assert not is_new_form("30019012341")
    assert _refused("300190-12340").check == "check_digit"
    assert _refused("31123456789").check == "century"  # 7th digit 5
    assert _refused("310290-12345").check == "date"  # 31 February
    assert _refused("300290-12345").check == "date"  # 30 February
    assert _refused("310490-12345").check == "date"  # 31 April


@pytest.mark.parametrize("raw", ["40123456789", "41010112345", "99999999999", "500190-12345"])
def test_d10_neither_a_day_nor_new_form(raw: str) -> None:
    assert _refused(raw).check == "new_form"


@pytest.mark.parametrize("century", "3456789")
def test_d10_century_digit_must_be_0_1_or_2(century: str) -> None:
    first_ten = f"161175{century}999"
    assert _refused(first_ten + "0").check == "century"


@pytest.mark.parametrize(
    ("first_ten", "born"),
    [
        ("1611750999", "1875-11-16"),
        ("1611751999", "1975-11-16"),
        ("0101052999", "2005-01-01"),
    ],
)
def test_d10_all_three_centuries_accepted(first_ten: str, born: str) -> None:
    code = first_ten + str(check_digit(first_ten))
    assert check_personal_code(code) == code
    assert str(birth_date(code)) == born


@pytest.mark.parametrize(
    ("ddmmyy_c", "valid"),
    [
        ("2902002", True),  # 29.02.2000: 2000 is a leap year (divisible by 400)
        ("2902001", False),  # 29.02.1900: 1900 is not (divisible by 100, not by 400)
        ("2902000", False),  # 29.02.1800: not a leap year either
        ("2902041", True),  # 29.02.1904
        ("2902962", True),  # 29.02.2096
        ("2902011", False),  # 29.02.1901
        ("2902012", False),  # 29.02.2001
        ("2802011", True),  # 28.02.1901
    ],
)
def test_d10_29_february_depends_on_the_century(ddmmyy_c: str, valid: bool) -> None:
    first_ten = ddmmyy_c + "123"
    code = first_ten + str(check_digit(first_ten))
    if valid:
        assert check_personal_code(code) == code
    else:
        assert _refused(code).check == "date"


@pytest.mark.parametrize("first_seven", ["0001901", "2902231", "0100901", "0113901", "3104901", "3106901"])
def test_d10_date_must_exist(first_seven: str) -> None:
    first_ten = first_seven + "123"
    assert _refused(first_ten + str(check_digit(first_ten))).check == "date"


@pytest.mark.parametrize("code", VALID_OLD)
def test_d10_every_wrong_check_digit_is_refused(code: str) -> None:
    normalised = code.replace("-", "")
    for last in "0123456789":
        if last == normalised[10]:
            continue
        assert _refused(normalised[:10] + last).check == "check_digit"


def test_d10_each_check_has_english_and_latvian_messages() -> None:
    assert set(CHECKS) == {"format", "date", "future_date", "century", "check_digit", "new_form"}
    for check, (english, latvian) in CHECKS.items():
        error = PersonalCodeError(check)
        assert error.check == check
        assert error.errors == {"personal_code": [english]}
        assert error.message_lv == latvian
        assert english != latvian
        assert error.as_dict()["check"] == check


FAILING = [
    "161175-19998",  # check_digit
    "16117519998",
    "290200-11239",  # date (1900)
    "161175-59997",  # century
    "41117519997",  # new_form
    "1611751999",  # format
    "161175 19997",
]


@pytest.mark.parametrize("raw", FAILING)
def test_d10_error_never_contains_the_code(raw: str) -> None:
    error = _refused(raw)
    digits = re.sub(r"\D", "", raw)
    texts = [str(error), repr(error), error.message, error.message_lv, *error.errors["personal_code"],
             repr(error.as_dict()), repr(error.args)]
    for text in texts:
        assert raw not in text
        assert digits not in text
        assert digits[:6] not in text  # not even the birth date part
    assert error.__cause__ is None
    assert error.__suppress_context__ or error.__context__ is None


@settings(max_examples=200, deadline=None, derandomize=True)
@given(st.text(max_size=20))
def test_d10_arbitrary_text_is_accepted_or_refused_cleanly(raw: str) -> None:
    try:
        code = check_personal_code(raw)
    except PersonalCodeError as error:
        # the messages are the constant texts of the check, so they cannot carry the input
        assert error.errors == {"personal_code": [CHECKS[error.check][0]]}
        assert error.message_lv == CHECKS[error.check][1]
    else:
        assert re.fullmatch(r"[0-9]{11}", code)


# --- fake codes (contest.residents) ----------------------------------------------------------------------------


@settings(max_examples=25, deadline=None, derandomize=True)
# reference years that put births in the 1800s (1900), across 1800s/1900s (1950), 1900s/2000s (2024) and the 2000s
@given(n=st.integers(min_value=0, max_value=1000), seed=st.integers(), year=st.sampled_from([1900, 1950, 2024, 2099]))
def test_d10_every_fake_code_validates_and_codes_are_distinct(n: int, seed: int, year: int) -> None:
    codes = fake_personal_codes(n, seed, reference_year=year)
    assert len(codes) == n
    assert len(set(codes)) == n
    for code in codes:
        assert check_personal_code(code) == code
        born = birth_date(code)
        if born is not None:
            assert 16 <= year - born.year <= 90


def test_d10_fake_codes_are_deterministic_mixed_and_hyphenated_on_request() -> None:
    codes = fake_personal_codes(5000, seed=7)
    assert codes == fake_personal_codes(5000, seed=7)
    assert codes != fake_personal_codes(5000, seed=8)
    new = [c for c in codes if is_new_form(c)]
    assert 300 < len(new) < 700  # about 10 %
    assert {c[:2] for c in new} == {f"3{d}" for d in range(2, 10)}
    hyphenated = fake_personal_codes(5000, seed=7, hyphen=True)
    assert all(re.fullmatch(r"[0-9]{6}-[0-9]{5}", h) for h in hyphenated)
    assert [check_personal_code(h) for h in hyphenated] == codes


def test_d10_fake_codes_refuse_impossible_requests() -> None:
    with pytest.raises(ValueError):
        fake_personal_codes(-1, seed=1)
    assert fake_personal_codes(0, seed=1) == []
    assert len(fake_personal_codes(10, seed=1, new_form_share=1.0)) == 10


@settings(max_examples=50, deadline=None, derandomize=True)
@given(seed=st.integers(), index=st.integers(0, 49))
def test_d10_exactly_one_check_digit_fits_an_old_form_prefix(seed: int, index: int) -> None:
    code = fake_personal_codes(50, seed, new_form_share=0.0)[index]
    accepted = []
    for last in "0123456789":
        try:
            accepted.append(check_personal_code(code[:10] + last))
        except PersonalCodeError as error:
            assert error.check == "check_digit"
    assert accepted == [code]


# --- keyed hash and receipt ------------------------------------------------------------------------------------


@settings(max_examples=50, deadline=None, derandomize=True)
@given(
    seed=st.integers(),
    secret_a=st.binary(min_size=1, max_size=64),
    secret_b=st.binary(min_size=1, max_size=64),
    year=st.integers(2000, 2100),
)
def test_d10_resident_key_is_deterministic_per_secret(seed: int, secret_a: bytes, secret_b: bytes, year: int) -> None:
    code_1, code_2 = fake_personal_codes(2, seed)
    key = resident_key(secret_a, code_1)
    assert key == resident_key(secret_a, code_1)
    assert re.fullmatch(r"[0-9a-f]{64}", key)
    assert code_1 not in key
    assert key != resident_key(secret_a, code_2)
    if secret_a != secret_b:
        assert key != resident_key(secret_b, code_1)
    receipt = receipt_code(secret_a, code_1, year)
    assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}", receipt)
    assert receipt == receipt_code(secret_a, code_1, year)
    # a receipt is not (a piece of) the resident key, even under the same secret
    assert receipt.replace("-", "").lower() not in key
    assert receipt != receipt_code(secret_a, code_1, year + 1)


def test_d10_receipts_of_many_residents_differ() -> None:
    codes = fake_personal_codes(20_000, seed=3)
    receipts = {receipt_code(b"receipt-secret", c, 2024) for c in codes}
    assert len(receipts) == len(codes)
    keys = {resident_key(b"key-secret", c) for c in codes}
    assert len(keys) == len(codes)
    assert receipts.isdisjoint(keys)


@pytest.mark.parametrize("bad", ["161175-19997", "1611751999", "", "１６１１７５１９９９７"])
def test_d10_hashing_needs_a_normalised_code_and_never_echoes_it(bad: str) -> None:
    with pytest.raises(ValueError) as caught:
        resident_key(b"secret", bad)
    assert not bad or bad not in str(caught.value)
    with pytest.raises(ValueError):
        receipt_code(b"secret", bad, 2024)


def test_d10_hashing_needs_a_secret() -> None:
    with pytest.raises(ValueError):
        resident_key(b"", "16117519997")
    with pytest.raises(ValueError):
        receipt_code(b"", "16117519997", 2024)
