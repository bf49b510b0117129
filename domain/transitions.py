"""The contest's transitions (§4.1) and what keeps it from the next one, decided in one place.

The stages: setup -> round 1 (§4.2-4.5) -> round 2 (§4.6) -> round 3 (§4.7) -> finished -> sealed (§7.4, D14).
Each stage has one next transition (``NEXT_TRANSITION``); :func:`blockers_of` names what keeps a transition from
being taken, each blocker with its clause of RULES.md, a machine ``code`` and its ``params`` (never prose: the desk
renders them in Latvian or English, the CLI and the API's message in English). The same function decides both what
the secretariat is shown (the desk, ``GET /api/contests/<year>/transitions``, ``contest status``) and what the
commands refuse: :func:`require_transition` raises the ``RuleViolation`` (409) of exactly those blockers, so the
list is never out of step with the commands.

The facts the decisions need beyond the contest's own state (how many municipalities answered, which seats have
a ballot, the open ties, round 3's assessment) come in as :class:`TransitionFacts`, gathered from the read models
by ``contest/transitions.py`` or, inside a close command, from the very data the close records.

Closing round 1 with no submissions at all (§4.2, §4.5). Round 1 ranks the municipalities by their answers
(§4.2, Annex) and the ten with the most points go on to round 2 (§4.5). If no municipality has answered, every
participant scores 0, all share the first place, and by D7 every one of them "advances": round 2 would start with
all 43 and no ranking behind it, and the public results would read as if the 43 best had been chosen. That is
almost always a mistake (the answers were not imported, the wrong contest was closed), and it cannot be undone:
the close is recorded and freezes what it froze. So it is blocked (``no_submissions``) unless the secretariat
confirms it with a reason; the confirmation and the reason are recorded in ``Contest.Round1Closed``
(``confirmed_empty``, ``reason``), so an auditor sees that the empty round was closed on purpose, and why.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from domain.ballots import natural_key
from domain.config import JurySeat, Rules, VotingWindow
from domain.errors import InvalidInput, RuleViolation
from domain.round3 import Round3Assessment
from domain.stages import FINISHED, ROUND1, ROUND2, ROUND3, SEALED, SETUP
from domain.ties import OpenTie
from domain.vote_window import WINDOW_CLOSED, WINDOW_OPEN, WINDOW_SCHEDULED

# The transitions and the secretariat's actions (the window's are not stage transitions but are on the desk too).
OPEN_ROUND1, CLOSE_ROUND1, CLOSE_ROUND2, CLOSE_ROUND3, APPROVE = (
    "open_round1", "close_round1", "close_round2", "close_round3", "approve")
OPEN_WINDOW, CLOSE_WINDOW = "open_window", "close_window"
TRANSITIONS = (OPEN_ROUND1, CLOSE_ROUND1, CLOSE_ROUND2, CLOSE_ROUND3, APPROVE)
ACTIONS = (OPEN_ROUND1, CLOSE_ROUND1, OPEN_WINDOW, CLOSE_WINDOW, CLOSE_ROUND2, CLOSE_ROUND3)

#: The next transition from each stage; sealed has none. The approval is the council's (§7.4), not the desk's.
NEXT_TRANSITION: dict[str, str] = {SETUP: OPEN_ROUND1, ROUND1: CLOSE_ROUND1, ROUND2: CLOSE_ROUND2,
                                   ROUND3: CLOSE_ROUND3, FINISHED: APPROVE}
#: The stage a transition is taken from, and the clause a command taken from another stage is refused by.
TRANSITION_STAGE: dict[str, tuple[str, str]] = {OPEN_ROUND1: (SETUP, "§4.1"), CLOSE_ROUND1: (ROUND1, "§4.5"),
                                                CLOSE_ROUND2: (ROUND2, "§4.6"), CLOSE_ROUND3: (ROUND3, "§4.7"),
                                                APPROVE: (FINISHED, "§7.4")}

# Blocker codes.
SEALED_CODE = "sealed"
WRONG_STAGE = "wrong_stage"
QUESTIONNAIRE_MISSING = "questionnaire_missing"
THEME_UNCONFIRMED = "theme_unconfirmed"
PRIZES_UNCONFIRMED = "prizes_unconfirmed"
NO_SUBMISSIONS = "no_submissions"
WINDOW_NOT_CLOSED = "window_not_closed"
QUORUM_NOT_MET = "quorum_not_met"
TIE_OPEN = "tie_open"
BRIEFING_MISSING = "briefing_missing"
VISIT_NOT_PLANNED = "visit_not_planned"
NOTICE_INVALID = "notice_invalid"
ATTENDANCE_MISSING = "attendance_missing"
VISIT_NOT_COUNTED = "visit_not_counted"
SCORES_BELOW_QUORUM = "scores_below_quorum"
AWAITING_APPROVAL = "awaiting_approval"

NO_SUBMISSIONS_CLAUSE = "§4.2, §4.5"


class TransitionContest(Protocol):
    """What the decisions read of a contest (:class:`domain.contest.Contest` is one)."""

    @property
    def stage(self) -> str: ...

    @property
    def questionnaire(self) -> object | None: ...

    @property
    def unconfirmed(self) -> Sequence[str]: ...

    @property
    def window_status(self) -> str: ...

    @property
    def window(self) -> VotingWindow: ...

    @property
    def rules(self) -> Rules: ...

    @property
    def municipalities(self) -> Sequence[object]: ...

    @property
    def voting_seats(self) -> Sequence[JurySeat]: ...

    def window_times(self) -> dict[str, str]: ...

    def accepts_votes_at(self, at: datetime) -> bool: ...


@dataclass(frozen=True)
class TransitionFacts:
    """What the read models hold that the decisions need. ``submitted``: municipalities with at least one answer
    recorded (§4.2); ``seats_with_ballots``: seats with a counted ballot (§4.6.4, D8); ``open_ties``: round 2's
    ties awaiting a jury decision as the ballots and the vote stand (D11); ``round3``: round 3's assessment
    (:func:`domain.round3.assess_round3`), while round 3 is open."""

    submitted: int = 0
    seats_with_ballots: tuple[str, ...] = ()
    open_ties: tuple[OpenTie, ...] = ()
    round3: Round3Assessment | None = None


@dataclass(frozen=True)
class Blocker:
    """Something that keeps ``transition`` from being taken: the clause it comes from, a machine ``code`` and its
    ``params`` (plain JSON values). ``confirmable``: the secretariat may take the step anyway by confirming it
    with a reason (only ``no_submissions``); ``field`` the input or part the refusal is about, if any."""

    transition: str
    code: str
    clause: str
    params: Mapping[str, Any] = field(default_factory=dict)
    confirmable: bool = False
    field: str | None = None
    text: str | None = None  # English prose from the module that found it (round 3's), else worded here

    @property
    def message(self) -> str:
        """The blocker in English prose, for the API's refusal and the CLI."""
        return self.text or describe(self)

    def to_dict(self) -> dict[str, Any]:
        return {"transition": self.transition, "code": self.code, "clause": self.clause,
                "params": dict(self.params), "confirmable": self.confirmable, "message": self.message}


def next_transition(stage: str) -> str | None:
    return NEXT_TRANSITION.get(stage)


def transition_blockers(contest: TransitionContest, facts: TransitionFacts) -> tuple[Blocker, ...]:
    """What keeps the contest from its next transition (``NEXT_TRANSITION``); nothing once sealed."""
    transition = next_transition(contest.stage)
    return blockers_of(transition, contest, facts) if transition else ()


def blockers_of(transition: str, contest: TransitionContest, facts: TransitionFacts) -> tuple[Blocker, ...]:
    """What keeps `transition` from being taken now. A sealed contest (D14) or a transition that is not the
    stage's own is one blocker and nothing else is looked at; otherwise every rule of the transition is."""
    stage = stage_blockers(transition, contest)
    if stage:
        return stage
    if transition == OPEN_ROUND1:
        return _open_round1(contest)
    if transition == CLOSE_ROUND1:
        return _close_round1(contest, facts)
    if transition == CLOSE_ROUND2:
        return _close_round2(contest, facts)
    if transition == CLOSE_ROUND3:
        return _close_round3(facts)
    return (Blocker(APPROVE, AWAITING_APPROVAL, "§7.4"),)


def stage_blockers(transition: str, contest: TransitionContest) -> tuple[Blocker, ...]:
    """A sealed contest takes no transition (D14); each transition is taken from its own stage (§4.1)."""
    if contest.stage == SEALED:
        return (Blocker(transition, SEALED_CODE, "§7.4, D14"),)
    stage, clause = TRANSITION_STAGE[transition]
    if contest.stage != stage:
        return (Blocker(transition, WRONG_STAGE, clause, {"stage": contest.stage, "expected": stage}),)
    return ()


def require_stage(transition: str, contest: TransitionContest) -> None:
    """Raise unless the contest is in `transition`'s stage (the first of :func:`require_transition`'s checks,
    for a command that needs the stage before it can gather its other facts)."""
    stage = stage_blockers(transition, contest)
    if stage:
        raise refusal(stage)


def _open_round1(contest: TransitionContest) -> tuple[Blocker, ...]:
    out: list[Blocker] = []
    if contest.questionnaire is None:  # round 1 is scored against the questionnaire (§4.2, Annex)
        out.append(Blocker(OPEN_ROUND1, QUESTIONNAIRE_MISSING, "§4.2, Annex"))
    # A contest carried forward from an earlier year (domain.setup, domain.carry_forward) opens once the year's
    # own theme (§4.3; it freezes with round 1) and prizes (§6, §7.1, §7.2) are set: the rules announce both.
    if "theme" in contest.unconfirmed:
        out.append(Blocker(OPEN_ROUND1, THEME_UNCONFIRMED, "§4.3", field="theme"))
    if "prizes" in contest.unconfirmed:
        out.append(Blocker(OPEN_ROUND1, PRIZES_UNCONFIRMED, "§6, §7.1, §7.2", field="prizes"))
    return tuple(out)


def _close_round1(contest: TransitionContest, facts: TransitionFacts) -> tuple[Blocker, ...]:
    if facts.submitted == 0:  # see the module's docstring (§4.2, §4.5)
        return (Blocker(CLOSE_ROUND1, NO_SUBMISSIONS, NO_SUBMISSIONS_CLAUSE,
                        {"submitted": 0, "participants": len(contest.municipalities)}, confirmable=True,
                        field="confirm_empty"),)
    return ()


def _close_round2(contest: TransitionContest, facts: TransitionFacts) -> tuple[Blocker, ...]:
    out: list[Blocker] = []
    if contest.window_status != WINDOW_CLOSED:  # the residents' finalist comes from the closed vote
        out.append(Blocker(CLOSE_ROUND2, WINDOW_NOT_CLOSED, "§4.6.6, §4.6.7", contest.window_times()))
    voting = [s.id for s in contest.voting_seats]
    have = sorted(set(facts.seats_with_ballots) & set(voting), key=natural_key)
    quorum = contest.rules.quorum
    if len(have) < quorum:  # D9: at least five voting seats' ballots (§3.2.3)
        lacking = sorted(set(voting) - set(have), key=natural_key)
        out.append(Blocker(CLOSE_ROUND2, QUORUM_NOT_MET, "§3.2.3, D9",
                           {"ballots": len(have), "needed": quorum, "seats_with_ballots": have,
                            "seats_without_ballots": lacking}, field="ballots"))
    else:  # ties only mean something once the quorum has voted (D11)
        out += [Blocker(CLOSE_ROUND2, TIE_OPEN, tie.clause, tie.to_dict()) for tie in facts.open_ties]
    return tuple(out)


def _close_round3(facts: TransitionFacts) -> tuple[Blocker, ...]:
    """Round 3's blockers are :func:`domain.round3.assess_round3`'s, one for one (the close command refuses on
    exactly those), each with its code and params."""
    if facts.round3 is None:
        return ()
    return tuple(Blocker(CLOSE_ROUND3, b.code, b.clause, dict(b.params), text=b.message)
                 for b in facts.round3.blockers)


def require_transition(transition: str, contest: TransitionContest, facts: TransitionFacts, *,
                       confirm_empty: bool = False, reason: str | None = None) -> None:
    """Raise the refusal of `transition` if anything blocks it (:func:`blockers_of`). A confirmable blocker
    (``no_submissions``) is lifted by ``confirm_empty`` with a non-blank ``reason``; a confirmation without a
    reason, or of an empty round that is not empty, is malformed input (422)."""
    blockers = blockers_of(transition, contest, facts)
    if confirm_empty and not stage_blockers(transition, contest):
        if transition != CLOSE_ROUND1:
            raise InvalidInput({"confirm_empty": ["only closing round 1 with no submissions is confirmed"]})
        if not any(b.code == NO_SUBMISSIONS for b in blockers):
            raise InvalidInput({"confirm_empty": [
                f"{facts.submitted} municipalities have submitted answers: there is no empty round 1 to "
                f"confirm ({NO_SUBMISSIONS_CLAUSE})"]})
        if not (reason or "").strip():
            raise InvalidInput({"reason": ["say why round 1 is closed with no submissions (recorded in the "
                                           f"event, {NO_SUBMISSIONS_CLAUSE})"]})
        blockers = tuple(b for b in blockers if not b.confirmable)
    if blockers:
        raise refusal(blockers)


def refusal(blockers: Sequence[Blocker]) -> RuleViolation:
    """The 409 of these blockers: every clause named (once each), every blocker described, and its facts."""
    clauses: list[str] = []
    for b in blockers:
        if b.clause not in clauses:
            clauses.append(b.clause)
    details: dict[str, Any] = {}
    for b in blockers:
        if b.code != TIE_OPEN:
            details.update({k: v for k, v in b.params.items() if k not in details})
    ties = [dict(b.params) for b in blockers if b.code == TIE_OPEN]
    if ties:
        details["open_ties"] = ties
    details["blockers"] = [b.to_dict() for b in blockers]
    return RuleViolation("; ".join(b.message for b in blockers), clause=", ".join(clauses),
                         field=blockers[0].field, **details)


# ----- what the desk offers -----

def window_now(contest: TransitionContest, at: datetime) -> str:
    """The vote as a resident finds it at `at`: open, closed or scheduled (the instants decide, §4.6.6)."""
    if contest.accepts_votes_at(at):
        return WINDOW_OPEN
    if contest.window_status == WINDOW_CLOSED or at > contest.window.closes_at:
        return WINDOW_CLOSED
    return WINDOW_SCHEDULED


def available_actions(contest: TransitionContest, at: datetime) -> tuple[str, ...]:
    """The secretariat's actions at `at`: the stage's own transition (blocked or not: the blockers say what
    would refuse it) and the vote window's commands while they can still change something (§4.6.6)."""
    stage = contest.stage
    actions: list[str] = []
    if stage == SETUP:
        actions.append(OPEN_ROUND1)
    if stage == ROUND1:
        actions.append(CLOSE_ROUND1)
    now = window_now(contest, at)
    if stage in (SETUP, ROUND1, ROUND2) and (now == WINDOW_SCHEDULED or (
            now == WINDOW_OPEN and contest.window_status == WINDOW_SCHEDULED)):
        # early, by the secretariat (§4.6.6); or in its times while no clock has recorded the opening: residents
        # vote by the window's times already, but an interim result waits for the recorded opening (D10)
        actions.append(OPEN_WINDOW)
    if stage in (SETUP, ROUND1, ROUND2) and contest.window_status != WINDOW_CLOSED:
        actions.append(CLOSE_WINDOW)  # also a window inside its times that no clock has opened (§4.6.6)
    if stage == ROUND2:
        actions.append(CLOSE_ROUND2)
    if stage == ROUND3:
        actions.append(CLOSE_ROUND3)
    return tuple(actions)


def blockers_seen_by(blockers: Sequence[Mapping[str, Any]], *, live_reader: bool,
                     window_status: str) -> list[Mapping[str, Any]]:
    """The blockers (``Blocker.to_dict``) a reader is shown (D10). An open tie of round 2 is found on the vote's
    live tally (the residents' choice, and the jury's fifth when that choice is among the jury's four), which is
    the secretariat's alone until the window closes: a reader who is not a live reader
    (domain.publication.LIVE_READERS: the jury's chair on the progress page) is shown it once the window has
    closed. Every other blocker rests on the ballots, the visits or the scores, never on the tally."""
    if live_reader or window_status == WINDOW_CLOSED:
        return list(blockers)
    return [b for b in blockers if not (b["code"] == TIE_OPEN and b["transition"] == CLOSE_ROUND2)]


# ----- in English, for the API's refusals and the CLI -----

_STAGE_REFUSALS = {OPEN_ROUND1: "round 1 can only open from setup; the contest is in {stage}",
                   CLOSE_ROUND1: "round 1 is not open (the contest is in {stage})",
                   CLOSE_ROUND2: "round 2 is not open (the contest is in {stage})",
                   CLOSE_ROUND3: "round 3 is not open (the contest is in {stage})",
                   APPROVE: "the council approves the result once round 3 has closed; the contest is in {stage}"}


def describe(b: Blocker) -> str:
    p = b.params
    if b.code == SEALED_CODE:
        return "contest is sealed"
    if b.code == WRONG_STAGE:
        return _STAGE_REFUSALS[b.transition].format(stage=p["stage"])
    if b.code == QUESTIONNAIRE_MISSING:
        return "round 1 needs a questionnaire (Annex); load one first"
    if b.code == THEME_UNCONFIRMED:
        return "the annual theme is not confirmed yet: set the year's theme (PUT …/theme) before round 1 opens"
    if b.code == PRIZES_UNCONFIRMED:
        return "the prizes are not confirmed yet: set the year's prize fund and prizes (PUT …/prizes) first"
    if b.code == NO_SUBMISSIONS:
        return (f"no municipality has submitted any answer (0 of {p['participants']}): closing round 1 now would "
                "rank every participant equal and pass all of them to round 2; confirm it with a reason "
                "(confirm_empty) to close anyway")
    if b.code == WINDOW_NOT_CLOSED:
        return "the residents' vote must be closed before the finalists are named"
    if b.code == QUORUM_NOT_MET:
        return (f"round 2 cannot close: ballots from {p['ballots']} voting seat(s), at least {p['needed']} needed"
                f" (D9, §3.2.3); no ballot yet from {', '.join(p['seats_without_ballots']) or 'nobody'}")
    if b.code == TIE_OPEN:
        return (f"the {p['kind']} tie between {', '.join(p['tied'])} needs a recorded jury decision before the "
                f"result is fixed (§3.2.4)")
    if b.code == AWAITING_APPROVAL:
        return "the result awaits the Fund council's approval (§7.4)"
    return b.code
