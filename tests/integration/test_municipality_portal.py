"""The municipality's pages (api/municipality.py) through Flask's test client: sign-in with its token only, the
questionnaire by section with every question, its unit and help (Annex), saves per section through the round-1
command, each naming only that section's changed answers (§4.2), refusals in Latvian at the question, numbers as a
Latvian types them, read-only outside round 1, requests for information and replies (§4.4, §4.6.2), and no places,
medians or points while round 1 is open (D18)."""

from __future__ import annotations

import html
import re
from datetime import timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient

from api.units import unit_word
from contest.clock import FrozenClock
from contest.seeding import generate_answers
from contest.service import ContestService
from domain.actors import Actor
from domain.submission import submission_id
from tests.support.helpers import SEC, bearer, play_round1
from tests.support.pages import form_token, portal_login, text

RIX = "LV-RIX"


@pytest.fixture
def portal(client: FlaskClient, service: ContestService, tokens: dict[str, str]) -> FlaskClient:
    """Round 1 open and Rīga signed in to its pages."""
    service.open_round1(2024, actor=SEC)
    assert portal_login(client, tokens["municipality"]).status_code == 303  # type: ignore[attr-defined]
    return client


def save(client: FlaskClient, number: int, answers: dict[str, str], lang: str = "lv") -> Any:
    path = f"/pasvaldiba/sadala/{number}"
    data = {"csrf_token": form_token(client, path), **{f"q-{k}": v for k, v in answers.items()}}
    return client.post(f"{path}?lang={lang}", data=data)


def saves(service: ContestService) -> list[Any]:
    """Rīga's AnswersSaved events, in order."""
    events = service.store.repository.event_store.get(submission_id(2024, RIX))
    return [e for e in events if type(e).__qualname__ == "Submission.AnswersSaved"]


def field_error(page: str, question_id: str) -> str:
    """The error shown at a question's field (its id is named by the field's aria-describedby)."""
    m = re.search(rf'<p class="field-error" id="q-{re.escape(question_id)}-error">([^<]*)</p>', page)
    assert m, f"no error at {question_id}"
    return re.sub(r"\s+", " ", html.unescape(m.group(1)))


def test_only_a_municipality_token_opens_its_pages(client: FlaskClient, tokens: dict[str, str]) -> None:
    assert client.get("/pasvaldiba/sadala/2").status_code == 303  # signed out: to the sign-in
    for token, message in [("ctk_nonsense", "nav zināma"), (tokens["secretariat"], "tikai ar pašvaldības"),
                           (tokens["juror"], "tikai ar pašvaldības"), ("", "Ievadiet piekļuves atslēgu")]:
        r = portal_login(client, token)
        assert r.status_code == 401 and message in text(r)  # type: ignore[attr-defined]
    r = portal_login(client, tokens["municipality"])
    assert r.status_code == 303 and tokens["municipality"] not in r.headers["Set-Cookie"]  # type: ignore[attr-defined]
    home = text(client.get("/pasvaldiba"))
    assert "Rīga" in home and "Iziet" in home and "1. kārta vēl nav sākusies" in home
    out = client.post("/pasvaldiba/iziet", data={"csrf_token": form_token(client, "/pasvaldiba")})
    assert out.status_code == 303 and 'name="token"' in text(client.get("/pasvaldiba"))
    assert client.get("/pasvaldiba/pieprasijumi").status_code == 303
    r = client.post("/pasvaldiba/sadala/2", data={"csrf_token": form_token(client, "/pasvaldiba"), "q-s2.m1.q1": "5"})
    assert r.status_code == 401 and "sesija ir beigusies" in text(r)


def test_every_form_of_the_portal_needs_its_csrf_token(portal: FlaskClient, service: ContestService) -> None:
    for path, data in [("/pasvaldiba/ieiet", {"token": "x"}), ("/pasvaldiba/sadala/2", {"q-s2.m1.q1": "5"}),
                       ("/pasvaldiba/pieprasijumi/r1", {"reply": "x"}), ("/pasvaldiba/iziet", {})]:
        r = portal.post(path, data={**data, "csrf_token": "forged"})
        assert r.status_code == 400 and "Veidlapas derīgums ir beidzies" in text(r), path
    assert saves(service) == []


def test_the_home_page_lists_the_ten_sections_with_their_progress(portal: FlaskClient,
                                                                  service: ContestService) -> None:
    q = service.contest(2024).questionnaire
    page = text(portal.get("/pasvaldiba"))
    assert "1. kārta ir atvērta kopš 2024. gada 10. jūnija." in page and "Nolikuma 4.2., 4.5. punkti" in page
    for s in q.sections:
        n = sum(1 for x in q.questions if x.section == s.number)
        assert f'href="/pasvaldiba/sadala/{s.number}">{s.number}. {s.title_lv}</a>' in page
        assert f"Atbildēts uz 0 no {n} jautājum" in page
    assert page.count("vēl nav saglabāts") == 10


def test_a_section_page_shows_every_question_with_its_unit_and_help(portal: FlaskClient,
                                                                    service: ContestService) -> None:
    q = service.contest(2024).questionnaire
    for s in q.sections:
        questions = [x for x in q.questions if x.section == s.number]
        for lang in ("lv", "en"):
            page = html.unescape(text(portal.get(f"/pasvaldiba/sadala/{s.number}?lang={lang}")))
            with portal.application.test_request_context(f"/?lang={lang}"):
                units = {x.id: unit_word(x.unit) for x in questions}
            for x in questions:
                assert (x.text_lv if lang == "lv" else x.text_en) in page, x.id
                assert (x.measure if lang == "lv" else x.measure_en) in page, x.id
                if x.kind == "amount":
                    assert f'id="q-{x.id}" name="q-{x.id}"' in page
                    if x.unit:
                        assert f'<span class="unit" id="q-{x.id}-unit">{units[x.id]}</span>' in page, x.id
                elif x.kind == "choice":
                    for i, o in enumerate(x.options, start=1):
                        assert f'id="q-{x.id}-{i}" name="q-{x.id}" value="{o.id}"' in page
                        assert (o.label_lv if lang == "lv" else o.label_en) in page
                else:
                    assert f'<textarea id="q-{x.id}" name="q-{x.id}" rows="4" maxlength="{x.max_length}"' in page
    page = text(portal.get("/pasvaldiba/sadala/2?lang=lv"))
    assert '<span class="unit" id="q-s2.m1.q2-unit">mēneši</span>' in page and "No 0 līdz 60." in page
    assert 'aria-describedby="q-s2.m1.q2-hint q-s2.m1.q2-unit"' in page
    assert "No 0 līdz 10 000." in page  # the range in the reader's form
    assert "Ne vairāk kā 500 rakstzīmes." in text(portal.get("/pasvaldiba/sadala/1?lang=lv"))
    assert portal.get("/pasvaldiba/sadala/11").status_code == 404


def test_saving_two_sections_records_two_saves_each_naming_only_its_questions(
        portal: FlaskClient, service: ContestService, clock: FrozenClock) -> None:
    r = save(portal, 2, {"s2.m1.q1": "300", "s2.m1.q3": "child_only", "s2.m1.q4": ""})
    assert r.status_code == 303 and r.headers["Location"] == "/pasvaldiba/sadala/2"
    assert "Saglabātas 2 šīs sadaļas atbildes." in text(portal.get("/pasvaldiba/sadala/2"))
    clock.advance(timedelta(minutes=5))
    r = save(portal, 3, {"s3.m1.q1": "2,5", "s3.m1.q2": "4"})
    assert r.status_code == 303
    events = saves(service)
    assert [e.answers for e in events] == [{"s2.m1.q1": 300, "s2.m1.q3": "child_only"},
                                           {"s3.m1.q1": 2.5, "s3.m1.q2": 4}]
    assert all(e.source == "municipality" and e.actor["principal"] == RIX for e in events)
    # the same answers again change nothing, and no save is recorded; a cleared answer is a save naming it
    r = save(portal, 2, {"s2.m1.q1": "300", "s2.m1.q3": "child_only"})
    assert r.status_code == 303 and len(saves(service)) == 2
    assert "Šajā sadaļā nekas netika mainīts" in text(portal.get("/pasvaldiba/sadala/2"))
    save(portal, 2, {"s2.m1.q3": ""})
    assert saves(service)[-1].answers == {"s2.m1.q3": None}
    home = text(portal.get("/pasvaldiba"))
    assert "Atbildēts uz 1 no 11 jautājumiem" in home and "Atbildēts uz 2 no 18 jautājumiem" in home
    assert "2024. gada 10. jūnijs plkst. 12.05" in home and home.count("vēl nav saglabāts") == 8
    api = portal.get(f"/api/contests/2024/submissions/{RIX}")  # the portal's session is no bearer token
    assert api.status_code == 401


@pytest.mark.parametrize(("question", "typed", "lv", "en"), [
    ("s2.m1.q1", "abc", "Ievadiet skaitli ar cipariem, piemēram, 12,5 vai 1 500.",
     "Enter a number in digits, e.g. 12.5 or 1,500."),
    ("s2.m1.q1", "12 5", "Ievadiet skaitli ar cipariem, piemēram, 12,5 vai 1 500.",
     "Enter a number in digits, e.g. 12.5 or 1,500."),
    ("s2.m1.q1", "-5", "Skaitlis nedrīkst būt negatīvs.", "The number must not be negative."),
    ("s2.m1.q1", "10 000,01", "Ievadiet skaitli no 0 līdz 10 000.", "Enter a number from 0 to 10,000."),
    ("s2.m1.q3", "no_such_option", "Izvēlieties vienu no norādītajām atbildēm.", "Choose one of the answers listed."),
])
def test_a_bad_value_is_refused_at_its_question_in_latvian_and_nothing_is_stored(
        portal: FlaskClient, service: ContestService, question: str, typed: str, lv: str, en: str) -> None:
    for lang, message in (("lv", lv), ("en", en)):
        r = save(portal, 2, {"s2.m1.q2": "6", question: typed}, lang=lang)
        page = r.get_data(as_text=True)
        assert r.status_code == 422 and field_error(page, question) == message
        assert 'aria-invalid="true"' in page and 'id="error-summary"' in page
        assert f'href="#q-{question}' in page  # the summary links the field
        if question != "s2.m1.q3":
            assert f'value="{typed}"' in page  # what was typed stays in the field
    assert saves(service) == [] and service.round1.submission(2024, RIX)["answers"] == {}


def test_a_text_longer_than_its_limit_is_refused_by_the_domain_in_latvian(portal: FlaskClient,
                                                                          service: ContestService) -> None:
    r = save(portal, 1, {"s1.m1.q1": "x" * 501})
    assert r.status_code == 422
    assert field_error(r.get_data(as_text=True), "s1.m1.q1") == "Teksts drīkst būt ne garāks par 500 rakstzīmēm."
    assert saves(service) == []


def test_numbers_as_a_latvian_types_them(portal: FlaskClient, service: ContestService) -> None:
    r = save(portal, 2, {"s2.m1.q1": "1 500", "s2.m1.q2": "12,5", "s2.m2.q1": "2\u00a0000,50",
                         "s2.m3.q1": "700.25"})
    assert r.status_code == 303
    assert saves(service)[-1].answers == {"s2.m1.q1": 1500, "s2.m1.q2": 12.5, "s2.m2.q1": 2000.5,
                                          "s2.m3.q1": 700.25}
    page = portal.get("/pasvaldiba/sadala/2").get_data(as_text=True)  # shown as a Latvian writes them
    assert 'value="1\u00a0500"' in page and 'value="12,5"' in page and 'value="2\u00a0000,5"' in page
    en = portal.get("/pasvaldiba/sadala/2?lang=en").get_data(as_text=True)
    assert 'value="1,500"' in en and 'value="12.5"' in en
    assert save(portal, 2, {"s2.m1.q1": "1,500"}, lang="en").status_code == 303  # the same in English: unchanged
    assert len(saves(service)) == 1


def test_the_section_is_read_only_outside_round_1(client: FlaskClient, service: ContestService, clock: FrozenClock,
                                                  tokens: dict[str, str]) -> None:
    portal_login(client, tokens["municipality"])
    page = text(client.get("/pasvaldiba/sadala/2"))
    assert 'id="read-only"' in page and "1. kārta vēl nav sākusies" in page and 'name="q-' not in page
    r = save(client, 2, {"s2.m1.q1": "300"})
    assert r.status_code == 409 and "atbildes pieņem tikai, kamēr 1. kārta ir atvērta" in text(r)
    assert "Nolikuma 4.2. punkts" in text(r) and saves(service) == []
    play_round1(service, clock)  # every municipality's seeded answers, round 1 closed
    portal_login(client, tokens["municipality"])  # weeks later: the session has ended meanwhile
    answers = service.round1.submission(2024, RIX)["answers"]
    page = text(client.get("/pasvaldiba/sadala/2"))
    assert 'name="q-' not in page and "1. kārta ir noslēgta" in page
    assert "1. kārta tika noslēgta 2024. gada 20. jūlijā" in page
    if "s2.m1.q3" in answers:
        option = service.contest(2024).questionnaire.question("s2.m1.q3").option(answers["s2.m1.q3"])
        assert f'id="q-s2.m1.q3-answer">{option.label_lv}<' in page.replace("> ", ">").replace(" <", "<")
    before = len(saves(service))
    r = save(client, 2, {"s2.m1.q1": "1"})
    assert r.status_code == 409 and "1. kārta ir noslēgta: atbildes pieņem tikai" in text(r)
    assert len(saves(service)) == before
    assert 'href="/rezultati/LV-RIX"' in text(client.get("/pasvaldiba"))  # public once round 1 closed


def test_a_request_for_information_and_its_reply(portal: FlaskClient, service: ContestService, clock: FrozenClock,
                                                 tokens: dict[str, str]) -> None:
    assert "nav pieprasījis papildu informāciju" in text(portal.get("/pasvaldiba/pieprasijumi"))
    service.round1.request_information(2024, RIX, "budzets-1", "Lūdzu, iesniedziet 2024. gada budžeta izpildi.",
                                       actor=SEC)
    assert "1 gaida atbildi" in text(portal.get("/pasvaldiba"))
    page = text(portal.get("/pasvaldiba/pieprasijumi"))
    assert "2024. gada 10. jūnija pieprasījums" in page and "Lūdzu, iesniedziet 2024. gada budžeta izpildi." in page
    assert 'action="/pasvaldiba/pieprasijumi/budzets-1"' in page
    path = "/pasvaldiba/pieprasijumi/budzets-1"
    r = portal.post(path, data={"csrf_token": form_token(portal, "/pasvaldiba/pieprasijumi"), "reply": "  "})
    assert r.status_code == 422 and 'id="reply-budzets-1-error">Ierakstiet atbildi.<' in text(r).replace("> ", ">")
    clock.advance(timedelta(minutes=20))
    r = portal.post(path, data={"csrf_token": form_token(portal, "/pasvaldiba/pieprasijumi"),
                                "reply": "Budžeta izpilde: 12 500 000 EUR.\r\nPielikumā tabula."})
    assert r.status_code == 303 and r.headers["Location"] == "/pasvaldiba/pieprasijumi#request-budzets-1"
    page = text(portal.get("/pasvaldiba/pieprasijumi"))
    assert "Jūsu atbilde ir nosūtīta konkursa sekretariātam." in page
    assert "Jūsu atbilde; nosūtīta: 2024. gada 10. jūnijs plkst. 12.20" in page and "atbildēts" in page
    assert 'action="/pasvaldiba/pieprasijumi/budzets-1"' not in page and "gaida atbildi" not in page
    events = [e for e in service.store.repository.event_store.get(submission_id(2024, RIX))
              if type(e).__qualname__ == "Submission.InformationProvided"]
    assert [(e.request_id, e.text, e.actor["role"]) for e in events] == [
        ("budzets-1", "Budžeta izpilde: 12 500 000 EUR.\nPielikumā tabula.", "municipality")]
    seen = portal.get(f"/api/contests/2024/submissions/{RIX}", headers=bearer(tokens["secretariat"])).json
    assert seen["requests"][0]["replies"][0]["text"].startswith("Budžeta izpilde")
    unknown = portal.post("/pasvaldiba/pieprasijumi/nav-tada", data={
        "csrf_token": form_token(portal, "/pasvaldiba/pieprasijumi"), "reply": "x"})
    assert unknown.status_code == 404


# D18: while round 1 is open a municipality sees its own answers and their validation, never what depends on the
# others' answers. Words of the results pages (api/templates/pages/explanation.html) that must not appear.
RESULT_WORDS = re.compile(r"mediān|median|kopvērtēj|overall|points?\b|punkt|indeks|\bindex",
                          re.IGNORECASE)
CLAUSES = re.compile(r"Nolikuma [\d., ]+ punkt[si]|Rules, points? [\d., ]+")
# and, in Latvian, no English left and no internal label (LATVIAN.md; as tests/integration/test_page_language.py)
ENGLISH = re.compile(r"\b(the|and|of|with|is|are|for|from|this|your|you|rounds?|answers?|saved|sections?|"
                     r"questions?|months?|children|places|per|municipalit\w+)\b|§|\bD\d{1,2}\b", re.IGNORECASE)


def test_no_places_medians_or_points_while_round_1_is_open(portal: FlaskClient, service: ContestService) -> None:
    contest = service.contest(2024)
    for code, given in generate_answers(contest.questionnaire, [m.code for m in contest.municipalities],
                                        seed=2024).items():
        if given:
            service.round1.save_answers(2024, code, given, actor=Actor("municipality", code, municipality=code))
    paths = ["/pasvaldiba", "/pasvaldiba/pieprasijumi"] + [f"/pasvaldiba/sadala/{s.number}"
                                                           for s in contest.questionnaire.sections]
    for path in paths:
        for lang in ("lv", "en"):
            page = portal.get(f"{path}?lang={lang}").get_data(as_text=True)
            main = CLAUSES.sub("", html.unescape(page[page.index("<main"):page.index("</main>")]))
            visible = re.sub(r"<[^>]+>", " ", main)
            assert not RESULT_WORDS.search(visible), (path, lang, RESULT_WORDS.search(visible))
            assert ">Vieta<" not in main and ">Place<" not in main
            assert "/rezultati/" not in main and "/round1/results" not in main
            if lang == "lv":
                texts = [t.strip() for t in re.sub(r"<[^>]+>", "\n", html.unescape(page)).split("\n")]
                assert [t for t in texts if ENGLISH.search(t) and t != "English"] == []


def test_the_language_switch_of_a_refused_form_goes_back_to_its_page(client: FlaskClient) -> None:
    r = client.get("/pasvaldiba/ieiet?lang=en")
    assert r.status_code == 303 and r.headers["Location"] == "/pasvaldiba?lang=en"
    r = client.get("/pasvaldiba/pieprasijumi/r1?lang=en")
    assert r.status_code == 303 and r.headers["Location"] == "/pasvaldiba/pieprasijumi?lang=en#request-r1"
