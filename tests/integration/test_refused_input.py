"""Bad input refused with 422 naming the field, nothing stored: an old-form personal code born after the day of
the vote (D10; the day in the contest's time zone), and a JSON body that gives a key twice (api/parsing.py)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from flask.testing import FlaskClient

from contest.clock import FrozenClock
from contest.service import ContestService
from domain.personal_code import CHECKS, check_digit
from tests.conftest import bearer
from tests.support.helpers import VOTE_DAY  # 20 August 2024, 12:00 UTC


def code_born(day: date, serial: str = "123") -> str:
    century = {1800: "0", 1900: "1", 2000: "2"}[day.year - day.year % 100]
    first_ten = f"{day:%d%m}{day.year % 100:02d}{century}{serial}"
    return f"{first_ten[:6]}-{first_ten[6:]}{check_digit(first_ten)}"


def vote(client: FlaskClient, code: str) -> object:
    return client.post("/api/contests/2024/votes", json={"personal_code": code, "municipality": "LV-RIX", "rating": 4})


@pytest.mark.parametrize("born", [date(2024, 8, 21), date(2025, 3, 1), date(2099, 1, 1)])
def test_d10_a_birth_date_after_the_vote_day_is_422_and_nothing_is_stored(
        client: FlaskClient, service: ContestService, clock: FrozenClock, born: date) -> None:
    clock.set(VOTE_DAY)
    before = service.event_count()
    code = code_born(born)
    r = vote(client, code)
    assert r.status_code == 422, r.json  # type: ignore[attr-defined]
    assert r.json["errors"] == {"personal_code": [CHECKS["future_date"][0]]}  # type: ignore[attr-defined]
    assert r.json["details"]["check"] == "future_date"  # type: ignore[attr-defined]
    assert r.json["details"]["message_lv"] == CHECKS["future_date"][1]  # type: ignore[attr-defined]
    body = r.get_data(as_text=True)  # type: ignore[attr-defined]
    assert code not in body and code.replace("-", "") not in body
    assert service.event_count() == before


def test_d10_born_today_votes_and_today_is_the_day_in_riga(client: FlaskClient, service: ContestService,
                                                           clock: FrozenClock) -> None:
    clock.set(VOTE_DAY)
    assert vote(client, code_born(date(2024, 8, 20))).status_code == 201  # type: ignore[attr-defined]
    clock.set(datetime(2024, 8, 20, 21, 30, tzinfo=UTC))  # 21 August 00:30 in Riga, still the 20th in UTC
    assert vote(client, code_born(date(2024, 8, 21))).status_code == 201  # type: ignore[attr-defined]
    assert vote(client, code_born(date(2024, 8, 22))).status_code == 422  # type: ignore[attr-defined]


def test_d10_the_vote_page_says_the_birth_date_is_after_today_in_latvian(
        client: FlaskClient, service: ContestService, clock: FrozenClock) -> None:
    clock.set(VOTE_DAY)
    before = service.event_count()
    html = client.get("/balsot").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert token
    code = code_born(date(2024, 12, 24))
    r = client.post("/balsot", data={"csrf_token": token.group(1), "municipality": "LV-RIX", "rating": "4",
                                     "comment": "", "personal_code": code})
    assert r.status_code == 422
    page = re.sub(r"\s+", " ", r.get_data(as_text=True))
    assert "Neizdevās pārbaude: dzimšanas datums." in page and "ir vēlāks par šodienu" in page
    assert code not in page
    assert service.event_count() == before


@pytest.mark.parametrize(("raw", "key"), [
    (b'{"personal_code": "150385-11503", "municipality": "LV-RIX", "rating": 1, "rating": 5}', "rating"),
    (b'{"personal_code": "150385-11503", "municipality": "LV-RIX", "municipality": "LV-JUR", "rating": 5}',
     "municipality"),
    (b'{"personal_code": "150385-11503", "personal_code": "32579461005", "municipality": "LV-RIX", "rating": 5}',
     "personal_code"),
    (b'{"personal_code": "150385-11503", "municipality": "LV-RIX", "rating": 5, "rating": 5}', "rating"),  # same
])
def test_a_key_given_twice_in_a_vote_is_422_naming_it_and_nothing_is_stored(
        client: FlaskClient, service: ContestService, clock: FrozenClock, raw: bytes, key: str) -> None:
    clock.set(VOTE_DAY)
    before = service.event_count()
    r = client.post("/api/contests/2024/votes", data=raw, content_type="application/json")
    assert r.status_code == 422, r.json
    assert list(r.json["errors"]) == [key]
    assert "more than once" in r.json["errors"][key][0]
    assert "150385" not in r.get_data(as_text=True)
    assert service.event_count() == before


def test_a_key_given_twice_in_a_nested_object_is_422_naming_it(
        client: FlaskClient, service: ContestService, tokens: dict[str, str]) -> None:
    before = service.event_count()
    raw = b'{"rules": {"vote_rating_max": 5, "vote_rating_max": 10}, "reason": "a key twice"}'
    r = client.put("/api/contests/2024/rules", data=raw, content_type="application/json",
                   headers=bearer(tokens["secretariat"]))
    assert r.status_code == 422, r.json
    assert list(r.json["errors"]) == ["vote_rating_max"]
    assert "more than once" in r.json["errors"]["vote_rating_max"][0]
    assert service.event_count() == before


def test_a_body_without_duplicates_is_still_taken(client: FlaskClient, clock: FrozenClock) -> None:
    clock.set(VOTE_DAY)
    raw = b'{"personal_code": "150385-11503", "municipality": "LV-RIX", "rating": 5, "comment": {"x": 1}}'
    r = client.post("/api/contests/2024/votes", data=raw, content_type="application/json")
    assert r.status_code == 422 and "comment" in r.json["errors"]  # a schema error as before, not a duplicate
    ok = b'{"personal_code": "150385-11503", "municipality": "LV-RIX", "rating": 5}'
    assert client.post("/api/contests/2024/votes", data=ok, content_type="application/json").status_code == 201
