"""Changing a contest's configuration: which part freezes at which stage, and what each change must respect.

A configuration change is an event; once the round it affects has started it is refused (409), so every result
can name the exact rules that produced it (RULES.md: "every number above ... is configuration"). The value
objects themselves (and their validation) are domain.config's; this module decides whether a change may be made
and what the changed part becomes. Pure: the aggregate (domain.contest) passes its stage and state in.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from domain.config import JurySeat, Rules, check_jury
from domain.errors import InvalidInput, NotFound, RuleViolation
from domain.stages import ROUND1, ROUND2, ROUND3, SEALED, has_reached, require_not_sealed
from domain.workdays import CALENDAR_CLAUSE

# Which stage a part of the configuration stops being changeable at, and the clause that part serves.
FREEZES_AT: dict[str, tuple[str, str]] = {
    "municipalities": (ROUND1, "§3.3"),
    "scoring": (ROUND1, "§4.2, D2-D7"),
    "theme": (ROUND1, "§4.3"),
    "jury": (ROUND2, "§3.2.1, D1"),
    "window": (ROUND2, "§4.6.6"),
    "prizes": (SEALED, "§6-§7.4, D14"),
    "questionnaire": (ROUND1, "§4.2, Annex"),
    "calendar": (ROUND3, CALENDAR_CLAUSE),
}
# Rule numbers freeze with the round they govern.
RULE_FREEZES_AT: dict[str, tuple[str, str]] = {
    "cut_size": (ROUND1, "§4.5"),
    "quorum": (ROUND2, "§3.2.3, D9"),
    "finalists_by_jury": (ROUND2, "§4.6.7"),
    "finalists_total": (ROUND2, "§4.6.7"),
    "vote_rating_min": (ROUND2, "D10"),
    "vote_rating_max": (ROUND2, "D10"),
    "vote_comment_max_chars": (ROUND2, "D10"),
    "vote_eligible": (ROUND2, "D10"),
    "vote_identity": (ROUND2, "D15"),
    "notice_working_days": (ROUND3, "§4.7.2"),
    "briefing_days": (ROUND3, "§4.6.8"),
    "visit_max_hours": (ROUND3, "§4.7.7"),
    "visit_min_seats": (ROUND3, "§4.7.3"),
    "seat_min_visits": (ROUND3, "§4.7.4"),
}


def require_changeable(stage: str, part: str, freezes_at: str, clause: str) -> None:
    """Refuse a change to `part` once the contest (in `stage`) has reached the stage it freezes at."""
    require_not_sealed(stage)
    if has_reached(stage, freezes_at):
        raise RuleViolation(
            f"the {part} can no longer change: the contest has reached {freezes_at} "
            f"(it is in {stage}); results must be computed under the rules announced before",
            clause=clause,
            field=part,
            stage=stage,
        )


def require_part_changeable(stage: str, part: str) -> None:
    """A part of the configuration (a key of FREEZES_AT) may still change in `stage`."""
    freezes_at, clause = FREEZES_AT[part]
    require_changeable(stage, part, freezes_at, clause)


def roster_with_seat(jury: Sequence[JurySeat], seat: Mapping[str, Any], quorum: int) -> list[JurySeat]:
    """The roster with one seat added or replaced (§3.2.1, D1); naming a new chair moves the chair (§3.2.2). The
    roster must stay valid as a whole (check_jury)."""
    parsed = JurySeat.parse(seat)
    roster = [s for s in jury if s.id != parsed.id]
    if parsed.chair:
        roster = [replace(s, chair=False) for s in roster]
    roster.append(parsed)
    check_jury(roster, quorum)
    return roster


def roster_without_seat(jury: Sequence[JurySeat], seat_id: str, quorum: int) -> list[JurySeat]:
    """The roster without one seat (NotFound if there is none); it must stay valid as a whole (check_jury)."""
    if not any(s.id == seat_id for s in jury):
        raise NotFound("jury seat", seat_id)
    roster = [s for s in jury if s.id != seat_id]
    check_jury(roster, quorum)
    return roster


def changed_rules(stage: str, rules: Rules, changes: Mapping[str, Any], jury: Sequence[JurySeat]) -> Rules:
    """The rule numbers after `changes`: each freezes with the round it governs (RULE_FREEZES_AT), so only the
    ones that really change are checked against the stage; the roster must still reach the quorum (§3.2.3)."""
    require_not_sealed(stage)
    new = Rules.parse(changes, base=rules)  # 422 on unknown or malformed keys first
    for key in changes:
        freezes_at, clause = RULE_FREEZES_AT[key]
        if getattr(new, key) != getattr(rules, key):
            require_changeable(stage, f"rule '{key}'", freezes_at, clause)
    check_jury(jury, new.quorum)
    return new


def calendar_reason(reason: object) -> str:
    """The reason a working-day calendar is recorded or changed (D17): required, stripped."""
    if not isinstance(reason, str) or not reason.strip():
        raise InvalidInput({"reason": ["say why the calendar is recorded or changed (D17)"]})
    return reason.strip()
