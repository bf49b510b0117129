"""After the vote (§4.6.6, D10): the receipt survives a reload (post/redirect/get) and says where and when the vote
can be checked; a resident looks up their own vote by its receipt during the window too, that vote only, never a
tally; a personal code typed there is refused and never echoed."""

from __future__ import annotations

import re

from flask.testing import FlaskClient

from contest.clock import FrozenClock
from contest.residents import fake_personal_codes
from contest.service import ContestService
from tests.support.helpers import VOTE_DAY
from tests.support.pages import form_token, text

RECEIPT = re.compile(r'id="receipt">([0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4})<')


def post_vote(client: FlaskClient, code: str, municipality: str = "LV-RIX", rating: str = "5") -> object:
    return client.post("/balsot", data={"csrf_token": form_token(client, "/balsot"), "municipality": municipality,
                                        "rating": rating, "comment": "", "personal_code": code})


def test_the_receipt_survives_a_reload_and_nothing_is_sent_twice(client: FlaskClient, service: ContestService,
                                                                  clock: FrozenClock) -> None:
    clock.set(VOTE_DAY)
    r = post_vote(client, fake_personal_codes(1, seed=31)[0])
    assert r.status_code == 303 and r.headers["Location"].endswith("/balsot/paldies")  # type: ignore[attr-defined]
    count = service.event_count()
    first = client.get("/balsot/paldies?lang=lv")
    again = client.get("/balsot/paldies?lang=lv")
    assert first.status_code == again.status_code == 200 and service.event_count() == count
    receipt = RECEIPT.search(first.get_data(as_text=True))
    assert receipt and receipt.group(1) in again.get_data(as_text=True)
    words = text(first)
    assert "Paldies! Jūsu balss ir reģistrēta." in words and "5 (izcili)" in words
    assert "Kopēt kodu" in words and "Drukāt" in words and "Kur un kad to pārbaudīt" in words
    assert f"/balsot/parbaudit?kods={receipt.group(1)}" in first.get_data(as_text=True)
    assert "ko publicē, kad balsošana beidzas" in words
    assert "Thank you! Your vote has been recorded." in text(client.get("/balsot/paldies?lang=en"))


def test_without_a_vote_in_this_browser_the_thank_you_page_sends_to_the_vote(client: FlaskClient) -> None:
    r = client.get("/balsot/paldies")
    assert r.status_code == 302 and r.headers["Location"].endswith("/balsot")


def test_a_resident_checks_their_own_vote_during_the_window(client: FlaskClient, service: ContestService,
                                                            clock: FrozenClock) -> None:
    clock.set(VOTE_DAY)
    mine, other = fake_personal_codes(2, seed=32)
    post_vote(client, mine, "LV-JUR", "4")
    receipt = RECEIPT.search(client.get("/balsot/paldies").get_data(as_text=True)).group(1)  # type: ignore[union-attr]
    post_vote(client, other, "LV-RIX", "1")
    assert service.contest(2024).window_status != "closed"
    typed = receipt.lower().replace("-", " ").replace("0", "o")  # as people type it
    page = client.get(f"/balsot/parbaudit?kods={typed}&lang=lv")
    words = text(page)
    assert page.status_code == 200 and "Jūsu balss ir reģistrēta" in words and "Jūrmala" in words
    assert "4 (labi)" in words and "Balss ir ieskaitīta." in words
    assert "Rīga" not in words.split("Jūsu balss ir reģistrēta")[1].split("</dl>")[0]  # that vote only
    api = client.get(f"/api/contests/2024/votes/receipts/{receipt}")
    assert api.status_code == 200 and api.json == {"receipt": receipt, "municipality": "LV-JUR", "rating": 4,
                                                   "at": api.json["at"], "quarantined": False}
    assert set(api.json) == {"receipt", "municipality", "rating", "at", "quarantined"}  # no tally
    unknown = client.get("/balsot/parbaudit?kods=0000-0000-0000")
    assert unknown.status_code == 404 and "Balss ar šādu pārbaudes kodu nav atrasta" in text(unknown)
    assert client.get("/api/contests/2024/votes/receipts/0000-0000-0000").status_code == 404


def test_a_personal_code_or_garbage_in_the_receipts_place_is_refused_and_not_echoed(
        client: FlaskClient, clock: FrozenClock) -> None:
    clock.set(VOTE_DAY)
    code = fake_personal_codes(1, seed=33)[0]
    page = client.get(f"/balsot/parbaudit?kods={code}&lang=lv")
    assert page.status_code == 422 and code not in page.get_data(as_text=True)
    assert "Šis izskatās pēc personas koda." in text(page)
    api = client.get(f"/api/contests/2024/votes/receipts/{code}")
    assert api.status_code == 422 and code not in api.get_data(as_text=True)
    garbage = client.get("/balsot/parbaudit?kods=hello")
    assert garbage.status_code == 422 and "12 burti un cipari" in text(garbage)
    assert client.get("/api/contests/2024/votes/receipts/hello").status_code == 422
