"""Next year's contest carried forward from an earlier one in the store (ContestService.carry_forward), through
`contest init --year 2027 --from 2024`, `POST /api/contests` and the secretariat's desk: the 2027 contest has the
42 municipalities of its year (§3.3), the vote window by the 2024 rule (§4.6.6), the theme and prizes to be
confirmed (§4.3, §6), a working-day calendar of its own (D17), and the 2024 contest is left as it was. Refused:
a year that exists (409), a contest to carry from that does not (404), a year not after it (422)."""

from __future__ import annotations

import json
import re

from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient

from contest.audit import export_lines
from contest.cli import main as cli
from contest.clock import FrozenClock
from contest.service import ContestService
from contest.verify import verify_file
from domain.contest import contest_id
from projections.views import Views
from tests.conftest import bearer
from tests.support.helpers import another_instance
from tests.support.pages import form_token, login, text

WINDOW_2027 = {"opens_at": "2027-07-31T21:00:00Z", "closes_at": "2027-09-15T20:59:59Z", "timezone": "Europe/Riga"}


def events_of_2024(service: ContestService) -> list[tuple[int, str]]:
    return [(e.originator_version, e.topic) for e in service.store.recorder.select_events(contest_id(2024))]


def check_2027(service: ContestService) -> None:
    contest = service.contest(2027)
    codes = [m.code for m in contest.municipalities]
    assert len(codes) == 42 and "LV-102" not in codes and "LV-059" in codes  # Varakļāni joined Madona (§3.3)
    assert contest.window.to_dict() == WINDOW_2027  # 1 August 00:00 - 15 September 23:59:59 in Riga (§4.6.6)
    assert contest.unconfirmed == ("theme", "prizes") and contest.stage == "setup"
    old = service.contest(2024)
    assert [s.to_dict() for s in contest.jury] == [s.to_dict() for s in old.jury]
    assert contest.rules == old.rules and contest.questionnaire == old.questionnaire
    assert contest.calendar is not None and contest.calendar.summary()["first_day"] == "2027-01-01"  # D17
    assert contest.origin == {"from_year": 2024, "roster_day": "2027-08-01",
                              "window_rule": "1 August 00:00:00 to 15 September 23:59:59, Europe/Riga"}


# ----- the CLI -----

def test_contest_init_from_2024_creates_2027_with_42_municipalities_and_leaves_2024_alone(
        empty_service: ContestService, store_url: str, clock: FrozenClock) -> None:
    runner = CliRunner()
    created = runner.invoke(cli, ["--store", store_url, "init"])  # --preset 2024 by default, as before
    assert created.exit_code == 0 and "contest 2024 created: 43 municipalities" in created.output, created.output
    before = events_of_2024(empty_service)
    run = runner.invoke(cli, ["--store", store_url, "init", "--year", "2027", "--from", "2024"])
    assert run.exit_code == 0, run.output
    assert "contest 2027 created from 2024: 42 municipalities, 10 jury seats" in run.output
    assert "vote window: 1 August 00:00:00 to 15 September 23:59:59, Europe/Riga" in run.output
    assert "to be confirmed before round 1 opens: theme, prizes" in run.output
    with another_instance(store_url, clock) as fresh:
        assert fresh.years() == [2024, 2027]
        check_2027(fresh)
        assert events_of_2024(fresh) == before  # not one event added to the 2024 contest
        assert len(fresh.contest(2024).municipalities) == 43
    info = runner.invoke(cli, ["--store", store_url, "info"])
    assert "contest 2024: setup, 43 municipalities" in info.output
    assert "contest 2027: setup, 42 municipalities" in info.output


def test_contest_init_refuses_an_existing_year_a_missing_source_and_a_year_not_after_it(
        service: ContestService, store_url: str) -> None:
    runner = CliRunner()

    def init(*args: str) -> tuple[int, str]:
        run = runner.invoke(cli, ["--store", store_url, "init", *args])
        return run.exit_code, run.output

    assert init("--year", "2027", "--from", "2024")[0] == 0
    code, out = init("--year", "2027", "--from", "2024")
    assert code == 1 and "the 2027 contest exists already (§4.1)" in out
    code, out = init("--year", "2028", "--from", "2020")
    assert code == 1 and "contest 2020 not found" in out
    code, out = init("--year", "2023", "--from", "2024")
    assert code == 1 and "year: must be after 2024" in out
    code, out = init("--preset", "2024")
    assert code == 1 and "the 2024 contest exists already (§4.1)" in out  # --preset works as before
    assert init("--year", "2028")[0] == 2 and init("--from", "2024")[0] == 2  # usage: they go together
    assert init("--preset", "2024", "--year", "2028", "--from", "2024")[0] == 2
    assert service.years() == [2024, 2027]


# ----- the API -----

def test_post_contests_creates_next_years_contest_for_the_secretariat(
        client: FlaskClient, service: ContestService, tokens: dict[str, str]) -> None:
    body = {"year": 2027, "from": 2024}
    assert client.post("/api/contests", json=body).status_code == 401
    assert client.post("/api/contests", json=body, headers=bearer(tokens["juror"])).status_code == 403
    before = events_of_2024(service)
    r = client.post("/api/contests", json=body, headers=bearer(tokens["secretariat"]))
    assert r.status_code == 201, r.get_json()
    made = r.get_json()
    assert (made["year"], made["municipalities"], made["stage"]) == (2027, 42, "setup")
    assert made["unconfirmed"] == ["theme", "prizes"] and made["carried_from"] == 2024
    assert {k: made["window"][k] for k in WINDOW_2027} == WINDOW_2027
    assert made["window"]["opens_local"] == "2027-08-01T00:00:00+03:00"
    check_2027(service)
    assert events_of_2024(service) == before
    config = client.get("/api/contests/2027/config").get_json()
    assert config["unconfirmed"] == ["theme", "prizes"] and config["origin"]["from_year"] == 2024
    assert client.get("/api/contests/2024/config").get_json()["unconfirmed"] == []
    assert [c["year"] for c in client.get("/api/contests").get_json()] == [2024, 2027]
    blockers = client.get("/api/contests/2027/transitions", headers=bearer(tokens["secretariat"])).get_json()
    assert [b["code"] for b in blockers["blockers"]] == ["theme_unconfirmed", "prizes_unconfirmed"]
    refused = client.post("/api/contests/2027/round1/open", headers=bearer(tokens["secretariat"]))
    assert refused.status_code == 409 and refused.get_json()["rule"] == "§4.3, §6, §7.1, §7.2"


def test_post_contests_refuses_with_the_projects_errors(client: FlaskClient, tokens: dict[str, str]) -> None:
    sec = bearer(tokens["secretariat"])
    exists = client.post("/api/contests", json={"year": 2024, "from": 2024}, headers=sec)
    assert exists.status_code == 422 and "year" in exists.get_json()["errors"]  # not after its source
    assert client.post("/api/contests", json={"year": 2027, "from": 2024}, headers=sec).status_code == 201
    again = client.post("/api/contests", json={"year": 2027, "from": 2024}, headers=sec)
    assert again.status_code == 409 and again.get_json()["rule"] == "§4.1"
    missing = client.post("/api/contests", json={"year": 2028, "from": 2020}, headers=sec)
    assert missing.status_code == 404
    earlier = client.post("/api/contests", json={"year": 2025, "from": 2027}, headers=sec)
    assert earlier.status_code == 422 and "must be after 2027" in earlier.get_json()["errors"]["year"][0]
    bad = client.post("/api/contests", json={"year": "2028", "from": 2024, "theme": "x"}, headers=sec)
    assert bad.status_code == 422 and {"year", "theme"} <= set(bad.get_json()["errors"])


def test_two_contests_in_one_store_export_and_verify(client: FlaskClient, service: ContestService,
                                                     tokens: dict[str, str]) -> None:
    assert client.post("/api/contests", json={"year": 2027, "from": 2024},
                       headers=bearer(tokens["secretariat"])).status_code == 201
    report = verify_file(iter(line + "\n" for line in export_lines(service.store)), Views())
    assert report.ok, report.text()
    assert report.digest == service.audit.digest_through(service.event_count())


# ----- the desk -----

def desk_client(app: Flask, token: str, year: int | None = None) -> FlaskClient:
    if year is not None:
        app.config["CONTEST_YEAR"] = year  # as api/wsgi.py sets it from the setting
    client = app.test_client()
    assert login(client, token).status_code == 303  # type: ignore[attr-defined]
    return client


def create(client: FlaskClient, **fields: str) -> object:
    return client.post("/sekretariats/jauns-konkurss",
                       data={"csrf_token": form_token(client, "/sekretariats"), **fields})


def test_the_desk_creates_2027_from_2024_with_42_municipalities(app: Flask, service: ContestService,
                                                                 tokens: dict[str, str]) -> None:
    client = desk_client(app, tokens["secretariat"], year=2024)
    page = text(client.get("/sekretariats"))
    assert "Nākamā gada konkurss" in page and 'name="year"' in page and 'value="2025"' in page  # the next year
    before = events_of_2024(service)
    done = create(client, year="2027", **{"from": "2024"})
    assert done.status_code == 303 and done.headers["Location"].endswith("/sekretariats#h-next-year")  # type: ignore[attr-defined]
    shown = text(client.get("/sekretariats"))
    assert "2027. gada konkurss ir izveidots no 2024. gada konkursa, tajā ir 42 pašvaldības." in shown
    assert "Lapas un šī darba vieta rāda 2024. gada konkursu" in shown  # CONTEST_YEAR still names 2024
    check_2027(service)
    assert events_of_2024(service) == before
    app.config["CONTEST_YEAR"] = 2027  # the operator moves the service on: the desk shows what is to be confirmed
    desk_2027 = text(client.get("/sekretariats"))
    assert "Vēl jāapstiprina: <strong>gada aktuālā tēma</strong>, <strong>balvas</strong>" in desk_2027
    assert "Gada aktuālā tēma vēl jāapstiprina: norādiet šī gada tēmu" in desk_2027
    assert "Balvas vēl jāapstiprina" in desk_2027 and "no 42 pašvaldībām" in desk_2027
    assert 'value="2028"' in desk_2027  # the form offers the year after the latest
    records = [json.loads(line) for line in export_lines(service.store)]
    created = [r for r in records if r["type"].endswith("Contest.Created")]
    assert [(c["payload"]["year"], c["actor"]) for c in created] == [
        (2024, {"role": "system", "principal": "test"}), (2027, {"role": "secretariat", "principal": "Anna"})]


def test_the_desk_shows_each_refusal_at_its_field_in_latvian(app: Flask, service: ContestService,
                                                              tokens: dict[str, str]) -> None:
    client = desk_client(app, tokens["secretariat"])
    cases = [({"year": "20x7", "from": "2024"}, 422, "year", "Ievadiet jaunā konkursa gadu ar četriem cipariem"),
             ({"year": "2023", "from": "2024"}, 422, "year", "Jaunā konkursa gadam jābūt vēlākam par 2024. gadu"),
             ({"year": "2028", "from": "2020"}, 404, "from", "Šajā pakalpojumā nav 2020. gada konkursa."),
             ({"year": "2024", "from": "2023"}, 404, "from", "Šajā pakalpojumā nav 2023. gada konkursa.")]
    assert create(client, year="2027", **{"from": "2024"}).status_code == 303  # type: ignore[attr-defined]
    cases.append(({"year": "2027", "from": "2024"}, 409, "year", "2027. gada konkurss jau ir izveidots."))
    for fields, status, field, message in cases:
        r = create(client, **fields)
        assert r.status_code == status, (fields, r.status_code)  # type: ignore[attr-defined]
        page = r.get_data(as_text=True)  # type: ignore[attr-defined]
        error = re.search(rf'<p class="field-error" id="next-year-{field}-error" role="alert"[^>]*>([^<]*)</p>', page)
        assert error and message in error.group(1), (fields, page[-3000:])
        assert f'value="{fields["year"]}"' in page  # what was typed is kept
    assert service.years() == [2024, 2027]


def test_the_desks_form_needs_a_session_and_the_csrf_token(app: Flask, service: ContestService,
                                                           tokens: dict[str, str]) -> None:
    anonymous = app.test_client()
    token = form_token(anonymous, "/sekretariats")
    r = anonymous.post("/sekretariats/jauns-konkurss", data={"csrf_token": token, "year": "2027", "from": "2024"})
    assert r.status_code == 401
    client = desk_client(app, tokens["secretariat"])
    forged = client.post("/sekretariats/jauns-konkurss", data={"csrf_token": "x", "year": "2027", "from": "2024"})
    assert forged.status_code == 400
    assert service.years() == [2024]
