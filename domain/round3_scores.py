"""One jury seat's round-3 submissions as the rules require (§4.7.8, §4.7.11): its scores and its theme points.

:func:`validate_scores`: a score from 1 to 5 with its justification for each finalist (§4.7.8);
:func:`validate_theme_points`: 2 and 1 to the two best finalists, 0 to the others (§4.7.11). ``InvalidInput``
(422) for malformed values, ``RuleViolation`` (409) for rule breaks, as in :mod:`domain.ballots`. The scorecard
aggregate (domain.scorecard) checks each submission with them, and domain.final_result each seat's entry.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

from domain.ballots import is_int, natural_key
from domain.errors import InvalidInput, RuleViolation

#: Round-3 score range (§4.7.8) and theme points (§4.7.11: the best two get 2 and 1, the others 0).
SCORE_MIN, SCORE_MAX = 1, 5
THEME_POINTS = (2, 1)


def check_finalists(finalists: Sequence[str]) -> tuple[str, ...]:
    codes = tuple(finalists)
    if len(set(codes)) != len(codes) or len(codes) < len(THEME_POINTS):
        raise ValueError("the finalists must be at least two distinct municipalities")
    return codes


def _coverage(given: Collection[str], codes: tuple[str, ...], what: str, clause: str, field: str) -> None:
    known = set(codes)
    unknown = sorted((c for c in given if c not in known), key=natural_key)
    missing = [c for c in codes if c not in given]
    if unknown or missing:
        parts = []
        if unknown:
            parts.append(f"not finalists: {', '.join(unknown)}")
        if missing:
            parts.append(f"missing: {', '.join(missing)}")
        raise RuleViolation(
            f"{what} must cover exactly the {len(codes)} finalists ({'; '.join(parts)}) ({clause})",
            clause=clause, field=field, unknown=unknown, missing=missing,
        )


def validate_scores(scores: Mapping[str, tuple[int, str]], finalists: Sequence[str]) -> None:
    """Check one seat's round-3 scores (§4.7.8): finalist -> (score, justification).

    ``InvalidInput`` (422) when an entry is not a (score, justification) pair, a score is not an ``int``
    (``bool`` refused) from 1 to 5, or a justification is not text; keys ``scores.<code>``.
    ``RuleViolation`` clause ``§4.7.8``: field ``scores`` when the scores do not cover exactly the finalists
    (details ``unknown``, ``missing``); field ``justifications`` when a score has no non-empty (stripped)
    justification (details ``municipalities``).
    """
    codes = check_finalists(finalists)
    errors: dict[str, list[str]] = {}
    for code, entry in scores.items():
        if not isinstance(code, str):
            errors.setdefault("scores", []).append(f"{code!r} is not a municipality code (§4.7.8)")
            continue
        key = f"scores.{code}"
        if not isinstance(entry, tuple | list) or len(entry) != 2:
            errors[key] = ["must be a (score, justification) pair (§4.7.8)"]
            continue
        score, text = entry
        if not is_int(score) or not SCORE_MIN <= score <= SCORE_MAX:
            errors.setdefault(key, []).append(
                f"score must be a whole number from 1 to 5, got {score!r} (§4.7.8)")
        if not isinstance(text, str):
            errors.setdefault(key, []).append("justification must be text (§4.7.8)")
    if errors:
        raise InvalidInput(errors, "malformed round-3 scores (§4.7.8)")
    _coverage(scores, codes, "round-3 scores", "§4.7.8", "scores")
    unjustified = [c for c in codes if not scores[c][1].strip()]
    if unjustified:
        raise RuleViolation(
            f"each score needs its justification (§4.7.8); missing for {', '.join(unjustified)}",
            clause="§4.7.8", field="justifications", municipalities=unjustified,
        )


def validate_theme_points(points: Mapping[str, int], finalists: Sequence[str]) -> None:
    """Check one seat's annual-theme points (§4.7.11): finalist -> 0, 1 or 2.

    ``InvalidInput`` (422) when a value is not an ``int`` (``bool`` refused) in {0, 1, 2}; keys
    ``theme_points.<code>``. ``RuleViolation`` clause ``§4.7.11``, field ``theme_points``: the points do not
    cover exactly the finalists (details ``unknown``, ``missing``), or not exactly one finalist gets 2 and one
    other gets 1, the rest 0 (details ``twos``, ``ones``).
    """
    codes = check_finalists(finalists)
    errors: dict[str, list[str]] = {}
    for code, value in points.items():
        if not isinstance(code, str):
            errors.setdefault("theme_points", []).append(f"{code!r} is not a municipality code (§4.7.11)")
        elif not is_int(value) or value not in (0, *THEME_POINTS):
            errors[f"theme_points.{code}"] = [f"must be 0, 1 or 2, got {value!r} (§4.7.11)"]
    if errors:
        raise InvalidInput(errors, "malformed annual-theme points (§4.7.11)")
    _coverage(points, codes, "annual-theme points", "§4.7.11", "theme_points")
    twos = [c for c in codes if points[c] == 2]
    ones = [c for c in codes if points[c] == 1]
    if len(twos) != 1 or len(ones) != 1:
        raise RuleViolation(
            f"the two best finalists get 2 and 1 theme points, the others 0; given 2 to"
            f" {', '.join(twos) or 'none'} and 1 to {', '.join(ones) or 'none'} (§4.7.11)",
            clause="§4.7.11", field="theme_points", twos=twos, ones=ones,
        )
