"""The jury's two forms as the pages read and word them (api/juror.py): the round-2 ballot (§4.6.4, D8) and the
round-3 score sheet (§4.7.8, §4.7.11). Reading a posted form into the command's arguments, and the domain's
refusals (InvalidInput, RuleViolation) as messages in the reader's language at the field they concern. Nothing
here decides a rule: the commands do (domain/ballots.py, domain/round3_scores.py), and a draft keeps what the
member typed, whatever it is.

Field ids: ``points-<code>``, ``score-<code>``, ``justification-<code>``; the groups ``points`` (the ballot's
ranking) and ``theme`` (the theme points); ``cast_by``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _
from flask_babel import ngettext

from domain.contest import ROUND1, ROUND2, SETUP, Contest
from domain.errors import DomainError, InvalidInput, RuleViolation

BALLOT_CHOICES = (5, 4, 3, 2, 1, 0)
SCORE_CHOICES = (5, 4, 3, 2, 1)
MEMBER = "member"


def _choice(text: str, allowed: tuple[int, ...]) -> int | None:
    return int(text) if text.strip() in {str(v) for v in allowed} else None


def read_cast_by(form: Mapping[str, str]) -> str:
    return form.get("cast_by", MEMBER).strip() or MEMBER


def read_ballot(form: Mapping[str, str], codes: list[str]) -> dict[str, Any]:
    """The posted ballot as a draft keeps it: points per municipality (None: not chosen), the justifications
    (trimmed, at most 5000 characters each, as the API takes them) and who fills it in."""
    return {"points": {c: _choice(form.get(f"points-{c}", ""), BALLOT_CHOICES) for c in codes},
            "justifications": {c: form.get(f"justification-{c}", "").strip()[:5000] for c in codes},
            "cast_by": read_cast_by(form)}


def read_scores(form: Mapping[str, str], codes: list[str]) -> dict[str, Any]:
    """The posted score sheet: a score per finalist (None: not chosen), the justifications, the theme points
    (the finalist chosen for 2 and the one chosen for 1, §4.7.11) and who fills it in."""
    two, one = form.get("theme-2", ""), form.get("theme-1", "")
    theme: dict[str, int | None] = {}
    if one in codes:
        theme[one] = 1
    if two in codes:
        theme[two] = 2  # the same finalist for both: it keeps the 2 and nobody has 1 (the rule refuses it)
    return {"scores": {c: _choice(form.get(f"score-{c}", ""), SCORE_CHOICES) for c in codes},
            "justifications": {c: form.get(f"justification-{c}", "").strip()[:5000] for c in codes},
            "theme_points": theme, "cast_by": read_cast_by(form)}


def ballot_command(draft: Mapping[str, Any]) -> tuple[dict[str, int], dict[str, str]]:
    """The ballot's points and justifications for the command (PUT /ballots/{seat}): a municipality without
    points is left out, so the rule names it as missing (§4.6.4)."""
    points = {c: p for c, p in draft["points"].items() if p is not None}
    return points, {c: t for c, t in draft["justifications"].items() if t}


def scores_command(draft: Mapping[str, Any], codes: list[str]) -> tuple[dict[str, int], dict[str, str],
                                                                       dict[str, int]]:
    """Scores, justifications and theme points for the command (PUT /scores/{seat}): a finalist without a score
    is left out (with its justification), so the rule names the score as missing (§4.7.8)."""
    scores = {c: s for c, s in draft["scores"].items() if s is not None}
    justifications = {c: t for c, t in draft["justifications"].items() if c in scores}
    theme = {c: 0 for c in codes} | {c: v for c, v in draft["theme_points"].items() if v is not None}
    return scores, justifications, theme


def not_open_text(contest: Contest, round_no: int) -> str:
    """Why the form takes nothing now: the round has not opened yet, or it has closed."""
    if round_no == 2:
        if contest.stage in (SETUP, ROUND1):
            return _("The ballot opens when round 1 closes and the municipalities of round 2 are known.")
        return _("Round 2 has closed: the ballot can no longer be submitted or replaced.")
    if contest.stage in (SETUP, ROUND1, ROUND2):
        return _("The score sheet opens when round 2 closes and the finalists are known.")
    return _("Round 3 has closed: the scores can no longer be submitted or replaced.")


def refusal(e: DomainError, contest: Contest, round_no: int) -> dict[str, str]:
    """A refusal that concerns no single field: the round's state, a seat without a vote, the sealed contest."""
    if isinstance(e, RuleViolation) and "D14" in e.clause:
        text = _("The contest is approved and sealed: nothing changes any more.")
    elif isinstance(e, RuleViolation) and e.field == "seat":
        text = _("This seat has no vote: it casts no ballot and gives no scores.")
    elif isinstance(e, RuleViolation) and "stage" in e.details:
        text = not_open_text(contest, round_no)
    else:
        text = _("The form could not be accepted: %(message)s", message=e.message if isinstance(
            e, RuleViolation) else "; ".join(f"{k}: {', '.join(v)}" for k, v in getattr(e, "errors", {}).items()))
    return {"text": text, "rule": e.clause if isinstance(e, RuleViolation) else ""}


def _names(codes: Any, names: Mapping[str, str]) -> str:
    return ", ".join(names.get(c, c) for c in codes)


def ballot_errors(e: DomainError, names: Mapping[str, str]) -> dict[str, str] | None:
    """The ballot's refusal at its fields (§4.6.4, D8), or None when it concerns no field (see `refusal`)."""
    if isinstance(e, InvalidInput):
        out = {}
        for key in e.errors:
            if key.startswith("points."):
                out[f"points-{key[7:]}"] = _("Choose 5, 4, 3, 2, 1 or 0 points.")
            elif key.startswith("justifications."):
                out[f"justification-{key[15:]}"] = _("The justification may be at most 5000 characters long.")
            elif key == "cast_by":
                out["cast_by"] = _("Choose who fills in the form: the member or one of the seat's substitutes.")
        return out or None
    if not isinstance(e, RuleViolation) or e.field not in ("points", "justifications"):
        return None
    d = e.details
    if e.field == "justifications":
        return {f"justification-{c}": _("Write why %(name)s gets 0 points (a justification is required for each "
                                         "0).", name=names.get(c, c)) for c in d.get("municipalities", [])} or None
    if d.get("missing"):
        out = {f"points-{c}": _("Choose the points for %(name)s.", name=names.get(c, c)) for c in d["missing"]}
        return {"points": ngettext("%(num)s municipality has no points chosen yet.",
                                   "%(num)s municipalities have no points chosen yet.", len(d["missing"])), **out}
    if "with_points" in d:
        n = len(d["with_points"])
        return {"points": ngettext("Give 5, 4, 3, 2 and 1 points to your five best municipalities and 0 to the "
                                   "others; now %(num)s municipality has points.",
                                   "Give 5, 4, 3, 2 and 1 points to your five best municipalities and 0 to the "
                                   "others; now %(num)s municipalities have points.", n)}
    if "duplicated" in d:
        out = {}
        for value, codes in d["duplicated"].items():
            for c in codes:
                out[f"points-{c}"] = _("%(points)s points are given to more than one municipality: %(names)s.",
                                       points=value, names=_names(codes, names))
        missing = ", ".join(map(str, d.get("missing_values", [])))
        group = _("Each of 5, 4, 3, 2 and 1 points goes to exactly one municipality.")
        if missing:
            group += " " + _("Not given yet: %(values)s.", values=missing)
        return {"points": group, **out}
    return {"points": e.message}


def scores_errors(e: DomainError, names: Mapping[str, str]) -> dict[str, str] | None:
    """The score sheet's refusal at its fields (§4.7.8, §4.7.11), or None when it concerns no field."""
    if isinstance(e, InvalidInput):
        out = {}
        for key in e.errors:
            if key.startswith("scores."):
                out[f"score-{key[7:]}"] = _("Choose a score from 1 to 5.")
            elif key.startswith("justifications."):
                out[f"justification-{key[15:]}"] = _("Choose a score for this justification.")
            elif key.startswith("theme_points"):
                out["theme"] = _("Give 2 points to one finalist and 1 point to another.")
            elif key == "cast_by":
                out["cast_by"] = _("Choose who fills in the form: the member or one of the seat's substitutes.")
        return out or None
    if not isinstance(e, RuleViolation):
        return None
    d = e.details
    if e.field == "scores" and d.get("missing"):
        return {f"score-{c}": _("Choose a score from 1 to 5 for %(name)s.", name=names.get(c, c))
                for c in d["missing"]}
    if e.field == "justifications":
        return {f"justification-{c}": _("Write the justification of the score for %(name)s.", name=names.get(c, c))
                for c in d.get("municipalities", [])} or None
    if e.field == "theme_points":
        return {"theme": _("Give 2 points to one finalist and 1 point to another finalist; the others get 0.")}
    return None
