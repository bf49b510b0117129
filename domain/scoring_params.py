"""The numbers of round 1's rules (§4.2-§4.5, Annex "Punktu aprēķins", RULES.md D2-D7) as configuration.

RULES.md: "every number above (ladder values, weights, the median rule, the cut size) is configuration recorded with
the contest, so an auditor knows exactly which rules produced a result". ``ScoringParams`` holds them, validated
(``InvalidInput`` per key) and in the JSON form the events record; domain.scoring applies them.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from domain.errors import InvalidInput
from domain.questionnaire import BLOCKS

MEDIAN_RULES = ("mean_of_middle", "lower_middle", "upper_middle")  # D4 is "mean_of_middle"
TIE_BREAK_RULES = ("raw_points_then_all_tied_advance",)  # D7


def _finite(x: object) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x)


@dataclass(frozen=True)
class ScoringParams:
    """Every number of the round-1 rules (RULES.md: "every number above ... is configuration recorded with the
    contest"). Defaults are RULES.md's: ladder 1.0/0.9/0.8 and 0.5 above the median (Annex), the median as the
    mean of the middle two (D4), a cut of 10 (§4.5), weights 1 (D5, D6) and the D7 tie-break.

    ``section_weights`` maps a section number to w(s); a section not listed keeps the questionnaire's weight.
    ``block_weights`` maps each block to W(b).
    """

    ladder: tuple[float, ...] = (1.0, 0.9, 0.8)
    above_median_points: float = 0.5
    median_rule: str = "mean_of_middle"
    cut_size: int = 10
    section_weights: Mapping[int, float] = field(default_factory=dict)
    block_weights: Mapping[str, float] = field(default_factory=lambda: {b: 1.0 for b in BLOCKS})
    tie_break: str = "raw_points_then_all_tied_advance"

    def __post_init__(self) -> None:
        errors: dict[str, list[str]] = {}

        def bad(key: str, message: str) -> None:
            errors.setdefault(key, []).append(message)

        ladder = self.ladder
        if isinstance(ladder, str) or not isinstance(ladder, Sequence) or not ladder \
                or not all(_finite(x) and 0 <= x <= 1000 for x in ladder):
            bad("ladder", "must be a non-empty list of numbers from 0 to 1000, 1st place first (Annex)")
        elif any(a < b for a, b in itertools.pairwise(ladder)):
            bad("ladder", "must not increase from one place to the next (Annex)")
        above = self.above_median_points
        if not (_finite(above) and 0 <= above <= 1000):
            bad("above_median_points", "must be a number from 0 to 1000 (Annex)")
        elif not errors.get("ladder") and above > ladder[-1]:
            bad("above_median_points", "must not exceed the ladder's last value (Annex)")
        if self.median_rule not in MEDIAN_RULES:
            bad("median_rule", f"must be one of {', '.join(MEDIAN_RULES)} (D4)")
        if type(self.cut_size) is not int or not 1 <= self.cut_size <= 1000:
            bad("cut_size", "must be a whole number from 1 to 1000 (§4.5, D7)")
        if self.tie_break not in TIE_BREAK_RULES:
            bad("tie_break", f"must be one of {', '.join(TIE_BREAK_RULES)} (D7)")
        sw = self.section_weights
        if not isinstance(sw, Mapping) or not all(
                type(k) is int and _finite(v) and 0 < v <= 1000 for k, v in sw.items()):
            bad("section_weights", "must map section numbers to weights above 0 and at most 1000 (D6)")
        bw = self.block_weights
        if not isinstance(bw, Mapping) or set(bw) != set(BLOCKS) or not all(
                _finite(v) and 0 < v <= 1000 for v in bw.values()):
            bad("block_weights", f"must give each of {', '.join(BLOCKS)} a weight above 0 and at most 1000 (D6)")
        if errors:
            raise InvalidInput(errors, message="invalid scoring parameters")
        object.__setattr__(self, "ladder", tuple(float(x) for x in ladder))
        object.__setattr__(self, "above_median_points", float(above))
        object.__setattr__(self, "section_weights", {k: float(sw[k]) for k in sorted(sw)})
        object.__setattr__(self, "block_weights", {b: float(bw[b]) for b in BLOCKS})

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> ScoringParams:
        """From the JSON form (as recorded in events); missing keys take the defaults; InvalidInput per key."""
        data = data or {}
        if not isinstance(data, Mapping):
            raise InvalidInput({"scoring": ["must be an object"]})
        known = {"ladder", "above_median_points", "median_rule", "cut_size", "section_weights", "block_weights",
                 "tie_break"}
        unknown = sorted(set(data) - known)
        if unknown:
            raise InvalidInput({k: ["unknown scoring parameter"] for k in unknown})
        kwargs: dict[str, Any] = {k: v for k, v in data.items() if k not in ("section_weights", "block_weights")}
        if "ladder" in kwargs and isinstance(kwargs["ladder"], list):
            kwargs["ladder"] = tuple(kwargs["ladder"])
        if "section_weights" in data:
            sw = data["section_weights"]
            if not isinstance(sw, Mapping):
                raise InvalidInput({"section_weights": ["must be an object of section number -> weight (D6)"]})
            parsed: dict[Any, Any] = {}
            for k, v in sw.items():
                key: Any = k
                if isinstance(k, str) and k.strip().isdigit():
                    key = int(k)
                parsed[key] = v
            kwargs["section_weights"] = parsed
        if "block_weights" in data:
            bw = data["block_weights"]
            if not isinstance(bw, Mapping):
                raise InvalidInput({"block_weights": ["must be an object of block -> weight (D6)"]})
            kwargs["block_weights"] = {**{b: 1.0 for b in BLOCKS}, **bw}
        return cls(**kwargs)

    def to_dict(self) -> dict[str, Any]:
        return {
            "ladder": list(self.ladder),
            "above_median_points": self.above_median_points,
            "median_rule": self.median_rule,
            "cut_size": self.cut_size,
            "section_weights": {str(k): v for k, v in sorted(self.section_weights.items())},
            "block_weights": {b: self.block_weights[b] for b in BLOCKS},
            "tie_break": self.tie_break,
        }
