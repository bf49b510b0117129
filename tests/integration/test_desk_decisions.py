"""The secretariat records the jury's decision on a tie the rules leave open (§3.2.4, D11) and publishes an interim
result of the residents' vote (D10, D16) in the browser (api/desk_decisions.py): the same events as POST
…/decisions and POST …/window/interim, the refusals at their fields in Latvian, nothing stored on a refusal."""

from __future__ import annotations

from flask.testing import FlaskClient

from contest.clock import FrozenClock
from contest.service import ContestService
from domain.actors import Actor
from domain.contest import Contest
from tests.conftest import bearer
from tests.support.desk import field_errors, recorded, same_command, send, sign_in, tied
from tests.support.helpers import VOTE_DAY, cast_votes, close_vote, play_round1
from tests.support.pages import text

PAGE = "/sekretariats/lemumi"


def test_a_tie_is_decided_as_through_the_api_and_refused_at_its_fields(
        client: FlaskClient, service: ContestService, clock: FrozenClock, tokens: dict[str, str]) -> None:
    r = tied(service, clock)
    sign_in(client, tokens["secretariat"])
    page = client.get(PAGE).get_data(as_text=True)
    assert 'id="tie-jury_4th_place"' in page and f'name="tied" value="{r[3]},{r[4]}"' in page
    form = {"kind": "jury_4th_place", "tied": f"{r[3]},{r[4]}", "chosen-1": r[4],
            "text": "Ilgtermiņa ieguldījumi infrastruktūrā", "votes_total": "8", "votes_for": "4"}
    action = PAGE + "/ierakstit"
    before = service.event_count()
    refused = send(client, PAGE, action, **form)
    assert refused.status_code == 409  # §3.2.4: 4 of 8 is no majority
    assert field_errors(refused) == {"jury_4th_place-votes_for": (
        "Komisija lemj ar vienkāršu balsu vairākumu: 4 no 8 nav vairāk par pusi; vajadzīgas vismaz 5 balsis par.")}
    assert 'value="Ilgtermiņa ieguldījumi infrastruktūrā"' not in refused.get_data(as_text=True)  # a textarea
    assert "Ilgtermiņa ieguldījumi infrastruktūrā</textarea>" in refused.get_data(as_text=True)  # kept as typed
    r2 = send(client, PAGE, action, **{**form, "votes_total": "4", "votes_for": "3"})
    assert r2.status_code == 409  # §3.2.3: the quorum
    assert field_errors(r2) == {
        "jury_4th_place-votes_total": "Komisija lemj, ja piedalās vismaz 5 balsstiesīgie locekļi."}
    r3 = send(client, PAGE, action, **{**form, "text": " ", "votes_for": "5"})
    assert r3.status_code == 409 and field_errors(r3) == {"jury_4th_place-text": "Uzrakstiet lēmuma pamatojumu."}
    r4 = send(client, PAGE, action, **{**form, "chosen-1": r[4], "chosen-2": r[3], "votes_for": "5"})
    assert r4.status_code == 422 and list(field_errors(r4)) == ["jury_4th_place-chosen-1"]
    assert service.event_count() == before

    done = send(client, PAGE, action, **{**form, "votes_for": "5"})
    assert done.status_code == 303 and "Komisijas lēmums reģistrēts." in text(client.get(PAGE))
    api = client.post("/api/contests/2024/decisions", headers=bearer(tokens["secretariat"]), json={
        "kind": "jury_4th_place", "tied": [r[3], r[4]], "chosen": [r[4]],
        "text": "Ilgtermiņa ieguldījumi infrastruktūrā", "votes_for": 5, "votes_total": 8})
    assert api.status_code == 201, api.json
    by_page, by_api = recorded(service, Contest.JuryDecisionRecorded)
    assert same_command(by_page, by_api)
    after = text(client.get(PAGE))
    assert "Pašlaik neviens vienāds rezultāts negaida lēmumu." in after
    assert "par balsoja 5 no 8" in after


def test_an_interim_result_is_published_while_the_vote_is_open_as_through_the_api(
        client: FlaskClient, service: ContestService, clock: FrozenClock, tokens: dict[str, str]) -> None:
    play_round1(service, clock)
    clock.set(VOTE_DAY)
    service.round2.reconcile(2024, actor=Actor("system", "clock"))
    cast_votes(service, clock, {"LV-RIX": [5, 4], "LV-VEN": [3]})
    sign_in(client, tokens["secretariat"])
    assert "Starprezultāts vēl nav publicēts." in text(client.get(PAGE))
    action = PAGE + "/starprezultats"
    before = service.event_count()
    r = send(client, PAGE, action, reason="")
    assert r.status_code == 422 and field_errors(r)["interim-reason"].startswith("Norādiet iemeslu;")
    assert service.event_count() == before
    r = send(client, PAGE, action, reason="Balsojuma vidusposms")
    assert r.status_code == 303
    assert "Pēdējais starprezultāts publicēts 2024. gada 20. augustā" in text(client.get(PAGE))
    api = client.post("/api/contests/2024/window/interim", json={"reason": "Balsojuma vidusposms"},
                      headers=bearer(tokens["secretariat"]))
    assert api.status_code == 200, api.json
    by_page, by_api = recorded(service, Contest.InterimResultPublished)
    assert same_command(by_page, by_api, "included_through", "digest")  # each names its own checkpoint (D16)

    close_vote(service, clock)
    sign_in(client, tokens["secretariat"])
    before = service.event_count()
    r = send(client, PAGE, action, reason="Vēl viens")
    assert r.status_code == 409 and "tagad tas nav atvērts" in field_errors(r)["form"]
    assert service.event_count() == before
    assert "Balsojums nav atvērts" in text(client.get(PAGE))
