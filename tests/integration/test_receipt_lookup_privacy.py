"""The receipt lookup (D10): a personal code typed where the receipt belongs is refused, with a message telling
the resident to enter the receipt, and it never reaches a log in clear (the access log redacts it)."""

from __future__ import annotations

import html
import json
import logging
from urllib.parse import quote

import pytest
from flask import Flask
from flask.testing import FlaskClient

from api.operations import JsonFormatter
from contest.clock import FrozenClock
from contest.residents import fake_personal_codes
from contest.service import ContestService
from tests.support.helpers import SEC, VOTE_DAY

# (as typed, its eleven digits)
TYPED = [
    ("150385-11503", "15038511503"),
    ("15038511503", "15038511503"),
    ("150385–11503", "15038511503"),    # en dash
    ("150385 11503", "15038511503"),
    ("15 03 85 11503", "15038511503"),
    ("150385.11503", "15038511503"),
    ("32579461005", "32579461005"),
    ("325794-61005", "32579461005"),
    ("３２５７９４６１００５", "32579461005"),  # fullwidth digits
]


def access_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [JsonFormatter().format(r) for r in caplog.records if r.name == "contest.access"]


@pytest.mark.parametrize(("typed", "digits"), TYPED)
def test_d10_a_code_in_the_api_lookup_is_refused_and_logged_redacted(
        client: FlaskClient, service: ContestService, caplog: pytest.LogCaptureFixture,
        typed: str, digits: str) -> None:
    before = service.event_count()
    with caplog.at_level(logging.INFO, logger="contest.access"):
        r = client.get(f"/api/contests/2024/votes/board/{quote(typed)}")
    assert r.status_code == 422, r.json
    assert list(r.json["errors"]) == ["receipt"]
    assert "receipt code" in r.json["errors"]["receipt"][0] and "personal code" in r.json["errors"]["receipt"][0]
    body = r.get_data(as_text=True)
    assert typed not in body and digits not in body and quote(typed) not in body
    lines = access_lines(caplog)
    assert len(lines) == 1
    entry = json.loads(lines[0])
    assert entry["path"] == "/api/contests/2024/votes/board/[redacted]" and entry["status"] == 422
    assert typed not in lines[0] and digits not in lines[0] and digits[:6] not in lines[0]
    assert service.event_count() == before


def test_a_receipt_is_looked_up_and_logged_as_it_is(client: FlaskClient, service: ContestService,
                                                    clock: FrozenClock, caplog: pytest.LogCaptureFixture) -> None:
    clock.set(VOTE_DAY)
    receipt = service.round2.cast_vote(2024, personal_code=fake_personal_codes(1, seed=5)[0],
                                       municipality="LV-VEN", rating=4)[0].receipt
    service.round2.close_window(2024, actor=SEC, reason="test")
    with caplog.at_level(logging.INFO, logger="contest.access"):
        found = client.get(f"/api/contests/2024/votes/board/{receipt}")
        missing = client.get("/api/contests/2024/votes/board/0000-0000-0000")
    assert found.status_code == 200 and found.json["municipality"] == "LV-VEN"
    assert missing.status_code == 404
    paths = [json.loads(line)["path"] for line in access_lines(caplog)]
    assert paths == [f"/api/contests/2024/votes/board/{receipt}", "/api/contests/2024/votes/board/0000-0000-0000"]


def test_d10_an_unhandled_exception_is_logged_with_the_path_redacted(
        app: Flask, caplog: pytest.LogCaptureFixture) -> None:
    with app.test_request_context("/api/contests/2024/votes/board/150385-11503"), \
            caplog.at_level(logging.ERROR):
        try:
            raise RuntimeError("boom")
        except RuntimeError as e:
            app.log_exception((type(e), e, e.__traceback__))
    messages = [r.getMessage() for r in caplog.records]
    assert messages == ["Exception on /api/contests/2024/votes/board/[redacted] [GET]"]


@pytest.fixture
def closed(service: ContestService, clock: FrozenClock) -> ContestService:
    clock.set(VOTE_DAY)
    service.round2.cast_vote(2024, personal_code=fake_personal_codes(1, seed=6)[0], municipality="LV-VEN", rating=4)
    service.round2.close_window(2024, actor=SEC, reason="test")
    return service


def page_text(response: object) -> str:
    return html.unescape(response.get_data(as_text=True))  # type: ignore[attr-defined]


@pytest.mark.parametrize(("typed", "digits"), TYPED)
def test_d10_a_code_on_the_lookup_page_is_refused_at_the_field_in_latvian_and_english(
        client: FlaskClient, closed: ContestService, caplog: pytest.LogCaptureFixture, typed: str,
        digits: str) -> None:
    with caplog.at_level(logging.INFO, logger="contest.access"):
        lv = client.get(f"/rezultati/balsojums?kvits={quote(typed)}")
        en = client.get(f"/rezultati/balsojums?kvits={quote(typed)}&lang=en")
    assert lv.status_code == en.status_code == 422
    lv_text, en_text = page_text(lv), page_text(en)
    assert 'id="kvits-error"' in lv_text and 'aria-invalid="true"' in lv_text
    assert "Šis izskatās pēc personas koda. Šeit ievadiet pārbaudes kodu" in lv_text
    assert "This looks like a personal code. Enter here the receipt code" in en_text
    for page in (lv_text, en_text):
        assert typed not in page and digits not in page  # not echoed into the field
        assert 'id="receipt-result"' not in page
    assert all(digits not in line for line in access_lines(caplog))
