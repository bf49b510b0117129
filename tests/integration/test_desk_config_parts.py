"""The participants, round 1's scoring and the working-day calendar on the secretariat's pages
(api/desk_participants.py, api/desk_scoring.py, api/desk_calendar.py): each form records the same event as the
API's PUT for the same change (§3.3; §4.2, D2-D7; §4.7.2, D17); a refused one shows the Latvian message at its field
and stores nothing; each part freezes with the round it serves (domain/config_changes.py FREEZES_AT)."""

from __future__ import annotations

import re
from typing import Any

from flask.testing import FlaskClient

from contest.clock import FrozenClock
from contest.service import ContestService
from tests.conftest import bearer
from tests.support.desk_config import CONFIG, SEC, field_error, last_event, post
from tests.support.pages import login, not_latvian, text
from tests.support.round3 import reach_round3

PARTICIPANTS = CONFIG + "/dalibnieces"
SCORING = CONFIG + "/vertesana"
CALENDAR = CONFIG + "/kalendars"


def typed_rows(client: FlaskClient) -> dict[str, str]:
    """The participants' form as the page fills it: every row's code, name and kind, and the row count."""
    page = client.get(PARTICIPANTS).get_data(as_text=True)
    form = {m[0]: m[1] for m in re.findall(r'name="(municipality-\d+-(?:code|name))" value="([^"]*)"', page)}
    for name, kind in re.findall(r'name="(municipality-\d+-kind)"[^>]*>\s*(?:<option value="[^"]*" ?>[^<]*</option>)*'
                                 r'\s*<option value="([^"]*)" selected', page):
        form[name] = kind
    form["rows"] = re.search(r'name="rows" value="(\d+)"', page).group(1)  # type: ignore[union-attr]
    return form


def test_the_overview_links_every_part_and_no_part_is_left_to_the_api(client: FlaskClient,
                                                                      tokens: dict[str, str]) -> None:
    login(client, tokens["secretariat"])
    page = client.get(CONFIG)
    body = text(page)
    for part, link in [("municipalities", PARTICIPANTS), ("scoring", SCORING), ("calendar", CALENDAR)]:
        assert f'data-part="{part}"' in body and f'href="{link}"' in body
    assert "43 pašvaldības" in body and "Punkti par pirmajām vietām: 1,0; 0,9; 0,8; virs mediānas: 0,5." in body
    assert "maina ar API" not in body
    for path in (PARTICIPANTS, SCORING, CALENDAR):
        for lang in ("lv", "en"):
            r = client.get(f"{path}?lang={lang}")
            assert r.status_code == 200 and f'<html lang="{lang}">' in r.get_data(as_text=True)
        assert not_latvian(client.get(path + "?lang=lv").get_data(as_text=True)) == [], path
    assert "Pašvaldības nosaukums" in text(client.get(PARTICIPANTS + "?lang=lv"))


def test_the_participants_form_records_the_apis_event(client: FlaskClient, service: ContestService,
                                                      tokens: dict[str, str]) -> None:
    login(client, tokens["secretariat"])
    form = typed_rows(client)
    assert form["rows"] == "46" and form["municipality-1-code"] and form["municipality-44-code"] == ""
    riga = next(k[:-5] for k, v in form.items() if v == "LV-RIX")
    assert form[riga + "-kind"] == "valstspilsēta"
    last = next(k[:-5] for k, v in form.items() if v == "LV-102")  # Varakļāni's county is leaving
    data = {**form, last + "-remove": "1", "municipality-44-code": "LV-XYZ", "municipality-44-name": "Jaunais novads",
            "municipality-44-kind": "novads", "reason": "administratīvi teritoriālā reforma"}
    before = service.event_count()
    r = post(client, PARTICIPANTS, data, page=PARTICIPANTS)
    assert r.status_code == 303 and service.event_count() == before + 1
    by_page = last_event(service)
    assert type(by_page).__qualname__ == "Contest.MunicipalitiesSet"
    codes = [m["code"] for m in by_page.municipalities]
    assert len(codes) == 43 and "LV-102" not in codes and codes[-1] == "LV-XYZ"
    assert by_page.reason == "administratīvi teritoriālā reforma" and by_page.actor["role"] == "secretariat"
    assert "Reģistrēts: 43 konkursa dalībnieces." in text(client.get(PARTICIPANTS))
    r = client.put("/api/contests/2024/municipalities", headers=bearer(tokens["secretariat"]),
                   json={"municipalities": by_page.municipalities, "reason": by_page.reason})
    assert r.status_code == 200
    by_api = last_event(service)
    assert (by_api.municipalities, by_api.reason) == (by_page.municipalities, by_page.reason)


def test_a_refused_participant_list_is_shown_at_the_row_and_stores_nothing(client: FlaskClient,
                                                                           service: ContestService,
                                                                           tokens: dict[str, str]) -> None:
    login(client, tokens["secretariat"])
    form = {**typed_rows(client), "reason": "r"}
    before = service.event_count()
    r = post(client, PARTICIPANTS, {**form, "municipality-2-code": "Rīga"}, page=PARTICIPANTS)
    assert r.status_code == 422 and field_error(r, "municipality-2-code") == (
        "Kods ir pašvaldības ISO 3166-2 kods: LV- un divi vai trīs lielie burti vai cipari, piemēram, LV-RIX.")
    r = post(client, PARTICIPANTS, {**form, "municipality-3-code": form["municipality-1-code"]}, page=PARTICIPANTS)
    assert r.status_code == 422
    assert field_error(r, "municipality-3-code") == (f"Kods {form['municipality-1-code']} ir norādīts divreiz: katru "
                                                     "pašvaldību norāda vienu reizi.")
    r = post(client, PARTICIPANTS, {**form, "municipality-44-code": "LV-ABC"}, page=PARTICIPANTS)
    assert r.status_code == 422 and field_error(r, "municipality-44-name") == (
        "Ierakstiet pašvaldības nosaukumu, ne vairāk kā 100 rakstzīmes.")
    removed = {f"municipality-{n}-remove": "1" for n in range(2, 44)}
    r = post(client, PARTICIPANTS, {**form, **removed}, page=PARTICIPANTS)
    assert r.status_code == 422 and "Norādiet vismaz 2 pašvaldības" in (field_error(r, "municipality-1-code") or "")
    r = post(client, PARTICIPANTS, {**form, "reason": ""}, page=PARTICIPANTS)
    assert r.status_code == 422 and field_error(r, "reason")
    assert service.event_count() == before
    service.open_round1(2024, actor=SEC)
    page = text(client.get(PARTICIPANTS))
    assert "Vairs nav maināms: 1. kārta ir sākusies." in page and 'id="save-participants"' not in page
    before = service.event_count()
    r = post(client, PARTICIPANTS, form, page=PARTICIPANTS)
    assert r.status_code == 409 and "To vairs nevar mainīt" in (field_error(r, "municipality-1-code") or "")
    assert "Nolikuma 3.3. punkts" in text(r) and service.event_count() == before


SCORED = {"ladder-1": "1", "ladder-2": "0,9", "ladder-3": "0,8", "ladder-4": "", "above_median_points": "0,5",
          "median_rule": "mean_of_middle", **{f"section-{n}": "" for n in range(2, 11)},
          "block-regular": "1", "block-one_off": "1", "block-long_term": "1", "reason": "padomes lēmums"}


def test_the_scoring_form_records_the_apis_event(client: FlaskClient, service: ContestService,
                                                 tokens: dict[str, str]) -> None:
    login(client, tokens["secretariat"])
    page = text(client.get(SCORING))
    assert 'id="ladder-4"' in page and 'value="0,9"' in page and "Mediāna" in page
    assert "2. kārtā iekļūst 10 pašvaldības ar visvairāk punktiem" in page
    before = service.event_count()
    r = post(client, SCORING, SCORED, page=SCORING)
    assert r.status_code == 303 and service.event_count() == before  # the same numbers: nothing recorded
    assert "Nekas netika mainīts" in text(client.get(SCORING))
    data: dict[str, Any] = {**SCORED, "ladder-4": "0,7", "above_median_points": "0,4", "median_rule": "lower_middle",
                            "section-5": "2", "block-long_term": "1,5"}
    r = post(client, SCORING, data, page=SCORING)
    assert r.status_code == 303 and service.event_count() == before + 1
    by_page = last_event(service)
    assert type(by_page).__qualname__ == "Contest.ScoringSet"
    assert by_page.scoring["ladder"] == [1.0, 0.9, 0.8, 0.7] and by_page.scoring["above_median_points"] == 0.4
    assert by_page.scoring["median_rule"] == "lower_middle" and by_page.scoring["section_weights"] == {"5": 2.0}
    assert by_page.scoring["block_weights"]["long_term"] == 1.5 and by_page.scoring["cut_size"] == 10
    assert service.contest(2024).scoring_params.ladder == (1.0, 0.9, 0.8, 0.7)
    r = client.put("/api/contests/2024/scoring", headers=bearer(tokens["secretariat"]),
                   json={"scoring": by_page.scoring, "reason": by_page.reason})
    assert r.status_code == 200
    assert (last_event(service).scoring, last_event(service).reason) == (by_page.scoring, by_page.reason)


def test_a_refused_scoring_is_shown_at_its_field_and_stores_nothing(client: FlaskClient, service: ContestService,
                                                                    tokens: dict[str, str]) -> None:
    login(client, tokens["secretariat"])
    before = service.event_count()
    for data, field, message in [
            ({"ladder-2": "daudz"}, "ladder-2", "Punkti no 0 līdz 1000; katrai vietai ne vairāk kā iepriekšējai."),
            ({"ladder-2": "1,5"}, "ladder-1", "Punkti no 0 līdz 1000; katrai vietai ne vairāk kā iepriekšējai."),
            ({"above_median_points": "0,9"}, "above_median_points",
             "Punkti no 0 līdz 1000, ne vairāk kā par pēdējo vietu."),
            ({"section-4": "0"}, "section-4", "Svars, kas lielāks par 0 un nepārsniedz 1000, piemēram, 1 vai 1,5."),
            ({"block-one_off": "-1"}, "block-one_off",
             "Svars, kas lielāks par 0 un nepārsniedz 1000, piemēram, 1 vai 1,5."),
            ({"median_rule": "average"}, "median_rule", "Izvēlieties vienu no norādītajām iespējām.")]:
        r = post(client, SCORING, {**SCORED, **data, "ladder-4": "0,1"}, page=SCORING)
        assert r.status_code == 422 and field_error(r, field) == message, (data, field_error(r, field))
    assert field_error(r, "section-4") is None  # only the field at fault
    assert service.event_count() == before
    service.open_round1(2024, actor=SEC)
    assert 'id="save-scoring"' not in text(client.get(SCORING))
    r = post(client, SCORING, {**SCORED, "ladder-4": "0,1"}, page=SCORING)
    assert r.status_code == 409 and service.event_count() == before + 1  # the opening only
    assert "Nolikuma 4.2. punkts" in text(r)


def test_the_calendar_form_records_the_apis_event(client: FlaskClient, service: ContestService,
                                                  tokens: dict[str, str]) -> None:
    login(client, tokens["secretariat"])
    page = text(client.get(CALENDAR))
    assert "Latvijas Republikas Proklamēšanas diena" in page and "2024. gada 18. novembris" in page
    assert "sestdiena, 2024. gada 14. decembris" in page  # a Saturday declared a working day
    recorded = service.calendar(2024)
    assert recorded is not None
    off = "\n".join(f"{d} {name}" for d, name in recorded["days_off"].items())
    moved = "2024-11-15 Pārceltā brīvdiena"  # a Cabinet order the library did not know
    form = {"first_day": recorded["first_day"], "last_day": recorded["last_day"],
            "source": recorded["source"] + " + MK rīkojums", "days_off": off + "\n" + moved + "\n",
            "working_days": "\n".join(recorded["working_days"] + ["2024-11-23"]), "reason": "MK rīkojums Nr. 1"}
    before = service.event_count()
    r = post(client, CALENDAR, form, page=CALENDAR)
    assert r.status_code == 303 and service.event_count() == before + 1
    by_page = last_event(service)
    assert type(by_page).__qualname__ == "Contest.CalendarSet"
    assert by_page.calendar["days_off"]["2024-11-15"] == "Pārceltā brīvdiena"
    assert "2024-11-23" in by_page.calendar["working_days"] and by_page.reason == "MK rīkojums Nr. 1"
    assert "Reģistrēts darbdienu kalendārs." in text(client.get(CALENDAR))
    r = client.put("/api/contests/2024/calendar", headers=bearer(tokens["secretariat"]),
                   json={"calendar": by_page.calendar, "reason": by_page.reason})
    assert r.status_code == 200 and last_event(service).calendar == by_page.calendar


def test_the_calendar_form_fills_from_the_library_and_refuses_at_the_line(client: FlaskClient,
                                                                          service: ContestService,
                                                                          tokens: dict[str, str]) -> None:
    login(client, tokens["secretariat"])
    before = service.event_count()
    filled = client.get(CALENDAR + "?first_year=2025&last_year=2026")
    assert filled.status_code == 200 and service.event_count() == before  # filled, not recorded
    body = text(filled)
    assert 'value="2025-01-01"' in body and 'value="2026-12-31"' in body
    assert "Veidlapa aizpildīta ar holidays" in body and 'value="2026"' in body
    assert client.get(CALENDAR + "?first_year=2025&last_year=2040").status_code == 422
    form = {"first_day": "2024-01-01", "last_day": "2025-12-31", "source": "holidays",
            "days_off": "2024-11-18 Proklamēšanas diena\n2024-11-19 Otrdiena", "working_days": "", "reason": "r"}
    for data, field, message in [
            ({"days_off": form["days_off"] + "\n2024-11-16 Sestdiena"}, "days_off",
             "3. rinda: šeit norāda tikai dienas no pirmdienas līdz piektdienai: sestdiena un svētdiena tāpat nav "
             "darbdienas."),
            ({"days_off": "18.11.2024. Proklamēšanas diena"}, "days_off",
             "1. rinda: ierakstiet datumu formā GGGG-MM-DD un pēc tā dienas nosaukumu."),
            ({"days_off": "2024-11-18"}, "days_off",
             "1. rinda: norādiet dienas nosaukumu, piemēram, Latvijas Republikas proklamēšanas diena."),
            ({"days_off": "2024-11-18 A\n2024-11-18 B"}, "days_off", "2. rinda: šī diena jau ir norādīta."),
            ({"working_days": "2024-12-14\n\n2024-12-16"}, "working_days",
             "3. rinda: šeit norāda tikai sestdienas vai svētdienas, kas noteiktas par darbdienām."),
            ({"working_days": "2026-12-12"}, "working_days", "1. rinda: šī diena ir ārpus kalendāra aptvertā laika."),
            ({"last_day": "2023-12-31"}, "last_day", "Pēdējā diena nevar būt agrāka par pirmo."),
            ({"first_day": "1.1.2024"}, "first_day", "Ievadiet datumu, piemēram, 2024-08-01.")]:
        r = post(client, CALENDAR, {**form, **data}, page=CALENDAR)
        assert r.status_code == 422 and field_error(r, field) == message, (data, field_error(r, field))
    assert service.event_count() == before


def test_the_calendar_freezes_when_round_3_opens(client: FlaskClient, service: ContestService, clock: FrozenClock,
                                                 tokens: dict[str, str]) -> None:
    reach_round3(service, clock)
    login(client, tokens["secretariat"])
    page = text(client.get(CALENDAR))
    assert "Vairs nav maināms: 3. kārta ir sākusies." in page
    assert 'id="save-calendar"' not in page and 'id="fill-calendar"' not in page
    recorded = service.calendar(2024)
    assert recorded is not None
    before = service.event_count()
    r = post(client, CALENDAR, {"first_day": recorded["first_day"], "last_day": recorded["last_day"],
                                "source": "x", "days_off": "", "working_days": "", "reason": "par vēlu"}, page=CALENDAR)
    assert r.status_code == 409 and "To vairs nevar mainīt" in (field_error(r, "first_day") or "")
    assert "Nolikuma 4.7.2. punkts" in text(r) and service.event_count() == before
    assert service.calendar(2024) == recorded
