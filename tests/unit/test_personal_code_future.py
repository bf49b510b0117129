"""An old-form personal code whose birth date is after the day of the vote is refused (D10); the day is a parameter,
since the domain reads no clock."""

from __future__ import annotations

from datetime import date

import pytest

from domain.personal_code import CHECKS, PersonalCodeError, check_digit, check_personal_code

TODAY = date(2024, 8, 20)


def code_born(day: date, serial: str = "123") -> str:
    century = {1800: "0", 1900: "1", 2000: "2"}[day.year - day.year % 100]
    first_ten = f"{day:%d%m}{day.year % 100:02d}{century}{serial}"
    return f"{first_ten[:6]}-{first_ten[6:]}{check_digit(first_ten)}"


@pytest.mark.parametrize("born", [date(2024, 8, 21), date(2025, 1, 1), date(2099, 12, 31)])
def test_d10_a_birth_date_after_today_is_refused(born: date) -> None:
    code = code_born(born)
    check_personal_code(code)  # a valid code on its own: only the day makes it impossible
    with pytest.raises(PersonalCodeError) as e:
        check_personal_code(code, today=TODAY)
    assert e.value.check == "future_date"
    assert e.value.errors == {"personal_code": [CHECKS["future_date"][0]]}
    assert e.value.message_lv == CHECKS["future_date"][1]
    assert code not in str(e.value.as_dict()) and code.replace("-", "") not in str(e.value.as_dict())


@pytest.mark.parametrize("born", [date(2024, 8, 20), date(2024, 8, 19), date(1985, 3, 15), date(1899, 12, 31)])
def test_d10_a_birth_date_today_or_before_is_accepted(born: date) -> None:
    code = code_born(born)
    assert check_personal_code(code, today=TODAY) == code.replace("-", "")


def test_d10_a_new_form_code_carries_no_date_and_is_accepted() -> None:
    assert check_personal_code("32579461005", today=TODAY) == "32579461005"


def test_d10_the_other_checks_come_first() -> None:
    with pytest.raises(PersonalCodeError) as e:
        check_personal_code("310425-21234", today=TODAY)  # 31 April does not exist: "date", not "future_date"
    assert e.value.check == "date"


def test_the_future_date_messages_are_constant_text() -> None:
    english, latvian = CHECKS["future_date"]
    assert "after today" in english and "šodien" in latvian
