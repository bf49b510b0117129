"""A municipality's answers checked against the questionnaire and normalised (RULES.md "Round 1", Annex kinds).

``validate_answers`` checks a municipality's (partial) save, so the same rules apply to the API, spreadsheet imports
(contest/answer_import.py) and generated data; ``parse_amount`` reads an amount as people write it. A refusal is an
``AnswersInvalid``: the English messages per question id, and beside them each problem's kind (``PROBLEMS``), so a
reader that words the problems itself (the municipality's pages, in Latvian) needs no English to go by.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping

from domain.errors import InvalidInput
from domain.questionnaire_model import DEFAULT_TEXT_MAX, Questionnaire

# The kinds of problem an answer can have (AnswersInvalid.kinds)
UNKNOWN_QUESTION = "unknown_question"
NOT_A_NUMBER = "not_a_number"  # not a number, a bool, or not finite
NEGATIVE = "negative"
OUT_OF_RANGE = "out_of_range"  # outside the question's [min, max]
NOT_AN_OPTION = "not_an_option"
NOT_TEXT = "not_text"
TOO_LONG = "too_long"  # longer than the question's max_length
FORBIDDEN_CHARACTER = "forbidden_character"  # a NUL character
PROBLEMS = (UNKNOWN_QUESTION, NOT_A_NUMBER, NEGATIVE, OUT_OF_RANGE, NOT_AN_OPTION, NOT_TEXT, TOO_LONG,
            FORBIDDEN_CHARACTER)


class AnswersInvalid(InvalidInput):
    """Answers refused (422): ``errors`` maps a question id to its English messages (as every ``InvalidInput``),
    ``kinds`` the same question id to the kind of each of those problems, in the same order (``PROBLEMS``)."""

    def __init__(self, errors: dict[str, list[str]], kinds: dict[str, list[str]], message: str) -> None:
        super().__init__(errors, message=message)
        self.kinds = kinds


_SPACES = re.compile(r"[\s\u00a0\u202f\u2009']+")
_NUMBER = re.compile(r"^(-?)(\d+)(?:[.,](\d+))?$")


def parse_amount(value: object) -> tuple[float | int | None, str | None]:
    """An amount as a number: ints, finite floats, or numeric strings with a comma or dot decimal separator
    ("1 500,50", "12.5"); spaces between digit groups are allowed. Returns (number, None) or (None, reason)."""
    number, problem = _amount(value)
    return number, None if problem is None else problem[1]


def _amount(value: object) -> tuple[float | int | None, tuple[str, str] | None]:
    """parse_amount's work: (number, None) or (None, (kind, reason))."""
    if isinstance(value, bool):
        return None, (NOT_A_NUMBER, "must be a number, not true/false")
    if isinstance(value, int):
        number: float | int = value
    elif isinstance(value, float):
        if not math.isfinite(value):
            return None, (NOT_A_NUMBER, "must be a finite number")
        number = value
    elif isinstance(value, str):
        m = _NUMBER.match(_SPACES.sub("", value.strip()))
        if not m:
            return None, (NOT_A_NUMBER,
                          f"{value!r} is not a number (use digits with one ',' or '.' as the decimal separator)")
        number = float(f"{m.group(1)}{m.group(2)}.{m.group(3) or '0'}")
    else:
        return None, (NOT_A_NUMBER, f"must be a number, got {type(value).__name__}")
    if number < 0:
        return None, (NEGATIVE, "must not be negative")
    if isinstance(number, float) and number.is_integer() and abs(number) < 2**53:
        number = int(number)
    return number, None


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else repr(float(x))


def validate_answers(q: Questionnaire, answers: Mapping[str, object]) -> dict[str, object]:
    """Validate and normalise a (partial) save of one municipality's answers (RULES.md "Round 1", Annex kinds).

    - unknown question ids are refused;
    - ``None``, or a blank string, clears the answer (normalised to ``None``);
    - amounts: a number or numeric string (comma or dot decimal separator), finite, not a bool, not negative,
      within the question's [min, max] in its unit; normalised to an int when whole, else a float;
    - choices: an option id of the question (surrounding spaces ignored);
    - texts: a string of at most ``max_length`` characters after trimming, without NUL characters.

    Raises ``AnswersInvalid`` listing every bad answer by question id, with the kind of each problem; returns the
    normalised answers.
    """
    if not isinstance(answers, Mapping):
        raise InvalidInput({"answers": ["must be an object mapping question ids to answers"]})
    errors: dict[str, list[str]] = {}
    kinds: dict[str, list[str]] = {}
    result: dict[str, object] = {}

    def refuse(key: str, kind: str, message: str) -> None:
        errors.setdefault(key, []).append(message)
        kinds.setdefault(key, []).append(kind)

    for key, value in answers.items():
        if not isinstance(key, str) or not q.has_question(key):
            refuse(str(key), UNKNOWN_QUESTION, "unknown question id")
            continue
        question = q.question(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            result[key] = None
            continue
        if question.kind == "amount":
            number, problem = _amount(value)
            if problem is None and number is not None:
                lo, hi = question.min or 0.0, question.max or 0.0
                if not lo <= number <= hi:
                    problem = (OUT_OF_RANGE, f"must be from {_fmt(lo)} to {_fmt(hi)} {question.unit}")
            if problem is not None:
                refuse(key, *problem)
            else:
                result[key] = number
        elif question.kind == "choice":
            oid = value.strip() if isinstance(value, str) else value
            if isinstance(oid, str) and question.option(oid) is not None:
                result[key] = oid
            else:
                valid = ", ".join(o.id for o in question.options)
                refuse(key, NOT_AN_OPTION, f"{value!r} is not an option of this question ({valid})")
        else:
            if not isinstance(value, str):
                refuse(key, NOT_TEXT, f"must be text, got {type(value).__name__}")
                continue
            text = value.strip()
            limit = question.max_length or DEFAULT_TEXT_MAX
            if len(text) > limit:
                refuse(key, TOO_LONG, f"must be at most {limit} characters, got {len(text)}")
            elif "\x00" in text:
                refuse(key, FORBIDDEN_CHARACTER, "must not contain NUL characters")
            else:
                result[key] = text
    if errors:
        raise AnswersInvalid(errors, kinds, message=f"{len(errors)} invalid answer(s)")
    return result
