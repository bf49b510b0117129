"""What blocks the contest's next transition (§4.1; domain.transitions), one behaviour per test, on a plain stand-in
for the contest: the blockers with their clause, code and params, the refusal the commands raise from exactly those
blockers, the confirmation of an empty round 1 (§4.2, §4.5), and the secretariat's actions."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest

from domain.config import JurySeat, Rules, VotingWindow
from domain.errors import InvalidInput, RuleViolation
from domain.round3 import Blocker as Round3Blocker
from domain.round3 import Round3Assessment
from domain.ties import OpenTie
from domain.transitions import (
    CLOSE_ROUND1,
    CLOSE_ROUND2,
    CLOSE_ROUND3,
    CLOSE_WINDOW,
    OPEN_ROUND1,
    OPEN_WINDOW,
    TransitionFacts,
    available_actions,
    blockers_of,
    blockers_seen_by,
    next_transition,
    require_transition,
    transition_blockers,
    window_now,
)

OPENS = datetime(2024, 7, 31, 21, 0, tzinfo=UTC)
CLOSES = datetime(2024, 9, 15, 20, 59, 59, tzinfo=UTC)
BEFORE, DURING, AFTER = (datetime(2024, 7, 1, tzinfo=UTC), datetime(2024, 8, 20, tzinfo=UTC),
                         datetime(2024, 9, 20, tzinfo=UTC))
SEATS = tuple(JurySeat(id=f"seat-{i}", organisation=f"Org {i}", person=f"P {i}", chair=i == 1) for i in range(1, 10))


@dataclass
class FakeContest:
    """The few things of a contest the decisions read (domain.transitions.TransitionContest)."""

    stage: str = "setup"
    questionnaire: object | None = "questionnaire"
    unconfirmed: tuple[str, ...] = ()  # domain.setup: the parts still to be confirmed
    window_status: str = "scheduled"
    window: VotingWindow = field(default_factory=lambda: VotingWindow(OPENS, CLOSES, "Europe/Riga"))
    rules: Rules = field(default_factory=Rules)
    municipalities: tuple[str, ...] = tuple(f"LV-{i:03d}" for i in range(43))
    voting_seats: tuple[JurySeat, ...] = SEATS

    def window_times(self) -> dict[str, str]:
        return {"opens_at": "2024-07-31T21:00:00Z", "closes_at": "2024-09-15T20:59:59Z", "timezone": "Europe/Riga",
                "status": self.window_status}

    def accepts_votes_at(self, at: datetime) -> bool:
        return self.window_status != "closed" and self.window.opens_at <= at <= self.window.closes_at


def codes(blockers: tuple) -> list[str]:  # type: ignore[type-arg]
    return [b.code for b in blockers]


def test_s4_1_each_stage_has_one_next_transition() -> None:
    assert [next_transition(s) for s in ("setup", "round1", "round2", "round3", "finished", "sealed")] == [
        "open_round1", "close_round1", "close_round2", "close_round3", "approve", None]


def test_s4_2_round1_does_not_open_without_a_questionnaire() -> None:
    (b,) = transition_blockers(FakeContest(questionnaire=None), TransitionFacts())
    assert (b.transition, b.code, b.clause) == (OPEN_ROUND1, "questionnaire_missing", "§4.2, Annex")
    assert transition_blockers(FakeContest(), TransitionFacts()) == ()


def test_s4_3_s6_round1_does_not_open_while_the_theme_or_prizes_are_to_be_confirmed() -> None:
    """A contest carried forward from an earlier year (domain.carry_forward) starts with both to be confirmed."""
    both = transition_blockers(FakeContest(unconfirmed=("theme", "prizes")), TransitionFacts())
    assert [(b.code, b.clause, b.field) for b in both] == [("theme_unconfirmed", "§4.3", "theme"),
                                                           ("prizes_unconfirmed", "§6, §7.1, §7.2", "prizes")]
    assert "theme" in both[0].message and "prizes" in both[1].message
    assert codes(transition_blockers(FakeContest(unconfirmed=("prizes",)), TransitionFacts())) == [
        "prizes_unconfirmed"]


def test_s4_2_s4_5_closing_round1_with_no_submissions_is_blocked_but_confirmable() -> None:
    (b,) = transition_blockers(FakeContest(stage="round1"), TransitionFacts(submitted=0))
    assert (b.code, b.clause, b.confirmable, dict(b.params)) == (
        "no_submissions", "§4.2, §4.5", True, {"submitted": 0, "participants": 43})
    assert transition_blockers(FakeContest(stage="round1"), TransitionFacts(submitted=1)) == ()


def test_s4_2_s4_5_the_close_refuses_an_empty_round_naming_the_clause() -> None:
    with pytest.raises(RuleViolation) as e:
        require_transition(CLOSE_ROUND1, FakeContest(stage="round1"), TransitionFacts())
    assert e.value.clause == "§4.2, §4.5" and e.value.field == "confirm_empty"
    assert [b["code"] for b in e.value.details["blockers"]] == ["no_submissions"]


def test_s4_2_s4_5_a_confirmation_with_a_reason_lifts_the_block() -> None:
    contest = FakeContest(stage="round1")
    assert [b.code for b in blockers_of(CLOSE_ROUND1, contest, TransitionFacts())] == ["no_submissions"]
    assert require_transition(CLOSE_ROUND1, contest, TransitionFacts(), confirm_empty=True,
                              reason="the municipalities were told to submit on paper") is None


@pytest.mark.parametrize("reason", [None, "", "   "])
def test_s4_2_s4_5_a_confirmation_needs_a_reason(reason: str | None) -> None:
    with pytest.raises(InvalidInput) as e:
        require_transition(CLOSE_ROUND1, FakeContest(stage="round1"), TransitionFacts(), confirm_empty=True,
                           reason=reason)
    assert list(e.value.errors) == ["reason"]


def test_s4_2_s4_5_there_is_no_empty_round_to_confirm_once_someone_submitted() -> None:
    with pytest.raises(InvalidInput) as e:
        require_transition(CLOSE_ROUND1, FakeContest(stage="round1"), TransitionFacts(submitted=3),
                           confirm_empty=True, reason="r")
    assert list(e.value.errors) == ["confirm_empty"] and "3 municipalities" in e.value.errors["confirm_empty"][0]


def test_s4_1_a_transition_from_another_stage_is_one_blocker_with_the_stage() -> None:
    (b,) = blockers_of(CLOSE_ROUND1, FakeContest(stage="round2"), TransitionFacts())
    assert (b.code, b.clause, dict(b.params)) == ("wrong_stage", "§4.5", {"stage": "round2", "expected": "round1"})
    with pytest.raises(RuleViolation) as e:
        require_transition(CLOSE_ROUND1, FakeContest(stage="round2"), TransitionFacts(), confirm_empty=True)
    assert e.value.message == "round 1 is not open (the contest is in round2)"  # not the confirmation's 422


def test_d14_a_sealed_contest_has_no_next_transition_and_refuses_every_one() -> None:
    sealed = FakeContest(stage="sealed")
    assert transition_blockers(sealed, TransitionFacts()) == ()
    for transition in (OPEN_ROUND1, CLOSE_ROUND1, CLOSE_ROUND2, CLOSE_ROUND3):
        (b,) = blockers_of(transition, sealed, TransitionFacts())
        assert (b.code, b.clause) == ("sealed", "§7.4, D14")


def test_s4_6_6_round2_waits_for_the_vote_to_close() -> None:
    blockers = transition_blockers(FakeContest(stage="round2", window_status="open"),
                                   TransitionFacts(seats_with_ballots=tuple(s.id for s in SEATS)))
    assert codes(blockers) == ["window_not_closed"] and blockers[0].clause == "§4.6.6, §4.6.7"
    assert blockers[0].params["closes_at"] == "2024-09-15T20:59:59Z"


def test_d9_round2_needs_the_quorum_of_voting_seats_ballots() -> None:
    facts = TransitionFacts(seats_with_ballots=("seat-1", "seat-3", "seat-2", "seat-4", "not-a-seat"))
    (b,) = transition_blockers(FakeContest(stage="round2", window_status="closed"), facts)
    assert (b.code, b.clause) == ("quorum_not_met", "§3.2.3, D9")
    assert dict(b.params) == {"ballots": 4, "needed": 5, "seats_with_ballots": ["seat-1", "seat-2", "seat-3", "seat-4"],
                              "seats_without_ballots": ["seat-5", "seat-6", "seat-7", "seat-8", "seat-9"]}


def test_d9_the_quorum_is_the_contests_rule_number() -> None:
    facts = TransitionFacts(seats_with_ballots=("seat-1", "seat-2", "seat-3"))
    contest = FakeContest(stage="round2", window_status="closed", rules=Rules(quorum=3))
    assert transition_blockers(contest, facts) == ()


TIE = OpenTie(kind="jury_4th_place", tied=("LV-RIX", "LV-DGV"), places=1, clause="D11")


def test_d11_an_open_tie_blocks_once_the_quorum_has_voted() -> None:
    five = TransitionFacts(seats_with_ballots=tuple(s.id for s in SEATS[:5]), open_ties=(TIE,))
    (b,) = transition_blockers(FakeContest(stage="round2", window_status="closed"), five)
    assert (b.code, b.clause, dict(b.params)) == ("tie_open", "D11", TIE.to_dict())
    four = TransitionFacts(seats_with_ballots=tuple(s.id for s in SEATS[:4]), open_ties=(TIE,))
    assert codes(transition_blockers(FakeContest(stage="round2", window_status="closed"), four)) == [
        "quorum_not_met"]  # a tie means nothing before the quorum has voted


def test_the_refusal_names_every_clause_once_and_keeps_each_blockers_facts() -> None:
    facts = TransitionFacts(seats_with_ballots=("seat-1",))
    with pytest.raises(RuleViolation) as e:
        require_transition(CLOSE_ROUND2, FakeContest(stage="round2", window_status="open"), facts)
    assert e.value.clause == "§4.6.6, §4.6.7, §3.2.3, D9"
    assert e.value.details["needed"] == 5 and e.value.details["closes_at"] == "2024-09-15T20:59:59Z"
    assert [b["code"] for b in e.value.details["blockers"]] == ["window_not_closed", "quorum_not_met"]
    assert "must be closed" in e.value.message and "at least 5 needed" in e.value.message


def test_d11_the_refusal_of_ties_lists_them_as_open_ties() -> None:
    facts = TransitionFacts(seats_with_ballots=tuple(s.id for s in SEATS), open_ties=(TIE,))
    with pytest.raises(RuleViolation) as e:
        require_transition(CLOSE_ROUND2, FakeContest(stage="round2", window_status="closed"), facts)
    assert e.value.clause == "D11" and e.value.details["open_ties"] == [TIE.to_dict()]


def test_s4_7_round3_blockers_are_the_assessments_one_for_one() -> None:
    found = (Round3Blocker("§4.6.8", "the jury's briefing on the finalists is not recorded", code="briefing_missing"),
             Round3Blocker("§4.7.1", "LV-RIX has no visit planned", "LV-RIX", "visit_not_planned",
                           {"municipality": "LV-RIX"}))
    assessment = Round3Assessment(result=None, visits=(), blockers=found)  # type: ignore[arg-type]
    blockers = transition_blockers(FakeContest(stage="round3"), TransitionFacts(round3=assessment))
    assert [(b.transition, b.code, b.clause, dict(b.params)) for b in blockers] == [
        (CLOSE_ROUND3, "briefing_missing", "§4.6.8", {}),
        (CLOSE_ROUND3, "visit_not_planned", "§4.7.1", {"municipality": "LV-RIX"})]
    assert blockers[1].message == "LV-RIX has no visit planned"


def test_s7_4_a_finished_contest_awaits_the_council() -> None:
    (b,) = transition_blockers(FakeContest(stage="finished"), TransitionFacts())
    assert (b.code, b.clause) == ("awaiting_approval", "§7.4")


@pytest.mark.parametrize(("at", "status", "seen"), [(BEFORE, "scheduled", "scheduled"), (DURING, "scheduled", "open"),
                                                    (DURING, "closed", "closed"), (AFTER, "open", "closed")])
def test_s4_6_6_the_window_as_a_resident_finds_it(at: datetime, status: str, seen: str) -> None:
    assert window_now(FakeContest(window_status=status), at) == seen


def test_s4_6_6_the_secretariats_actions_follow_the_stage_and_the_window() -> None:
    assert available_actions(FakeContest(), BEFORE) == (OPEN_ROUND1, OPEN_WINDOW, CLOSE_WINDOW)
    # in its times, the opening no clock has recorded yet (an interim result waits for it, D10); once recorded, none
    assert available_actions(FakeContest(stage="round1"), DURING) == (CLOSE_ROUND1, OPEN_WINDOW, CLOSE_WINDOW)
    assert available_actions(FakeContest(stage="round1", window_status="open"), DURING) == (CLOSE_ROUND1,
                                                                                           CLOSE_WINDOW)
    assert available_actions(FakeContest(stage="round2", window_status="closed"), AFTER) == (CLOSE_ROUND2,)
    assert available_actions(FakeContest(stage="round3", window_status="closed"), AFTER) == (CLOSE_ROUND3,)
    assert available_actions(FakeContest(stage="finished", window_status="closed"), AFTER) == ()


def test_d10_a_round_2_tie_is_the_live_readers_until_the_window_closes() -> None:
    tie = {"transition": CLOSE_ROUND2, "code": "tie_open", "params": {"kind": "residents_choice"}}
    quorum = {"transition": CLOSE_ROUND2, "code": "quorum_not_met", "params": {}}
    theme = {"transition": CLOSE_ROUND3, "code": "tie_open", "params": {"kind": "theme_prize"}}
    found = [quorum, tie]
    assert blockers_seen_by(found, live_reader=True, window_status="open") == found
    assert blockers_seen_by(found, live_reader=False, window_status="open") == [quorum]
    assert blockers_seen_by(found, live_reader=False, window_status="scheduled") == [quorum]
    assert blockers_seen_by(found, live_reader=False, window_status="closed") == found
    assert blockers_seen_by([theme], live_reader=False, window_status="open") == [theme]  # scores, not the tally
