"""The progress page (/parskats) for the secretariat and the jury's chair (§3.2.5, §3.2.2): at round 1 which
municipalities have answered and how much (§4.2), at round 2 which voting seats have sent their ballot (§4.6.4),
at round 3 their scores (§4.7.8) and each visit's last day for its notice (§4.7.2), and what blocks the next step;
each list as the service's own queries have it. The chair reads it; another seat's token does not open it; the
chair is not shown what rests on the vote's live tally until the vote closes (D10)."""

from __future__ import annotations

import re

from flask.testing import FlaskClient

from contest.clock import FrozenClock
from contest.seeding import generate_answers
from contest.service import ContestService
from contest.transitions import transitions
from domain.actors import Actor
from tests.support.council import english_left, juror_tokens, sign_in
from tests.support.helpers import ROUND1_OPENS, SEC, all_ballots, cast_votes, close_vote, play_round1
from tests.support.pages import form_token, login, text
from tests.support.round3 import DAYS, Steps, day, reach_round3

SEATS = ["sif", "varam", "lm", "izm", "ugf", "vpd", "vk-pkc", "ldga", "fmt"]


def rows(html: str, table: str, attribute: str) -> dict[str, str]:
    """A table's rows by their data attribute (seat or municipality): the row's HTML."""
    body = html.split(f'id="{table}"', 1)[1].split("</table>", 1)[0]
    return dict(re.findall(rf'<tr {attribute}="([^"]+)"[^>]*>(.*?)</tr>', body, re.S))


def blocker_codes(html: str) -> list[str]:
    section = html.split('id="h-blockers"', 1)[1].split("</section>", 1)[0]
    return re.findall(r'data-code="([^"]+)"', section)


def test_only_the_secretariat_and_the_chair_open_the_progress_page(client: FlaskClient, service: ContestService,
                                                                   tokens: dict[str, str]) -> None:
    jurors = juror_tokens(service)
    refused = "Šo lapu var atvērt tikai ar sekretariāta vai komisijas priekšsēdētāja piekļuves atslēgu."
    for token in (tokens["council"], tokens["auditor"], tokens["municipality"]):
        r = sign_in(client, "/parskats", token)
        assert r.status_code == 401 and refused in text(r)
    r = sign_in(client, "/parskats", jurors["lm"])  # a juror, not the chair (§3.2.2)
    assert r.status_code == 403 and refused in text(r)
    assert 'name="token"' in text(client.get("/parskats"))  # no session was left behind
    # a session of another seat's token (as a juror's own pages would open it) does not open the page either
    _actor, session_id = service.sign_in(jurors["lm"], ("juror",))
    with client.session_transaction() as session:
        session["staff"] = session_id
    r = client.get("/parskats")
    assert r.status_code == 403 and refused in text(r) and 'name="token"' in text(r)  # to sign in otherwise

    r = sign_in(client, "/parskats", jurors["sif"])  # the chair's seat (§3.2.2)
    assert r.status_code == 303
    page = text(client.get("/parskats"))
    assert "(komisijas priekšsēdētājs)" in page and "Kas kavē nākamo soli" in page
    assert "Atpakaļ uz sekretariāta darba vietu" not in page  # the chair has no desk
    assert page.count("<form") == 1 and 'action="/parskats/iziet"' in page  # read only: the logout alone

    client.post("/parskats/iziet", data={"csrf_token": form_token(client, "/parskats")})
    login(client, tokens["secretariat"])  # the desk's session opens the page, and the desk links it
    assert 'href="/parskats"' in text(client.get("/sekretariats"))
    page = text(client.get("/parskats"))
    assert "Konkursa gaita: kas iesniegts un kas vēl gaidāms" in page and "Atpakaļ uz sekretariāta" in page


def test_round_1_which_municipalities_have_answered_and_how_much(client: FlaskClient, service: ContestService,
                                                                 clock: FrozenClock, tokens: dict[str, str]) -> None:
    clock.set(ROUND1_OPENS)
    service.open_round1(2024, actor=SEC)
    contest = service.contest(2024)
    codes = [m.code for m in contest.municipalities][:7]
    for code, given in generate_answers(contest.questionnaire, codes, seed=2024).items():
        service.round1.save_answers(2024, code, given, actor=Actor("municipality", code, municipality=code))
    login(client, tokens["secretariat"])
    html = client.get("/parskats").get_data(as_text=True)
    shown = rows(html, "municipalities", "data-municipality")
    submissions = service.round1.submissions(2024)
    assert list(shown) == [s["municipality"] for s in submissions]
    for s in submissions:
        row = shown[s["municipality"]]
        assert ('class="yes">jā<' in row) == (s["answered"] > 0), s["municipality"]
        assert re.search(rf'class="num answered"[^>]*>{s["answered"]} (atbilde|atbildes|atbilžu)<', row), row
    answered = sum(1 for s in submissions if s["answered"])
    assert answered == 7 and "Atbildes iesniegušas 7 pašvaldības no 43." in text(client.get("/parskats"))
    assert "Komisijas locekļi vērtējumus iesniedz, kad sākas 2. kārta." in html and 'id="visits"' not in html
    assert blocker_codes(html) == [b["code"] for b in transitions(service, 2024)["blockers"]] == []


def test_round_2_which_seats_have_sent_their_ballot(client: FlaskClient, service: ContestService,
                                                    clock: FrozenClock, tokens: dict[str, str]) -> None:
    play_round1(service, clock)
    round2 = service.contest(2024).round2_municipalities
    all_ballots(service, {seat: round2 for seat in ("varam", "lm", "izm")})
    login(client, tokens["secretariat"])
    html = client.get("/parskats").get_data(as_text=True)
    seats = rows(html, "seats", "data-seat")
    standings = service.round2.standings(2024)
    assert list(seats) == SEATS
    for seat in SEATS:
        assert ("nav iesniegts" in seats[seat]) == (seat in standings["missing_ballots"]), seat
    assert "iesniegts 2024. gada 20. jūlijā" in seats["lm"]  # the ballot's day, in the locative
    assert "2. kārta: saņemti 3 vērtējumi no 9 (kvorums 5)." in text(client.get("/parskats"))
    assert 'class="scorecard"' not in html  # no score sheets before round 3
    expected = [b["code"] for b in transitions(service, 2024)["blockers"]]
    assert blocker_codes(html) == expected == ["window_not_closed", "quorum_not_met"]
    assert english_left(html) == []


def test_d10_the_chair_sees_a_tie_on_the_residents_vote_only_once_the_vote_has_closed(
        client: FlaskClient, service: ContestService, clock: FrozenClock, tokens: dict[str, str]) -> None:
    play_round1(service, clock)
    round2 = service.contest(2024).round2_municipalities
    all_ballots(service, {seat: round2 for seat in SEATS})  # the jury's four: round2[:4]
    cast_votes(service, clock, {round2[5]: [5], round2[6]: [5]})  # the residents' choice is tied
    tie = [b for b in transitions(service, 2024)["blockers"] if b["code"] == "tie_open"]
    assert tie and tie[0]["params"]["kind"] == "residents_choice"
    login(client, tokens["secretariat"])
    assert "tie_open" in blocker_codes(client.get("/parskats").get_data(as_text=True))  # the live tally's reader
    client.post("/sekretariats/iziet", data={"csrf_token": form_token(client, "/sekretariats")})
    sign_in(client, "/parskats", juror_tokens(service)["sif"])
    html = client.get("/parskats").get_data(as_text=True)
    assert blocker_codes(html) == ["window_not_closed"]
    assert "pēc balsojuma beigām" in text(client.get("/parskats"))
    close_vote(service, clock)  # weeks later: the session has ended meanwhile
    sign_in(client, "/parskats", juror_tokens(service)["sif"])
    assert "tie_open" in blocker_codes(client.get("/parskats").get_data(as_text=True))


def test_round_3_score_sheets_and_each_visits_last_day_for_its_notice(
        client: FlaskClient, service: ContestService, clock: FrozenClock, tokens: dict[str, str]) -> None:
    finalists = reach_round3(service, clock)
    a, b, c, d, e = finalists
    jurors = juror_tokens(service)
    steps = Steps(client, clock, tokens["secretariat"], finalists)
    assert steps.brief().status_code == 201
    for m, on in zip(finalists, DAYS, strict=True):
        assert steps.plan(m, on).status_code == 201
    clock.set(day("2024-11-04"))
    assert steps.notice(a, "2024-11-04").status_code == 201  # in time for 20 November
    assert steps.notice(c, "2024-11-04").status_code == 201
    clock.set(day("2024-11-15"))
    r = steps.post(f"/visits/{c}/reschedule", {"date": "2024-11-29", "arrival": "12:00", "duration_minutes": 180,
                                               "reason": "the mayor asked"})
    assert r.status_code == 200, r.json  # C's notice announced the old plan: a new one is due
    for seat in ("sif", "varam"):
        assert steps.score(jurors[seat], seat, [5, 4, 3, 2, 1], 0, 1).status_code == 200

    sign_in(client, "/parskats", jurors["sif"])  # the chair reads it
    html = client.get("/parskats").get_data(as_text=True)
    page = text(client.get("/parskats"))
    visits = rows(html, "visits", "data-municipality")
    service_visits = {v["municipality"]: v for v in service.round3.visits(2024)}
    assert list(visits) == finalists
    notice_states = dict(re.findall(r'<tr data-municipality="([^"]+)" data-notice="(\w+)">', html))
    # B's last day (13 Nov) has passed on 15 Nov without a notice; D's (20 Nov) and E's (21 Nov) have not
    assert notice_states == {a: "in_time", b: "overdue", c: "superseded", d: "due", e: "due"}
    for m, v in service_visits.items():  # the last day for the notice, as the service computes it (§4.7.2, D17)
        assert v["notice"]["valid"] == (notice_states[m] == "in_time")
    assert re.search(r'class="latest">2024\. gada 12\. novembris<', visits[a])
    assert service_visits[a]["notice"]["latest_notice_date"] == "2024-11-12"
    assert re.search(r'class="latest">2024\. gada 22\. novembris<', visits[c])  # for the new date, 29 November
    assert "paziņots 2024. gada 4. novembrī, 11 darbdienas pirms vizītes" in visits[a]
    assert "vizīte ir pārcelta, tāpēc jāpaziņo vēlreiz" in visits[c]
    assert "nav paziņots, un termiņš ir beidzies" in visits[b] and "vēl nav paziņots" in visits[d]
    assert "2024. gada 29. novembris, plkst. 12.00" in visits[c]
    # the score sheets (§4.7.8)
    seats = rows(html, "seats", "data-seat")
    cards = service.round3.status(2024)
    for seat in SEATS:
        sheet = seats[seat].split('class="scorecard"', 1)[1]
        assert ("nav iesniegts" in sheet) == (seat in cards["missing_scorecards"]), seat
    assert "3. kārta: saņemtas 2 vērtējumu lapas no 9." in page
    assert "Katrai finālpašvaldībai paziņo vismaz 5 darbdienas pirms vizītes (nolikuma 4.7.2. punkts)." in page
    # what blocks closing round 3: the service's list, one for one
    assert blocker_codes(html) == [b["code"] for b in transitions(service, 2024)["blockers"]]
    assert {"notice_invalid", "attendance_missing", "scores_below_quorum"} <= set(blocker_codes(html))
    assert english_left(html) == []
    english = text(client.get("/parskats?lang=en"))
    assert "given on 4 November 2024, 11 working days before the visit" in english
    assert "Round 3: 2 score sheets received of 9." in english
