"""The jury's pages (/komisija, api/juror.py) through Flask's test client: the sign-in with a seat's token only, the
round-2 ballot (§4.6.4, D8) drafted, submitted through the same command as PUT /ballots/{seat}, refused at the
field in Latvian, replaced while round 2 is open and refused once it closes; a draft counts nowhere and reaches
no export; the residents' comments for the jury (§4.6.3) are the jury's alone."""

from __future__ import annotations

import re
from datetime import timedelta

from flask.testing import FlaskClient

from contest.audit import export_lines
from contest.clock import FrozenClock
from contest.residents import fake_personal_codes
from contest.service import ContestService
from domain.actors import Actor, system_actor
from tests.support.helpers import SEC, VOTE_DAY, all_ballots, bearer, cast_votes, close_vote, play_round1
from tests.support.juror import BALLOT, WHY, ballot_fields, english_left, juror_login, post_ballot
from tests.support.pages import form_token, login, text

LOGIN_FORM = 'action="/komisija/ieiet"'
HOME = 'action="/komisija/iziet"'  # the logout form: only for a signed-in seat
STANDINGS = "/api/contests/2024/standings"


def ballot_events(service: ContestService) -> list[str]:
    return [line for line in export_lines(service.store) if "domain.ballot:Ballot" in line]


def field_error(html: str, field: str) -> str:
    """The message shown at a field (its `<id>-error` paragraph), and that the field points to it."""
    match = re.search(rf'<p class="field-error" id="{field}-error">([^<]*)</p>', html)
    assert match, f"no error at {field}"
    assert re.search(rf'id="{field}"[^>]*aria-invalid="true"', html), f"{field} is not marked invalid"
    return match.group(1)


def test_only_a_jury_seats_token_signs_in_and_logout_ends_it(client: FlaskClient, service: ContestService,
                                                             tokens: dict[str, str]) -> None:
    for path in ("/komisija", BALLOT, "/komisija/komentari", "/komisija/3-karta"):
        page = text(client.get(path))
        assert LOGIN_FORM in page and HOME not in page, path
    r = juror_login(client, tokens["secretariat"])
    assert r.status_code == 401 and "Komisijas lapas atver tikai Vērtēšanas komisijas vietas" in text(r)
    r = juror_login(client, "ctk_not-a-token")
    assert r.status_code == 401 and "atsaukta" in text(r)
    assert juror_login(client, tokens["juror"]).status_code == 303
    home = text(client.get("/komisija"))
    assert HOME in home and "Komisijas vieta: Labklājības ministrija" in home
    assert 'data-state="waiting"' in home  # round 2 has not opened: nothing is due yet
    assert "Vērtējumu var sniegt, kad 1. kārta ir noslēgta" in text(client.get(BALLOT))
    assert "Round 2 ballot" in text(client.get(BALLOT + "?lang=en"))
    client.post("/komisija/iziet", data={"csrf_token": form_token(client, "/komisija?lang=lv")})
    assert LOGIN_FORM in text(client.get("/komisija"))
    r = client.post(BALLOT, data={"csrf_token": form_token(client, "/komisija"), "action": "draft"})
    assert r.status_code == 401 and "sesija ir beigusies" in text(r)
    r = client.post(BALLOT, data={"action": "draft"})
    assert r.status_code == 400  # no CSRF token


def test_a_draft_is_kept_for_the_seat_and_counts_nowhere(client: FlaskClient, service: ContestService,
                                                         clock: FrozenClock, tokens: dict[str, str]) -> None:
    r2 = play_round1(service, clock)
    juror_login(client, tokens["juror"])
    before = service.event_count()
    fields = ballot_fields(r2) | {f"points-{r2[1]}": "", f"justification-{r2[9]}": "Maz atbalsta jaunajām ģimenēm"}
    r = post_ballot(client, fields, action="draft")
    assert r.status_code == 303
    page = client.get(BALLOT).get_data(as_text=True)
    assert "Melnraksts ir saglabāts. Tas nav iesniegts" in page and 'id="draft"' in page
    assert re.search(rf'id="points-{r2[0]}"[^>]*>.*?<option value="5" selected>', page, re.S)
    assert re.search(rf'id="points-{r2[1]}"[^>]*>\s*<option value="">[^<]*</option>\s*<option value="5" >', page)
    assert "Maz atbalsta jaunajām ģimenēm</textarea>" in page
    home = client.get("/komisija").get_data(as_text=True)
    assert 'data-state="draft"' in home and english_left(home) == []
    # a draft is no ballot: no event, nothing in the standings or the export, the quorum untouched (D9)
    assert service.event_count() == before and ballot_events(service) == []
    standings = client.get(STANDINGS, headers=bearer(tokens["juror"])).json
    assert standings["ballots"] == {} and "lm" in standings["missing_ballots"]
    assert all(p == 0 for p in standings["jury_points"].values())
    other = service.issue_token("juror", actor=system_actor("test"), seat="izm", year=2024)[0]
    second = client.application.test_client()
    juror_login(second, other)
    assert 'id="draft"' not in second.get(BALLOT).get_data(as_text=True)  # a draft is the seat's own


def test_a_missing_justification_is_refused_at_its_field_and_nothing_is_stored(
        client: FlaskClient, service: ContestService, clock: FrozenClock, tokens: dict[str, str]) -> None:
    r2 = play_round1(service, clock)
    juror_login(client, tokens["juror"])
    before = service.event_count()
    r = post_ballot(client, ballot_fields(r2, unjustified=(r2[7],)))
    assert r.status_code == 409
    page = r.get_data(as_text=True)
    name = service.contest(2024).municipality(r2[7]).name
    assert field_error(page, f"justification-{r2[7]}") == (
        f"Pamatojiet, kāpēc {name} saņem 0 punktu (katram 0 vajadzīgs rakstisks pamatojums).")
    assert f'href="#justification-{r2[7]}"' in page and "Nekas netika iesniegts vai saglabāts." in page
    assert f"{WHY}</textarea>" in page  # what was typed is kept on the page
    assert english_left(page) == []
    assert service.event_count() == before and service.round2.seat_ballot(2024, "lm") is None
    # the other rules at their fields: a value twice (D8) and a municipality without points (§4.6.4)
    twice = ballot_fields(r2) | {f"points-{r2[1]}": "5"}
    page = post_ballot(client, twice).get_data(as_text=True)
    assert "Vērtību 5 saņem vairāk nekā viena pašvaldība" in field_error(page, f"points-{r2[0]}")
    assert "Vēl nav piešķirts: 4." in page and english_left(page) == []
    unset = ballot_fields(r2) | {f"points-{r2[2]}": ""}
    page = post_ballot(client, unset).get_data(as_text=True)
    assert "Izvēlieties, cik punktu saņem" in field_error(page, f"points-{r2[2]}")
    assert service.event_count() == before
    english = client.post(BALLOT + "?lang=en", data={"csrf_token": form_token(client, BALLOT), "action": "submit",
                                                     **ballot_fields(r2, unjustified=(r2[7],))})
    assert f"Write why {name} gets 0 points" in text(english)


def test_a_ballot_is_submitted_with_who_cast_it_replaced_while_open_and_refused_once_closed(
        client: FlaskClient, service: ContestService, clock: FrozenClock, tokens: dict[str, str]) -> None:
    r2 = play_round1(service, clock)
    clock.set(VOTE_DAY)
    juror_login(client, tokens["juror"])
    post_ballot(client, ballot_fields(r2, list(reversed(r2))), action="draft")
    r = post_ballot(client, ballot_fields(r2, cast_by="LM aizvietotājs"))
    assert r.status_code == 303
    page = text(client.get(BALLOT))
    assert "Jūsu vērtējums ir iesniegts" in page and "Iesniegts:" in page
    assert "aizpildīja deleģētais aizvietotājs LM aizvietotājs" in page and 'id="draft"' not in page
    assert service.round2.ballot_draft(2024, "lm", actor=Actor("juror", "lm", seat="lm")) is None  # submitted: gone
    ballot = client.get(STANDINGS, headers=bearer(tokens["juror"])).json["ballots"]["lm"]
    assert ballot["cast_by"] == "LM aizvietotājs" and ballot["versions"] == 1
    assert ballot["points"][r2[0]] == 5 and ballot["justifications"][r2[9]] == WHY
    assert len(ballot_events(service)) == 2  # Ballot.Opened and Ballot.Cast: the draft is in neither
    assert 'data-state="submitted"' in text(client.get("/komisija"))
    # replaced while round 2 is open: the last one counts (§4.6.4)
    clock.set(VOTE_DAY + timedelta(minutes=5))
    assert post_ballot(client, ballot_fields(r2, r2[5:] + r2[:5])).status_code == 303
    ballot = client.get(STANDINGS, headers=bearer(tokens["juror"])).json["ballots"]["lm"]
    assert ballot["versions"] == 2 and ballot["cast_by"] == "member" and ballot["points"][r2[5]] == 5
    # round 2 closes: the ballot stands as submitted and takes no change
    close_vote(service, clock)
    all_ballots(service, {s: r2[:5] for s in ("sif", "varam", "izm", "ugf")})
    service.round2.close(2024, actor=SEC)
    juror_login(client, tokens["juror"])
    before = service.event_count()
    for action in ("submit", "draft"):
        r = post_ballot(client, ballot_fields(r2), action=action)
        assert r.status_code == 409, action
        assert "2. kārta ir noslēgta: vērtējumu vairs nevar iesniegt vai aizstāt." in text(r)
        assert "Nolikuma 4.6.4. punkts" in text(r)
    assert service.event_count() == before
    page = text(client.get(BALLOT))
    assert 'id="ballot-table"' in page and 'name="action"' not in page


def test_a_seat_without_a_vote_has_no_ballot_form(client: FlaskClient, service: ContestService,
                                                  clock: FrozenClock) -> None:
    play_round1(service, clock)
    token = service.issue_token("juror", actor=system_actor("test"), seat="lps", year=2024)[0]
    juror_login(client, token)
    page = text(client.get(BALLOT))
    assert "Šai vietai nav balsstiesību" in page and 'name="action"' not in page
    assert 'id="not-voting"' in text(client.get("/komisija"))


def test_the_residents_comments_are_the_jurys_alone_and_the_ratings_wait_for_the_close(
        client: FlaskClient, service: ContestService, clock: FrozenClock, tokens: dict[str, str]) -> None:
    r2 = play_round1(service, clock)
    cast_votes(service, clock, {r2[0]: [4, 5]})
    service.round2.cast_vote(2024, personal_code=fake_personal_codes(1, seed=4242)[0], municipality=r2[1],
                             rating=2, comment="Trūkst rotaļu laukumu pie skolām")
    juror_login(client, tokens["juror"])
    page = text(client.get("/komisija/komentari"))
    assert "Trūkst rotaļu laukumu pie skolām" in page and english_left(page) == []
    assert 'id="no-ratings"' in page and "vērtējums 2" not in page  # while the vote is open: no partial tally
    assert "Trūkst rotaļu laukumu" not in text(client.get(f"/komisija/komentari?m={r2[0]}"))
    for path in ("/", "/rezultati", "/rezultati/balsojums", f"/rezultati/{r2[1]}", "/balsot"):
        assert "Trūkst rotaļu laukumu" not in text(client.get(path)), path  # never public
    desk = client.application.test_client()
    login(desk, tokens["secretariat"])
    page = text(desk.get("/komisija/komentari"))
    assert LOGIN_FORM in page and "Trūkst rotaļu laukumu" not in page  # the jury's pages are for jurors
    close_vote(service, clock)
    juror_login(client, tokens["juror"])
    page = text(client.get("/komisija/komentari"))
    assert "vērtējums 2" in page and 'id="no-ratings"' not in page

