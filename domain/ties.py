"""Ties and the jury decisions that break them (§3.2.4; D11 round 2, D12 the winner, D13 the theme prize), shared
by round 2 (:mod:`domain.finalists`) and round 3 (:mod:`domain.final_result`).

Pure functions over plain data: :func:`select_top` picks the best ``k`` of some candidates, breaks a tie at the
boundary by a secondary value where there is one, and then by a recorded :class:`JuryDecision`; a tie still open
is an :class:`OpenTie` that blocks the outcome until the jury decides it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, TypedDict

from domain.ballots import is_int
from domain.errors import InvalidInput, RuleViolation

#: Every kind of tie a jury decision can resolve, and the clause that sends it to the jury.
TIE_CLAUSES: dict[str, str] = {
    "jury_4th_place": "D11",
    "jury_5th_place": "D11",
    "residents_choice": "D11",
    "winner": "D12",
    "theme_prize": "D13",
}
TIE_KINDS: tuple[str, ...] = tuple(TIE_CLAUSES)

Value = int | Fraction


def fraction_to_json(value: Fraction) -> float:
    """An exact average as a JSON number, rounded to 4 decimals (comparisons always use the exact
    fraction)."""
    return round(float(value), 4)


def format_value(value: Value) -> str:
    """A points value or an average for messages: "12", "4.5", "4.3333"."""
    if isinstance(value, Fraction) and value.denominator != 1:
        return f"{float(value):.4f}".rstrip("0")
    return str(int(value))


def competition_ranks(items: Sequence[str], key: Callable[[str], Any]) -> dict[str, int]:
    """Standard competition ranks ("1224", D2) of ``items`` by ``key`` (higher is better)."""
    ordered = sorted(items, key=key, reverse=True)
    ranks: dict[str, int] = {}
    for i, item in enumerate(ordered):
        if i and key(item) == key(ordered[i - 1]):
            ranks[item] = ranks[ordered[i - 1]]
        else:
            ranks[item] = i + 1
    return ranks


@dataclass(frozen=True)
class JuryDecision:
    """A recorded jury decision breaking a tie (D11 round 2, D12 winner, D13 theme prize; §3.2.4).

    ``tied`` is the set of municipalities the decision was about (it must equal the tie's still-tied set to
    apply, so a decision taken on old data never silently applies to a different tie); ``chosen`` are the ones
    that take the contested places, best first. ``votes_for`` of ``votes_total`` members voted for it.

    Construction raises ``InvalidInput`` (422) for malformed fields (unknown kind, ``chosen`` not a proper
    subset of ``tied``, negative or inconsistent vote counts) and ``RuleViolation`` (409) for an empty
    justification (clause of the kind: D11/D12/D13) or no simple majority (``votes_for > votes_total / 2``,
    clause §3.2.4). Whether enough members took part (quorum, §3.2.3) is for the caller, who knows the
    configured quorum.
    """

    kind: str
    tied: tuple[str, ...]
    chosen: tuple[str, ...]
    text: str
    votes_for: int
    votes_total: int

    def __post_init__(self) -> None:
        object.__setattr__(self, "tied", tuple(self.tied))
        object.__setattr__(self, "chosen", tuple(self.chosen))
        errors: dict[str, list[str]] = {}
        if self.kind not in TIE_CLAUSES:
            errors["kind"] = [f"must be one of {', '.join(TIE_KINDS)}"]
        if (len(self.tied) < 2 or len(set(self.tied)) != len(self.tied)
                or not all(isinstance(m, str) for m in self.tied)):
            errors["tied"] = ["must list at least two distinct tied municipalities"]
        if (not self.chosen or len(set(self.chosen)) != len(self.chosen)
                or not set(self.chosen) < set(self.tied)):
            errors["chosen"] = ["must list, without repeats, some but not all of the tied municipalities"]
        if not isinstance(self.text, str):
            errors["text"] = ["must be text"]
        if not is_int(self.votes_total) or self.votes_total < 1:
            errors["votes_total"] = ["must be a positive whole number"]
        if not is_int(self.votes_for) or self.votes_for < 0 or (
                is_int(self.votes_total) and self.votes_for > self.votes_total):
            errors["votes_for"] = ["must be a whole number from 0 to votes_total"]
        if errors:
            raise InvalidInput(errors, "malformed jury decision (§3.2.4)")
        clause = TIE_CLAUSES[self.kind]
        if not self.text.strip():
            raise RuleViolation(f"a jury decision on a tie needs its written justification ({clause})",
                                clause=clause, field="text")
        if 2 * self.votes_for <= self.votes_total:
            raise RuleViolation(
                f"the jury decides by simple majority: {self.votes_for} of {self.votes_total} votes is not"
                f" more than half; at least {self.votes_total // 2 + 1} needed (§3.2.4)",
                clause="§3.2.4", field="votes_for", votes_for=self.votes_for, votes_total=self.votes_total,
                needed=self.votes_total // 2 + 1,
            )

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "tied": list(self.tied), "chosen": list(self.chosen), "text": self.text,
                "votes_for": self.votes_for, "votes_total": self.votes_total}


@dataclass(frozen=True)
class OpenTie:
    """A tie that blocks the result until a jury decision of its ``kind`` chooses ``places`` of ``tied``."""

    kind: str
    tied: tuple[str, ...]
    places: int
    clause: str

    def resolved_by(self, decision: JuryDecision) -> bool:
        return (decision.kind == self.kind and set(decision.tied) == set(self.tied)
                and len(decision.chosen) == self.places)

    def check_decision(self, decision: JuryDecision) -> None:
        """Raise ``RuleViolation`` (this tie's clause) unless ``decision`` resolves this tie."""
        if not self.resolved_by(decision):
            raise RuleViolation(
                f"the open {self.kind} tie is between {', '.join(self.tied)} for {self.places} place(s);"
                f" the decision must name that tie and choose exactly {self.places} of them"
                f" ({self.clause}, §3.2.4)",
                clause=self.clause, field="chosen", tied=list(self.tied), places=self.places,
            )

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "tied": list(self.tied), "places": self.places, "clause": self.clause}


@dataclass(frozen=True)
class Tie:
    """One tie at a boundary and how it was (or was not yet) broken, for the explanation.

    ``tied`` share ``shared_value`` and compete for ``places``. The automatic tie-break ``tiebreak`` (e.g.
    ``chair_points``) gave ``tiebreak_values`` (``None`` when it could not be used, see ``tiebreak_note``);
    ``still_tied`` compete for ``still_places`` after it. ``resolution``: ``tiebreak`` (the automatic
    tie-break settled it), ``decision`` (a jury decision did), ``open`` (blocked until a decision),
    ``not_needed`` (the tie does not change the outcome). ``chosen``: those of ``tied`` that take the places
    (so far), best first.
    """

    kind: str
    clause: str
    tied: tuple[str, ...]
    places: int
    shared_value: str
    tiebreak: str
    tiebreak_values: tuple[tuple[str, int], ...] | None
    tiebreak_note: str
    still_tied: tuple[str, ...]
    still_places: int
    resolution: str
    chosen: tuple[str, ...]
    decision: JuryDecision | None = None

    @property
    def is_open(self) -> bool:
        return self.resolution == "open"

    def open_tie(self) -> OpenTie:
        return OpenTie(kind=self.kind, tied=self.still_tied, places=self.still_places, clause=self.clause)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "clause": self.clause,
            "tied": list(self.tied),
            "places": self.places,
            "shared_value": self.shared_value,
            "tiebreak": self.tiebreak,
            "tiebreak_values": None if self.tiebreak_values is None else dict(self.tiebreak_values),
            "tiebreak_note": self.tiebreak_note,
            "still_tied": list(self.still_tied),
            "still_places": self.still_places,
            "resolution": self.resolution,
            "chosen": list(self.chosen),
            "decision": None if self.decision is None else self.decision.to_dict(),
        }


class _TieBoundary(TypedDict):
    """The fields of a :class:`Tie` that :func:`select_top` knows before it tries to break the tie."""

    kind: str
    clause: str
    tied: tuple[str, ...]
    places: int
    shared_value: str
    tiebreak: str
    tiebreak_values: tuple[tuple[str, int], ...] | None
    tiebreak_note: str


@dataclass(frozen=True)
class Selection:
    """The best ``k`` of some candidates: ``selected`` best first (``None`` while a tie is open), ``certain``
    the ones surely selected, ``tie`` the boundary tie if there was one (and its ``decision``, if any)."""

    selected: tuple[str, ...] | None
    certain: tuple[str, ...]
    tie: Tie | None

    @property
    def decision(self) -> JuryDecision | None:
        return None if self.tie is None else self.tie.decision


def select_top(
    candidates: Sequence[str],
    k: int,
    primary: Mapping[str, Value],
    secondary: Mapping[str, int] | None,
    *,
    kind: str,
    describe: Callable[[Value], str],
    tiebreak: str,
    tiebreak_note: str,
    decisions: Sequence[JuryDecision] = (),
) -> Selection:
    """Select the ``k`` best ``candidates`` by ``primary`` (higher is better), breaking a tie that straddles
    the k-th/(k+1)-th boundary by ``secondary`` (higher is better; ``None`` = not available, ``tiebreak_note``
    says why), then by the last decision of ``kind`` whose tied set equals the still-tied set and that chooses
    the number of places left. Ties not at the boundary are not broken; the order lists them by ``secondary``
    and then by the order of ``candidates``.
    """
    index = {c: i for i, c in enumerate(candidates)}
    sec: Mapping[str, int] = secondary if secondary is not None else {}

    def order_key(c: str) -> tuple[Value, int, int]:
        return (-primary[c], -sec.get(c, 0), index[c])

    ordered = sorted(candidates, key=order_key)
    if len(ordered) <= k:
        return Selection(tuple(ordered), tuple(ordered), None)
    boundary = primary[ordered[k - 1]]
    above = [c for c in ordered if primary[c] > boundary]
    group = [c for c in ordered if primary[c] == boundary]
    need = k - len(above)
    if len(group) == need:
        return Selection(tuple(above + group), tuple(above + group), None)

    clause = TIE_CLAUSES[kind]
    tied = tuple(sorted(group, key=lambda c: index[c]))
    if secondary is not None:
        b2 = secondary[group[need - 1]]
        above2 = [c for c in group if secondary[c] > b2]
        group2 = [c for c in tied if secondary[c] == b2]
        need2 = need - len(above2)
        values: tuple[tuple[str, int], ...] | None = tuple((c, secondary[c]) for c in tied)
    else:
        above2, group2, need2, values = [], list(tied), need, None
    common: _TieBoundary = {"kind": kind, "clause": clause, "tied": tied, "places": need,
                            "shared_value": describe(boundary), "tiebreak": tiebreak, "tiebreak_values": values,
                            "tiebreak_note": tiebreak_note}
    if len(group2) == need2:
        chosen = tuple(above2 + group2)
        tie = Tie(**common, still_tied=(), still_places=0, resolution="tiebreak", chosen=chosen)
        return Selection(tuple(above) + chosen, tuple(above) + chosen, tie)
    still = tuple(group2)
    decision = next((d for d in reversed(decisions)
                     if d.kind == kind and set(d.tied) == set(still) and len(d.chosen) == need2), None)
    certain = tuple(above + above2)
    if decision is None:
        tie = Tie(**common, still_tied=still, still_places=need2, resolution="open", chosen=tuple(above2))
        return Selection(None, certain, tie)
    chosen = tuple(above2) + decision.chosen
    tie = Tie(**common, still_tied=still, still_places=need2, resolution="decision", chosen=chosen,
              decision=decision)
    return Selection(tuple(above) + chosen, tuple(above) + chosen, tie)
