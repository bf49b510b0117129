"""Latvian as the Fund writes it (../shared/LATVIAN.md): every public page in Latvian has no English left and no
internal label (RULES.md, the project's decisions D1…, bare § signs); dates take the sentence's case and times are
written 'plkst. 23.59'; counts and units go through ngettext's three forms; English pages give day-month-year."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient

from api import page_support as ps
from api.units import unit_value
from contest.clock import FrozenClock
from contest.service import ContestService
from domain import latvian
from tests.support.helpers import VOTE_DAY, close_vote, play_round1
from tests.support.pages import not_latvian, visible_texts
from tests.support.round3 import play_to_approval

PUBLIC = ["/", "/balsot", "/rezultati", "/rezultati/balsojums", "/rezultati/LV-RIX", "/rezultati/2-karta",
          "/rezultati/3-karta", "/privatums", "/kontrolpunkti"]


def english_left(client: FlaskClient) -> list[str]:
    found = []
    for path in PUBLIC:
        r = client.get(path + "?lang=lv")
        assert r.status_code == 200, path
        found += [f"{path}: {t}" for t in not_latvian(r.get_data(as_text=True))]
    return found


def test_every_public_page_is_wholly_latvian_at_every_stage(client: FlaskClient, service: ContestService,
                                                            clock: FrozenClock) -> None:
    """Before round 1, while the residents vote, and once the vote has closed: nothing untranslated, no internal
    label; a clause is cited as 'nolikuma 4.5. punkts'."""
    assert english_left(client) == []
    play_round1(service, clock)
    clock.set(VOTE_DAY)
    assert english_left(client) == []
    close_vote(service, clock)
    assert english_left(client) == []
    page = client.get("/balsot?lang=lv").get_data(as_text=True)
    assert "Nolikuma 4.6.6. punkts" in page
    results = client.get("/rezultati?lang=lv").get_data(as_text=True)
    assert "(nolikuma 4.5. punkts)" in results


def test_the_pages_of_rounds_2_and_3_and_the_approval_are_wholly_latvian(
        client: FlaskClient, service: ContestService, clock: FrozenClock, tokens: dict[str, str]) -> None:
    play_to_approval(client, service, clock, tokens)
    assert english_left(client) == []
    home = client.get("/?lang=lv").get_data(as_text=True)
    assert "Apstiprināts ar Fonda padomes 2024. gada 9. decembra lēmumu Nr. 12 (nolikuma 7.4. punkts)" in home


def test_the_answers_units_are_latvian_with_the_numbers_form(client: FlaskClient, service: ContestService,
                                                             clock: FrozenClock) -> None:
    play_round1(service, clock)
    lv = " ".join(visible_texts(client.get("/rezultati/LV-RIX?lang=lv").get_data(as_text=True)))
    assert "EUR/month" not in lv and "months" not in lv
    assert re.search(r"\d EUR mēnesī", lv) and re.search(r"\d+ mēneš(i|u)|\b1 mēnesis", lv)
    en = " ".join(visible_texts(client.get("/rezultati/LV-RIX?lang=en").get_data(as_text=True)))
    assert re.search(r"\d EUR a month", en) and "mēnesī" not in en


@pytest.mark.parametrize("n, form", [(1, "1 punkts"), (21, "21 punkts"), (101, "101 punkts"), (2, "2 punkti"),
                                     (11, "11 punkti"), (5, "5 punkti"), (111, "111 punkti"), (0, "0 punktu")])
def test_the_three_plural_forms(n: int, form: str) -> None:
    assert latvian.count(n, ("punkts", "punkti", "punktu")) == form


@pytest.mark.parametrize("value, unit, lv, en", [
    (1, "months", "1 mēnesis", "1 month"), (21, "months", "21 mēnesis", "21 months"),
    (17, "months", "17 mēneši", "17 months"), (0, "children", "0 bērnu", "0 children"),
    (2.5, "months", "2,5 mēneši", "2.5 months"), (1500, "EUR/month", "1 500 EUR mēnesī", "1,500 EUR a month"),
    (3, "hours/week", "3 stundas nedēļā", "3 hours a week"), (12, "km", "12 km", "12 km"),
])
def test_units_through_ngettext(app: Flask, value: float, unit: str, lv: str, en: str) -> None:
    for language, expected in (("lv", lv), ("en", en)):
        with app.test_request_context(f"/?lang={language}"):
            assert unit_value(value, unit, 2).replace("\xa0", " ") == expected


MOMENT = datetime(2024, 11, 4, 7, 5, tzinfo=UTC)  # 09.05 in Riga (EET)


@pytest.mark.parametrize("language, alone, on_day, sentence", [
    ("lv", "2024. gada 4. novembris plkst. 09.05", "paziņots 2024. gada 4. novembrī",
     "no 2024. gada 1. augusta plkst. 00.00 līdz 15. septembrim plkst. 23.59 (Latvijas laiks)"),
    ("en", "4 November 2024, 09:05", "given 4 November 2024",
     "from 1 August 2024, 00:00 to 15 September 2024, 23:59 (Latvian time)"),
])
def test_dates_take_the_sentences_case(app: Flask, language: str, alone: str, on_day: str, sentence: str) -> None:
    with app.test_request_context(f"/?lang={language}"):
        assert ps.when(MOMENT) == alone
        assert ps.day(date(2024, 11, 4)) == alone.split(" plkst.")[0].split(",")[0]
        assert ps._("given %(date)s", date=ps.day_in(date(2024, 11, 4), "locative")) == on_day
        assert ps.window_sentence({"opens_at": "2024-07-31T21:00:00Z", "closes_at": "2024-09-15T20:59:59Z",
                                   "timezone": "Europe/Riga"}) == sentence


def test_a_window_across_the_new_year_says_both_years(app: Flask) -> None:
    with app.test_request_context("/?lang=lv"):
        assert ps.window_sentence({"opens_at": "2024-12-20T10:00:00Z", "closes_at": "2025-01-10T10:00:00Z",
                                   "timezone": "Europe/Riga"}) == \
            "no 2024. gada 20. decembra plkst. 12.00 līdz 2025. gada 10. janvārim plkst. 12.00 (Latvijas laiks)"


@pytest.mark.parametrize("language, rule, shown", [
    ("lv", "§4.6.6, D10", "Nolikuma 4.6.6. punkts"), ("en", "§4.6.6, D10", "Rules, point 4.6.6"),
    ("lv", "§4.6.6, §4.6.7", "Nolikuma 4.6.6., 4.6.7. punkti"), ("lv", "D15", None), ("lv", None, None),
])
def test_a_refusal_cites_the_nolikums_not_our_decisions(app: Flask, language: str, rule: str | None,
                                                        shown: str | None) -> None:
    with app.test_request_context(f"/?lang={language}"):
        assert ps.clause_text(rule) == shown
