"""The `Contest` aggregate: one per year, holding its configuration and its round transitions as events.

Rounds (§4.1): setup -> round 1 (§4.2-4.5) -> round 2 (§4.6) -> round 3 (§4.7) -> finished -> sealed (§7.4, D14).
A configuration change is an event; once the round it affects has started it is refused (409), so every result
can name the exact rules that produced it (RULES.md: "every number above ... is configuration").

Public methods validate and raise; the `@event` methods below them only record and apply (they also run on
replay, so they must not check anything that could change).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.actors import Actor
from domain.config import (
    ContestSetup,
    JurySeat,
    Municipality,
    Prizes,
    Rules,
    Theme,
    VotingWindow,
    check_jury,
    parse_municipalities,
)
from domain.errors import NotFound, RuleViolation

NAMESPACE = UUID("6f1c3f0e-5a43-4c55-9a1e-2b9c0d6e7a10")

SETUP, ROUND1, ROUND2, ROUND3, FINISHED, SEALED = "setup", "round1", "round2", "round3", "finished", "sealed"
STAGES = (SETUP, ROUND1, ROUND2, ROUND3, FINISHED, SEALED)

# Which stage a part of the configuration stops being changeable at, and the clause that part serves.
FREEZES_AT: dict[str, tuple[str, str]] = {
    "municipalities": (ROUND1, "§3.3"),
    "scoring": (ROUND1, "§4.2, D2-D7"),
    "theme": (ROUND1, "§4.3"),
    "jury": (ROUND2, "§3.2.1, D1"),
    "window": (ROUND2, "§4.6.6"),
    "prizes": (SEALED, "§6-§7.4, D14"),
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
    "notice_working_days": (ROUND3, "§4.7.2"),
    "briefing_days": (ROUND3, "§4.6.8"),
    "visit_max_hours": (ROUND3, "§4.7.7"),
    "visit_min_seats": (ROUND3, "§4.7.3"),
    "seat_min_visits": (ROUND3, "§4.7.4"),
}


def contest_id(year: int) -> UUID:
    return uuid5(NAMESPACE, f"contest/{year}")


class Contest(Aggregate):
    """A year's contest. Its state is folded from its events only."""

    @staticmethod
    def create_id(year: int) -> UUID:
        return contest_id(year)

    @classmethod
    def create(cls, setup: Mapping[str, Any], *, actor: Actor, at: datetime) -> Contest:
        """Create a contest from a full preset (validated as a whole, InvalidInput on any bad field)."""
        parsed = ContestSetup.parse(setup)
        return cls(year=parsed.year, setup=parsed.to_dict(), actor=actor.as_dict(), at=at)

    @event("Created")
    def __init__(self, year: int, setup: dict[str, Any], actor: dict[str, str], at: datetime) -> None:
        parsed = ContestSetup.parse(setup)
        self.year = year
        self.title = parsed.title
        self.municipalities: tuple[Municipality, ...] = parsed.municipalities
        self.jury: tuple[JurySeat, ...] = parsed.jury
        self.theme: Theme = parsed.theme
        self.prizes: Prizes = parsed.prizes
        self.window: VotingWindow = parsed.window
        self.rules: Rules = parsed.rules
        self.scoring: dict[str, Any] = dict(parsed.scoring)
        self.stage = SETUP
        self.stage_changed_at: dict[str, datetime] = {SETUP: at}
        self.created_at = at

    # ----- queries -----

    def stage_index(self, stage: str | None = None) -> int:
        return STAGES.index(stage or self.stage)

    def has_reached(self, stage: str) -> bool:
        return self.stage_index() >= STAGES.index(stage)

    def municipality(self, code: str) -> Municipality:
        for m in self.municipalities:
            if m.code == code:
                return m
        raise NotFound("municipality", code)

    def seat(self, seat_id: str) -> JurySeat:
        for s in self.jury:
            if s.id == seat_id:
                return s
        raise NotFound("jury seat", seat_id)

    @property
    def chair(self) -> JurySeat:
        return next(s for s in self.jury if s.chair)

    @property
    def voting_seats(self) -> tuple[JurySeat, ...]:
        return tuple(s for s in self.jury if s.voting)

    def configuration(self) -> dict[str, Any]:
        return {
            "year": self.year,
            "title": self.title,
            "stage": self.stage,
            "theme": self.theme.to_dict(),
            "prizes": self.prizes.to_dict(),
            "window": self.window.to_dict(),
            "rules": self.rules.to_dict(),
            "scoring": dict(self.scoring),
            "municipalities": [m.to_dict() for m in self.municipalities],
            "jury": [s.to_dict() for s in self.jury],
        }

    # ----- guards -----

    def require_not_sealed(self) -> None:
        """D14: after the council's approval no command changes the contest."""
        if self.stage == SEALED:
            raise RuleViolation("contest is sealed", clause="§7.4, D14")

    def _require_changeable(self, part: str, freezes_at: str, clause: str) -> None:
        self.require_not_sealed()
        if self.has_reached(freezes_at):
            raise RuleViolation(
                f"the {part} can no longer change: the contest has reached {freezes_at} "
                f"(it is in {self.stage}); results must be computed under the rules announced before",
                clause=clause,
                field=part,
                stage=self.stage,
            )

    def _require_part(self, part: str) -> None:
        stage, clause = FREEZES_AT[part]
        self._require_changeable(part, stage, clause)

    # ----- configuration commands (each one event) -----

    def set_municipalities(self, items: list[Mapping[str, Any]], *, reason: str, actor: Actor, at: datetime) -> None:
        self._require_part("municipalities")
        parsed = parse_municipalities(items)
        self._municipalities_set(municipalities=[m.to_dict() for m in parsed], reason=reason,
                                 actor=actor.as_dict(), at=at)

    @event("MunicipalitiesSet")
    def _municipalities_set(self, municipalities: list[dict[str, Any]], reason: str, actor: dict[str, str],
                            at: datetime) -> None:
        self.municipalities = parse_municipalities(municipalities)

    def set_jury_seat(self, seat: Mapping[str, Any], *, reason: str, actor: Actor, at: datetime) -> None:
        """Add or replace one seat (§3.2.1, D1); the roster must stay valid as a whole."""
        self._require_part("jury")
        parsed = JurySeat.parse(seat)
        roster = [s for s in self.jury if s.id != parsed.id]
        if parsed.chair:  # naming a new chair moves the chair (§3.2.2)
            roster = [replace(s, chair=False) for s in roster]
        roster.append(parsed)
        check_jury(roster, self.rules.quorum)
        self._jury_set(jury=[s.to_dict() for s in roster], reason=reason, actor=actor.as_dict(), at=at)

    def remove_jury_seat(self, seat_id: str, *, reason: str, actor: Actor, at: datetime) -> None:
        self._require_part("jury")
        self.seat(seat_id)
        roster = [s for s in self.jury if s.id != seat_id]
        check_jury(roster, self.rules.quorum)
        self._jury_set(jury=[s.to_dict() for s in roster], reason=reason, actor=actor.as_dict(), at=at)

    @event("JurySet")
    def _jury_set(self, jury: list[dict[str, Any]], reason: str, actor: dict[str, str], at: datetime) -> None:
        self.jury = tuple(JurySeat.parse(s) for s in jury)

    def set_theme(self, theme: Mapping[str, Any], *, reason: str, actor: Actor, at: datetime) -> None:
        self._require_part("theme")
        self._theme_set(theme=Theme.parse(theme).to_dict(), reason=reason, actor=actor.as_dict(), at=at)

    @event("ThemeSet")
    def _theme_set(self, theme: dict[str, Any], reason: str, actor: dict[str, str], at: datetime) -> None:
        self.theme = Theme.parse(theme)

    def set_prizes(self, prizes: Mapping[str, Any], *, reason: str, actor: Actor, at: datetime) -> None:
        self._require_part("prizes")
        self._prizes_set(prizes=Prizes.parse(prizes).to_dict(), reason=reason, actor=actor.as_dict(), at=at)

    @event("PrizesSet")
    def _prizes_set(self, prizes: dict[str, Any], reason: str, actor: dict[str, str], at: datetime) -> None:
        self.prizes = Prizes.parse(prizes)

    def set_window(self, window: Mapping[str, Any], *, reason: str, actor: Actor, at: datetime) -> None:
        self._require_part("window")
        self._window_set(window=VotingWindow.parse(window).to_dict(), reason=reason, actor=actor.as_dict(), at=at)

    @event("VotingWindowSet")
    def _window_set(self, window: dict[str, Any], reason: str, actor: dict[str, str], at: datetime) -> None:
        self.window = VotingWindow.parse(window)

    def set_rules(self, changes: Mapping[str, Any], *, reason: str, actor: Actor, at: datetime) -> None:
        """Change some rule numbers; each freezes with the round it governs (RULE_FREEZES_AT)."""
        self.require_not_sealed()
        new = Rules.parse(changes, base=self.rules)  # 422 on unknown or malformed keys first
        for key in changes:
            stage, clause = RULE_FREEZES_AT[key]
            if getattr(new, key) != getattr(self.rules, key):
                self._require_changeable(f"rule '{key}'", stage, clause)
        check_jury(self.jury, new.quorum)
        self._rules_set(rules=new.to_dict(), reason=reason, actor=actor.as_dict(), at=at)

    @event("RulesSet")
    def _rules_set(self, rules: dict[str, Any], reason: str, actor: dict[str, str], at: datetime) -> None:
        self.rules = Rules.parse(rules)

    # ----- round transitions -----

    def open_round1(self, *, actor: Actor, at: datetime) -> None:
        """Round 1 opens (§4.2): municipalities may submit; the participants and scoring rules freeze."""
        self.require_not_sealed()
        if self.stage != SETUP:
            raise RuleViolation(f"round 1 can only open from setup; the contest is in {self.stage}",
                                clause="§4.1", stage=self.stage)
        self._stage_changed(stage=ROUND1, actor=actor.as_dict(), at=at)

    @event("StageChanged")
    def _stage_changed(self, stage: str, actor: dict[str, str], at: datetime) -> None:
        self.stage = stage
        self.stage_changed_at[stage] = at
