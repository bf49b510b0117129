"""Several contests in one store on the public pages: the pages show the current contest (CONTEST_YEAR when the
store holds it, else the latest; api/page_support.py), /arhivs lists the earlier ones, and the results pages and
the checkpoints show one of them with ?gads=<year>, every link on them staying with it."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from contest.clock import FrozenClock
from contest.service import ContestService
from tests.support.helpers import SEC, play_round1, play_round2
from tests.support.pages import text


@pytest.fixture
def two_years(app: Flask, service: ContestService, clock: FrozenClock) -> FlaskClient:
    """2024 with round 1 closed, then 2027 carried forward from it; CONTEST_YEAR names 2027."""
    play_round1(service, clock)
    service.carry_forward(2027, 2024, actor=SEC)
    app.config["CONTEST_YEAR"] = 2027
    return app.test_client()


def links(page: str) -> list[str]:
    return re.findall(r'href="([^"]+)"', page)


def test_the_pages_show_the_current_contest_and_the_archive_lists_the_earlier_one(two_years: FlaskClient) -> None:
    home = text(two_years.get("/"))
    assert "Ģimenei draudzīgākā pašvaldība 2027" in home and "Gada aktuālā tēma vēl nav apstiprināta" in home
    archive = two_years.get("/arhivs")
    assert archive.status_code == 200
    page = archive.get_data(as_text=True)
    assert 'id="contest-2024"' in page and "Ģimenei draudzīgākā pašvaldība 2024" in page
    assert "Pašreizējais konkurss ir 2027. gada konkurss" in text(archive)
    assert {"/rezultati?gads=2024", "/rezultati/balsojums?gads=2024", "/kontrolpunkti?gads=2024"} <= set(links(page))
    assert "/arhivs" in links(two_years.get("/").get_data(as_text=True))  # every page's footer links it
    english = text(two_years.get("/arhivs?lang=en"))
    assert "Archive of earlier contests" in english and "Round 2: the jury and the residents" in english


def test_an_archived_years_results_say_so_and_every_link_stays_with_that_year(two_years: FlaskClient) -> None:
    r = two_years.get("/rezultati?gads=2024")
    page = r.get_data(as_text=True)
    assert r.status_code == 200 and "Šis ir 2024. gada konkursa arhīvs." in text(r)
    assert "/rezultati/LV-RIX?gads=2024" in links(page) and "/kontrolpunkti?gads=2024" in links(page)
    assert "?lang=en&amp;gads=2024" in page  # the language switch stays with the year too
    assert page.count('scope="row"') >= 43  # the 2024 ranking of 43
    current = two_years.get("/rezultati")
    assert 'id="archived"' not in current.get_data(as_text=True) and "gads=" not in current.get_data(as_text=True)
    assert "Ģimenei draudzīgākā pašvaldība 2027" in text(current)
    varaklani = two_years.get("/rezultati/LV-102?gads=2024")  # a participant in 2024 (§3.3) ...
    assert varaklani.status_code == 200 and "/rezultati?gads=2024" in links(varaklani.get_data(as_text=True))
    assert two_years.get("/rezultati/LV-102").status_code == 404  # ... not in 2027
    assert two_years.get("/rezultati/balsojums?gads=2024").status_code == 200
    checkpoints = two_years.get("/kontrolpunkti?gads=2024").get_data(as_text=True)
    assert "/api/contests/2024/checkpoints" in checkpoints and "1. kārtas noslēgums" in checkpoints


@pytest.mark.parametrize("year", ["1999", "2026", "20x4", "-1"])
def test_a_year_the_store_does_not_hold_is_not_found(two_years: FlaskClient, year: str) -> None:
    assert two_years.get(f"/rezultati?gads={year}").status_code == 404
    assert two_years.get(f"/kontrolpunkti?gads={year}").status_code == 404


def test_contest_year_keeps_its_meaning_and_without_it_the_latest_is_current(
        app: Flask, service: ContestService) -> None:
    service.carry_forward(2027, 2024, actor=SEC)
    client = app.test_client()
    assert "Ģimenei draudzīgākā pašvaldība 2027" in text(client.get("/"))  # no CONTEST_YEAR: the latest
    app.config["CONTEST_YEAR"] = 2024  # the setting (default 2024) names the current contest
    assert "Ģimenei draudzīgākā pašvaldība 2024" in text(client.get("/"))
    assert "Šajā pakalpojumā vēl nav iepriekšējo konkursu." in text(client.get("/arhivs"))  # 2027 is not past
    assert "Šis ir 2027. gada konkursa arhīvs." in text(client.get("/rezultati?gads=2027"))  # not the current
    app.config["CONTEST_YEAR"] = 2030  # a year the store does not hold: the latest
    assert "Ģimenei draudzīgākā pašvaldība 2027" in text(client.get("/"))


def test_the_round_pages_of_an_archived_year_show_that_year(app: Flask, service: ContestService,
                                                            clock: FrozenClock) -> None:
    play_round2(service, clock)
    service.carry_forward(2027, 2024, actor=SEC)
    app.config["CONTEST_YEAR"] = 2027
    client = app.test_client()
    finalists = [f["municipality"] for f in service.contest(2024).round2["finalists"]]
    archived = client.get("/rezultati/2-karta?gads=2024")
    page = archived.get_data(as_text=True)
    assert archived.status_code == 200 and "Šis ir 2024. gada konkursa arhīvs." in text(archived)
    assert f"/rezultati/{finalists[0]}?gads=2024" in links(page) and "/rezultati?gads=2024" in links(page)
    assert f"/rezultati/{finalists[0]}" not in links(client.get("/rezultati/2-karta").get_data(as_text=True))
    assert "/rezultati/2-karta?gads=2024" in links(client.get("/rezultati?gads=2024").get_data(as_text=True))
    assert client.get("/rezultati/3-karta?gads=2024").status_code == 200
    assert client.get("/rezultati/2-karta?gads=1999").status_code == 404
