"""The jury's round-3 pages (/komisija/3-karta, /komisija/informacija; api/juror_sheets.py): the score sheet
(§4.7.8: 1–5 and a justification per finalist; §4.7.11: theme points 2 and 1) drafted, refused at the field,
submitted through the same command as PUT /scores/{seat} with who filled it in, refused once round 3 closes; the
visits the seat attended and whether its scores will count, in words (§4.7.4); the briefing as recorded (§4.6.8).
"""

from __future__ import annotations

import re

import pytest
from flask.testing import FlaskClient

from contest.clock import FrozenClock
from contest.service import ContestService
from domain.actors import system_actor
from tests.support.juror import SCORES, english_left, juror_login, post_scores, score_fields
from tests.support.pages import text
from tests.support.round3 import DAYS, FIVE_AT_E, SEATS, Steps, day, reach_round3, score_all

VALUES = [4, 5, 3, 3, 2]


@pytest.fixture
def finalists(service: ContestService, clock: FrozenClock) -> list[str]:
    return reach_round3(service, clock)


@pytest.fixture
def jurors(service: ContestService) -> dict[str, str]:
    return {seat: service.issue_token("juror", actor=system_actor("test"), seat=seat, year=2024)[0]
            for seat in [*SEATS, "lps"]}


@pytest.fixture
def steps(client: FlaskClient, clock: FrozenClock, tokens: dict[str, str], finalists: list[str]) -> Steps:
    return Steps(client, clock, tokens["secretariat"], finalists)


def planned(steps: Steps) -> None:
    """The briefing, the five visits planned and their notices given on 4 Nov 2024; no attendance yet."""
    assert steps.brief().status_code == 201
    for m, on in zip(steps.f, DAYS, strict=True):
        assert steps.plan(m, on).status_code == 201
    steps.clock.set(day("2024-11-04"))
    for m in steps.f:
        assert steps.notice(m, "2024-11-04").status_code == 201


def test_the_seat_sees_its_visits_and_whether_its_scores_count(client: FlaskClient, steps: Steps,
                                                               jurors: dict[str, str]) -> None:
    planned(steps)
    juror_login(client, jurors["lm"])
    page = text(client.get(SCORES))
    assert 'data-state="pending"' in page and "Jūsu vērtējumu pagaidām neieskaita." in page
    assert "5 vizītēm dalībnieki vēl nav reģistrēti." in page and "dalībnieki vēl nav reģistrēti" in page
    assert "vismaz 3 ieskaitītās vizītēs" in page and "Nolikuma 4.7.4. punkts" in page
    steps.clock.set(day("2024-11-29"))
    for i, seats in FIVE_AT_E.items():
        assert steps.attend(steps.f[i], seats).status_code == 200
    assert steps.attend(steps.f[0], FIVE_AT_E[0], lm="LM aizvietotājs").status_code == 200
    juror_login(client, jurors["lm"])
    page = text(client.get(SCORES))
    assert 'data-state="yes"' in page and "Jūsu vērtējumu ieskaitīs." in page
    assert "piedalījās 4 ieskaitītās vizītēs" in page
    assert "deleģētais aizvietotājs LM aizvietotājs" in page and "komisijas loceklis (LM pārstāvis)" in page
    assert re.search(r'<tr><th scope="row"[^>]*>[^<]+</th>(?:(?!</tr>).)*neviens', page)  # not at the fifth
    assert "Jūsu vērtējumu ieskaitīs." in text(client.get("/komisija"))
    juror_login(client, jurors["vpd"])  # at two counted visits only (§4.7.4)
    page = text(client.get(SCORES))
    assert 'data-state="no"' in page and "Jūsu vērtējumu neieskaitīs." in page
    assert "piedalījās 2 ieskaitītās vizītēs" in page
    assert "Your scores will not count." in text(client.get(SCORES + "?lang=en"))


def test_a_score_sheet_is_drafted_refused_at_the_field_submitted_and_closed(
        client: FlaskClient, service: ContestService, steps: Steps, jurors: dict[str, str]) -> None:
    steps.all_visits(FIVE_AT_E)
    f = steps.f
    juror_login(client, jurors["lm"])
    before = service.event_count()
    draft = score_fields(f, VALUES, two=3, one=2) | {f"score-{f[4]}": "", "theme-1": ""}
    assert post_scores(client, draft, action="draft").status_code == 303
    page = client.get(SCORES).get_data(as_text=True)
    assert 'id="draft"' in page and "Melnraksts ir saglabāts" in page
    assert re.search(rf'id="score-{f[1]}"[^>]*>.*?<option value="5" selected>', page, re.S)
    assert re.search(rf'id="theme-2-{f[3]}"[^>]*checked', page)
    assert not re.search(r'name="theme-1" value="[^"]+" checked', page)
    assert service.event_count() == before
    assert steps.get("/round3", jurors["lm"]).json["scorecards"] == {}  # a draft is no scorecard
    # refused at the field, nothing stored: a justification missing (§4.7.8), then the theme points (§4.7.11)
    name = service.contest(2024).municipality(f[2]).name
    r = post_scores(client, score_fields(f, VALUES, two=3, one=2, unjustified=(f[2],)))
    assert r.status_code == 409
    page = r.get_data(as_text=True)
    assert f'<p class="field-error" id="justification-{f[2]}-error">Pamatojiet, kāpēc {name} saņem šo vērtējumu.' \
        in page
    assert re.search(rf'id="justification-{f[2]}"[^>]*aria-invalid="true"', page)
    r = post_scores(client, score_fields(f, VALUES, two=3, one=3))
    assert r.status_code == 409 and 'id="theme-error"' in r.get_data(as_text=True)
    assert "Piešķiriet 2 punktus vienai finālpašvaldībai un 1 punktu citai" in text(r)
    r = post_scores(client, score_fields(f, [6, 5, 3, 3, 2], two=3, one=2) | {f"score-{f[0]}": ""})
    assert f'id="score-{f[0]}-error"' in r.get_data(as_text=True)
    assert service.event_count() == before
    # submitted by the substitute: the event says so (cast_by), and the draft is gone
    r = post_scores(client, score_fields(f, VALUES, two=3, one=2, cast_by="LM aizvietotājs"))
    assert r.status_code == 303
    page = text(client.get(SCORES))
    assert "Jūsu vērtējums ir iesniegts" in page and "aizpildīja deleģētais aizvietotājs LM aizvietotājs" in page
    assert 'id="draft"' not in page
    card = steps.get("/round3", jurors["lm"]).json["scorecards"]["lm"]
    assert card["cast_by"] == "LM aizvietotājs" and card["scores"] == dict(zip(f, VALUES, strict=True))
    assert card["theme_points"][f[3]] == 2 and card["theme_points"][f[2]] == 1 and card["versions"] == 1
    assert card["justifications"][f[0]] == "Vērtējums 4: labs atbalsts ģimenēm"
    assert 'data-state="submitted"' in text(client.get("/komisija"))
    # round 3 closes: the page takes nothing more
    score_all(steps, jurors)
    steps.clock.set(day("2024-12-02"))
    assert steps.post("/round3/close").status_code == 200
    juror_login(client, jurors["lm"])
    before = service.event_count()
    r = post_scores(client, score_fields(f, VALUES, two=3, one=2))
    assert r.status_code == 409 and "3. kārta ir noslēgta: vērtējumu vairs nevar iesniegt vai aizstāt." in text(r)
    assert service.event_count() == before
    assert 'id="scores-table"' in text(client.get(SCORES))


def test_the_briefing_shows_what_was_recorded_with_the_finalists(client: FlaskClient, steps: Steps,
                                                                 jurors: dict[str, str]) -> None:
    juror_login(client, jurors["lm"])
    page = text(client.get("/komisija/informacija"))
    assert 'id="no-briefing"' in page and 'id="finalists"' in page
    planned(steps)
    juror_login(client, jurors["lm"])
    page = text(client.get("/komisija/informacija"))
    assert "round-2 results and the finalists&#39; files" in page and "2024. gada 1. oktobris" in page
    assert "vizīte: 2024. gada 20. novembris, plkst. 10:00" in page
    assert page.count("/rezultati/LV-") >= 5


def test_the_jurys_pages_are_wholly_latvian(client: FlaskClient, steps: Steps, jurors: dict[str, str]) -> None:
    """With a refusal at the fields, the visits and a submitted score sheet: no English left, no internal label;
    clauses as 'Nolikuma 4.7.8., 4.7.11. punkti'."""
    steps.all_visits(FIVE_AT_E)
    juror_login(client, jurors["lm"])
    refused = post_scores(client, score_fields(steps.f, VALUES, two=3, one=3, unjustified=(steps.f[0],)))
    assert english_left(refused.get_data(as_text=True)) == []
    assert post_scores(client, score_fields(steps.f, VALUES, two=3, one=2)).status_code == 303
    for path in ("/komisija", SCORES, "/komisija/2-karta", "/komisija/1-karta", "/komisija/komentari",
                 "/komisija/informacija"):
        r = client.get(path + "?lang=lv")
        assert r.status_code == 200 and english_left(r.get_data(as_text=True)) == [], path
    assert "Nolikuma 4.7.8., 4.7.11. punkti" in text(client.get(SCORES))
