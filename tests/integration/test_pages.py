"""The pages for people through Flask's test client: every page in Latvian and English, CSRF on every
form, the vote's refusals in Latvian (§4.6.6, D10), the public results (§4.5, D6), the secretariat's desk."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from flask.testing import FlaskClient

from contest.clock import FrozenClock
from contest.residents import fake_personal_codes
from contest.service import ContestService
from tests.support import ROOT
from tests.support.helpers import SEC, VOTE_DAY, play_round1
from tests.support.pages import form_token, login, text, token_of, vote

PAGES = ["/", "/balsot", "/rezultati", "/rezultati/balsojums", "/rezultati/LV-RIX", "/sekretariats", "/arhivs"]


@pytest.mark.parametrize("path", PAGES)
def test_each_page_renders_in_latvian_and_in_english(client: FlaskClient, path: str) -> None:
    lv = client.get(path + "?lang=lv")
    assert lv.status_code == 200 and lv.mimetype == "text/html"
    assert '<html lang="lv">' in lv.get_data(as_text=True) and "Rezultāti" in text(lv)
    en = client.get(path + "?lang=en")
    assert '<html lang="en">' in en.get_data(as_text=True) and "Results" in text(en)
    assert "Rezultāti" not in text(en)
    kept = client.get(path)  # the choice is remembered in a cookie
    assert '<html lang="en">' in kept.get_data(as_text=True)
    page = lv.get_data(as_text=True)
    assert not re.search(r"""(src|href)=["']https?://(?!vietagimenei\.lv)""", page)  # no CDN
    assert 'name="viewport"' in page and 'class="skip"' in page


def test_the_home_page_owns_the_root(client: FlaskClient) -> None:
    r = client.get("/")
    assert r.status_code == 200 and "Ģimenei draudzīgākā pašvaldība 2024" in text(r)
    assert client.get("/docs").status_code in (200, 308)


def test_every_form_refuses_a_post_without_its_csrf_token(client: FlaskClient, service: ContestService,
                                                          clock: FrozenClock, tokens: dict[str, str]) -> None:
    clock.set(VOTE_DAY)
    code = fake_personal_codes(1, 9)[0]
    for path, data in [("/balsot", {"municipality": "LV-RIX", "rating": "5", "personal_code": code}),
                       ("/sekretariats/ieiet", {"token": tokens["secretariat"]}),
                       ("/sekretariats/atvert-1-kartu", {})]:
        for token in (None, "forged"):
            body = dict(data) if token is None else {**data, "csrf_token": token}
            r = client.post(path + "?lang=lv", data=body)
            assert r.status_code == 400, path
            assert "Veidlapas derīgums ir beidzies" in text(r)
    assert service.round2.vote_results(2024)["total"] == 0
    assert service.contest(2024).stage == "setup"


def test_the_vote_form_names_each_missing_field(client: FlaskClient, clock: FrozenClock) -> None:
    clock.set(VOTE_DAY)
    r = client.post("/balsot", data={"csrf_token": form_token(client, "/balsot"), "comment": "x" * 1001})
    assert r.status_code == 422
    page = text(r)
    for message in ("Izvēlieties pašvaldību no saraksta.", "Izvēlieties vērtējumu no 1 līdz 5.",
                    "Komentārā var būt ne vairāk kā 1000 rakstzīmes.", "Ievadiet savu personas kodu."):
        assert message in page
    assert 'aria-invalid="true"' in page and 'role="alert"' in page


@pytest.mark.parametrize(("code", "check", "lv"), [
    ("010190-12346", "kontrolcipars (pēdējais cipars)", "kontrolcipars (pēdējais cipars) nav pareizs"),
    ("310290-12345", "dzimšanas datums", "dzimšanas datums neeksistē"),
    ("0101901234", "koda forma", "jābūt 11 cipariem"),
    ("010190-32345", "gadsimta cipars (7. cipars)", "gadsimtam"),
])
def test_a_bad_personal_code_says_which_check_failed_in_latvian(client: FlaskClient, clock: FrozenClock,
                                                                code: str, check: str, lv: str) -> None:
    clock.set(VOTE_DAY)
    r = vote(client, personal_code=code)
    assert r.status_code == 422  # type: ignore[attr-defined]
    page = text(r)
    assert f"Neizdevās pārbaude: {check}." in page and lv in page
    assert code not in page  # the code is never echoed back


def test_a_resident_votes_once_and_the_second_vote_is_refused(client: FlaskClient, service: ContestService,
                                                              clock: FrozenClock) -> None:
    clock.set(VOTE_DAY)
    code = fake_personal_codes(1, 21)[0]
    first = vote(client, personal_code=code, rating="5", comment="Labi bērnudārzi")
    assert first.status_code == 200  # type: ignore[attr-defined]
    page = text(first)
    assert "Paldies! Jūsu balss ir reģistrēta." in page and "Rīga" in page and "5 (izcili)" in page
    receipt = re.search(r"id=\"receipt\">([0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4})<", page)
    assert receipt
    again = vote(client, personal_code=f"{code[:6]}-{code[6:]}", municipality="LV-JUR", rating="1")
    assert again.status_code == 409  # type: ignore[attr-defined]
    assert "Jūsu balss jau ir reģistrēta" in text(again) and "spēkā paliek pirmā balss" in text(again)
    results = service.round2.vote_results(2024)
    assert results["total"] == 1 and results["municipalities"][0]["municipality"] == "LV-RIX"
    english = client.post("/balsot?lang=en", data={"csrf_token": form_token(client, "/balsot"), "rating": "3",
                                                   "municipality": "LV-RIX", "personal_code": code})
    assert english.status_code == 409 and "You have already voted" in text(english)


def test_outside_the_window_the_page_says_so_with_its_dates(client: FlaskClient, clock: FrozenClock) -> None:
    clock.set(VOTE_DAY)
    token = form_token(client, "/balsot")  # the form was opened in time, and sent after the window closed
    clock.set(datetime(2024, 7, 31, 20, 0, tzinfo=UTC))  # 23:00 in Riga, an hour before the window
    r = client.get("/balsot")
    assert "Balsošana vēl nav sākusies" in text(r) and 'name="personal_code"' not in text(r)
    clock.set(datetime(2024, 9, 15, 21, 0, 1, tzinfo=UTC))  # 16 Sep 00:00:01 in Riga
    page = text(client.get("/balsot"))
    assert "Balsošana ir slēgta" in page
    assert "no 2024. gada 1. augusta plkst. 00.00 līdz 15. septembrim plkst. 23.59 (Latvijas laiks)" in page
    r = client.post("/balsot", data={"csrf_token": token, "municipality": "LV-RIX", "rating": "4",
                                     "personal_code": fake_personal_codes(1, 3)[0]})
    assert r.status_code == 409 and "Balsošana ir slēgta" in text(r)
    en = text(client.get("/balsot?lang=en"))
    assert "Voting is closed" in en and "from 1 August 2024, 00:00 to 15 September 2024, 23:59" in en


def test_the_results_show_the_ranking_the_chart_and_each_explanation(client: FlaskClient, service: ContestService,
                                                                     clock: FrozenClock) -> None:
    assert "1. kārtas rezultātus publicē" in text(client.get("/rezultati"))
    advancing = play_round1(service, clock)
    page = client.get("/rezultati").get_data(as_text=True)
    assert page.count('<tr class="advances">') == 10 and page.count("<tr class") == 43
    assert '<svg class="chart" id="ranking-chart" role="img"' in page and page.count('class="bar hi"') == 10
    names = {m.code: m.name for m in service.contest(2024).municipalities}
    for code in advancing:
        assert names[code] in page
    explanation = text(client.get(f"/rezultati/{advancing[0]}"))
    assert "Vieta" in explanation and "Regulārie pabalsti" in explanation and "Svars" in explanation
    questions = service.round1.results(2024)[1].explanation(advancing[0])["questions"]
    rows = explanation.count('<tr class="">') + explanation.count('<tr class="not-counted">')
    assert rows == len(questions) > 100  # every scored question: the answer, place, points, weight
    missing = client.get("/rezultati/LV-XXX")
    assert missing.status_code == 404 and "Nav atrasts" in text(missing)


def test_vote_averages_are_public_once_the_window_closes(client: FlaskClient, service: ContestService,
                                                         clock: FrozenClock) -> None:
    clock.set(VOTE_DAY)
    receipts = [service.round2.cast_vote(2024, personal_code=code, municipality="LV-VEN", rating=2 + i % 3)[0].receipt
                for i, code in enumerate(fake_personal_codes(4, seed=4))]
    hidden = text(client.get("/rezultati/balsojums"))
    assert "publicē, kad balsojums ir slēgts" in hidden and "Ventspils" not in hidden
    service.round2.close_window(2024, actor=SEC, reason="test")
    shown = text(client.get("/rezultati/balsojums"))
    assert "Balsojuma gala rezultāts." in shown and "Ventspils" in shown and "2,75" in shown
    assert "Kopā balsis: 4." in shown and 'id="vote-chart"' in shown
    found = text(client.get(f"/rezultati/balsojums?kvits={receipts[1].lower()}"))
    assert "Jūsu balss ir ieskaitīta: Ventspils, vērtējums 3." in found  # the public board (D10)
    unknown = text(client.get("/rezultati/balsojums?kvits=0000-0000-0000"))
    assert "Ar šo pārbaudes kodu ieskaitītas balss nav." in unknown


def test_the_vote_page_has_the_rate_limit_of_the_api(service: ContestService, clock: FrozenClock,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from api.app import create_app

    monkeypatch.setenv("CONTEST_VOTE_RATE_LIMIT", "2/minute")
    client = create_app(service, {"TESTING": True}).test_client()
    clock.set(VOTE_DAY)
    codes = fake_personal_codes(3, seed=12)
    statuses = [vote(client, personal_code=code).status_code for code in codes]  # type: ignore[attr-defined]
    assert statuses == [200, 200, 429]
    r = vote(client, personal_code=codes[2])
    assert "Pārāk daudz balsu" in text(r) and service.round2.vote_results(2024)["total"] == 2


def test_only_a_secretariat_token_opens_the_desk(client: FlaskClient, tokens: dict[str, str]) -> None:
    for token, message in [("ctk_nonsense", "nav zināma"), (tokens["juror"], "tikai ar sekretariāta"),
                           (tokens["auditor"], "tikai ar sekretariāta")]:
        r = login(client, token)
        assert r.status_code == 401 and message in text(r)  # type: ignore[attr-defined]
    r = login(client, tokens["secretariat"])
    assert r.status_code == 303  # type: ignore[attr-defined]
    cookie = r.headers["Set-Cookie"]  # type: ignore[attr-defined]
    # the pages' session cookie with the session's id (tests/integration/test_staff_sessions.py has the rest)
    assert cookie.startswith("contest_session=") and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Path=/;" in cookie + ";"
    assert tokens["secretariat"] not in cookie  # signed and encoded, never the raw header value
    assert "Sekretariāta darba vieta" in text(client.get("/sekretariats")) and "Iziet" in text(client.get(
        "/sekretariats"))
    out = client.post("/sekretariats/iziet", data={"csrf_token": form_token(client, "/sekretariats")})
    assert out.status_code == 303 and 'name="token"' in text(client.get("/sekretariats"))


def test_the_desk_cookie_is_secure_off_loopback(service: ContestService, tokens: dict[str, str]) -> None:
    from api.app import create_app

    client = create_app(service, {"TESTING": True}).test_client()
    base = "https://konkurss.example.lv"
    html = client.get("/sekretariats", base_url=base).get_data(as_text=True)
    r = client.post("/sekretariats/ieiet", base_url=base, data={"csrf_token": token_of(html),
                                                                "token": tokens["secretariat"]})
    assert r.status_code == 303 and "Secure" in r.headers["Set-Cookie"]


def test_s4_6_6_the_desk_records_the_opening_that_no_clock_has_recorded(
        client: FlaskClient, service: ContestService, clock: FrozenClock, tokens: dict[str, str]) -> None:
    clock.set(VOTE_DAY)  # inside the window's times, and no clock has run: residents vote by the times already
    login(client, tokens["secretariat"])
    page = text(client.get("/sekretariats"))
    assert 'id="window-status">atvērts<' in page.replace(" <", "<") and 'id="do-atvert-balsojumu"' in page
    r = client.post("/sekretariats/atvert-balsojumu", data={"csrf_token": form_token(client, "/sekretariats"),
                                                            "reason": "Pulkstenis nedarbojās"})
    assert r.status_code == 303
    contest = service.contest(2024)
    assert contest.window_status == "open"
    (opened,) = [n for n in service.store.notifications() if n.topic.endswith("VotingWindowOpened")]
    assert '"reason":"Pulkstenis nedarbojās"' in opened.state.decode().replace(": ", ":")
    assert contest.window_times()["opens_at"] == "2024-07-31T21:00:00Z"  # the planned instant, not the click's
    page = text(client.get("/sekretariats"))
    assert "Izpildīts: Atvērt iedzīvotāju balsojumu." in page and 'id="do-atvert-balsojumu"' not in page


def test_the_desk_shows_the_state_and_takes_the_transitions(client: FlaskClient, service: ContestService,
                                                            clock: FrozenClock, tokens: dict[str, str]) -> None:
    login(client, tokens["secretariat"])

    def act(action: str, **data: str) -> str:
        r = client.post(f"/sekretariats/{action}", data={"csrf_token": form_token(client, "/sekretariats"), **data})
        assert r.status_code == 303
        return text(client.get("/sekretariats"))

    page = text(client.get("/sekretariats"))
    assert "Sagatavošana" in page and 'id="do-atvert-1-kartu"' in page
    page = act("atvert-1-kartu")
    assert "Izpildīts: Atvērt 1. kārtu." in page and service.contest(2024).stage == "round1"
    assert 'id="do-slegt-1-kartu"' in page and "0 no 43 pašvaldībām" in page
    page = act("atvert-balsojumu", reason="")
    assert "Norādiet izmaiņu iemeslu" in page and service.contest(2024).window_status == "scheduled"
    # no municipality has submitted anything: closing is blocked unless confirmed with a reason (§4.2, §4.5)
    assert 'data-code="no_submissions"' in page and "(dalībnieku skaits: 43)" in page
    assert 'name="confirm_empty"' in page and "Nekas: nākamo soli var spert." not in page
    page = act("slegt-1-kartu")
    assert service.contest(2024).stage == "round1" and "Atteikts saskaņā ar noteikumu §4.2, §4.5:" in page
    page = act("slegt-1-kartu", confirm_empty="1", reason="")
    assert "Norādiet izmaiņu iemeslu" in page and service.contest(2024).stage == "round1"
    page = act("slegt-1-kartu", confirm_empty="1", reason="Atbildes netika iesniegtas")
    assert service.contest(2024).stage == "round2" and "Izpildīts: Noslēgt 1. kārtu." in page
    closed = service.contest(2024).round1
    assert closed is not None and closed["confirmed_empty"] and closed["reason"] == "Atbildes netika iesniegtas"
    assert "Pirms 2. kārtas noslēgšanas jānoslēdz iedzīvotāju balsojums." in page
    assert "Vērtējumi saņemti no 0 balsstiesīgajiem komisijas locekļiem; vajadzīgi vismaz 5." in page
    page = act("slegt-2-kartu")
    assert "Atteikts saskaņā ar noteikumu §4.6.6, §4.6.7" in page and service.contest(2024).stage == "round2"
    page = act("slegt-balsojumu", reason="Balsojums beidzies")
    assert service.contest(2024).window_status == "closed" and 'id="window-status">slēgts<' in page.replace(" <", "<")
    events = [n.topic.rsplit(".", 1)[-1] for n in service.store.notifications()]
    assert events[-1] == "VotingWindowClosed"
    assert service.contest(2024).stage_changed_at["round1"] == clock.now()


def test_every_message_has_a_latvian_translation() -> None:
    with open(ROOT / "api/translations/lv/LC_MESSAGES/messages.po", "rb") as f:
        catalogue = read_po(f)
    translated = {m.id: m.string for m in catalogue if m.id and m.string and not m.fuzzy}
    method_map = [("api/**.py", "python"), ("api/templates/**.html", "jinja2")]  # every page's and module's
    keywords = {"_": None, "gettext": None, "N_": None, "ngettext": (1, 2), "_n": (1, 2)}
    found = {message for _f, _l, message, _c, _ctx in extract_from_dir(str(ROOT), method_map, keywords=keywords)}
    missing = sorted(str(m) for m in found if isinstance(m, str | tuple) and m not in translated)
    assert not missing, f"messages without a Latvian translation (see api/translations/babel.cfg): {missing}"
    for msgid, msgstr in translated.items():  # the placeholders survive the translation
        if isinstance(msgid, tuple):  # a plural (ngettext): each of the three Latvian forms keeps the plural's
            assert len(msgstr) == 3 and all(msgstr), msgid
            for form in msgstr:
                assert sorted(re.findall(r"%\((\w+)\)s", msgid[1])) == sorted(re.findall(r"%\((\w+)\)s", form)), form
            continue
        assert sorted(re.findall(r"%\((\w+)\)s", msgid)) == sorted(re.findall(r"%\((\w+)\)s", msgstr)), msgid
