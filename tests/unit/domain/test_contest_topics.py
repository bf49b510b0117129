"""The topics of the contest's events: stored histories and docs/AUDIT.md name them (`domain.contest:Contest.X`),
so a move of the aggregate's logic into other modules must not change a single one. eventsourcing derives an
event's topic from the class its `@event` method is defined on; the decisions live in pure modules the aggregate
calls, the `@event` methods stay on `domain.contest.Contest`."""

from __future__ import annotations

import inspect
from datetime import UTC, datetime, timedelta

from eventsourcing.domain import DomainEvent
from eventsourcing.utils import get_topic, resolve_topic

from contest.presets import load_preset
from domain.actors import Actor
from domain.contest import Contest

#: Every event class of the aggregate and its topic, as recorded in the histories (listed before the split).
TOPICS = {name: f"domain.contest:Contest.{name}" for name in (
    "CalendarSet", "Created", "InterimResultPublished", "JuryBriefed", "JuryDecisionRecorded", "JurySet",
    "MunicipalitiesSet", "PrizesSet", "QuestionnaireSet", "ResultApproved", "Round1Closed", "Round2Closed",
    "Round3Closed", "RulesSet", "ScoringSet", "StageChanged", "SupporterNominationRecorded", "ThemeSet",
    "VoteSecretsBound", "VotesQuarantined", "VotesReinstated", "VotingWindowClosed", "VotingWindowExtended",
    "VotingWindowOpened", "VotingWindowSet",
)}
SEC = Actor(role="secretariat", principal="Anna")


def event_classes() -> dict[str, type[DomainEvent]]:
    """The event classes defined on the aggregate (its base `Contest.Event` aside)."""
    return {name: value for name, value in vars(Contest).items()
            if inspect.isclass(value) and issubclass(value, DomainEvent) and name != "Event"}


def test_every_event_class_keeps_its_topic() -> None:
    classes = event_classes()
    assert sorted(classes) == sorted(TOPICS)  # a new event is added here (and to docs/AUDIT.md) on purpose
    for name, cls in classes.items():
        assert get_topic(cls) == TOPICS[name]
        assert resolve_topic(TOPICS[name]) is cls
    assert get_topic(Contest.Event) == "domain.contest:Contest.Event"


def test_recorded_events_carry_the_topics() -> None:
    """The commands record events of those classes (the decorated methods of the aggregate, not of a helper)."""
    at = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)
    contest = Contest.create(load_preset("2024"), actor=SEC, at=at)
    contest.set_theme({"title_lv": "Tēma", "title_en": "Theme"}, reason="typo", actor=SEC, at=at)
    contest.set_rules({"quorum": 5}, reason="same", actor=SEC, at=at)
    contest.open_window(actor=SEC, at=at, reason="early", manual=True)
    contest.extend_window(contest.window.closes_at + timedelta(days=1), reason="more time", actor=SEC, at=at)
    contest.publish_interim(included_through=1, digest="0" * 64, reason="interim", actor=SEC, at=at)
    contest.open_round1(actor=SEC, at=at)
    contest.close_window(included_through=2, digest="1" * 64, actor=SEC, at=at, reason="done", manual=True)
    topics = [get_topic(type(e)) for e in contest.collect_events()]
    assert topics == [TOPICS[n] for n in ("Created", "ThemeSet", "RulesSet", "VotingWindowOpened",
                                          "VotingWindowExtended", "InterimResultPublished", "StageChanged",
                                          "VotingWindowClosed")]
