"""Results anyone can follow: the explanation of a round-1 score question by question with the computation in
words (D2–D6), the public pages of round 2 (§4.6.4, §4.6.7) and round 3 (§4.7.3–§4.7.11) once each round has
closed, and the winners on the home page after the council's approval (§7.4)."""

from __future__ import annotations

import re

from flask.testing import FlaskClient

from contest.clock import FrozenClock
from contest.service import ContestService
from tests.support.helpers import play_round1
from tests.support.pages import text
from tests.support.round3 import play_to_approval, reach_round3


def test_the_explanation_shows_direction_median_and_points_before_and_after_the_weight(
        client: FlaskClient, service: ContestService, clock: FrozenClock) -> None:
    play_round1(service, clock)
    contest = service.contest(2024)
    _c, result, _f = service.round1.results(2024)
    code = contest.round1["advancing"][0]
    data = result.explanation(code)
    page = text(client.get(f"/rezultati/{code}?lang=lv"))
    assert "Kā aprēķina vērtējumu" in page and "labāk – vairāk" in page and "labāk – mazāk" in page
    assert "Mediāna" in page and "Punkti ar svaru" in page
    # the block indices' computation with this municipality's own numbers (D6)
    for block, index in data["indices"].items():
        shown = f"{index:.2f}".replace(".", ",")
        assert re.search(rf"indekss = 100 × \(.*\) / [\d,]+ = {re.escape(shown)}", page), block
    overall = f"{data['overall']:.2f}".replace(".", ",")
    assert f"= {overall}" in page
    en = text(client.get(f"/rezultati/{code}?lang=en"))
    assert "How the score is computed" in en and "more is better" in en and "Weighted points" in en


def test_round_2_is_public_once_it_closes_with_the_jurys_points_and_the_finalists(
        client: FlaskClient, service: ContestService, clock: FrozenClock) -> None:
    r = client.get("/rezultati/2-karta?lang=lv")
    assert r.status_code == 200 and 'id="round2-unpublished"' in r.get_data(as_text=True)
    finalists = reach_round3(service, clock)
    page = client.get("/rezultati/2-karta?lang=lv").get_data(as_text=True)
    assert 'id="jury-table"' in page and 'id="finalists"' in page
    names = {m.code: m.name for m in service.contest(2024).municipalities}
    listed = re.findall(r'<li><a href="/rezultati/([A-Z0-9-]+)">', page.split('id="finalists"')[1].split("</ol>")[0])
    assert listed == finalists
    assert all(names[m] in page for m in finalists)
    assert "komisijas punkti" in page  # 9 seats x 5 points: "45 komisijas punkti"
    assert "Neviena balss netika ieskaitīta" in page  # nobody voted in this contest
    assert 'id="round2-link"' in client.get("/rezultati?lang=lv").get_data(as_text=True)


def test_round_3_and_the_winners_once_approved(client: FlaskClient, service: ContestService, clock: FrozenClock,
                                               tokens: dict[str, str]) -> None:
    assert 'id="round3-unpublished"' in client.get("/rezultati/3-karta?lang=lv").get_data(as_text=True)
    assert 'id="home-winners"' not in client.get("/?lang=lv").get_data(as_text=True)
    play_to_approval(client, service, clock, tokens)
    result = service.round3.result(2024)
    page = client.get("/rezultati/3-karta?lang=lv").get_data(as_text=True)
    assert 'id="round3-table"' in page and "uzvarētāja" in page
    winner = result["winner"]["name"]
    assert winner in page and "4,40" in page  # the standard scores: 22/5 (tests/support/round3.py)
    assert "5 vērtējumi" in page and "vērtējumus neieskaita" in page  # vpd's scores do not count (§4.7.4)
    home = client.get("/?lang=lv").get_data(as_text=True)
    assert 'id="home-winners"' in home and winner in home
    en = client.get("/rezultati/3-karta?lang=en").get_data(as_text=True)
    assert "5 scores" in en and "the scores do not count" in en
