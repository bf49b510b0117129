"""The published checkpoints of a contest (RULES.md D16): each round's close, each interim vote result, the
window's close and the council's approval publish "the history through position T has digest D" at once, so that
anyone can keep the list outside the service and later check an exported history against it
(`contest audit verify FILE --checkpoints CP.json`, docs/AUDIT.md "Checkpoints (D16)")."""

from __future__ import annotations

from typing import Any

from domain.config import instant_str
from domain.contest import Contest

FORMAT = "contest-checkpoints-v1"


def checkpoints_document(contest: Contest) -> dict[str, Any]:
    """The public JSON (format contest-checkpoints-v1): every checkpoint in the order recorded, each with its
    kind, position, digest and time (ISO 8601 UTC)."""
    return {"format": FORMAT, "year": contest.year,
            "checkpoints": [{"kind": cp["kind"], "through": cp["through"], "digest": cp["digest"],
                             "at": instant_str(cp["at"])} for cp in contest.checkpoints]}
