"""The Fund council's page (/padome, §7.4, D14): only a council token opens it; before round 3 closes it lists
what remains; then it shows the final result with who counted and why and the digest the approval will name; the
approval through the page is the API's command, its refusals shown at the field with nothing stored; once
approved, the sealed state with the decision, its date and the digest."""

from __future__ import annotations

import re

from flask.testing import FlaskClient

from contest.audit import AuditChain
from contest.clock import FrozenClock
from contest.service import ContestService
from domain.actors import system_actor
from tests.support.council import approve, english_left, play_to_close, sign_in
from tests.support.pages import form_token, text
from tests.support.round3 import Steps, day, reach_round3


def test_only_a_council_token_opens_the_council_page(client: FlaskClient, tokens: dict[str, str]) -> None:
    assert 'name="token"' in text(client.get("/padome"))
    for token, message in [("ctk_nonsense", "nav zināma"), (tokens["secretariat"], "tikai ar Fonda padomes"),
                           (tokens["juror"], "tikai ar Fonda padomes"), (tokens["auditor"], "tikai ar Fonda padomes")]:
        r = sign_in(client, "/padome", token)
        assert r.status_code == 401 and message in text(r)
    r = sign_in(client, "/padome", tokens["council"])
    assert r.status_code == 303 and tokens["council"] not in r.headers["Set-Cookie"]
    page = text(client.get("/padome"))
    assert "Fonda padome: rezultātu apstiprināšana" in page and "Iziet" in page
    out = client.post("/padome/iziet", data={"csrf_token": form_token(client, "/padome")})
    assert out.status_code == 303 and 'name="token"' in text(client.get("/padome"))


def test_7_4_before_round_3_closes_the_page_lists_what_remains(client: FlaskClient, service: ContestService,
                                                               clock: FrozenClock, tokens: dict[str, str]) -> None:
    reach_round3(service, clock)
    sign_in(client, "/padome", tokens["council"])
    page = text(client.get("/padome"))
    assert "Kas vēl jāpaveic, pirms Fonda padome var apstiprināt rezultātu" in page
    assert 'data-code="briefing_missing"' in page and 'data-code="visit_not_planned"' in page
    assert "Nav reģistrēts, ka komisija saņēmusi informāciju par finālistiem." in page  # worded as on the desk
    assert 'name="digest"' not in page and 'id="round3-table"' not in page
    assert english_left(client.get("/padome").get_data(as_text=True)) == []  # the blockers' detail is lang="en"
    # a form sent anyway (an old page, a crafted request) is refused by the command, and nothing is stored
    before = service.event_count()
    r = client.post("/padome/apstiprinat", data={"csrf_token": form_token(client, "/padome"), "confirm": "1",
                                                 "decision_number": "Nr. 12", "decision_date": "2024-09-16",
                                                 "digest": "0" * 64})
    assert r.status_code == 409 and "pēc 3. kārtas noslēgšanas; tā vēl nav noslēgta" in text(r)
    assert service.event_count() == before and service.contest(2024).stage == "round3"


def test_the_page_shows_the_result_who_counted_and_why_and_the_digest_to_approve(
        client: FlaskClient, service: ContestService, clock: FrozenClock, tokens: dict[str, str]) -> None:
    finalists = play_to_close(client, service, clock, tokens)
    clock.set(day("2024-12-10"))
    sign_in(client, "/padome", tokens["council"])
    shown = client.get("/padome")
    html, page = shown.get_data(as_text=True), text(shown)
    names = {m.code: m.name for m in service.contest(2024).municipalities}
    result = service.round3.result(2024)
    assert result["winner"]["municipality"] == finalists[0]
    winner = re.search(r'id="winner">(.*?)</div>', html, re.S)
    assert winner and names[finalists[0]] in winner.group(1) and "20 000 EUR" in re.sub(r"\s", " ", winner.group(1))
    theme = re.search(r'id="theme-winner">(.*?)</div>', html, re.S)
    assert theme and names[finalists[2]] in theme.group(1) and "6 tēmas punkti" in theme.group(1)
    # the round-3 table: each finalist with the average of the counted scores and their number (§4.7.8, §4.7.9)
    rows = re.findall(r'<th scope="row" data-label="Pašvaldība">([^<]+)', html.split('id="round3-table"')[1])
    assert [r.strip() for r in rows[:5]] == [r["name"] for r in result["round3"]["table"]]
    assert "4,40" in page and "5 vērtējumi" in page
    assert "Par uzvarētāju bija vienāds rezultāts" in page and "izšķīra priekšsēdētāja vērtējums" in page  # §4.7.10
    # each seat counted or not and why, in Latvian (§4.7.4)
    vpd = re.search(r'data-seat="vpd">(.*?)</tr>', html, re.S)
    assert vpd and "Piedalījās: 2 ieskaitītas vizītes (vajag vismaz 3); vērtējumus neieskaita." in vpd.group(1)
    sif = re.search(r'data-seat="sif">(.*?)</tr>', html, re.S)
    assert sif and "vērtējumus ieskaita" in sif.group(1) and "priekšsēdētājs" in sif.group(1)
    lps = re.search(r'data-seat="lps">(.*?)</tr>', html, re.S)
    assert lps and "Nav balsstiesīgs komisijas loceklis" in lps.group(1)
    # each visit counted or not (§4.7.3): E had five voting members and lps
    visit_e = re.search(rf'data-municipality="{finalists[4]}">(.*?)</tr>', html, re.S)
    assert visit_e
    assert "Piedalījās 5 balsstiesīgi komisijas locekļi (vajag vismaz 5); vizīti ieskaita." in visit_e.group(1)
    assert "Piedalījās arī bez balsstiesībām:" in visit_e.group(1)
    # the digest the approval will name: the chain through the last event, as the command computes it (D14)
    through = service.event_count()
    digest = AuditChain(service.store).digest_through(through)
    assert service.round3.approval_checkpoint() == {"through": through, "digest": digest}
    assert re.search(rf'id="pending-digest"[^>]*>{digest}</code>', html)
    assert f'name="digest" value="{digest}"' in html
    assert "No 2024. gada 2. decembra (3. kārtas noslēgšanas diena) līdz 2024. gada 10. decembrim (šodiena)." in page
    assert 'type="date"' in html and 'min="2024-12-02"' in html and 'max="2024-12-10"' in html
    assert english_left(html) == []  # Latvian throughout, clauses as "nolikuma 7.4. punkts"


def test_7_4_d14_refusals_are_shown_at_the_field_and_store_nothing(
        client: FlaskClient, service: ContestService, clock: FrozenClock, tokens: dict[str, str]) -> None:
    play_to_close(client, service, clock, tokens)
    clock.set(day("2024-12-10"))
    sign_in(client, "/padome", tokens["council"])
    before = service.event_count()
    r = approve(client, decision_date="2024-12-01")  # before the result it would approve (§7.4, D14)
    page = text(r)
    assert r.status_code == 409
    field = re.search(r'id="decision_date-error">([^<]+)<', page)
    assert field and field.group(1) == ("Lēmums nevar būt datēts agrāk par rezultātu, ko tas apstiprina: 3. kārta "
                                        "tika noslēgta 2024. gada 2. decembrī.")
    html = r.get_data(as_text=True)
    assert re.search(r'<input id="decision_date" name="decision_date" type="date" required value="2024-12-01"'
                     r'[^>]*aria-describedby="decision_date-hint decision_date-error"\s+aria-invalid="true"', html)
    assert 'href="#decision_date"' in page and "Ievadīts: 2024. gada 1. decembris." in page
    r = approve(client, decision_date="2024-12-11")  # tomorrow
    assert r.status_code == 422
    assert "Lēmuma datums nevar būt vēlāks par šodienu (2024. gada 10. decembris)." in text(r)
    r = approve(client, decision_number="  ", confirm="")
    assert r.status_code == 422 and "Ierakstiet Fonda padomes lēmuma numuru." in text(r)
    assert "Atzīmējiet, ka Fonda padomes lēmums apstiprina šo rezultātu." in text(r)
    r = approve(client, decision_date="9.12.2024")
    assert r.status_code == 422 and "Ievadiet Fonda padomes lēmuma datumu." in text(r)
    assert service.event_count() == before and service.contest(2024).stage == "finished"


def test_d14_a_digest_shown_before_the_history_grew_is_not_approved(
        client: FlaskClient, service: ContestService, clock: FrozenClock, tokens: dict[str, str]) -> None:
    play_to_close(client, service, clock, tokens)
    clock.set(day("2024-12-10"))
    sign_in(client, "/padome", tokens["council"])
    html = client.get("/padome").get_data(as_text=True)
    shown = re.search(r'name="digest" value="([0-9a-f]{64})"', html).group(1)  # type: ignore[union-attr]
    service.issue_token("auditor", actor=system_actor("test"))  # an event after the page was shown
    before = service.event_count()
    r = client.post("/padome/apstiprinat", data={"csrf_token": form_token(client, "/padome"), "digest": shown,
                                                 "decision_number": "Nr. 12", "decision_date": "2024-12-09",
                                                 "confirm": "1"})
    page = text(r)
    assert r.status_code == 409 and "Kopš šīs lapas atvēršanas vēsturē ir reģistrēti jauni notikumi" in page
    assert service.event_count() == before and service.contest(2024).approval is None
    now = AuditChain(service.store).digest_through(before)
    assert f'name="digest" value="{now}"' in page and now != shown  # the new digest, to review


def test_7_4_d14_the_approval_through_the_page_seals_the_contest(
        client: FlaskClient, service: ContestService, clock: FrozenClock, tokens: dict[str, str]) -> None:
    play_to_close(client, service, clock, tokens)
    clock.set(day("2024-12-10"))
    sign_in(client, "/padome", tokens["council"])
    shown = re.search(r'name="digest" value="([0-9a-f]{64})"',  # type: ignore[union-attr]
                      client.get("/padome").get_data(as_text=True)).group(1)
    through = service.event_count()
    r = approve(client)
    assert r.status_code == 303
    contest = service.contest(2024)
    assert contest.stage == "sealed" and contest.approval is not None
    assert contest.approval["decision_number"] == "Nr. 12" and str(contest.approval["decision_date"]) == "2024-12-09"
    assert contest.approval["digest"] == shown == AuditChain(service.store).digest_through(through)
    assert contest.approval["digest_through"] == through
    assert list(service.store.notifications())[-1].topic.endswith("ResultApproved")
    # the sealed state
    sealed = client.get("/padome")
    html, page = sealed.get_data(as_text=True), text(sealed)
    assert "Apstiprināts: konkurss ir noslēgts." in page and "Apstiprināts un noslēgts" in page
    assert "Fonda padomes 2024. gada 9. decembra lēmums Nr. 12" in page
    assert f'id="approved-digest">{shown}</code>' in html and "konkurss ir noslēgts" in page.lower()
    assert 'href="/api/contests/2024/result.html"' in html and 'href="/api/contests/2024/result"' in html
    assert 'name="digest"' not in html and "Apstiprināt rezultātu" not in page
    assert english_left(html) == []
    assert client.get("/api/contests/2024/result.html").status_code == 200
    # an old form sent again changes nothing (D14)
    before = service.event_count()
    r = client.post("/padome/apstiprinat", data={"csrf_token": form_token(client, "/padome"), "digest": shown,
                                                 "decision_number": "Nr. 13", "decision_date": "2024-12-10",
                                                 "confirm": "1"})
    assert r.status_code == 409 and "Rezultāts jau ir apstiprināts, un konkurss ir noslēgts." in text(r)
    assert service.event_count() == before
    english = text(client.get("/padome?lang=en"))
    assert "Fund council decision Nr. 12 of 9 December 2024" in english and "Approved and sealed" in english


def test_the_council_page_keeps_to_the_api_command(client: FlaskClient, service: ContestService,
                                                   clock: FrozenClock, tokens: dict[str, str]) -> None:
    """The page's approval and the API's record the same event with the same fields: the API is the contract."""
    finalists = play_to_close(client, service, clock, tokens)
    clock.set(day("2024-12-10"))
    steps = Steps(client, clock, tokens["secretariat"], finalists)
    r = steps.post("/approval", {"decision_number": "Nr. 12", "decision_date": "2024-12-09"}, tokens["council"])
    assert r.status_code == 200
    sign_in(client, "/padome", tokens["council"])
    page = text(client.get("/padome"))
    assert "Fonda padomes 2024. gada 9. decembra lēmums Nr. 12" in page
    assert r.json["approval"]["digest"] in page
