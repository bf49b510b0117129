"""The result's approval by the Fund council (§7.4, D14) and the supporters' nominations recorded before it (§7.3).

D14: the approval names the exact history it approves (the audit digest through the last event before it); the
contest is then sealed and every changing command is refused (domain.stages.require_not_sealed).

Pure checks; the aggregate (domain.contest) records the events.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import date
from typing import Any

from domain.errors import InvalidInput, RuleViolation
from domain.stages import FINISHED


def supporter_nomination(nomination: Mapping[str, Any], municipalities: Collection[str],
                         recorded: int) -> dict[str, Any]:
    """A supporter's nomination and prize for a participating municipality (§7.3), as recorded: checked field by
    field (InvalidInput names each bad one), its id numbering the `recorded` ones before it."""
    errors: dict[str, list[str]] = {}
    for key in ("supporter", "nomination"):
        value = nomination.get(key)
        if not isinstance(value, str) or not 0 < len(value.strip()) <= 300:
            errors[key] = ["must be non-empty, at most 300 characters"]
    amount = nomination.get("amount_eur")
    if type(amount) is not int or not 0 <= amount <= 10_000_000:
        errors["amount_eur"] = ["must be a whole number of euros from 0 to 10,000,000"]
    code = nomination.get("municipality")
    if code not in municipalities:
        errors["municipality"] = [f"{code!r} is not a participating municipality (§3.3)"]
    note = nomination.get("note")
    if note is not None and (not isinstance(note, str) or len(note) > 2000):
        errors["note"] = ["must be text of at most 2000 characters"]
    if errors:
        raise InvalidInput(errors)
    return {"id": f"supporter-{recorded + 1}",
            "supporter": nomination["supporter"].strip(), "nomination": nomination["nomination"].strip(),
            "amount_eur": amount, "municipality": code, "note": note.strip() if note else None}


def check_approval(stage: str, round3_closed_on: date | None, decision_number: str, decision_date: date,
                   today: date) -> str:
    """The council approves the result once round 3 has closed (on `round3_closed_on`), by a decision with a
    number, dated neither in the future nor before the result it approves (§7.4, D14). Returns the number."""
    if stage != FINISHED or round3_closed_on is None:
        raise RuleViolation(f"the council approves the result once round 3 has closed; the contest is in "
                            f"{stage}", clause="§7.4", stage=stage)
    if not isinstance(decision_number, str) or not decision_number.strip():
        raise InvalidInput({"decision_number": ["name the council's decision (its number)"]})
    if decision_date > today:
        raise InvalidInput({"decision_date": [f"{decision_date.isoformat()} is later than today "
                                              f"({today.isoformat()})"]})
    if decision_date < round3_closed_on:
        raise RuleViolation(f"the decision of {decision_date.isoformat()} predates the result it would approve "
                            f"(round 3 closed on {round3_closed_on.isoformat()})", clause="§7.4, D14",
                            field="decision_date")
    return decision_number.strip()


def check_named_digest(shown: str, digest: str, through: int) -> None:
    """D14: the approval names the exact history it approves. A council member who approves a digest they were
    shown (the council's page) approves that digest or nothing: if the history has grown since (the digest
    through the last event is another), the approval is refused and the member is shown the new one."""
    if shown != digest:
        raise RuleViolation(f"the history has changed since digest {shown[:12]}… was shown; through event {through} "
                            f"it is {digest[:12]}…: review the result again", clause="D14", field="digest",
                            digest=digest, through=through)
