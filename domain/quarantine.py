"""Quarantine of suspicious votes (§4.6.6, D10): nothing is deleted.

A quarantined vote stays in the history and on the board; it is left out of the counted tally that names the
residents' finalist (§4.6.7). Votes may be quarantined or reinstated until round 2 closes: the finalists were
then named from the counted tally as it stood (§4.6.7, D11), and a sealed contest changes no more (D14). Each
decision names its votes and says why; votes already in the state asked for are skipped (idempotent).

Pure decisions; the aggregate (domain.contest) keeps the quarantined set and records the events.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from domain.errors import InvalidInput, RuleViolation
from domain.stages import ROUND3, SEALED, has_reached, require_not_sealed


def votes_reviewable(stage: str, round2_closed: bool) -> bool:
    """Whether votes may still be quarantined or reinstated; require_reviewable says why not."""
    return stage != SEALED and not round2_closed and not has_reached(stage, ROUND3)


def require_reviewable(stage: str, round2_closed: bool, command: str) -> None:
    """Refuse to quarantine or reinstate (`command`) once round 2 has closed (§4.6.7, D11) or the contest is
    sealed (D14)."""
    require_not_sealed(stage)
    if round2_closed or has_reached(stage, ROUND3):
        raise RuleViolation(f"the finalists were fixed when round 2 closed, from the tally as it then stood: "
                            f"votes can no longer be {command}", clause="§4.6.7, D10, D11", stage=stage)


def selected_votes(votes: Sequence[str], known: Collection[str], reason: str) -> list[str]:
    """The votes a decision names (sorted, once each), all of them this contest's (`known`), with its reason."""
    errors: dict[str, list[str]] = {}
    if not isinstance(reason, str) or not reason.strip():
        errors["reason"] = ["say why (the reason is recorded in the event)"]
    ids = sorted(set(votes))
    if not ids:
        errors["votes"] = ["name at least one vote"]
    unknown = [v for v in ids if v not in known]
    if unknown:
        errors["votes"] = [f"not votes of this contest: {', '.join(unknown[:10])}"
                           + (f" and {len(unknown) - 10} more" if len(unknown) > 10 else "")]
    if errors:
        raise InvalidInput(errors)
    return ids


def to_quarantine(ids: Sequence[str], quarantined: Collection[str]) -> list[str]:
    """The named votes not in quarantine yet: the ones a quarantine records."""
    return [v for v in ids if v not in quarantined]


def to_reinstate(ids: Sequence[str], quarantined: Collection[str]) -> list[str]:
    """The named votes in quarantine: the ones a reinstatement records."""
    return [v for v in ids if v in quarantined]
