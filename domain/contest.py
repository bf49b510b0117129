"""The `Contest` aggregate: one per year, holding its configuration and its round transitions as events.

Rounds (§4.1): setup -> round 1 (§4.2-4.5) -> round 2 (§4.6) -> round 3 (§4.7) -> finished -> sealed (§7.4, D14).
A configuration change is an event; once the round it affects has started it is refused (409), so every result
can name the exact rules that produced it (RULES.md: "every number above ... is configuration").

Public methods validate and raise; the `@event` methods below them only record and apply (they also run on
replay, so they must not check anything that could change).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import replace
from datetime import date, datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID, uuid5
from zoneinfo import ZoneInfo

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
    instant_str,
    parse_municipalities,
)
from domain.errors import InvalidInput, NotFound, RuleViolation
from domain.finalists import FinalistsOutcome, determine_finalists
from domain.publication import TallyAccess, vote_tallies_access
from domain.questionnaire import Questionnaire, load_questionnaire
from domain.round3 import Round3Assessment, assess_round3
from domain.scoring import ScoringParams, score_round1
from domain.ties import JuryDecision
from domain.transitions import (
    CLOSE_ROUND1,
    CLOSE_ROUND2,
    OPEN_ROUND1,
    STAGES,
    WINDOW_STATES,
    Blocker,
    TransitionFacts,
    available_actions,
    require_stage,
    require_transition,
    transition_blockers,
)
from domain.workdays import CALENDAR_CLAUSE, WorkCalendar, check_briefing_before_visits

NAMESPACE = UUID("6f1c3f0e-5a43-4c55-9a1e-2b9c0d6e7a10")

# The stages (§4.1) and the vote window's states (§4.6.6): domain.transitions names them, the contest records them.
WINDOW_SCHEDULED, WINDOW_OPEN, WINDOW_CLOSED = WINDOW_STATES
SETUP, ROUND1, ROUND2, ROUND3, FINISHED, SEALED = STAGES

# Which stage a part of the configuration stops being changeable at, and the clause that part serves.
FREEZES_AT: dict[str, tuple[str, str]] = {
    "municipalities": (ROUND1, "§3.3"),
    "scoring": (ROUND1, "§4.2, D2-D7"),
    "theme": (ROUND1, "§4.3"),
    "jury": (ROUND2, "§3.2.1, D1"),
    "window": (ROUND2, "§4.6.6"),
    "prizes": (SEALED, "§6-§7.4, D14"),
    "questionnaire": (ROUND1, "§4.2, Annex"),
    "calendar": (ROUND3, CALENDAR_CLAUSE),
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
        self.scoring_params: ScoringParams = ScoringParams.from_dict(parsed.scoring)
        self.questionnaire: Questionnaire | None = (
            load_questionnaire(parsed.questionnaire) if parsed.questionnaire is not None else None)
        self.round1: dict[str, Any] | None = None  # the record of the cut, once round 1 closes (§4.5)
        self.decisions: list[dict[str, Any]] = []  # the jury's recorded decisions on ties (D11-D13, §3.2.4)
        self.round2: dict[str, Any] | None = None  # the record of the finalists, once round 2 closes (§4.6.7)
        self.window_status = WINDOW_SCHEDULED  # the residents' vote (§4.6.6): scheduled -> open -> closed
        self.interim_published_at: datetime | None = None
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
            "scoring": self.scoring_params.to_dict(),
            "questionnaire": {"id": self.questionnaire.id, "version": self.questionnaire.version,
                              "questions": len(self.questionnaire.questions)} if self.questionnaire else None,
            "municipalities": [m.to_dict() for m in self.municipalities],
            "jury": [s.to_dict() for s in self.jury],
            "calendar": self.calendar.summary() if self.calendar else None,
        }

    def work_calendar(self) -> WorkCalendar:
        """The working-day calendar recorded with the contest (D17): every §4.7.2 decision counts by it."""
        if self.calendar is None:
            raise RuleViolation("no working-day calendar is recorded with this contest: the secretariat records one "
                                "(PUT /api/contests/<year>/calendar) before round 3 starts", clause=CALENDAR_CLAUSE,
                                field="calendar")
        return self.calendar

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
        if self.window_status != WINDOW_SCHEDULED:
            raise RuleViolation(f"the vote window is {self.window_status}: change it with the open, close or "
                                "extend commands, which record their reason", clause="§4.6.6", field="window")
        self._window_set(window=VotingWindow.parse(window).to_dict(), reason=reason, actor=actor.as_dict(), at=at)

    @event("VotingWindowSet")
    def _window_set(self, window: dict[str, Any], reason: str, actor: dict[str, str], at: datetime) -> None:
        self.window = VotingWindow.parse(window)

    def set_scoring(self, params: Mapping[str, Any], *, reason: str, actor: Actor, at: datetime) -> None:
        """The numbers of D2-D7 (ladder, median rule, weights); fixed once round 1 starts."""
        self._require_part("scoring")
        self._scoring_set(scoring=ScoringParams.from_dict(params).to_dict(), reason=reason,
                          actor=actor.as_dict(), at=at)

    @event("ScoringSet")
    def _scoring_set(self, scoring: dict[str, Any], reason: str, actor: dict[str, str], at: datetime) -> None:
        self.scoring_params = ScoringParams.from_dict(scoring)

    def set_questionnaire(self, data: Mapping[str, Any], *, reason: str, actor: Actor, at: datetime) -> None:
        """Load a questionnaire version (Annex); validated as a whole, fixed once round 1 starts."""
        self._require_part("questionnaire")
        self._questionnaire_set(questionnaire=load_questionnaire(data).to_dict(), reason=reason,
                                actor=actor.as_dict(), at=at)

    @event("QuestionnaireSet")
    def _questionnaire_set(self, questionnaire: dict[str, Any], reason: str, actor: dict[str, str],
                           at: datetime) -> None:
        self.questionnaire = load_questionnaire(questionnaire)

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

    def set_calendar(self, calendar: Mapping[str, Any], *, reason: str, actor: Actor, at: datetime) -> None:
        """Record the working-day calendar every §4.7.2 decision counts by (D17), with the reason; fixed once
        round 3 starts, so every notice of round 3 is decided, and replayed, by one calendar."""
        self._require_part("calendar")
        if not isinstance(reason, str) or not reason.strip():
            raise InvalidInput({"reason": ["say why the calendar is recorded or changed (D17)"]})
        parsed = WorkCalendar.parse(calendar)
        self._calendar_set(calendar=parsed.to_dict(), reason=reason.strip(), actor=actor.as_dict(), at=at)

    @event("CalendarSet")
    def _calendar_set(self, calendar: dict[str, Any], reason: str, actor: dict[str, str], at: datetime) -> None:
        self.calendar = WorkCalendar.parse(calendar)

    # ----- round transitions: domain.transitions decides what blocks them; the commands refuse by it -----

    def transition_blockers(self, facts: TransitionFacts) -> tuple[Blocker, ...]:
        """What keeps the contest from its next transition, each with its clause, code and params."""
        return transition_blockers(self, facts)

    def available_actions(self, at: datetime) -> tuple[str, ...]:
        """The secretariat's actions at `at` (domain.transitions.available_actions)."""
        return available_actions(self, at)

    def open_round1(self, *, actor: Actor, at: datetime) -> None:
        """Round 1 opens (§4.2): municipalities may submit; the participants and scoring rules freeze."""
        require_transition(OPEN_ROUND1, self, TransitionFacts())
        self._stage_changed(stage=ROUND1, actor=actor.as_dict(), at=at)

    def score_round1(self, answers: Mapping[str, Mapping[str, object]]) -> Any:
        """Round 1's result for these answers under this contest's questionnaire and parameters (§4.2, D2-D7).
        Every participant is ranked, whether or not it sent anything (§3.3)."""
        if self.questionnaire is None:
            raise RuleViolation("there is no questionnaire to score against", clause="§4.2, Annex")
        params = replace(self.scoring_params, cut_size=self.rules.cut_size)
        return score_round1(self.questionnaire, [m.code for m in self.municipalities], answers, params)

    def close_round1(self, answers: Mapping[str, Mapping[str, object]], *, included_through: int, digest: str,
                     actor: Actor, at: datetime, confirm_empty: bool = False, reason: str | None = None) -> None:
        """Close round 1 (§4.5, D7): the event records the final ranking and who advances, then round 2 opens.

        `answers` are every municipality's answers as recorded up to position `included_through` in the store's
        global order; an auditor recomputes the same ranking from the same events. With no answers at all the
        close is refused unless `confirm_empty` with a `reason` (§4.2, §4.5: domain.transitions), both recorded."""
        submitted = sum(1 for given in answers.values() if given)
        require_transition(CLOSE_ROUND1, self, TransitionFacts(submitted=submitted), confirm_empty=confirm_empty,
                           reason=reason)
        result = self.score_round1(answers).to_dict()
        ranking = [
            {k: row[k] for k in ("municipality", "place", "overall", "indices", "eur_totals", "raw_points")
             if k in row}
            for row in result["ranking"]
        ]
        self._round1_closed(ranking=ranking, advancing=list(result["advancing"]), cut=result.get("cut", {}),
                            included_through=included_through, digest=digest, actor=actor.as_dict(), at=at,
                            confirmed_empty=bool(confirm_empty and not submitted),
                            reason=reason.strip() if reason and reason.strip() else None)

    @event("Round1Closed")
    def _round1_closed(self, ranking: list[dict[str, Any]], advancing: list[str], cut: dict[str, Any],
                       included_through: int, digest: str, actor: dict[str, str], at: datetime,
                       confirmed_empty: bool = False, reason: str | None = None) -> None:
        # confirmed_empty/reason default: rounds closed before the confirmation existed still replay (§4.2, §4.5)
        self.round1 = {"ranking": ranking, "advancing": advancing, "cut": cut,
                       "included_through": included_through, "digest": digest, "closed_at": at,
                       "confirmed_empty": confirmed_empty, "reason": reason}
        self._add_checkpoint("round1_closed", included_through, digest, at)
        self.stage = ROUND2
        self.stage_changed_at[ROUND2] = at

    @property
    def round2_municipalities(self) -> list[str]:
        """The municipalities the jury evaluates (§4.6.1): those that advanced from round 1."""
        return list(self.round1["advancing"]) if self.round1 else []

    @event("StageChanged")
    def _stage_changed(self, stage: str, actor: dict[str, str], at: datetime) -> None:
        self.stage = stage
        self.stage_changed_at[stage] = at

    # ----- the residents' vote window (§4.6.6) -----

    def window_times(self) -> dict[str, str]:
        return {"opens_at": instant_str(self.window.opens_at), "closes_at": instant_str(self.window.closes_at),
                "timezone": self.window.timezone, "status": self.window_status}

    def accepts_votes_at(self, at: datetime) -> bool:
        """Votes are taken from opens_at to closes_at inclusive, unless the window was closed (§4.6.6). The
        configured instants decide, so a late clock neither keeps a closed window open nor delays the opening."""
        return self.window_status != WINDOW_CLOSED and self.window.opens_at <= at <= self.window.closes_at

    def require_vote_window(self, at: datetime) -> None:
        if not self.accepts_votes_at(at):
            if self.window_status == WINDOW_CLOSED or at > self.window.closes_at:
                message = "the residents' vote is closed"
            else:
                message = "the residents' vote has not opened yet"
            raise RuleViolation(message, clause="§4.6.6", field="window", **self.window_times())

    def open_window(self, *, actor: Actor, at: datetime, reason: str, manual: bool = False) -> bool:
        """Open the vote window. The scheduler opens it when `at` is inside it; the secretariat may open it early
        (manual, with a reason). Idempotent: opening an open window records nothing and returns False."""
        self.require_not_sealed()
        if self.window_status == WINDOW_OPEN:
            return False
        if self.window_status == WINDOW_CLOSED:
            if manual:
                raise RuleViolation("the residents' vote has closed; it is not reopened", clause="§4.6.6",
                                    **self.window_times())
            return False
        if at > self.window.closes_at:
            if manual:
                raise RuleViolation("the window's closing time has passed; extend it to a later time instead",
                                    clause="§4.6.6", **self.window_times())
            return False
        if at < self.window.opens_at and not manual:
            return False  # not yet: the scheduler waits for the instant
        if self.has_reached(ROUND3):
            raise RuleViolation("round 3 has started: the vote belongs to round 2", clause="§4.6.6, §4.6.7")
        self._window_opened(opens_at=min(at, self.window.opens_at), reason=reason, actor=actor.as_dict(), at=at)
        return True

    @event("VotingWindowOpened")
    def _window_opened(self, opens_at: datetime, reason: str, actor: dict[str, str], at: datetime) -> None:
        self.window = replace(self.window, opens_at=opens_at)
        self.window_status = WINDOW_OPEN

    def window_closes_now(self, *, at: datetime, manual: bool = False) -> bool:
        """Whether `close_window` would record a closing at `at` (so the caller computes its checkpoint only
        then, D16): not when it is closed already, nor for the scheduler before the closing time (§4.6.6)."""
        if self.window_status == WINDOW_CLOSED:
            return False
        return manual or at > self.window.closes_at

    def close_window(self, *, included_through: int, digest: str, actor: Actor, at: datetime, reason: str,
                     manual: bool = False) -> bool:
        """Close the vote window: the scheduler once `at` is past it; the secretariat at any time (with a
        reason). Idempotent: closing a closed window records nothing and returns False. The event publishes a
        checkpoint (D16): the audit digest of the history through `included_through`, the last position before
        it, so the vote's history is anchored outside the service before round 2 closes."""
        self.require_not_sealed()
        if not self.window_closes_now(at=at, manual=manual):
            return False
        closes_at = min(at, self.window.closes_at)
        self._window_closed(closes_at=closes_at, reason=reason, included_through=included_through, digest=digest,
                            actor=actor.as_dict(), at=at)
        return True

    @event("VotingWindowClosed")
    def _window_closed(self, closes_at: datetime, reason: str, actor: dict[str, str], at: datetime,
                       included_through: int | None = None, digest: str | None = None) -> None:
        # included_through/digest default to None: windows closed before checkpoints existed still replay (D16)
        self.window = replace(self.window, closes_at=max(closes_at, self.window.opens_at))
        self.window_status = WINDOW_CLOSED
        self._add_checkpoint("window_closed", included_through, digest, at)

    def extend_window(self, closes_at: datetime, *, reason: str, actor: Actor, at: datetime) -> None:
        """Move the closing time later (§4.6.6: the secretariat can extend the window), while it is not closed."""
        self.require_not_sealed()
        if self.window_status == WINDOW_CLOSED:
            raise RuleViolation("the residents' vote has closed; it cannot be extended", clause="§4.6.6",
                                **self.window_times())
        if closes_at <= self.window.closes_at or closes_at <= at:
            raise RuleViolation("an extension must move the closing time later, into the future",
                                clause="§4.6.6", field="closes_at", **self.window_times())
        if not reason.strip():
            raise InvalidInput({"reason": ["say why the window is extended"]})
        self._window_extended(closes_at=closes_at, reason=reason, actor=actor.as_dict(), at=at)

    @event("VotingWindowExtended")
    def _window_extended(self, closes_at: datetime, reason: str, actor: dict[str, str], at: datetime) -> None:
        self.window = replace(self.window, closes_at=closes_at)

    def require_interim_publishable(self) -> None:
        """D10: an interim result is published while the vote is open (and never in a sealed contest, D14)."""
        self.require_not_sealed()
        if self.window_status != WINDOW_OPEN:
            raise RuleViolation("an interim result is published while the vote is open", clause="D10")

    def publish_interim(self, *, included_through: int, digest: str, reason: str, actor: Actor,
                        at: datetime) -> None:
        """D10: live tallies are the secretariat's; publishing an interim result is an event. It publishes a
        checkpoint (D16): the audit digest through `included_through`, the history the interim result counts."""
        self.require_interim_publishable()
        self._interim_published(reason=reason, included_through=included_through, digest=digest,
                                actor=actor.as_dict(), at=at)

    @event("InterimResultPublished")
    def _interim_published(self, reason: str, actor: dict[str, str], at: datetime,
                           included_through: int | None = None, digest: str | None = None) -> None:
        # included_through/digest default to None: interim results published before checkpoints still replay
        self.interim_published_at = at
        self._add_checkpoint("interim_result", included_through, digest, at)

    # ----- checkpoints (D16): each round's close, each interim result, the window's close and the approval -----
    # Each publishes "the history through position `through` has digest `digest`" at once, publicly, so that anyone
    # can keep it outside the service and later check an exported history against it. Set only by the events.
    checkpoints: tuple[dict[str, Any], ...] = ()

    def _add_checkpoint(self, kind: str, through: int | None, digest: str | None, at: datetime) -> None:
        if through is None or digest is None:
            return  # an event recorded before checkpoints existed publishes none
        self.checkpoints = (*self.checkpoints, {"kind": kind, "through": through, "digest": digest, "at": at})

    # ----- the vote secrets the residents' votes are recorded with (D10) -----
    # The fingerprints (voter, receipt) of the two secrets (domain.personal_code.secret_fingerprint), recorded once
    # by the command of the contest's first vote; a class-level default, so the state above stays as it was. A
    # process whose secrets have other fingerprints would let every resident vote again under a new resident key,
    # so it takes no vote (contest/round2.py), and the verifiers check that every vote follows the binding.
    vote_secrets: tuple[str, str] | None = None

    def bind_vote_secrets(self, *, voter_fingerprint: str, receipt_fingerprint: str, actor: Actor,
                          at: datetime) -> None:
        """Record the fingerprints of the vote secrets (D10): once per contest, never changed afterwards."""
        self.require_not_sealed()
        if self.vote_secrets is not None:
            raise RuleViolation("this contest's vote secrets are bound already: the residents' votes are recorded "
                                "with them for the contest's whole life", clause="D10", field="vote_secrets")
        errors = {name: ["must be a SHA-256 fingerprint: 64 lowercase hexadecimal digits"]
                  for name, value in (("voter_fingerprint", voter_fingerprint),
                                      ("receipt_fingerprint", receipt_fingerprint))
                  if not isinstance(value, str) or len(value) != 64 or value.strip("0123456789abcdef")}
        if errors:
            raise InvalidInput(errors)
        if voter_fingerprint == receipt_fingerprint:
            raise InvalidInput({"receipt_fingerprint": ["the two secrets must differ"]})
        self._vote_secrets_bound(voter_fingerprint=voter_fingerprint, receipt_fingerprint=receipt_fingerprint,
                                 actor=actor.as_dict(), at=at)

    @event("VoteSecretsBound")
    def _vote_secrets_bound(self, voter_fingerprint: str, receipt_fingerprint: str, actor: dict[str, str],
                            at: datetime) -> None:
        self.vote_secrets = (voter_fingerprint, receipt_fingerprint)

    def vote_secrets_differing(self, fingerprints: tuple[str, str]) -> list[str]:
        """Which of the secrets ("voter", "receipt") have fingerprints other than those recorded; none while
        nothing is recorded yet (D10)."""
        if self.vote_secrets is None:
            return []
        return [name for name, recorded, given in zip(("voter", "receipt"), self.vote_secrets, fingerprints,
                                                      strict=True) if recorded != given]

    # ----- quarantine of suspicious votes (§4.6.6, D10): nothing is deleted -----
    # The set of quarantined vote ids, changed only by the two events below. A quarantined vote stays in the
    # history and on the board; it is left out of the counted tally that names the residents' finalist (§4.6.7).
    quarantined: frozenset[str] = frozenset()

    @property
    def votes_reviewable(self) -> bool:
        """Whether votes may still be quarantined or reinstated: until round 2 closes (§4.6.7, D11), never in a
        sealed contest (D14). The guard below says why not."""
        return self.stage != SEALED and self.round2 is None and not self.has_reached(ROUND3)

    def _require_vote_reviewable(self, command: str) -> None:
        """Votes may be quarantined or reinstated until the finalists are fixed: once round 2 has closed the
        finalists were named from the counted tally (§4.6.7, D11), and a sealed contest changes no more (D14)."""
        self.require_not_sealed()
        if self.round2 is not None or self.has_reached(ROUND3):
            raise RuleViolation(f"the finalists were fixed when round 2 closed, from the tally as it then stood: "
                                f"votes can no longer be {command}", clause="§4.6.7, D10, D11", stage=self.stage)

    @staticmethod
    def _vote_ids(votes: Sequence[str], known: Collection[str], reason: str) -> list[str]:
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

    def quarantine_votes(self, votes: Sequence[str], *, known: Collection[str], reason: str,
                         selection: Mapping[str, Any] | None, actor: Actor, at: datetime) -> list[str]:
        """Quarantine votes (their aggregate ids; `known` are this contest's votes): one event with the ids, the
        reason, the selection they came from (a reported cluster), the actor and the time. Idempotent: votes
        already in quarantine are skipped, and nothing is recorded when none is new. Returns the new ones."""
        self._require_vote_reviewable("quarantined")
        ids = self._vote_ids(votes, known, reason)
        new = [v for v in ids if v not in self.quarantined]
        if new:
            self._votes_quarantined(votes=new, reason=reason.strip(), selection=dict(selection or {}),
                                    actor=actor.as_dict(), at=at)
        return new

    @event("VotesQuarantined")
    def _votes_quarantined(self, votes: list[str], reason: str, selection: dict[str, Any], actor: dict[str, str],
                           at: datetime) -> None:
        self.quarantined = self.quarantined | frozenset(votes)

    def reinstate_votes(self, votes: Sequence[str], *, known: Collection[str], reason: str,
                        selection: Mapping[str, Any] | None, actor: Actor, at: datetime) -> list[str]:
        """Reinstate quarantined votes: one event, as for the quarantine. Votes not in quarantine are skipped
        (idempotent); nothing is recorded when none is. Returns the reinstated ones."""
        self._require_vote_reviewable("reinstated")
        ids = self._vote_ids(votes, known, reason)
        back = [v for v in ids if v in self.quarantined]
        if back:
            self._votes_reinstated(votes=back, reason=reason.strip(), selection=dict(selection or {}),
                                   actor=actor.as_dict(), at=at)
        return back

    @event("VotesReinstated")
    def _votes_reinstated(self, votes: list[str], reason: str, selection: dict[str, Any], actor: dict[str, str],
                          at: datetime) -> None:
        self.quarantined = self.quarantined - frozenset(votes)

    def votes_public_at(self, at: datetime) -> bool:
        """D10: the public sees the vote's tallies after the window closes, or an interim result once published."""
        return vote_tallies_access(self, None, at).visible

    def vote_tallies_access(self, role: str | None, at: datetime) -> TallyAccess:
        """What a reader with `role` (None: the public) sees of the vote's tallies at `at` (domain.publication)."""
        return vote_tallies_access(self, role, at)

    def eligible_for_vote(self) -> list[str]:
        """D10: every participant by default, or only the round-2 ten when configured so."""
        if self.rules.vote_eligible == "round2":
            return self.round2_municipalities
        return [m.code for m in self.municipalities]

    # ----- jury decisions on ties (§3.2.4, D11-D13) -----

    ROUND2_TIES = ("jury_4th_place", "jury_5th_place", "residents_choice")
    ROUND3_TIES = ("winner", "theme_prize")

    def record_decision(self, decision: Mapping[str, Any], *, actor: Actor, at: datetime) -> JuryDecision:
        """Record the jury's decision on a tie (simple majority, §3.2.4) with its justification."""
        self.require_not_sealed()
        fields: dict[str, Any] = {k: decision.get(k) for k in ("kind", "tied", "chosen", "text", "votes_for",
                                                               "votes_total")}  # as given: JuryDecision checks them
        parsed = JuryDecision(**fields)
        stage_for = ROUND2 if parsed.kind in self.ROUND2_TIES else ROUND3
        if self.stage != stage_for:
            raise RuleViolation(f"a decision on a {parsed.kind} tie is taken in {stage_for}; the contest is in "
                                f"{self.stage}", clause="§3.2.4", stage=self.stage)
        if parsed.votes_total > len(self.voting_seats):
            raise InvalidInput({"votes_total": [f"the jury has {len(self.voting_seats)} voting members"]})
        if parsed.votes_total < self.rules.quorum:
            raise RuleViolation(f"the jury decides with at least {self.rules.quorum} members present (§3.2.3)",
                                clause="§3.2.3", field="votes_total")
        self._decision_recorded(decision=parsed.to_dict(), actor=actor.as_dict(), at=at)
        return parsed

    @event("JuryDecisionRecorded")
    def _decision_recorded(self, decision: dict[str, Any], actor: dict[str, str], at: datetime) -> None:
        self.decisions = [*self.decisions, {**decision, "recorded_at": at}]

    def decisions_of(self, kinds: tuple[str, ...]) -> list[JuryDecision]:
        return [JuryDecision(**{k: d[k] for k in ("kind", "tied", "chosen", "text", "votes_for", "votes_total")})
                for d in self.decisions if d["kind"] in kinds]

    # ----- round 2: the finalists (§4.6.7, D9-D11) -----

    def vote_stats_for_finalists(self, tallies: Mapping[str, tuple[int, int]]) -> dict[str, tuple[int, int]]:
        eligible = set(self.eligible_for_vote())
        return {m: t for m, t in tallies.items() if m in eligible and t[0] > 0}

    def round2_outcome(self, ballots: Mapping[str, Mapping[str, int]],
                       tallies: Mapping[str, tuple[int, int]]) -> FinalistsOutcome:
        """The finalists as the ballots, the vote and the recorded decisions stand (interim until closed)."""
        voting = {s.id for s in self.voting_seats}
        counted = {seat: dict(points) for seat, points in ballots.items() if seat in voting}
        return determine_finalists(self.round2_municipalities, counted, self.chair.id,
                                   self.vote_stats_for_finalists(tallies), self.decisions_of(self.ROUND2_TIES),
                                   by_jury=self.rules.finalists_by_jury, total=self.rules.finalists_total)

    def close_round2(self, ballots: Mapping[str, Mapping[str, int]], tallies: Mapping[str, tuple[int, int]], *,
                     included_through: int, digest: str, actor: Actor, at: datetime) -> FinalistsOutcome:
        """Close round 2: needs the vote closed (§4.6.6-4.6.7), the quorum of ballots (D9, §3.2.3) and no open
        tie (D11). The event records the finalists and the whole table; round 3 opens. `tallies` are the counted
        ones: votes in quarantine are left out, so the residents' finalist comes from the counted vote."""
        require_stage(CLOSE_ROUND2, self)  # before the outcome, which needs the round-2 list
        voting = [s.id for s in self.voting_seats]
        outcome = self.round2_outcome(ballots, tallies)
        require_transition(CLOSE_ROUND2, self, TransitionFacts(seats_with_ballots=tuple(ballots),
                                                               open_ties=outcome.open_ties))
        self._round2_closed(finalists=[f.to_dict() for f in outcome.finalists], outcome=outcome.to_dict(),
                            ballots={k: dict(v) for k, v in ballots.items() if k in voting},
                            tallies={m: list(t) for m, t in tallies.items()},
                            included_through=included_through, digest=digest, actor=actor.as_dict(), at=at)
        return outcome

    @event("Round2Closed")
    def _round2_closed(self, finalists: list[dict[str, Any]], outcome: dict[str, Any],
                       ballots: dict[str, dict[str, int]], tallies: dict[str, list[int]], included_through: int,
                       digest: str, actor: dict[str, str], at: datetime) -> None:
        self.round2 = {"finalists": finalists, "outcome": outcome, "ballots": ballots, "tallies": tallies,
                       "included_through": included_through, "digest": digest, "closed_at": at,
                       "quarantined": len(self.quarantined)}  # votes left out of `tallies` (§4.6.7)
        self._add_checkpoint("round2_closed", included_through, digest, at)
        self.stage = ROUND3
        self.stage_changed_at[ROUND3] = at

    @property
    def finalists(self) -> list[str]:
        return [f["municipality"] for f in self.round2["finalists"]] if self.round2 else []

    # ----- round 3, result and approval (§4.7, §7) -----
    # Set only by the events below; class-level defaults, so the state above stays as it was.
    if TYPE_CHECKING:  # their types, for the type checker only: a class annotation would make the eventsourcing
        # metaclass process the aggregate as a dataclass
        briefing: dict[str, Any] | None
        calendar: WorkCalendar | None
        round3: dict[str, Any] | None
        approval: dict[str, Any] | None
        supporter_nominations: tuple[dict[str, Any], ...]
    briefing = None  # the jury's briefing (§4.6.8): {"date", "note", "recorded_at"}
    calendar = None  # WorkCalendar | None: the recorded working-day calendar (§4.7.2, D17), by CalendarSet
    round3 = None  # the record of round 3's closing: winners, the full table, the digest (§4.7.9-§4.7.11)
    approval = None  # the council's approval (§7.4, D14)
    supporter_nominations = ()  # supporters' nominations and prizes (§7.3)

    def local_day(self, at: datetime) -> date:
        """The calendar day of an instant in the contest's time zone (Europe/Riga)."""
        return at.astimezone(ZoneInfo(self.window.timezone)).date()

    def record_briefing(self, briefed_on: date, *, note: str, first_visit: date | None, actor: Actor,
                        at: datetime) -> None:
        """Record that the jury received the full information on the finalists and the overall results (§4.6.8),
        on `briefed_on`: after round 2 closed, not in the future, and at least `rules.briefing_days` days before
        the first planned visit (`first_visit`, if any). Recording again corrects the date (an event)."""
        self.require_not_sealed()
        if self.stage != ROUND3:
            raise RuleViolation(f"the jury is briefed on the finalists once round 2 has closed, before round 3's "
                                f"visits; the contest is in {self.stage}", clause="§4.6.8", stage=self.stage)
        today = self.local_day(at)
        if briefed_on > today:
            raise InvalidInput({"date": [f"a briefing is recorded once held: {briefed_on.isoformat()} is later than "
                                         f"today ({today.isoformat()})"]})
        closed = self.local_day(self.round2["closed_at"]) if self.round2 else today
        if briefed_on < closed:
            raise RuleViolation(f"the full information on the finalists exists once round 2 closed "
                                f"({closed.isoformat()}); {briefed_on.isoformat()} is earlier", clause="§4.6.8",
                                field="date")
        if first_visit is not None:
            check_briefing_before_visits(briefed_on, first_visit, self.rules.briefing_days)
        self._jury_briefed(briefed_on=briefed_on, note=note.strip(), actor=actor.as_dict(), at=at)

    @event("JuryBriefed")
    def _jury_briefed(self, briefed_on: date, note: str, actor: dict[str, str], at: datetime) -> None:
        self.briefing = {"date": briefed_on, "note": note, "recorded_at": at}

    def close_round3(self, visits: Mapping[str, Any], scorecards: Mapping[str, Mapping[str, Any]], *,
                     included_through: int, digest: str, actor: Actor, at: datetime) -> Round3Assessment:
        """Close round 3 (§4.7.9-§4.7.11, D12, D13): refused while anything blocks (domain.round3.assess_round3
        names each blocker and its clause). The event records the winner, the theme-prize winner, the whole
        table with every visit and seat counted or not and why, the scorecards, and the audit digest of the
        history up to `included_through`; the contest is then finished, awaiting the council (§7.4)."""
        self.require_not_sealed()
        if self.stage != ROUND3:
            raise RuleViolation(f"round 3 is not open (the contest is in {self.stage})", clause="§4.7",
                                stage=self.stage)
        assessment = assess_round3(self, visits, scorecards)
        if assessment.blocked:
            messages = [b.message for b in assessment.blockers]
            raise RuleViolation("round 3 cannot close yet: " + "; ".join(messages), clause=assessment.clauses(),
                                blockers=[b.to_dict() for b in assessment.blockers])
        result = assessment.result
        if result.winner is None or result.theme_winner is None:  # ruled out by the blockers (scores exist, §3.2.3)
            raise RuleViolation("round 3 cannot close without a winner and a theme-prize winner",
                                clause="§4.7.9, §4.7.11")
        self._round3_closed(
            winner=result.winner, theme_winner=result.theme_winner, result=result.to_dict(),
            visits=list(assessment.visits),
            scorecards={seat: {k: card[k] for k in ("scores", "justifications", "theme_points", "cast_by")}
                        for seat, card in sorted(scorecards.items())},
            included_through=included_through, digest=digest, actor=actor.as_dict(), at=at)
        return assessment

    @event("Round3Closed")
    def _round3_closed(self, winner: str, theme_winner: str, result: dict[str, Any], visits: list[dict[str, Any]],
                       scorecards: dict[str, dict[str, Any]], included_through: int, digest: str,
                       actor: dict[str, str], at: datetime) -> None:
        self.round3 = {"winner": winner, "theme_winner": theme_winner, "result": result, "visits": visits,
                       "scorecards": scorecards, "included_through": included_through, "digest": digest,
                       "closed_at": at}
        self._add_checkpoint("round3_closed", included_through, digest, at)
        self.stage = FINISHED
        self.stage_changed_at[FINISHED] = at

    def record_supporter_nomination(self, nomination: Mapping[str, Any], *, actor: Actor,
                                    at: datetime) -> dict[str, Any]:
        """A supporter's nomination and prize for a municipality (§7.3), recorded before the approval (D14)."""
        self.require_not_sealed()
        errors: dict[str, list[str]] = {}
        for key in ("supporter", "nomination"):
            value = nomination.get(key)
            if not isinstance(value, str) or not 0 < len(value.strip()) <= 300:
                errors[key] = ["must be non-empty, at most 300 characters"]
        amount = nomination.get("amount_eur")
        if type(amount) is not int or not 0 <= amount <= 10_000_000:
            errors["amount_eur"] = ["must be a whole number of euros from 0 to 10,000,000"]
        code = nomination.get("municipality")
        if code not in {m.code for m in self.municipalities}:
            errors["municipality"] = [f"{code!r} is not a participating municipality (§3.3)"]
        note = nomination.get("note")
        if note is not None and (not isinstance(note, str) or len(note) > 2000):
            errors["note"] = ["must be text of at most 2000 characters"]
        if errors:
            raise InvalidInput(errors)
        record = {"id": f"supporter-{len(self.supporter_nominations) + 1}",
                  "supporter": nomination["supporter"].strip(), "nomination": nomination["nomination"].strip(),
                  "amount_eur": amount, "municipality": code, "note": note.strip() if note else None}
        self._supporter_nomination_recorded(nomination=record, actor=actor.as_dict(), at=at)
        return record

    @event("SupporterNominationRecorded")
    def _supporter_nomination_recorded(self, nomination: dict[str, Any], actor: dict[str, str],
                                       at: datetime) -> None:
        self.supporter_nominations = (*self.supporter_nominations, {**nomination, "recorded_at": at})

    def approve(self, *, decision_number: str, decision_date: date, digest: str, digest_through: int,
                actor: Actor, at: datetime) -> None:
        """The Fund council approves the result by its decision (§7.4). D14: the approval names the exact history
        it approves (the audit digest through `digest_through`, the last event before it); the contest is then
        sealed and every changing command is refused."""
        self.require_not_sealed()
        if self.stage != FINISHED or self.round3 is None:
            raise RuleViolation(f"the council approves the result once round 3 has closed; the contest is in "
                                f"{self.stage}", clause="§7.4", stage=self.stage)
        if not isinstance(decision_number, str) or not decision_number.strip():
            raise InvalidInput({"decision_number": ["name the council's decision (its number)"]})
        today = self.local_day(at)
        if decision_date > today:
            raise InvalidInput({"decision_date": [f"{decision_date.isoformat()} is later than today "
                                                  f"({today.isoformat()})"]})
        closed = self.local_day(self.round3["closed_at"])
        if decision_date < closed:
            raise RuleViolation(f"the decision of {decision_date.isoformat()} predates the result it would approve "
                                f"(round 3 closed on {closed.isoformat()})", clause="§7.4, D14",
                                field="decision_date")
        self._result_approved(decision_number=decision_number.strip(), decision_date=decision_date, digest=digest,
                              digest_through=digest_through, round3_digest=self.round3["digest"],
                              actor=actor.as_dict(), at=at)

    @event("ResultApproved")
    def _result_approved(self, decision_number: str, decision_date: date, digest: str, digest_through: int,
                         round3_digest: str, actor: dict[str, str], at: datetime) -> None:
        self.approval = {"decision_number": decision_number, "decision_date": decision_date, "digest": digest,
                         "digest_through": digest_through, "round3_digest": round3_digest, "approved_at": at,
                         "approved_by": actor}
        self._add_checkpoint("approval", digest_through, digest, at)
        self.stage = SEALED
        self.stage_changed_at[SEALED] = at
