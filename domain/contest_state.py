"""What a contest's state is and what it answers: the read side of the `Contest` aggregate (domain.contest).

`ContestState` declares the state the aggregate folds from its events, the state it starts with and the two small
changes several events share, and the queries over it; it decides and records nothing. The aggregate inherits it:
its commands and their `@event` methods stay on `domain.contest.Contest` (an event's topic names the class its
method is defined on, `domain.contest:Contest.X`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import date, datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from domain import quarantine, round_transitions, vote_secrets, vote_window
from domain.config import JurySeat, Municipality, Prizes, Rules, Theme, VotingWindow
from domain.errors import NotFound, RuleViolation
from domain.finalists import FinalistsOutcome, determine_finalists
from domain.publication import TallyAccess, vote_tallies_access
from domain.questionnaire import Questionnaire, load_questionnaire
from domain.round_records import Approval, Briefing, Round1Record, Round2Record, Round3Record
from domain.scoring import Round1Result, ScoringParams, score_round1
from domain.setup import ContestSetup
from domain.stages import ROUND3, SEALED, SETUP, STAGES, has_reached
from domain.ties import JuryDecision
from domain.transitions import Blocker, TransitionFacts, available_actions, transition_blockers
from domain.vote_window import WINDOW_SCHEDULED
from domain.workdays import CALENDAR_CLAUSE, WorkCalendar

Part = TypeVar("Part")


class ContestState:
    """A year's contest as its events left it, and the questions asked of it."""

    ROUND2_TIES = round_transitions.ROUND2_TIES  # the ties decided in round 2 (D11), and in round 3 (D12, D13)
    ROUND3_TIES = round_transitions.ROUND3_TIES

    # Set by the Created event (domain.contest.Contest.__init__) and changed by the configuration's events.
    year: int
    title: str
    municipalities: tuple[Municipality, ...]
    jury: tuple[JurySeat, ...]
    theme: Theme
    prizes: Prizes
    window: VotingWindow
    rules: Rules
    scoring_params: ScoringParams
    questionnaire: Questionnaire | None
    round1: Round1Record | None  # the record of the cut, once round 1 closes (§4.5)
    decisions: list[dict[str, Any]]  # the jury's recorded decisions on ties (D11-D13, §3.2.4)
    round2: Round2Record | None  # the record of the finalists, once round 2 closes (§4.6.7)
    window_status: str  # the residents' vote (§4.6.6, domain.vote_window): scheduled -> open -> closed
    interim_published_at: datetime | None
    stage: str  # domain.stages
    stage_changed_at: dict[str, datetime]
    created_at: datetime
    checkpoints: tuple[dict[str, Any], ...]  # the published checkpoints (D16)
    vote_secrets: tuple[str, str] | None  # the vote secrets' fingerprints (D10, domain.vote_secrets)
    quarantined: frozenset[str]  # the quarantined votes' ids (§4.6.6, D10, domain.quarantine)

    # Set only by later events; class-level defaults, so the state of a contest recorded before they existed
    # stays as it was.
    briefing: Briefing | None = None  # the jury's briefing (§4.6.8)
    calendar: WorkCalendar | None = None  # the recorded working-day calendar (§4.7.2, D17), by CalendarSet
    round3: Round3Record | None = None  # round 3's closing: winners, the full table, the digest (§4.7.9-§4.7.11)
    approval: Approval | None = None  # the council's approval (§7.4, D14)
    supporter_nominations: tuple[dict[str, Any], ...] = ()  # supporters' nominations and prizes (§7.3)
    # Set by Created (domain.setup): the parts still to be confirmed (§4.3, §6), where a carried-forward setup came
    # from, and the vote window as configured (Created, VotingWindowSet), before any opening, closing or extension.
    unconfirmed: tuple[str, ...] = ()
    origin: Mapping[str, Any] | None = None
    planned_window: VotingWindow | None = None

    # ----- the state changes the events apply (on replay too: they check nothing) -----

    def _start(self, year: int, setup: ContestSetup, at: datetime) -> None:
        """The state a contest starts with (applied by Contest.Created)."""
        self.year = year
        self.title = setup.title
        self.municipalities = setup.municipalities
        self.jury = setup.jury
        self.theme = setup.theme
        self.prizes = setup.prizes
        self.window = self.planned_window = setup.window
        self.rules = setup.rules
        self.unconfirmed = setup.unconfirmed
        self.origin = setup.origin
        self.scoring_params = ScoringParams.from_dict(setup.scoring)
        self.questionnaire = load_questionnaire(setup.questionnaire) if setup.questionnaire is not None else None
        self.round1 = None
        self.decisions = []
        self.round2 = None
        self.window_status = WINDOW_SCHEDULED
        self.interim_published_at = None
        self.stage = SETUP
        self.stage_changed_at = {SETUP: at}
        self.created_at = at

    def _confirmed(self, part: str, value: Part) -> Part:
        """Applied by ThemeSet and PrizesSet: the part is set, so it is confirmed (domain.setup)."""
        self.unconfirmed = tuple(p for p in self.unconfirmed if p != part)
        return value

    def _add_checkpoint(self, kind: str, through: int | None, digest: str | None, at: datetime) -> None:
        """Applied by an event that publishes a checkpoint (D16): "the history through `through` has `digest`"."""
        if through is None or digest is None:
            return  # an event recorded before checkpoints existed publishes none
        self.checkpoints = (*self.checkpoints, {"kind": kind, "through": through, "digest": digest, "at": at})

    def _advance(self, stage: str, checkpoint: str, through: int, digest: str, at: datetime) -> None:
        """Applied by a round's closing and the approval: the checkpoint it publishes, then the next stage."""
        self._add_checkpoint(checkpoint, through, digest, at)
        self.stage = stage
        self.stage_changed_at[stage] = at


    # ----- the stage (§4.1) -----

    def stage_index(self, stage: str | None = None) -> int:
        return STAGES.index(stage or self.stage)

    def has_reached(self, stage: str) -> bool:
        return has_reached(self.stage, stage)

    def require_not_sealed(self) -> None:
        """D14: after the council's approval no command changes the contest."""
        if self.stage == SEALED:
            raise RuleViolation("contest is sealed", clause="§7.4, D14")

    # ----- the configuration -----

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
            "unconfirmed": list(self.unconfirmed),
            "origin": dict(self.origin) if self.origin else None,
        }

    def current_setup(self) -> ContestSetup:
        """The configuration as it stands, as a setup (what a next year's contest is carried forward from,
        domain.carry_forward), with the vote window as configured rather than as opened or closed."""
        return ContestSetup(year=self.year, title=self.title, municipalities=self.municipalities, jury=self.jury,
                            theme=self.theme, prizes=self.prizes, window=self.planned_window or self.window,
                            rules=self.rules, scoring=self.scoring_params.to_dict(),
                            questionnaire=self.questionnaire.to_dict() if self.questionnaire else None,
                            unconfirmed=self.unconfirmed, origin=self.origin)

    def work_calendar(self) -> WorkCalendar:
        """The working-day calendar recorded with the contest (D17): every §4.7.2 decision counts by it."""
        if self.calendar is None:
            raise RuleViolation("no working-day calendar is recorded with this contest: the secretariat records one "
                                "(PUT /api/contests/<year>/calendar) before round 3 starts", clause=CALENDAR_CLAUSE,
                                field="calendar")
        return self.calendar

    def local_day(self, at: datetime) -> date:
        """The calendar day of an instant in the contest's time zone (Europe/Riga)."""
        return at.astimezone(ZoneInfo(self.window.timezone)).date()

    # ----- the residents' vote (§4.6.6, D10) -----

    def window_times(self) -> dict[str, str]:
        return vote_window.window_times(self.window, self.window_status)

    def accepts_votes_at(self, at: datetime) -> bool:
        """Votes are taken from opens_at to closes_at inclusive, unless the window was closed (§4.6.6). The
        configured instants decide, so a late clock neither keeps a closed window open nor delays the opening."""
        return vote_window.accepts_votes_at(self.window, self.window_status, at)

    def require_vote_window(self, at: datetime) -> None:
        vote_window.require_vote_window(self.window, self.window_status, at)

    def window_due(self, *, at: datetime) -> bool:
        """Whether the clock has anything to record at `at` (§4.6.6): the opening on time, or the closing once the
        closing time has passed; never in a sealed contest (D14). The clock asks this of the process's copy of the
        contest every minute and changes the contest only when it is due."""
        if self.stage == SEALED:
            return False
        if vote_window.closes_now(self.window, self.window_status, at, manual=False):
            return True
        try:
            return vote_window.opening_at(self.window, self.window_status, at, manual=False,
                                          round3_started=self.has_reached(ROUND3)) is not None
        except RuleViolation:
            return True  # the opening's refusal is the command's to give

    def window_closes_now(self, *, at: datetime, manual: bool = False) -> bool:
        """Whether `close_window` would record a closing at `at` (so the caller computes its checkpoint only
        then, D16): not when it is closed already, nor for the scheduler before the closing time (§4.6.6)."""
        return vote_window.closes_now(self.window, self.window_status, at, manual=manual)

    def require_interim_publishable(self) -> None:
        """D10: an interim result is published while the vote is open (and never in a sealed contest, D14)."""
        self.require_not_sealed()
        vote_window.require_interim_publishable(self.window_status)

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

    def vote_secrets_differing(self, fingerprints: tuple[str, str]) -> list[str]:
        """Which of the secrets ("voter", "receipt") have fingerprints other than those recorded; none while
        nothing is recorded yet (D10)."""
        return vote_secrets.differing(self.vote_secrets, fingerprints)

    @property
    def votes_reviewable(self) -> bool:
        """Whether votes may still be quarantined or reinstated: until round 2 closes (§4.6.7, D11), never in a
        sealed contest (D14). domain.quarantine.require_reviewable says why not."""
        return quarantine.votes_reviewable(self.stage, self.round2 is not None)

    # ----- what blocks the next transition (§4.1; domain.transitions, by which the commands also refuse) -----

    def transition_blockers(self, facts: TransitionFacts) -> tuple[Blocker, ...]:
        """What keeps the contest from its next transition, each with its clause, code and params."""
        return transition_blockers(self, facts)

    def available_actions(self, at: datetime) -> tuple[str, ...]:
        """The secretariat's actions at `at` (domain.transitions.available_actions)."""
        return available_actions(self, at)

    # ----- the rounds' results -----

    def score_round1(self, answers: Mapping[str, Mapping[str, object]]) -> Round1Result:
        """Round 1's result for these answers under this contest's questionnaire and parameters (§4.2, D2-D7).
        Every participant is ranked, whether or not it sent anything (§3.3)."""
        if self.questionnaire is None:
            raise RuleViolation("there is no questionnaire to score against", clause="§4.2, Annex")
        params = replace(self.scoring_params, cut_size=self.rules.cut_size)
        return score_round1(self.questionnaire, [m.code for m in self.municipalities], answers, params)

    @property
    def round2_municipalities(self) -> list[str]:
        """The municipalities the jury evaluates (§4.6.1): those that advanced from round 1."""
        return list(self.round1.advancing) if self.round1 else []

    def decisions_of(self, kinds: tuple[str, ...]) -> list[JuryDecision]:
        return [JuryDecision(**{k: d[k] for k in ("kind", "tied", "chosen", "text", "votes_for", "votes_total")})
                for d in self.decisions if d["kind"] in kinds]

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

    @property
    def finalists(self) -> list[str]:
        return [f["municipality"] for f in self.round2.finalists] if self.round2 else []
