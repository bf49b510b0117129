"""The contest's configuration on the secretariat's pages (api/desk_config.py, api/desk_jury.py, api/desk_prizes.py):
each form records the same event as the API's PUT for the same change; a refused one (a frozen part,
domain/config_changes.py FREEZES_AT; a bad value) shows the Latvian message at its field and stores nothing."""

from __future__ import annotations

from flask.testing import FlaskClient

from contest.service import ContestService
from tests.conftest import bearer
from tests.support.desk_config import CONFIG, SEC, field_error, last_event, post, to_round2
from tests.support.pages import login, not_latvian, text

WINDOW = {"opens_date": "2024-08-02", "opens_time": "00:00", "closes_date": "2024-09-09", "closes_time": "23:59",
          "reason": "Fonda lēmums"}


def test_the_pages_need_the_desks_session(client: FlaskClient, service: ContestService) -> None:
    r = client.get(CONFIG)
    assert r.status_code == 303 and r.headers["Location"].endswith("/sekretariats")
    before = service.event_count()
    r = client.post(CONFIG + "/tema", data={"csrf_token": "x", "title_lv": "a", "title_en": "b", "reason": "r"})
    assert r.status_code == 400 and service.event_count() == before  # no form of another session's
    r = post(client, CONFIG + "/tema", {"title_lv": "a", "title_en": "b", "reason": "r"}, page="/sekretariats")
    assert r.status_code == 401 and service.event_count() == before


def test_the_overview_says_what_can_change_and_why_not(client: FlaskClient, service: ContestService,
                                                       tokens: dict[str, str]) -> None:
    login(client, tokens["secretariat"])
    desk = text(client.get("/sekretariats"))
    assert 'href="/sekretariats/konfiguracija"' in desk and 'href="/sekretariats/piekluves-atslegas"' in desk
    page = client.get(CONFIG)
    body = text(page)
    assert "Konkursa iestatījumi" in body and "Maināms līdz 1. kārtas sākumam." in body
    assert "no 2024. gada 1. augusta plkst. 00.00 līdz 15. septembrim plkst. 23.59 (Latvijas laiks)" in body
    assert not_latvian(page.get_data(as_text=True)) == []
    to_round2(service)
    body = text(client.get(CONFIG))
    assert "Vairs nav maināms: 1. kārta ir sākusies." in body and "Vairs nav maināms: 2. kārta ir sākusies." in body
    assert "(Nolikuma 3.2.1. punkts)" in body  # the jury's clause, without the project's own labels


def test_the_window_form_records_the_apis_event_in_latvian_time(client: FlaskClient, service: ContestService,
                                                                tokens: dict[str, str]) -> None:
    login(client, tokens["secretariat"])
    page = text(client.get(CONFIG + "/balsojums"))
    assert 'value="2024-08-01"' in page and 'value="23:59"' in page  # shown in Riga time
    before = service.event_count()
    r = post(client, CONFIG + "/balsojums", WINDOW)
    assert r.status_code == 303 and service.event_count() == before + 1
    by_page = last_event(service)
    assert type(by_page).__qualname__ == "Contest.VotingWindowSet"
    assert by_page.window == {"opens_at": "2024-08-01T21:00:00Z", "closes_at": "2024-09-09T20:59:59Z",
                              "timezone": "Europe/Riga"}
    assert by_page.actor == {"role": "secretariat", "principal": "Anna"} and by_page.reason == "Fonda lēmums"
    r = client.put("/api/contests/2024/window", headers=bearer(tokens["secretariat"]), json={
        "opens_at": "2024-08-02T00:00:00+03:00", "closes_at": "2024-09-09T23:59:59+03:00", "reason": "Fonda lēmums"})
    assert r.status_code == 200
    by_api = last_event(service)
    assert (by_api.window, by_api.reason, by_api.actor) == (by_page.window, by_page.reason, by_page.actor)
    desk = text(client.get("/sekretariats"))
    assert "2024. gada 2. augusts plkst. 00.00" in desk and "2024. gada 9. septembris plkst. 23.59" in desk


def test_a_refused_window_is_shown_at_its_field_and_stores_nothing(client: FlaskClient, service: ContestService,
                                                                   tokens: dict[str, str]) -> None:
    login(client, tokens["secretariat"])
    before = service.event_count()
    r = post(client, CONFIG + "/balsojums", {**WINDOW, "closes_date": "2024-07-01"})
    assert r.status_code == 422 and field_error(r, "closes_date") == "Balsojumam jābeidzas pēc tā sākuma."
    r = post(client, CONFIG + "/balsojums", {**WINDOW, "opens_date": "2025-03-30", "opens_time": "03:30",
                                             "closes_date": "2025-04-01"})
    assert r.status_code == 422 and "pulksteņus pagriež stundu uz priekšu" in (field_error(r, "opens_time") or "")
    r = post(client, CONFIG + "/balsojums", {**WINDOW, "reason": " "})
    assert r.status_code == 422
    assert field_error(r, "reason") == "Norādiet izmaiņu iemeslu (to reģistrē kopā ar notikumu)."
    assert 'id="error-summary"' in text(r) and 'href="#reason"' in text(r)
    service.round2.open_window(2024, actor=SEC, reason="agri")
    before = service.event_count()
    r = post(client, CONFIG + "/balsojums", WINDOW)
    assert r.status_code == 409 and "pagarina balsojuma laika lapā" in (field_error(r, "opens_date") or "")
    assert "Nolikuma 4.6.6. punkts" in text(r) and service.event_count() == before
    assert 'data-frozen="yes"' in text(client.get(CONFIG + "/balsojums"))


def test_the_open_vote_is_extended_on_its_page_with_the_apis_event(client: FlaskClient, service: ContestService,
                                                                   tokens: dict[str, str]) -> None:
    login(client, tokens["secretariat"])
    service.round2.open_window(2024, actor=SEC, reason="agri")
    page = text(client.get(CONFIG + "/balsojums"))
    assert 'id="extend-window"' in page and 'id="extend_date" name="extend_date" value="2024-09-15"' in page
    before = service.event_count()
    extend = {"extend_date": "2024-09-20", "extend_time": "18:00", "extend_reason": "pieprasījums"}
    for data, field, message in [
            ({"extend_date": "2024-09-10"}, "extend_date",
             "Jaunajam beigu laikam jābūt vēlākam par pašreizējo un nākotnē."),
            ({"extend_time": "vakarā"}, "extend_time", "Ievadiet laiku stundās un minūtēs, piemēram, 23:59."),
            ({"extend_reason": ""}, "extend_reason", "Norādiet izmaiņu iemeslu (to reģistrē kopā ar notikumu).")]:
        r = post(client, CONFIG + "/balsojums/pagarinat", {**extend, **data}, page=CONFIG + "/balsojums")
        assert r.status_code in (409, 422) and field_error(r, field) == message, (data, field_error(r, field))
    assert service.event_count() == before
    r = post(client, CONFIG + "/balsojums/pagarinat", extend, page=CONFIG + "/balsojums")
    assert r.status_code == 303 and service.event_count() == before + 1
    by_page = last_event(service)
    assert type(by_page).__qualname__ == "Contest.VotingWindowExtended" and by_page.reason == "pieprasījums"
    assert by_page.closes_at.isoformat() == "2024-09-20T15:00:59+00:00"  # Riga's 18:00, its minute included
    assert "līdz 20. septembrim plkst. 18.00" in text(client.get(CONFIG + "/balsojums"))
    service.round2.close_window(2024, actor=SEC, reason="beigas")
    assert 'id="extend-window"' not in text(client.get(CONFIG + "/balsojums"))


def test_the_theme_form_and_its_freeze_with_round_1(client: FlaskClient, service: ContestService,
                                                    tokens: dict[str, str]) -> None:
    login(client, tokens["secretariat"])
    r = post(client, CONFIG + "/tema", {"title_lv": "Jauna tēma", "title_en": "A new theme", "reason": "lēmums"})
    assert r.status_code == 303 and service.contest(2024).theme.title_lv == "Jauna tēma"
    event = last_event(service)
    assert type(event).__qualname__ == "Contest.ThemeSet" and event.theme == {"title_lv": "Jauna tēma",
                                                                             "title_en": "A new theme"}
    before = service.event_count()
    r = post(client, CONFIG + "/tema", {"title_lv": "", "title_en": "x", "reason": "r"})
    assert r.status_code == 422 and field_error(r, "title_lv") == "Ierakstiet nosaukumu, ne vairāk kā 300 rakstzīmes."
    service.open_round1(2024, actor=SEC)
    before = service.event_count()
    r = post(client, CONFIG + "/tema", {"title_lv": "Cita", "title_en": "Other", "reason": "r"})
    assert r.status_code == 409 and service.event_count() == before
    assert field_error(r, "title_lv") == ("To vairs nevar mainīt: konkursa posms ir „1. kārta: anketa”. Rezultātus "
                                          "aprēķina pēc iepriekš izziņotajiem noteikumiem.")
    assert "Nolikuma 4.3. punkts" in text(r)
    assert "disabled" in text(client.get(CONFIG + "/tema"))


def test_the_rules_form_records_only_the_changed_numbers(client: FlaskClient, service: ContestService,
                                                        tokens: dict[str, str]) -> None:
    login(client, tokens["secretariat"])
    page = text(client.get(CONFIG + "/noteikumi"))
    assert "Personas kods un apstiprinājums e-pastā" in page and "Elektroniskā identifikācija (eID)" in page
    assert "vienreizējo saiti" in page  # each identity level explained (D15)
    before = service.event_count()
    r = post(client, CONFIG + "/noteikumi", {"quorum": "6", "vote_identity": "email", "cut_size": "10",
                                             "reason": "padomes lēmums"})
    assert r.status_code == 303 and service.event_count() == before + 1
    event = last_event(service)
    assert type(event).__qualname__ == "Contest.RulesSet" and event.rules["quorum"] == 6
    assert event.rules["vote_identity"] == "email" and event.rules["cut_size"] == 10
    r = post(client, CONFIG + "/noteikumi", {"quorum": "6", "reason": "r"})
    assert r.status_code == 303 and service.event_count() == before + 1  # nothing changed: nothing recorded
    for data, field, message in [
            ({"quorum": "piecas"}, "quorum", "Ievadiet veselu skaitli no 1 līdz 50."),
            ({"quorum": "10"}, "quorum", "Komisijā ir 9 balsstiesīgas vietas: kvorums nevar būt lielāks (nolikuma "
                                         "3.2.3. punkts)."),
            ({"finalists_total": "11"}, "finalists_total", None),
            ({"vote_identity": "pase"}, "vote_identity", "Izvēlieties vienu no norādītajām iespējām.")]:
        r = post(client, CONFIG + "/noteikumi", {**data, "reason": "r"})
        assert r.status_code == 422 and field_error(r, field), (data, text(r))
        assert message is None or field_error(r, field) == message
    assert service.event_count() == before + 1
    to_round2(service)
    before = service.event_count()
    r = post(client, CONFIG + "/noteikumi", {"vote_identity": "code", "reason": "r"})
    assert r.status_code == 409 and "To vairs nevar mainīt" in (field_error(r, "vote_identity") or "")
    assert service.event_count() == before
    r = post(client, CONFIG + "/noteikumi", {"seat_min_visits": "2", "reason": "r"})  # round 3's rules still change
    assert r.status_code == 303 and service.contest(2024).rules.seat_min_visits == 2


def test_the_jury_forms_add_replace_and_remove_seats_with_the_apis_events(
        client: FlaskClient, service: ContestService, tokens: dict[str, str]) -> None:
    login(client, tokens["secretariat"])
    seat = {"seat-lm-organisation": "Labklājības ministrija", "seat-lm-person": "Ilze Kalniņa",
            "seat-lm-voting": "1", "seat-lm-substitutes": "Pēteris Ozols\nAnna Liepa",
            "seat-lm-reason": "padomes lēmums"}
    r = post(client, CONFIG + "/komisija/lm", seat)
    assert r.status_code == 303
    by_page = last_event(service)
    assert type(by_page).__qualname__ == "Contest.JurySet"
    lm = service.contest(2024).seat("lm")
    assert lm.substitutes == ("Pēteris Ozols", "Anna Liepa") and lm.person == "Ilze Kalniņa"
    r = client.put("/api/contests/2024/jury/lm", headers=bearer(tokens["secretariat"]), json={
        "organisation": "Labklājības ministrija", "person": "Ilze Kalniņa", "voting": True,
        "substitutes": ["Pēteris Ozols", "Anna Liepa"], "reason": "padomes lēmums"})
    assert r.status_code == 200 and last_event(service).jury == by_page.jury
    page = text(client.get(CONFIG + "/komisija"))
    assert 'href="/sekretariats/pazinojumi#h-link"' in page  # a seat's address comes with a sign-in link

    r = post(client, CONFIG + "/komisija", {"new-seat-id": "lddk", "new-seat-organisation": "LDDK",
                                            "new-seat-person": "Jānis Bērziņš", "new-seat-reason": "r"})
    assert r.status_code == 303 and not service.contest(2024).seat("lddk").voting
    before = service.event_count()
    for path, data, field, message in [
            ("/lm", {**seat, "seat-lm-person": ""}, "seat-lm-person",
             "Ierakstiet nosaukumu vai vārdu, ne vairāk kā 120 rakstzīmes."),
            ("/sif", {"seat-sif-organisation": "SIF", "seat-sif-person": "X", "seat-sif-voting": "1",
                      "seat-sif-reason": "r"}, "seat-sif-chair", None),  # no chair left (§3.2.2)
            ("", {"new-seat-id": "Ne Der", "new-seat-organisation": "X", "new-seat-person": "Y",
                  "new-seat-reason": "r"}, "new-seat-id", None),
            ("/sif/nonemt", {"seat-sif-remove-reason": "r"}, "seat-sif-remove-reason", None)]:
        r = post(client, CONFIG + "/komisija" + path, data)
        assert r.status_code == 422 and field_error(r, field), (path, text(r))
        assert message is None or field_error(r, field) == message
    assert service.event_count() == before
    r = post(client, CONFIG + "/komisija/lddk/nonemt", {"seat-lddk-remove-reason": "atsauca"})
    assert r.status_code == 303 and "lddk" not in {s.id for s in service.contest(2024).jury}
    assert type(last_event(service)).__qualname__ == "Contest.JurySet"

    to_round2(service)
    before = service.event_count()
    r = post(client, CONFIG + "/komisija/lm", seat)
    assert r.status_code == 409 and "To vairs nevar mainīt" in (field_error(r, "seat-lm-organisation") or "")
    assert service.event_count() == before and "Nolikuma 3.2.1. punkts" in text(r)


def test_the_prizes_and_a_supporters_nomination(client: FlaskClient, service: ContestService,
                                                tokens: dict[str, str]) -> None:
    login(client, tokens["secretariat"])
    prizes = {"rows": "4", "fund_eur": "35 000", "prize-1-id": "main", "prize-1-name": "Galvenā balva",
              "prize-1-amount": "20 000", "prize-1-kind": "main", "prize-2-id": "theme", "prize-2-name": "Tēmas balva",
              "prize-2-amount": "10000", "prize-2-kind": "theme", "prize-3-id": "banka", "prize-3-name": "Bankas balva",
              "prize-3-amount": "5 000", "prize-3-kind": "supporter", "prize-3-sponsor": "Banka AS",
              "reason": "atbalstītājs pievienojās (7.3.)"}
    r = post(client, CONFIG + "/balvas", prizes, page=CONFIG + "/balvas")
    assert r.status_code == 303
    event = last_event(service)
    assert type(event).__qualname__ == "Contest.PrizesSet" and event.prizes["fund_eur"] == 35000
    assert [p["id"] for p in event.prizes["prizes"]] == ["main", "theme", "banka"]
    before = service.event_count()
    r = post(client, CONFIG + "/balvas", {**prizes, "fund_eur": "20 000"})
    assert r.status_code == 422 and "pārsniedz balvu fondu" in (field_error(r, "fund_eur") or "")
    r = post(client, CONFIG + "/balvas", {**prizes, "prize-2-kind": "main"})
    assert r.status_code == 422 and field_error(r, "prize-1-kind")
    r = post(client, CONFIG + "/balvas", {**prizes, "prize-3-amount": "daudz"})
    assert r.status_code == 422 and field_error(r, "prize-3-amount") == "Ievadiet summu veselos eiro, piemēram, 20 000."
    assert service.event_count() == before

    nomination = {"supporter": "Banka AS", "nomination": "Ģimeņu atbalsts", "amount": "1 000",
                  "municipality": "LV-RIX", "note": ""}
    r = post(client, CONFIG + "/balvas/nominacijas", nomination)
    assert r.status_code == 303 and type(last_event(service)).__qualname__ == "Contest.SupporterNominationRecorded"
    assert last_event(service).nomination["amount_eur"] == 1000
    assert "Ģimeņu atbalsts" in text(client.get(CONFIG + "/balvas"))
    before = service.event_count()
    r = post(client, CONFIG + "/balvas/nominacijas", {**nomination, "municipality": ""})
    assert r.status_code == 422 and field_error(r, "municipality") == "Izvēlieties pašvaldību."
    assert service.event_count() == before


def test_a_contest_carried_forward_asks_to_confirm_its_theme_and_prizes(client: FlaskClient, service: ContestService,
                                                                        tokens: dict[str, str]) -> None:
    service.carry_forward(2025, 2024, actor=SEC)  # the pages show the latest contest when none is configured
    login(client, tokens["secretariat"])
    rows = {part: text(client.get(CONFIG)).count(f'data-part="{part}"') for part in ("theme", "prizes")}
    assert rows == {"theme": 1, "prizes": 1}
    page = text(client.get(CONFIG + "/tema"))
    assert "Jāapstiprina: pārņemts no iepriekšējā konkursa" in page
    r = post(client, CONFIG + "/tema", {"title_lv": "2025. gada tēma", "title_en": "The 2025 theme", "reason": "r"})
    assert r.status_code == 303 and "theme" not in service.contest(2025).unconfirmed
    assert service.contest(2024).theme.title_lv != "2025. gada tēma"  # the command names the page's contest
    assert "Jāapstiprina" in text(client.get(CONFIG + "/balvas"))
