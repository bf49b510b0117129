"""The contest's recorded rounds are typed (domain.round_records) and still read as the dicts they were: the same
keys in the same order, the payload's own values, equal to that dict, on the aggregate as on its replay."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta

import pytest

from contest.presets import load_preset
from contest.seeding import generate_answers
from domain.actors import Actor
from domain.contest import Contest
from domain.round_records import Approval, Briefing, Round1Record, Round3Record

SEC = Actor(role="secretariat", principal="Anna")
AT = datetime(2024, 6, 1, 9, 0, tzinfo=UTC)


def closed_round1() -> Contest:
    contest = Contest.create(load_preset("2024"), actor=SEC, at=AT)
    contest.open_round1(actor=SEC, at=AT)
    assert contest.questionnaire is not None
    answers = generate_answers(contest.questionnaire, [m.code for m in contest.municipalities], seed=7)
    contest.close_round1(answers, included_through=44, digest="a" * 64, actor=SEC, at=AT + timedelta(days=30))
    return contest


def test_round1_record_reads_by_attribute_and_as_the_dict_it_was() -> None:
    contest = closed_round1()
    record = contest.round1
    assert isinstance(record, Round1Record)
    event = next(e for e in contest.collect_events() if isinstance(e, Contest.Round1Closed))
    as_before = {"ranking": event.ranking, "advancing": event.advancing, "cut": event.cut,
                 "included_through": 44, "digest": "a" * 64, "closed_at": AT + timedelta(days=30),
                 "confirmed_empty": False, "reason": None}  # not an empty round confirmed (§4.2, §4.5)
    assert record == as_before and as_before == record  # equal both ways, as the dict was
    assert record.to_dict() == as_before and list(record) == list(as_before)  # the same keys, in order
    assert dict(record) == as_before and {**record} == as_before
    assert record["advancing"] is record.advancing is event.advancing  # the payload's own values, not copies
    assert record.get("cut") is event.cut and record.get("nope") is None and "digest" in record
    with pytest.raises(KeyError):
        record["nope"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        record.digest = "b" * 64  # type: ignore[misc]
    assert contest.round2_municipalities == list(event.advancing)


def test_a_replayed_contest_holds_the_same_records() -> None:
    contest = closed_round1()
    events = contest.collect_events()
    replayed = None
    for e in events:
        replayed = e.mutate(replayed)
    assert isinstance(replayed, Contest)
    assert isinstance(replayed.round1, Round1Record) and replayed.round1 == contest.round1


def test_every_record_is_a_frozen_mapping_of_its_fields() -> None:
    briefing = Briefing(date=date(2024, 9, 20), note="", recorded_at=AT)
    assert dict(briefing) == {"date": date(2024, 9, 20), "note": "", "recorded_at": AT}
    approval = Approval(decision_number="7", decision_date=date(2024, 11, 1), digest="d", digest_through=9,
                        round3_digest="r", approved_at=AT, approved_by={"role": "council", "principal": "x"})
    assert list(approval) == ["decision_number", "decision_date", "digest", "digest_through", "round3_digest",
                              "approved_at", "approved_by"]
    r3 = Round3Record(winner="LV-A", theme_winner="LV-B", result={}, visits=[], scorecards={}, included_through=1,
                      digest="d", closed_at=AT)
    assert r3["winner"] == r3.winner and len(r3) == 8 and r3 != {"winner": "LV-A"}
