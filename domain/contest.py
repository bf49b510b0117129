"""The `Contest` aggregate: one per year, its configuration and round transitions (§4.1) as events. Its state and
queries are domain.contest_state's; each command decides through a pure module (domain.config_changes,
vote_window, quarantine, transitions, round_transitions, approval, vote_secrets). The `@event` methods only record
and apply; they stay on this class, named in every stored event's topic (`domain.contest:Contest.X`)."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import replace
from datetime import date, datetime
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain import approval, config_changes, quarantine, round_transitions, vote_secrets, vote_window
from domain.actors import Actor
from domain.config import JurySeat, Prizes, Rules, Theme, VotingWindow, parse_municipalities
from domain.config_changes import FREEZES_AT, RULE_FREEZES_AT, require_part_changeable
from domain.contest_state import ContestState
from domain.finalists import FinalistsOutcome
from domain.questionnaire import load_questionnaire
from domain.round3 import Round3Assessment, assess_round3
from domain.round_records import Approval, Briefing, Round1Record, Round2Record, Round3Record
from domain.scoring import ScoringParams
from domain.setup import ContestSetup
from domain.stages import FINISHED, ROUND1, ROUND2, ROUND3, SEALED, SETUP, STAGES
from domain.ties import JuryDecision
from domain.transitions import (
    CLOSE_ROUND1,
    CLOSE_ROUND2,
    OPEN_ROUND1,
    TransitionFacts,
    require_stage,
    require_transition,
)
from domain.vote_window import WINDOW_CLOSED, WINDOW_OPEN, WINDOW_SCHEDULED
from domain.workdays import WorkCalendar

__all__ = [  # the names other modules import from here (the stages and rules live in the modules named above)
    "FINISHED", "FREEZES_AT", "NAMESPACE", "ROUND1", "ROUND2", "ROUND3", "RULE_FREEZES_AT", "SEALED", "SETUP",
    "STAGES", "WINDOW_CLOSED", "WINDOW_OPEN", "WINDOW_SCHEDULED", "Contest", "contest_id",
]

NAMESPACE = UUID("6f1c3f0e-5a43-4c55-9a1e-2b9c0d6e7a10")


def contest_id(year: int) -> UUID:
    return uuid5(NAMESPACE, f"contest/{year}")


class Contest(ContestState, Aggregate):
    """A year's contest. Its state (domain.contest_state.ContestState) is folded from its events only."""

    @staticmethod
    def create_id(year: int) -> UUID:
        return contest_id(year)

    @classmethod
    def create(cls, setup: Mapping[str, Any], *, actor: Actor, at: datetime) -> Contest:
        parsed = ContestSetup.parse(setup)
        return cls(year=parsed.year, setup=parsed.to_dict(), actor=actor.as_dict(), at=at)

    @event("Created")
    def __init__(self, year: int, setup: dict[str, Any], actor: dict[str, str], at: datetime) -> None:
        self._start(year, ContestSetup.parse(setup), at)

    # Set only by their events; class-level defaults, so a contest recorded before those events existed replays, as
    # do events recorded before a field was added to them (defaults: Round1Closed's confirmed_empty and reason, D16's
    # included_through and digest on VotingWindowClosed and InterimResultPublished).
    checkpoints: tuple[dict[str, Any], ...] = ()  # the checkpoints (D16): _add_checkpoint
    vote_secrets: tuple[str, str] | None = None  # the vote secrets' fingerprints (D10): VoteSecretsBound
    quarantined: frozenset[str] = frozenset()  # the quarantined votes (§4.6.6, D10): VotesQuarantined, -Reinstated

    # ----- configuration commands (each one event; domain.config_changes decides what may change) -----

    def set_municipalities(self, items: list[Mapping[str, Any]], *, reason: str, actor: Actor, at: datetime) -> None:
        require_part_changeable(self.stage, "municipalities")
        municipalities = [m.to_dict() for m in parse_municipalities(items)]
        self._municipalities_set(municipalities=municipalities, reason=reason, actor=actor.as_dict(), at=at)

    @event("MunicipalitiesSet")
    def _municipalities_set(self, municipalities: list[dict[str, Any]], reason: str, actor: dict[str, str],
                            at: datetime) -> None:
        self.municipalities = parse_municipalities(municipalities)

    def set_jury_seat(self, seat: Mapping[str, Any], *, reason: str, actor: Actor, at: datetime) -> None:
        require_part_changeable(self.stage, "jury")
        roster = config_changes.roster_with_seat(self.jury, seat, self.rules.quorum)
        self._jury_set(jury=[s.to_dict() for s in roster], reason=reason, actor=actor.as_dict(), at=at)

    def remove_jury_seat(self, seat_id: str, *, reason: str, actor: Actor, at: datetime) -> None:
        require_part_changeable(self.stage, "jury")
        roster = config_changes.roster_without_seat(self.jury, seat_id, self.rules.quorum)
        self._jury_set(jury=[s.to_dict() for s in roster], reason=reason, actor=actor.as_dict(), at=at)

    @event("JurySet")
    def _jury_set(self, jury: list[dict[str, Any]], reason: str, actor: dict[str, str], at: datetime) -> None:
        self.jury = tuple(JurySeat.parse(s) for s in jury)

    def set_theme(self, theme: Mapping[str, Any], *, reason: str, actor: Actor, at: datetime) -> None:
        require_part_changeable(self.stage, "theme")
        self._theme_set(theme=Theme.parse(theme).to_dict(), reason=reason, actor=actor.as_dict(), at=at)

    @event("ThemeSet")
    def _theme_set(self, theme: dict[str, Any], reason: str, actor: dict[str, str], at: datetime) -> None:
        self.theme = self._confirmed("theme", Theme.parse(theme))

    def set_prizes(self, prizes: Mapping[str, Any], *, reason: str, actor: Actor, at: datetime) -> None:
        require_part_changeable(self.stage, "prizes")
        self._prizes_set(prizes=Prizes.parse(prizes).to_dict(), reason=reason, actor=actor.as_dict(), at=at)

    @event("PrizesSet")
    def _prizes_set(self, prizes: dict[str, Any], reason: str, actor: dict[str, str], at: datetime) -> None:
        self.prizes = self._confirmed("prizes", Prizes.parse(prizes))

    def set_window(self, window: Mapping[str, Any], *, reason: str, actor: Actor, at: datetime) -> None:
        require_part_changeable(self.stage, "window")
        vote_window.require_reconfigurable(self.window_status)
        self._window_set(window=VotingWindow.parse(window).to_dict(), reason=reason, actor=actor.as_dict(), at=at)

    @event("VotingWindowSet")
    def _window_set(self, window: dict[str, Any], reason: str, actor: dict[str, str], at: datetime) -> None:
        self.window = self.planned_window = VotingWindow.parse(window)

    def set_scoring(self, params: Mapping[str, Any], *, reason: str, actor: Actor, at: datetime) -> None:
        require_part_changeable(self.stage, "scoring")
        scoring = ScoringParams.from_dict(params).to_dict()
        self._scoring_set(scoring=scoring, reason=reason, actor=actor.as_dict(), at=at)

    @event("ScoringSet")
    def _scoring_set(self, scoring: dict[str, Any], reason: str, actor: dict[str, str], at: datetime) -> None:
        self.scoring_params = ScoringParams.from_dict(scoring)

    def set_questionnaire(self, data: Mapping[str, Any], *, reason: str, actor: Actor, at: datetime) -> None:
        require_part_changeable(self.stage, "questionnaire")
        self._questionnaire_set(questionnaire=load_questionnaire(data).to_dict(), reason=reason,
                                actor=actor.as_dict(), at=at)

    @event("QuestionnaireSet")
    def _questionnaire_set(self, questionnaire: dict[str, Any], reason: str, actor: dict[str, str],
                           at: datetime) -> None:
        self.questionnaire = load_questionnaire(questionnaire)

    def set_rules(self, changes: Mapping[str, Any], *, reason: str, actor: Actor, at: datetime) -> None:
        new = config_changes.changed_rules(self.stage, self.rules, changes, self.jury)
        self._rules_set(rules=new.to_dict(), reason=reason, actor=actor.as_dict(), at=at)

    @event("RulesSet")
    def _rules_set(self, rules: dict[str, Any], reason: str, actor: dict[str, str], at: datetime) -> None:
        self.rules = Rules.parse(rules)

    def set_calendar(self, calendar: Mapping[str, Any], *, reason: str, actor: Actor, at: datetime) -> None:
        require_part_changeable(self.stage, "calendar")
        why = config_changes.calendar_reason(reason)
        self._calendar_set(calendar=WorkCalendar.parse(calendar).to_dict(), reason=why, actor=actor.as_dict(), at=at)

    @event("CalendarSet")
    def _calendar_set(self, calendar: dict[str, Any], reason: str, actor: dict[str, str], at: datetime) -> None:
        self.calendar = WorkCalendar.parse(calendar)

    # ----- round 1 (§4.2-§4.5; domain.transitions: what blocks it, domain.round_transitions: what it records) -----

    def open_round1(self, *, actor: Actor, at: datetime) -> None:
        require_transition(OPEN_ROUND1, self, TransitionFacts())
        self._stage_changed(stage=ROUND1, actor=actor.as_dict(), at=at)

    @event("StageChanged")
    def _stage_changed(self, stage: str, actor: dict[str, str], at: datetime) -> None:
        self.stage = stage
        self.stage_changed_at[stage] = at

    def close_round1(self, answers: Mapping[str, Mapping[str, object]], *, included_through: int, digest: str,
                     actor: Actor, at: datetime, confirm_empty: bool = False, reason: str | None = None) -> None:
        """Close round 1 (§4.5, D7) on every municipality's answers as recorded up to position `included_through`
        (an auditor recomputes the same ranking from the same events); round 2 opens. With no answers at all it is
        refused unless `confirm_empty` with a `reason` (§4.2, §4.5: domain.transitions), both recorded."""
        submitted = sum(1 for given in answers.values() if given)
        require_transition(CLOSE_ROUND1, self, TransitionFacts(submitted=submitted), confirm_empty=confirm_empty,
                           reason=reason)
        ranking, advancing, cut = round_transitions.round1_record(self.score_round1(answers).to_dict())
        self._round1_closed(ranking=ranking, advancing=advancing, cut=cut, included_through=included_through,
                            digest=digest, actor=actor.as_dict(), at=at,
                            confirmed_empty=bool(confirm_empty and not submitted),
                            reason=reason.strip() if reason and reason.strip() else None)

    @event("Round1Closed")
    def _round1_closed(self, ranking: list[dict[str, Any]], advancing: list[str], cut: dict[str, Any],
                       included_through: int, digest: str, actor: dict[str, str], at: datetime,
                       confirmed_empty: bool = False, reason: str | None = None) -> None:
        self.round1 = Round1Record(ranking=ranking, advancing=advancing, cut=cut, included_through=included_through,
                                   digest=digest, closed_at=at, confirmed_empty=confirmed_empty, reason=reason)
        self._advance(ROUND2, "round1_closed", included_through, digest, at)

    # ----- the residents' vote window (§4.6.6; domain.vote_window decides) -----

    def open_window(self, *, actor: Actor, at: datetime, reason: str, manual: bool = False) -> bool:
        """Open the vote window (the scheduler on time, the secretariat early: manual); False: nothing recorded."""
        self.require_not_sealed()
        opens_at = vote_window.opening_at(self.window, self.window_status, at, manual=manual,
                                          round3_started=self.has_reached(ROUND3))
        if opens_at is None:
            return False
        self._window_opened(opens_at=opens_at, reason=reason, actor=actor.as_dict(), at=at)
        return True

    @event("VotingWindowOpened")
    def _window_opened(self, opens_at: datetime, reason: str, actor: dict[str, str], at: datetime) -> None:
        self.window = replace(self.window, opens_at=opens_at)
        self.window_status = WINDOW_OPEN

    def close_window(self, *, included_through: int, digest: str, actor: Actor, at: datetime, reason: str,
                     manual: bool = False) -> bool:
        """Close the vote window (False: nothing recorded). The event publishes a checkpoint (D16) of the history
        through `included_through`, so the vote is anchored outside the service before round 2 closes."""
        self.require_not_sealed()
        if not self.window_closes_now(at=at, manual=manual):
            return False
        self._window_closed(closes_at=min(at, self.window.closes_at), reason=reason,
                            included_through=included_through, digest=digest, actor=actor.as_dict(), at=at)
        return True

    @event("VotingWindowClosed")
    def _window_closed(self, closes_at: datetime, reason: str, actor: dict[str, str], at: datetime,
                       included_through: int | None = None, digest: str | None = None) -> None:
        self.window = replace(self.window, closes_at=max(closes_at, self.window.opens_at))
        self.window_status = WINDOW_CLOSED
        self._add_checkpoint("window_closed", included_through, digest, at)

    def extend_window(self, closes_at: datetime, *, reason: str, actor: Actor, at: datetime) -> None:
        self.require_not_sealed()
        vote_window.check_extension(self.window, self.window_status, closes_at, at, reason)
        self._window_extended(closes_at=closes_at, reason=reason, actor=actor.as_dict(), at=at)

    @event("VotingWindowExtended")
    def _window_extended(self, closes_at: datetime, reason: str, actor: dict[str, str], at: datetime) -> None:
        self.window = replace(self.window, closes_at=closes_at)

    def publish_interim(self, *, included_through: int, digest: str, reason: str, actor: Actor, at: datetime) -> None:
        """D10: publish an interim result, with a checkpoint (D16) of the history it counts (`included_through`)."""
        self.require_interim_publishable()
        self._interim_published(reason=reason, included_through=included_through, digest=digest, actor=actor.as_dict(),
                                at=at)

    @event("InterimResultPublished")
    def _interim_published(self, reason: str, actor: dict[str, str], at: datetime,
                           included_through: int | None = None, digest: str | None = None) -> None:
        self.interim_published_at = at
        self._add_checkpoint("interim_result", included_through, digest, at)

    def bind_vote_secrets(self, *, voter_fingerprint: str, receipt_fingerprint: str, actor: Actor,
                          at: datetime) -> None:
        self.require_not_sealed()
        vote_secrets.check_binding(self.vote_secrets, voter_fingerprint, receipt_fingerprint)
        self._vote_secrets_bound(voter_fingerprint=voter_fingerprint, receipt_fingerprint=receipt_fingerprint,
                                 actor=actor.as_dict(), at=at)

    @event("VoteSecretsBound")
    def _vote_secrets_bound(self, voter_fingerprint: str, receipt_fingerprint: str, actor: dict[str, str],
                            at: datetime) -> None:
        self.vote_secrets = (voter_fingerprint, receipt_fingerprint)

    # ----- quarantine of suspicious votes (§4.6.6, D10; domain.quarantine): nothing is deleted -----

    def quarantine_votes(self, votes: Sequence[str], *, known: Collection[str], reason: str,
                         selection: Mapping[str, Any] | None, actor: Actor, at: datetime) -> list[str]:
        """Quarantine votes (ids; `known`: this contest's) with the reason and the selection they came from (a
        reported cluster), as one event; returns the newly quarantined ones (none: nothing recorded)."""
        quarantine.require_reviewable(self.stage, self.round2 is not None, "quarantined")
        new = quarantine.to_quarantine(quarantine.selected_votes(votes, known, reason), self.quarantined)
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
        """Reinstate quarantined votes, as one event; returns the reinstated ones (none: nothing recorded)."""
        quarantine.require_reviewable(self.stage, self.round2 is not None, "reinstated")
        back = quarantine.to_reinstate(quarantine.selected_votes(votes, known, reason), self.quarantined)
        if back:
            self._votes_reinstated(votes=back, reason=reason.strip(), selection=dict(selection or {}),
                                   actor=actor.as_dict(), at=at)
        return back

    @event("VotesReinstated")
    def _votes_reinstated(self, votes: list[str], reason: str, selection: dict[str, Any], actor: dict[str, str],
                          at: datetime) -> None:
        self.quarantined = self.quarantined - frozenset(votes)

    def record_decision(self, decision: Mapping[str, Any], *, actor: Actor, at: datetime) -> JuryDecision:
        """A jury decision on a tie (§3.2.4, D11-D13)."""
        self.require_not_sealed()
        parsed = round_transitions.parse_decision(decision, self.stage, len(self.voting_seats), self.rules.quorum)
        self._decision_recorded(decision=parsed.to_dict(), actor=actor.as_dict(), at=at)
        return parsed

    @event("JuryDecisionRecorded")
    def _decision_recorded(self, decision: dict[str, Any], actor: dict[str, str], at: datetime) -> None:
        self.decisions = [*self.decisions, {**decision, "recorded_at": at}]

    def close_round2(self, ballots: Mapping[str, Mapping[str, int]], tallies: Mapping[str, tuple[int, int]], *,
                     included_through: int, digest: str, actor: Actor, at: datetime) -> FinalistsOutcome:
        """Close round 2 (§4.6.7, D9-D11): the event records the finalists and the whole table; round 3 opens. `tallies`
        are the counted ones (without the votes in quarantine): the residents' finalist comes from them."""
        require_stage(CLOSE_ROUND2, self)  # before the outcome, which needs the round-2 list
        voting = [s.id for s in self.voting_seats]
        outcome = self.round2_outcome(ballots, tallies)
        require_transition(CLOSE_ROUND2, self, TransitionFacts(seats_with_ballots=tuple(ballots),
                                                               open_ties=outcome.open_ties))
        self._round2_closed(**round_transitions.round2_record(outcome, ballots, tallies, voting),
                            included_through=included_through, digest=digest, actor=actor.as_dict(), at=at)
        return outcome

    @event("Round2Closed")
    def _round2_closed(self, finalists: list[dict[str, Any]], outcome: dict[str, Any],
                       ballots: dict[str, dict[str, int]], tallies: dict[str, list[int]], included_through: int,
                       digest: str, actor: dict[str, str], at: datetime) -> None:
        self.round2 = Round2Record(finalists=finalists, outcome=outcome, ballots=ballots, tallies=tallies,
                                   included_through=included_through, digest=digest, closed_at=at,
                                   quarantined=len(self.quarantined))  # votes left out of `tallies` (§4.6.7)
        self._advance(ROUND3, "round2_closed", included_through, digest, at)

    # ----- round 3, result and approval (§4.6.8, §4.7, §7) -----

    def record_briefing(self, briefed_on: date, *, note: str, first_visit: date | None, actor: Actor,
                        at: datetime) -> None:
        """Record that the jury received the full information on the finalists (§4.6.8) on `briefed_on`, before
        the first planned visit (`first_visit`, if any); recording again corrects the date."""
        self.require_not_sealed()
        round_transitions.check_briefing(
            self.stage, briefed_on, today=self.local_day(at), first_visit=first_visit,
            round2_closed_on=self.local_day(self.round2.closed_at) if self.round2 else None,
            briefing_days=self.rules.briefing_days)
        self._jury_briefed(briefed_on=briefed_on, note=note.strip(), actor=actor.as_dict(), at=at)

    @event("JuryBriefed")
    def _jury_briefed(self, briefed_on: date, note: str, actor: dict[str, str], at: datetime) -> None:
        self.briefing = Briefing(date=briefed_on, note=note, recorded_at=at)

    def close_round3(self, visits: Mapping[str, Any], scorecards: Mapping[str, Mapping[str, Any]], *,
                     included_through: int, digest: str, actor: Actor, at: datetime) -> Round3Assessment:
        """Close round 3 (§4.7.9-§4.7.11, D12, D13): the event records the winners, the whole table (every visit
        and seat counted or not, and why), the scorecards and the digest through `included_through`."""
        self.require_not_sealed()
        round_transitions.require_round3_open(self.stage)
        assessment = assess_round3(self, visits, scorecards)
        winner, theme_winner = round_transitions.require_round3_closable(assessment)
        self._round3_closed(winner=winner, theme_winner=theme_winner, result=assessment.result.to_dict(),
                            visits=list(assessment.visits),
                            scorecards=round_transitions.scorecards_record(scorecards),
                            included_through=included_through, digest=digest, actor=actor.as_dict(), at=at)
        return assessment

    @event("Round3Closed")
    def _round3_closed(self, winner: str, theme_winner: str, result: dict[str, Any], visits: list[dict[str, Any]],
                       scorecards: dict[str, dict[str, Any]], included_through: int, digest: str,
                       actor: dict[str, str], at: datetime) -> None:
        self.round3 = Round3Record(winner=winner, theme_winner=theme_winner, result=result, visits=visits,
                                   scorecards=scorecards, included_through=included_through, digest=digest,
                                   closed_at=at)
        self._advance(FINISHED, "round3_closed", included_through, digest, at)

    def record_supporter_nomination(self, nomination: Mapping[str, Any], *, actor: Actor,
                                    at: datetime) -> dict[str, Any]:
        self.require_not_sealed()
        record = approval.supporter_nomination(nomination, {m.code for m in self.municipalities},
                                               len(self.supporter_nominations))
        self._supporter_nomination_recorded(nomination=record, actor=actor.as_dict(), at=at)
        return record

    @event("SupporterNominationRecorded")
    def _supporter_nomination_recorded(self, nomination: dict[str, Any], actor: dict[str, str], at: datetime) -> None:
        self.supporter_nominations = (*self.supporter_nominations, {**nomination, "recorded_at": at})

    def approve(self, *, decision_number: str, decision_date: date, digest: str, digest_through: int,
                actor: Actor, at: datetime) -> None:
        """The Fund council approves the result (§7.4), naming the history it approves (the digest through
        `digest_through`, D14); the contest is then sealed."""
        self.require_not_sealed()
        r3 = self.round3
        number = approval.check_approval(self.stage, self.local_day(r3.closed_at) if r3 else None, decision_number,
                                         decision_date, today=self.local_day(at))
        assert r3 is not None  # check_approval refuses a contest whose round 3 has not closed
        self._result_approved(decision_number=number, decision_date=decision_date, digest=digest,
                              digest_through=digest_through, round3_digest=r3.digest, actor=actor.as_dict(), at=at)

    @event("ResultApproved")
    def _result_approved(self, decision_number: str, decision_date: date, digest: str, digest_through: int,
                         round3_digest: str, actor: dict[str, str], at: datetime) -> None:
        self.approval = Approval(decision_number=decision_number, decision_date=decision_date, digest=digest,
                                 digest_through=digest_through, round3_digest=round3_digest, approved_at=at,
                                 approved_by=actor)
        self._advance(SEALED, "approval", digest_through, digest, at)
