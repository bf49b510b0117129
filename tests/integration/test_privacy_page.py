"""The privacy page /privatums (D10, D15): in Latvian by default and in English, it names the controller, what
the vote keeps (the keyed hash of the personal code, the receipt, the comment with codes redacted, the keyed hash
of the network), the rights under the GDPR and the complaint authority; the vote page links to it beside the
personal code, and every page's footer does; the contact is the Fund's setting, never invented."""

from __future__ import annotations

import json
import re

import pytest
from flask.testing import FlaskClient

from api.app import create_app
from contest.audit import export_lines
from contest.clock import FrozenClock
from contest.network import IPV4_PREFIX, IPV6_PREFIX
from contest.residents import fake_personal_codes
from contest.service import ContestService
from contest.settings import privacy_contact
from domain.code_shape import REDACTED
from tests.support.helpers import VOTE_DAY
from tests.support.pages import text, vote

PAGES = ["/", "/balsot", "/rezultati", "/rezultati/balsojums", "/rezultati/LV-RIX", "/kontrolpunkti",
         "/sekretariats", "/privatums"]


def test_the_privacy_page_in_latvian(client: FlaskClient) -> None:
    r = client.get("/privatums")  # Latvian without asking
    page, words = r.get_data(as_text=True), text(r)
    assert r.status_code == 200 and r.mimetype == "text/html" and '<html lang="lv">' in page
    assert "<h1>Kā mēs apstrādājam Jūsu datus</h1>" in page
    assert "Jūsu datu pārzinis ir Sabiedrības integrācijas fonds (Fonds), Rīgā" in words
    # what the vote keeps, and what it never keeps
    assert "Personas kods netiek saglabāts" in words and "<code>resident_key</code>" in page
    assert "Pārbaudes kods" in words and "<code>receipt</code>" in page
    assert f"tiek aizstāts ar {REDACTED}" in words
    assert "<code>network</code>" in page and f"IPv4 adresēm pirmie {IPV4_PREFIX} biti" in words
    assert f"IPv6 adresēm pirmie {IPV6_PREFIX} biti" in words
    assert "Pašu Jūsu IP adresi nesaglabā" in words
    assert "pārbaudes kods, pašvaldība un vērtējums, nekas cits" in words  # the public board (D15)
    assert "Balsojuma ieraksti netiek dzēsti" in words and "konkursa audita ierakstu" in words
    # the rights and the complaint authority
    for right in ("piekļūt saviem datiem", "neprecīzu datu labošanu", "prasīt datu dzēšanu, ar ierobežojumu",
                  "iebilst pret datu apstrādi", "Vispārīgo datu aizsardzības regulu"):
        assert right in words, right
    assert "Datu valsts inspekcijā" in words and 'href="https://www.dvi.gov.lv"' in page
    assert "nolikuma 4.6.6. punkts" in words
    assert not re.search(r"\bD1[05]\b", words)  # no internal decision numbers on a public page


def test_the_privacy_page_in_english(client: FlaskClient) -> None:
    r = client.get("/privatums?lang=en")
    page, words = r.get_data(as_text=True), text(r)
    assert r.status_code == 200 and '<html lang="en">' in page
    assert "<h1>How we process your data</h1>" in page and "Kā mēs apstrādājam" not in words
    assert "Society Integration Foundation (Sabiedrības integrācijas fonds, the Fund), Rīga" in words
    assert "The personal code is not stored" in words and "<code>resident_key</code>" in page
    assert "<code>receipt</code>" in page and f"replaced by {REDACTED}" in words and "<code>network</code>" in page
    assert "Your IP address itself is not stored" in words
    for right in ("to access", "to rectification", "to erasure, with a limit", "to object",
                  "Data State Inspectorate (Datu valsts inspekcija)"):
        assert right in words, right
    assert 'href="https://www.dvi.gov.lv"' in page
    assert '<html lang="en">' in client.get("/privatums").get_data(as_text=True)  # the choice is remembered


def test_the_page_has_landmarks_and_headings_and_loads_nothing_from_elsewhere(client: FlaskClient) -> None:
    page = client.get("/privatums").get_data(as_text=True)
    assert page.count("<h1>") == 1 and page.count("<h2 ") >= 6
    assert '<main id="main"' in page and "<header" in page and "<footer" in page and 'class="skip"' in page
    assert 'name="viewport"' in page
    for section in re.findall(r'<section aria-labelledby="([^"]+)">', page):
        assert f'id="{section}"' in page, section
    assert not re.search(r"""src=["']https?://""", page)  # no CDN; the links out are plain links
    assert re.findall(r'href="(https?://[^"]+)"', page) == ["https://www.dvi.gov.lv", "https://www.sif.gov.lv",
                                                           "https://vietagimenei.lv", "https://vietagimenei.lv"]


def test_the_vote_page_links_to_it_beside_the_personal_code(client: FlaskClient, clock: FrozenClock) -> None:
    clock.set(VOTE_DAY)
    for lang, label in (("lv", "Kā mēs apstrādājam Jūsu datus"), ("en", "How we process your data")):
        page = client.get(f"/balsot?lang={lang}").get_data(as_text=True)
        field = page[page.index('<label for="personal_code">'):page.index('<input id="personal_code"')]
        assert f'<a href="/privatums">{label}</a>' in field, lang
    hint = text(client.get("/balsot?lang=lv"))
    assert "jaucējvērtīb" not in hint and "glabājam tikai no tā atvasinātu kodu" in hint  # LATVIAN.md's wording


@pytest.mark.parametrize("path", PAGES)
def test_every_page_links_to_it_from_the_footer(client: FlaskClient, path: str) -> None:
    for lang, label in (("lv", "Privātums"), ("en", "Privacy")):
        page = client.get(f"{path}?lang={lang}").get_data(as_text=True)
        footer = page[page.index("<footer"):]
        assert re.search(rf'<a href="/privatums"[^>]*>{label}</a>', footer), (path, lang)


def test_the_contact_is_the_funds_setting(client: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CONTEST_PRIVACY_CONTACT", raising=False)
    unset = client.get("/privatums?lang=lv").get_data(as_text=True)
    assert "tīmekļvietnē" in unset and 'href="https://www.sif.gov.lv"' in unset and "mailto:" not in unset
    monkeypatch.setenv("CONTEST_PRIVACY_CONTACT", " dati@example.lv ")
    page = client.get("/privatums").get_data(as_text=True)
    assert '<a href="mailto:dati@example.lv">dati@example.lv</a>' in page and "www.sif.gov.lv" not in page
    monkeypatch.setenv("CONTEST_PRIVACY_CONTACT", "https://example.lv/dati")
    assert '<a href="https://example.lv/dati">https://example.lv/dati</a>' in client.get("/privatums").get_data(
        as_text=True)
    monkeypatch.setenv("CONTEST_PRIVACY_CONTACT", "<script>x</script> Rīga")
    page = client.get("/privatums").get_data(as_text=True)
    assert "<script>x</script>" not in page and "&lt;script&gt;x&lt;/script&gt; Rīga" in page
    assert privacy_contact({"CONTEST_PRIVACY_CONTACT": "   "}) is None and privacy_contact({}) is None


def test_the_page_answers_before_any_contest_is_loaded(empty_service: ContestService) -> None:
    r = create_app(empty_service, {"TESTING": True}).test_client().get("/privatums")
    assert r.status_code == 200 and "Sabiedrības integrācijas fonds" in text(r)


def test_what_the_page_says_of_a_comment_is_what_the_vote_stores(client: FlaskClient, service: ContestService,
                                                                 clock: FrozenClock) -> None:
    clock.set(VOTE_DAY)
    code = fake_personal_codes(1, 41)[0]
    r = vote(client, personal_code=code, comment=f"Mans kods ir {code}.")
    assert r.status_code == 200  # type: ignore[attr-defined]
    stored = [json.loads(line)["payload"] for line in export_lines(service.store) if '"comment"' in line]
    assert [p["comment"] for p in stored if p.get("comment")] == [f"Mans kods ir {REDACTED}."]
    assert all(code not in line for line in export_lines(service.store))
    assert f"tiek aizstāts ar {REDACTED}" in text(client.get("/privatums?lang=lv"))
