"""Next year's contest carried forward from an earlier one (domain/carry_forward.py, domain/setup.py): what carries
forward (jury, rules, scoring, questionnaire; the window by its calendar rule, §4.6.6), what is taken anew (the
participants of the new year, §3.3) and what is to be confirmed (the theme, §4.3; the prizes, §6), which keeps
round 1 from opening until the secretariat sets them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from contest.presets import load_preset, load_roster
from domain.actors import Actor
from domain.carry_forward import THEME_TO_CONFIRM, carry_forward
from domain.contest import Contest
from domain.errors import InvalidInput, RuleViolation
from domain.setup import ContestSetup
from domain.transitions import OPEN_ROUND1, TransitionFacts, blockers_of

SEC = Actor(role="secretariat", principal="Anna")
AT = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def source() -> ContestSetup:
    return ContestSetup.parse(load_preset("2024"))


def setup_2027() -> dict[str, Any]:
    return carry_forward(source(), 2027, load_roster())


def test_the_jury_rules_scoring_and_questionnaire_carry_forward_unchanged() -> None:
    old, new = source().to_dict(), setup_2027()
    for part in ("jury", "rules", "scoring", "questionnaire"):
        assert new[part] == old[part], part
    assert new["year"] == 2027 and new["title"] == "Ģimenei draudzīgākā pašvaldība 2027"


def test_s3_3_the_participants_are_the_42_of_2027_not_the_43_of_2024() -> None:
    codes = [m["code"] for m in setup_2027()["municipalities"]]
    assert len(codes) == 42 and "LV-102" not in codes and "LV-059" in codes
    assert setup_2027()["origin"]["roster_day"] == "2027-08-01"  # the day the vote opens (domain.roster)


def test_s4_6_6_the_window_moves_by_its_calendar_rule() -> None:
    setup = setup_2027()
    assert setup["window"] == {"opens_at": "2027-07-31T21:00:00Z", "closes_at": "2027-09-15T20:59:59Z",
                               "timezone": "Europe/Riga"}
    assert setup["origin"] == {"from_year": 2024, "roster_day": "2027-08-01",
                               "window_rule": "1 August 00:00:00 to 15 September 23:59:59, Europe/Riga"}


def test_s4_3_s6_the_theme_and_prizes_are_to_be_confirmed() -> None:
    setup = setup_2027()
    assert setup["unconfirmed"] == ["theme", "prizes"]
    assert setup["theme"] == THEME_TO_CONFIRM  # each year has its own theme (§4.3): 2024's does not carry
    assert setup["prizes"] == {"fund_eur": 30_000, "prizes": [
        {"id": "main", "name": "Ģimenei draudzīgākā pašvaldība Latvijā 2027", "amount_eur": 20_000, "kind": "main",
         "sponsor": None},
        {"id": "theme", "name": "Gada tēmas speciālā balva 2027", "amount_eur": 10_000, "kind": "theme",
         "sponsor": None}]}


def test_s7_3_a_supporters_prize_stays_with_its_year() -> None:
    data = load_preset("2024")
    data["prizes"]["prizes"].append({"id": "extra", "name": "Atbalstītāja balva 2024", "amount_eur": 500,
                                     "kind": "supporter", "sponsor": "Banka"})
    setup = carry_forward(ContestSetup.parse(data), 2027, load_roster())
    assert [p["id"] for p in setup["prizes"]["prizes"]] == ["main", "theme"]


@pytest.mark.parametrize("year", [2024, 2023])
def test_the_new_year_must_be_after_the_source(year: int) -> None:
    with pytest.raises(InvalidInput) as refused:
        carry_forward(source(), year, load_roster())
    assert "must be after 2024" in refused.value.errors["year"][0]


def test_a_presets_setup_is_recorded_as_before_without_the_new_keys() -> None:
    recorded = Contest.create(load_preset("2024"), actor=SEC, at=AT).collect_events()[0].setup
    assert "unconfirmed" not in recorded and "origin" not in recorded


def test_the_window_carried_is_the_configured_one_not_the_one_opened_early_and_extended() -> None:
    contest = Contest.create(load_preset("2024"), actor=SEC, at=AT.replace(year=2024, month=7, day=1))
    planned = contest.window
    contest.open_window(actor=SEC, at=datetime(2024, 7, 20, 9, 0, tzinfo=UTC), reason="early", manual=True)
    contest.extend_window(planned.closes_at + timedelta(days=3), reason="more time", actor=SEC,
                          at=datetime(2024, 9, 10, 9, 0, tzinfo=UTC))
    assert contest.window != planned and contest.current_setup().window == planned
    assert carry_forward(contest.current_setup(), 2027, load_roster())["window"]["opens_at"] == "2027-07-31T21:00:00Z"


def test_s4_3_s6_round1_opens_once_the_theme_and_prizes_are_set() -> None:
    contest = Contest.create(setup_2027(), actor=SEC, at=AT)
    assert contest.unconfirmed == ("theme", "prizes")
    codes = [(b.code, b.clause) for b in blockers_of(OPEN_ROUND1, contest, TransitionFacts())]
    assert codes == [("theme_unconfirmed", "§4.3"), ("prizes_unconfirmed", "§6, §7.1, §7.2")]
    with pytest.raises(RuleViolation) as refused:
        contest.open_round1(actor=SEC, at=AT)
    assert refused.value.clause == "§4.3, §6, §7.1, §7.2"
    contest.set_theme({"title_lv": "Droša vide bērniem", "title_en": "A safe environment for children"},
                      reason="padomes lēmums", actor=SEC, at=AT)
    assert contest.unconfirmed == ("prizes",)
    contest.set_prizes(contest.prizes.to_dict(), reason="padome apstiprina tos pašus", actor=SEC, at=AT)
    assert contest.unconfirmed == () and blockers_of(OPEN_ROUND1, contest, TransitionFacts()) == ()
    contest.open_round1(actor=SEC, at=AT)
    assert contest.stage == "round1" and contest.configuration()["unconfirmed"] == []
