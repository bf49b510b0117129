"""What a contest is created with (`Contest.Created`'s `setup`): every part of the configuration, validated together.

The parts are domain.config's value objects. Two keys are recorded only when they say something, so a setup
without them (every contest made from a preset, and every history recorded before they existed) is stored as
before:

- ``unconfirmed``: the parts still to be confirmed by the secretariat (``theme``, ``prizes``). A contest carried
  forward from an earlier year (domain/carry_forward.py) starts with both: the annual theme (§4.3) and the prize
  fund (§6, §7.1, §7.2) are the council's decisions for each year. Setting the part (``Contest.ThemeSet``,
  ``Contest.PrizesSet``) confirms it; round 1 does not open while either is unconfirmed (domain/transitions.py).
- ``origin``: where a carried-forward setup came from: the earlier contest's year, the vote window's calendar rule
  and the day the roster of municipalities was taken on (§3.3, §4.6.6).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from domain.config import JurySeat, Municipality, Prizes, Rules, Theme, VotingWindow, check_jury, parse_municipalities
from domain.errors import InvalidInput
from domain.questionnaire import load_questionnaire
from domain.scoring_params import ScoringParams

#: The parts a setup may leave to be confirmed (§4.3: the annual theme; §6, §7.1, §7.2: the prizes).
CONFIRMABLE = ("theme", "prizes")


def parse_unconfirmed(value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list | tuple) or any(v not in CONFIRMABLE for v in value):
        raise InvalidInput({"unconfirmed": [f"must be a list of {', '.join(CONFIRMABLE)}"]})
    return tuple(p for p in CONFIRMABLE if p in value)


def parse_origin(value: object, year: int) -> dict[str, Any] | None:
    """Where a carried-forward setup came from: {"from_year": an earlier year, and texts}."""
    if value is None:
        return None
    origin: dict[str, Any] = dict(value) if isinstance(value, Mapping) else {}
    earlier = origin.get("from_year")
    texts = all(isinstance(v, str) and len(v) <= 300 for k, v in origin.items() if k != "from_year")
    if not (type(earlier) is int and earlier < year and texts):
        raise InvalidInput({"origin": ["must name an earlier contest's year (from_year) and short texts"]})
    return origin


@dataclass(frozen=True)
class ContestSetup:
    """Everything a contest is created with: the whole preset (or carried-forward setup), validated together."""

    year: int
    title: str
    municipalities: tuple[Municipality, ...]
    jury: tuple[JurySeat, ...]
    theme: Theme
    prizes: Prizes
    window: VotingWindow
    rules: Rules
    scoring: Mapping[str, Any] = field(default_factory=dict)
    questionnaire: Mapping[str, Any] | None = None
    unconfirmed: tuple[str, ...] = ()
    origin: Mapping[str, Any] | None = None

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> ContestSetup:
        year = data.get("year")
        if type(year) is not int or not 2000 <= year <= 2100:
            raise InvalidInput({"year": ["must be a year from 2000 to 2100"]})
        title = data.get("title")
        if not isinstance(title, str) or not 0 < len(title.strip()) <= 300:
            raise InvalidInput({"title": ["must be non-empty"]})
        rules = Rules.parse(data.get("rules") or {})
        jury = tuple(JurySeat.parse(s, f"jury[{i}]") for i, s in enumerate(data.get("jury") or []))
        check_jury(jury, rules.quorum)
        scoring = data.get("scoring") or {}
        if not isinstance(scoring, Mapping):
            raise InvalidInput({"scoring": ["must be an object"]})
        scoring = ScoringParams.from_dict(scoring).to_dict()  # D2-D7 numbers, defaults filled in
        questionnaire = data.get("questionnaire")
        if questionnaire is not None:
            questionnaire = load_questionnaire(questionnaire).to_dict()
        return cls(
            year=year,
            title=title.strip(),
            municipalities=parse_municipalities(data.get("municipalities") or []),
            jury=jury,
            theme=Theme.parse(data.get("theme") or {}),
            prizes=Prizes.parse(data.get("prizes") or {}),
            window=VotingWindow.parse(data.get("window") or {}),
            rules=rules,
            scoring=dict(scoring),
            questionnaire=questionnaire,
            unconfirmed=parse_unconfirmed(data.get("unconfirmed")),
            origin=parse_origin(data.get("origin"), year),
        )

    def to_dict(self) -> dict[str, Any]:
        data = {
            "year": self.year,
            "title": self.title,
            "municipalities": [m.to_dict() for m in self.municipalities],
            "jury": [s.to_dict() for s in self.jury],
            "theme": self.theme.to_dict(),
            "prizes": self.prizes.to_dict(),
            "window": self.window.to_dict(),
            "rules": self.rules.to_dict(),
            "scoring": dict(self.scoring),
            "questionnaire": dict(self.questionnaire) if self.questionnaire is not None else None,
        }
        if self.unconfirmed:  # only when they say something: a preset's setup is recorded as it always was
            data["unconfirmed"] = list(self.unconfirmed)
        if self.origin is not None:
            data["origin"] = dict(self.origin)
        return data
