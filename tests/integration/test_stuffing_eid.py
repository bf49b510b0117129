"""Stuffing the residents' vote under identity level `eid` (§4.6.6, D10, D15): the script of
tests/integration/test_stuffing.py (thousands of made-up but valid new-form personal codes from a few client
networks, past the rate limit) sent to the API's POST /votes and to the vote page's form without an eID sign-in.
Under `code` every one of them was taken; under `eid` none is counted, nothing is stored for any, and the residents
who signed in with eID are counted exactly; an auditor's verification of the export agrees and counts the votes by
how they were verified."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from eventsourcing.utils import get_topic

from contest.audit import export_lines
from contest.clock import FrozenClock
from contest.residents import fake_personal_codes
from contest.service import ContestService
from contest.verify import verify_file
from domain.personal_code import check_personal_code, is_new_form
from domain.vote import Vote
from projections.views import Views
from tests.support.helpers import SEC, VOTE_DAY, bearer
from tests.support.oidc import CALLBACK, Provider, eid_app, mock_provider, sign_in, under_eid
from tests.support.pages import form_token, token_of

STUFFED_API = 2000
STUFFED_PAGE = 1000
STUFFER_NETWORKS = ("198.51.100.", "203.0.113.", "192.0.2.")  # three /24s
HONEST = 4


@pytest.fixture(scope="module")
def provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Provider]:
    with mock_provider(tmp_path_factory.mktemp("oidc")) as p:
        yield p


def test_thousands_of_made_up_new_form_codes_count_for_nothing_under_eid(
        service: ContestService, clock: FrozenClock, provider: Provider, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONTEST_VOTE_RATE_LIMIT", "off")  # the stuffer got past the rate limit
    under_eid(service)
    clock.set(VOTE_DAY)
    app = eid_app(service, monkeypatch, provider.env(*provider.register("http://localhost" + CALLBACK)))
    sec = bearer(service.issue_token("secretariat", actor=SEC, name="Anna")[0])

    # a few residents sign in with eID, rate and confirm
    honest = fake_personal_codes(HONEST, seed=1701)
    for i, code in enumerate(honest):
        provider.set_user(f"stuffing-resident-{i}", {"personal_code": code})
        client = app.test_client()
        page = sign_in(client, f"stuffing-resident-{i}")
        r = client.post("/balsot", data={"csrf_token": token_of(page.get_data(as_text=True)), "comment": "",
                                         "municipality": "LV-RIX", "rating": "5"},
                        environ_base={"REMOTE_ADDR": f"100.64.{i}.1"})
        assert r.status_code == 303, r.get_data(as_text=True)  # recorded: to the receipt (post/redirect/get)
    stored = service.event_count()

    # the stuffer: valid new-form codes (D10 checks only their form) from three networks, to the API and the form
    codes = fake_personal_codes(STUFFED_API + STUFFED_PAGE, seed=1702, new_form_share=1)
    assert len(set(codes)) == len(codes) and not set(codes) & set(honest)
    assert all(is_new_form(c) and check_personal_code(c, today=VOTE_DAY.date()) == c for c in codes[:50])
    api = app.test_client()
    for i, code in enumerate(codes[:STUFFED_API]):
        r = api.post("/api/contests/2024/votes", json={"personal_code": code, "municipality": "LV-011", "rating": 5},
                     environ_base={"REMOTE_ADDR": f"{STUFFER_NETWORKS[i % 3]}{1 + i % 150}"})
        assert r.status_code == 409 and r.json["rule"] == "D15", r.json
    pages = [app.test_client() for _ in STUFFER_NETWORKS]  # one browser session per network, with its CSRF token
    tokens = [form_token(c, "/sekretariats") for c in pages]
    for i, code in enumerate(codes[STUFFED_API:]):
        r = pages[i % 3].post("/balsot", data={"csrf_token": tokens[i % 3], "municipality": "LV-011", "rating": "5",
                                               "comment": "", "personal_code": code},
                              environ_base={"REMOTE_ADDR": f"{STUFFER_NETWORKS[i % 3]}{1 + i % 150}"})
        assert r.status_code == 409 and "Vispirms piesakieties ar eID" in r.get_data(as_text=True)

    # none is counted: nothing was stored for any of them; the residents who signed in are the whole vote
    assert service.event_count() == stored
    cast = [json.loads(n.state) for n in service.store.notifications(topics=[get_topic(Vote.Cast)])]
    assert len(cast) == HONEST and {c["verified"] for c in cast} == {"eid"}
    results = app.test_client().get("/api/contests/2024/votes/results", headers=sec).json
    assert results["total_all"] == results["total"] == HONEST
    assert {row["municipality"]: row["count"] for row in results["municipalities"] if row["count"]} == {
        "LV-RIX": HONEST}
    clusters = app.test_client().get("/api/contests/2024/votes/clusters", headers=sec).json["clusters"]
    assert clusters == []  # nothing to quarantine: the stuffing never reached the store
    verified = verify_file(iter(line + "\n" for line in export_lines(service.store)), Views())
    assert verified.ok, verified.text()
    assert verified.results["votes by identity level (2024)"] == {"eid": HONEST}
