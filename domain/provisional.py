"""Who sees round 1's provisional results, and what of them (D18).

D18: "while round 1 is open, scores, places and medians are the secretariat's; a municipality sees its own answers
and their validation, so that no participant can learn another's answers by watching its own place change.
Everything is public once round 1 closes."

So a reader sees of round 1's results:

* anyone, once round 1 has closed: everything (the final result, §4.5);
* the secretariat, while it is open: everything, provisional;
* a municipality, while it is open, of its own explanation: its answers as scored (value, whether provided) and
  nothing that depends on the others' answers (no place, median, points, weighted points, whether counted in an
  exclusive group, section sums, indices or overall score);
* anyone else (the jury, auditors, the council, another municipality, the public): nothing until the close.

Pure: the API and the pages carry out what :func:`round1_results_access` says, and :func:`own_answers` trims an
explanation to what a municipality may see.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from domain.actors import MUNICIPALITY, SECRETARIAT

FULL, OWN_ANSWERS, REFUSED = "full", "own_answers", "refused"

#: Of one question's explanation, what a municipality's own answer alone decides (D18).
OWN_FIELDS = ("question_id", "section", "block", "kind", "value", "comparable", "provided", "exclusive_group")

#: Why the rest is left out, as the trimmed explanation says.
WITHHELD = "places, medians and points are the secretariat's while round 1 is open (D18)"


def round1_results_access(role: str | None, *, closed: bool, own: bool = False) -> str:
    """What a reader with `role` (``None``: the public) sees of round 1's results (D18): ``full``, ``own_answers``
    (a municipality reading its own explanation while round 1 is open) or ``refused``. `own`: the reader's own
    municipality's explanation is asked for."""
    if closed or role == SECRETARIAT:
        return FULL
    if role == MUNICIPALITY and own:
        return OWN_ANSWERS
    return REFUSED


def own_answers(explanation: Mapping[str, Any]) -> dict[str, Any]:
    """A municipality's explanation trimmed to its own answers (D18): per question only :data:`OWN_FIELDS`."""
    return {"municipality": explanation["municipality"], "withheld": WITHHELD,
            "questions": [{k: q[k] for k in OWN_FIELDS if k in q} for q in explanation["questions"]]}
