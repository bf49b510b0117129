"""The stages a contest passes through (§4.1: three rounds) and the guard every changing command starts with.

setup -> round 1 (§4.2-4.5) -> round 2 (§4.6) -> round 3 (§4.7) -> finished -> sealed (§7.4, D14).
"""

from __future__ import annotations

from domain.errors import RuleViolation

SETUP, ROUND1, ROUND2, ROUND3, FINISHED, SEALED = "setup", "round1", "round2", "round3", "finished", "sealed"
STAGES = (SETUP, ROUND1, ROUND2, ROUND3, FINISHED, SEALED)


def has_reached(stage: str, target: str) -> bool:
    """Whether a contest in `stage` has reached `target` (or gone past it)."""
    return STAGES.index(stage) >= STAGES.index(target)


def require_not_sealed(stage: str) -> None:
    """D14: after the council's approval no command changes the contest."""
    if stage == SEALED:
        raise RuleViolation("contest is sealed", clause="§7.4, D14")


def require_stage(stage: str, expected: str, message: str, clause: str) -> None:
    """A command of one stage only: refused in any other, naming the stage the contest is in."""
    if stage != expected:
        raise RuleViolation(f"{message} (the contest is in {stage})", clause=clause, stage=stage)
