"""Round 2 jury ballots (§4.6.4, D8) and the quorum to close round 2 (D9, §3.2.3).

Pure functions: nothing here reads the clock, storage or the request. The aggregate that records a ballot
calls :func:`validate_ballot` before recording it and :func:`check_quorum` before closing round 2.

Error classes, used consistently:

* ``InvalidInput`` (HTTP 422) when a *value* is malformed: a point that is not an ``int`` (``bool`` is refused
  too), a point outside 0–5, a justification that is not text, a key that is not a municipality code string.
  ``InvalidInput`` has no ``clause`` attribute, so each message names the clause it comes from.
* ``RuleViolation`` (HTTP 409) when well-formed values break a rule: the ballot does not cover exactly the
  round-2 municipalities (§4.6.4), not exactly five municipalities get points (§4.6.4), the points are not 5,
  4, 3, 2, 1 each once (D8), or a 0 has no written justification (§4.6.4).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence

from domain.errors import InvalidInput, RuleViolation

#: The points of a ballot's five ranked municipalities (§4.6.4: 1–5, 5 highest; D8: each value exactly once).
BALLOT_POINTS: tuple[int, ...] = (5, 4, 3, 2, 1)

_DIGITS = re.compile(r"(\d+)")


def natural_key(text: str) -> tuple[object, ...]:
    """Sort key ordering embedded numbers numerically ("seat-2" before "seat-10"); total over all str."""
    return tuple(int(part) if i % 2 else part for i, part in enumerate(_DIGITS.split(text)))


def is_int(value: object) -> bool:
    """True for a real ``int``; ``bool`` is not accepted as a number of points anywhere in the rules."""
    return isinstance(value, int) and not isinstance(value, bool)


def check_round2_list(round2: Sequence[str]) -> tuple[str, ...]:
    """The round-2 list as a tuple; ``ValueError`` (a caller error) if it repeats a code or has fewer than 5.

    §4.6.1 speaks of ten; D7 lets ties make it longer, so any length of at least five is accepted (a ballot
    needs five distinct municipalities for 5, 4, 3, 2, 1, D8).
    """
    items = tuple(round2)
    if len(set(items)) != len(items):
        raise ValueError("the round-2 list repeats a municipality")
    if len(items) < len(BALLOT_POINTS):
        raise ValueError("the round-2 list needs at least five municipalities (§4.6.4, D8)")
    return items


def validate_ballot(
    points: Mapping[str, int],
    justifications: Mapping[str, str],
    round2: Sequence[str],
) -> None:
    """Check one voting seat's round-2 ballot; return ``None`` or raise.

    ``points`` maps every round-2 municipality to its points; ``justifications`` maps a municipality to the
    written justification (required for each 0, optional for the others). ``round2`` is the list of round-2
    municipalities (normally ten, §4.6.1; more when D7 lets every tied municipality advance: then the top five
    still get 5, 4, 3, 2, 1 and every other one gets 0).

    Checked in this order, the first failing step raising:

    1. ``InvalidInput`` (422): each point an ``int`` (not ``bool``) from 0 to 5, each justification a ``str``
       (§4.6.4). All malformed fields are reported together, keyed ``points.<code>`` /
       ``justifications.<code>``.
    2. ``RuleViolation`` clause ``§4.6.4``, field ``points``: the ballot covers exactly the round-2
       municipalities; details ``unknown`` and ``missing`` name the offenders. Field ``justifications``: a
       justification for a municipality not in round 2.
    3. ``RuleViolation`` clause ``§4.6.4``, field ``points``: exactly five municipalities get points (the
       "five best"), all others 0; details ``with_points``.
    4. ``RuleViolation`` clause ``D8``, field ``points``: the five get 5, 4, 3, 2, 1, each value once; details
       ``duplicated`` (value -> municipalities) and ``missing_values``.
    5. ``RuleViolation`` clause ``§4.6.4``, field ``justifications``: every 0 has a non-empty (after
       stripping) written justification; details ``municipalities``.
    """
    codes = check_round2_list(round2)
    known = set(codes)

    errors: dict[str, list[str]] = {}
    for code, value in points.items():
        if not isinstance(code, str):
            errors.setdefault("points", []).append(f"{code!r} is not a municipality code (§4.6.4)")
        elif not is_int(value) or not 0 <= value <= max(BALLOT_POINTS):
            errors[f"points.{code}"] = [
                f"must be a whole number of points from 0 to 5, got {value!r} (§4.6.4)"]
    for code, text in justifications.items():
        if not isinstance(code, str):
            errors.setdefault("justifications", []).append(f"{code!r} is not a municipality code (§4.6.4)")
        elif not isinstance(text, str):
            errors[f"justifications.{code}"] = ["must be text (§4.6.4)"]
    if errors:
        raise InvalidInput(errors, "malformed round-2 ballot (§4.6.4)")

    unknown = sorted((c for c in points if c not in known), key=natural_key)
    missing = [c for c in codes if c not in points]
    if unknown or missing:
        parts = []
        if unknown:
            parts.append(f"not in round 2: {', '.join(unknown)}")
        if missing:
            parts.append(f"missing: {', '.join(missing)}")
        raise RuleViolation(
            f"a ballot must give points to exactly the {len(codes)} round-2 municipalities"
            f" ({'; '.join(parts)}) (§4.6.4)",
            clause="§4.6.4", field="points", unknown=unknown, missing=missing,
        )
    stray = sorted((c for c in justifications if c not in known), key=natural_key)
    if stray:
        raise RuleViolation(
            f"justifications for municipalities not in round 2: {', '.join(stray)} (§4.6.4)",
            clause="§4.6.4", field="justifications", unknown=stray,
        )

    with_points = [c for c in codes if points[c] != 0]
    if len(with_points) != len(BALLOT_POINTS):
        raise RuleViolation(
            f"a ballot gives points to its five best municipalities and 0 to the others; this one gives"
            f" points to {len(with_points)} ({', '.join(with_points) or 'none'}) (§4.6.4)",
            clause="§4.6.4", field="points", with_points=with_points,
        )

    by_value: dict[int, list[str]] = {}
    for code in with_points:
        by_value.setdefault(points[code], []).append(code)
    duplicated = {str(v): by_value[v] for v in BALLOT_POINTS if len(by_value.get(v, ())) > 1}
    missing_values = [v for v in BALLOT_POINTS if v not in by_value]
    if duplicated or missing_values:
        parts = [f"{v} points given to {', '.join(ms)}" for v, ms in duplicated.items()]
        if missing_values:
            parts.append(f"not given: {', '.join(map(str, missing_values))}")
        raise RuleViolation(
            f"the five best get 5, 4, 3, 2 and 1 points, each value exactly once ({'; '.join(parts)}) (D8)",
            clause="D8", field="points", duplicated=duplicated, missing_values=missing_values,
        )

    unjustified = [c for c in codes if points[c] == 0 and not justifications.get(c, "").strip()]
    if unjustified:
        raise RuleViolation(
            f"each municipality given 0 points needs a written justification; missing for"
            f" {', '.join(unjustified)} (§4.6.4)",
            clause="§4.6.4", field="justifications", municipalities=unjustified,
        )


def check_quorum(seats_with_ballots: Collection[str], voting_seats: Collection[str], quorum: int) -> None:
    """Round 2 may close only with ballots from at least ``quorum`` voting seats (D9; §3.2.3: five of nine).

    Ballots held by seats that are not voting seats do not count. ``quorum`` is contest configuration (a
    positive ``int``; ``ValueError`` otherwise). Raises ``RuleViolation`` clause ``D9``, field ``ballots``,
    with details ``ballots`` (how many count), ``needed`` (the quorum), ``seats_with_ballots`` and
    ``seats_without_ballots``.
    """
    if not is_int(quorum) or quorum < 1:
        raise ValueError("quorum must be a positive int")
    voting = set(voting_seats)
    have = sorted(set(seats_with_ballots) & voting, key=natural_key)
    if len(have) < quorum:
        lacking = sorted(voting - set(have), key=natural_key)
        raise RuleViolation(
            f"round 2 cannot close: ballots from {len(have)} voting seat(s), at least {quorum} needed"
            f" (D9, §3.2.3); no ballot yet from {', '.join(lacking) or 'nobody'}",
            clause="D9", field="ballots", ballots=len(have), needed=quorum,
            seats_with_ballots=have, seats_without_ballots=lacking,
        )
