"""Every page passes axe-core's WCAG 2.0/2.1 A and AA rules with no serious or critical violation, in Latvian and
in English, on each store, in Debian's Chromium driven by Playwright against a real gunicorn
(tests/support/axe.py runs the engine; `npm ci --prefix tests/e2e/axe` installs it, .ci/run does it).

Two contests per store, each behind its own server, each taken further along by the tests in file order:

- "round1": round 1 open with every answer in, a request for more information to Rīga (§4.4) and the vote window
  open around now: every staff area; the municipality's forms refused at a field; the vote's form, its errors
  after an empty submit, the thank-you page /balsot/paldies, the check of a receipt, a second vote refused; then
  round 1 is closed (through the API) and the jury's ballot (open, then refused) and the desk are checked in
  round 2;
- "round3": the 2024 contest played to the scores of round 3 (tests/support/round3.py play_contest, close=False):
  every staff area, and the score sheet of a seat that has not scored, refused; then round 3 is closed (through the
  API), the council's approval form is checked in both languages, refused and then used to approve, and the public
  pages, an unknown page and /docs (the API's Swagger UI) are checked on the sealed contest.

Each staff area (the desk /sekretariats with the progress page /parskats, the jury /komisija, the municipality
/pasvaldiba, the council /padome) is checked at its sign-in form, with a refused token, and then signed in page
by page, following the links the signed-in area shows under its own paths: pages added to an area later are
checked without a change here. The engine is injected as an inline script, so each browser context bypasses the
pages' Content-Security-Policy (bypass_csp=True), in this test only. What each test checked, with every
violation of any impact, is written to test-artifacts/accessibility/<store>/ (gitignored; CI keeps them).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from api.app import create_app
from contest.clock import FrozenClock, SystemClock
from contest.residents import fake_personal_codes
from contest.seeding import generate_answers
from contest.service import ContestService
from contest.store import EventStore
from domain.actors import Actor, system_actor
from tests.conftest import SECRETS, START
from tests.support import ROOT
from tests.support.axe import WIDTHS, describe, grave, run, shape, source
from tests.support.browser import chromium
from tests.support.helpers import SEC, bearer
from tests.support.live import call, gunicorn, live_store
from tests.support.round3 import play_contest

pytestmark = pytest.mark.slow

LANGUAGES = ["lv", "en"]
PUBLIC = ["/", "/balsot", "/balsot/parbaudit", "/rezultati", "/rezultati/balsojums", "/rezultati/{code}",
          "/rezultati/2-karta", "/rezultati/3-karta", "/rezultati/gala-rezultati", "/privatums", "/kontrolpunkti",
          "/arhivs"]  # tests/e2e/test_public_pages_shots.py's list
#: Each staff area: where it starts, and the paths whose links its crawl follows.
AREAS = {"desk": ("/sekretariats", ("/sekretariats", "/parskats")), "jury": ("/komisija", ("/komisija", "/parskats")),
         "municipality": ("/pasvaldiba", ("/pasvaldiba",)), "council": ("/padome", ("/padome",))}
HTML = "text/html"
HEIGHT = 900
CODES = fake_personal_codes(4, seed=1717)  # the round-1 contest's voters: one per store and language
SCORELESS = "vk-pkc"  # a voting seat that scores nothing in play_contest: its round-3 sheet is still empty


def issue(svc: ContestService, **kinds: dict[str, Any]) -> dict[str, str]:
    return {area: svc.issue_token(actor=system_actor("test"), **kw)[0] for area, kw in kinds.items()}


def prepare_round1(store_url: str) -> dict[str, Any]:
    """Round 1 open with every answer in, the window open around now, a request for more information to Rīga."""
    svc = ContestService(EventStore(store_url), SystemClock(), SECRETS)
    try:
        svc.init_from_preset("2024", actor=system_actor("test"))
        now = datetime.now(UTC)
        svc.configure(2024, "window", {"opens_at": (now - timedelta(minutes=5)).isoformat(),
                                       "closes_at": (now + timedelta(hours=2)).isoformat()},
                      reason="accessibility test", actor=SEC)
        svc.open_round1(2024, actor=SEC)
        contest = svc.contest(2024)
        for code, given in generate_answers(contest.questionnaire, [m.code for m in contest.municipalities],
                                            seed=2024).items():
            if given:
                svc.round1.save_answers(2024, code, given, actor=Actor("municipality", code, municipality=code))
        svc.round1.request_information(2024, "LV-RIX", "req-1", "Lūdzu, precizējiet 3. sadaļas atbildes.",
                                       actor=SEC)
        return issue(svc, desk={"role": "secretariat", "name": "Anna"},
                     jury={"role": "juror", "seat": "sif", "year": 2024},
                     municipality={"role": "municipality", "municipality": "LV-RIX", "year": 2024},
                     council={"role": "council", "name": "Padome"})
    finally:
        svc.close()


def prepare_round3(store_url: str) -> dict[str, Any]:
    """The 2024 contest played to round 3's scores, not closed; a finalist signs in, and its code is the public
    explanation's."""
    clock = FrozenClock(START)
    svc = ContestService(EventStore(store_url), clock, SECRETS)
    try:
        svc.init_from_preset("2024", actor=system_actor("test"))
        tokens = issue(svc, desk={"role": "secretariat", "name": "Anna"}, council={"role": "council", "name": "Padome"})
        client = create_app(svc, {"TESTING": True}).test_client()
        play_contest(svc, clock, client, {"secretariat": tokens["desk"], "council": tokens["council"]}, close=False)
        finalist = svc.contest(2024).finalists[0]
        return {**tokens, **issue(svc, jury={"role": "juror", "seat": "sif", "year": 2024},
                                  scoreless={"role": "juror", "seat": SCORELESS, "year": 2024},
                                  municipality={"role": "municipality", "municipality": finalist, "year": 2024}),
                "code": finalist}
    finally:
        svc.close()


# The markup is the subject, not the store (the pages render the same on both, which the other browser and
# integration tests show): one store keeps CI within its time.
AXE_STORES = ["sqlite"]


@pytest.fixture(scope="module", params=AXE_STORES)
def live(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """{"store", "round1": {...}, "round3": {...}}: each contest's server (its base URL) and tokens."""
    source()  # fail at once, with the command to install axe-core, when it is missing
    env = {"CONTEST_LOGIN_THROTTLE": "off"}  # the refused sign-ins of every area and language
    tmp = tmp_path_factory.mktemp(f"axe-{request.param}")
    servers: dict[str, Any] = {"store": request.param}
    with ExitStack() as running:
        for name, prepare in (("round1", prepare_round1), ("round3", prepare_round3)):
            (tmp / name).mkdir()
            url = running.enter_context(live_store(request, tmp / name))
            tokens = prepare(url)
            base, _log = running.enter_context(gunicorn(url, tmp / name, workers=2, extra_env=env))
            servers[name] = {**tokens, "base": base}
        yield servers


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as b:
        yield b


class Checker:
    """One browser context in one language over one server: pages visited and checked, the problems found."""

    def __init__(self, browser: Browser, base: str, language: str) -> None:
        self.base, self.language = base, language
        self.context: BrowserContext = browser.new_context(base_url=base, bypass_csp=True,
                                                           viewport={"width": WIDTHS[0], "height": HEIGHT})
        self.page: Page = self.context.new_page()
        self.page.set_default_timeout(15_000)
        self.problems: list[str] = []
        self.checked: list[str] = []  # what was checked, with every violation of any impact: the report's lines

    def check(self, what: str) -> None:
        """axe on the page as it is now, on a desktop and on a phone (where wide tables scroll); and the page's
        language is the one asked for."""
        page = f"{urlsplit(what).path if what.startswith('http') else what} [{self.language}]"
        if self.page.get_attribute("html", "lang") != self.language:
            self.problems.append(f"{page}: <html lang> is not {self.language!r}")
        self.checked.append(page)
        for width in WIDTHS:
            self.page.set_viewport_size({"width": width, "height": HEIGHT})
            where = f"{page} {width}px"
            found = run(self.page)
            self.checked += [f"  {describe(v, where)}" for v in found["violations"]]
            self.checked += [f"  needs review: {describe(v, where)}" for v in found["incomplete"]]
            self.problems += [describe(v, where) for v in grave(found["violations"])]
        self.page.set_viewport_size({"width": WIDTHS[0], "height": HEIGHT})

    def visit(self, path: str, status: int = 200) -> None:
        response = self.page.goto(urljoin(self.base, path))
        assert response is not None and response.status == status, (path, response and response.status)
        self.check(path)

    def switch(self, path: str, language: str) -> None:
        """The page at `path` in `language` (remembered, as the pages' language link does)."""
        self.language = language
        response = self.page.goto(urljoin(self.base, f"{path}?lang={language}"))
        assert response is not None and response.status == 200

    def sign_in(self, start: str, token: str) -> None:
        """The area's sign-in form, a refused token, then the area itself."""
        self.visit(f"{start}?lang={self.language}")
        form = self.page.locator("form:has(#token)")
        form.locator("#token").fill("not-a-token")
        form.locator("button[type=submit]").click()
        expect(self.page.locator("#login-error")).to_be_visible()
        self.check(f"{start} (refused sign-in)")
        form.locator("#token").fill(token)
        form.locator("button[type=submit]").click()
        expect(self.page.locator("#token")).to_have_count(0)

    def crawl(self, start: str, prefixes: tuple[str, ...]) -> None:
        """The signed-in area page by page: each page of `start`'s links (and theirs) under `prefixes`, once per
        kind of page (tests/support/axe.py shape), HTML only (no downloads)."""
        queue, seen = [urljoin(self.base, start)], {shape(start)}
        while queue:
            url = queue.pop(0)
            kind = self.context.request.head(url).headers.get("content-type", "")
            if not kind.startswith(HTML):
                continue
            self.visit(url)
            for href in self.page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)"):
                link = urlsplit(href)
                found = link._replace(fragment="").geturl()
                if (link.netloc == urlsplit(self.base).netloc and link.path.startswith(prefixes)
                        and shape(found) not in seen):
                    seen.add(shape(found))
                    queue.append(found)

    def close(self) -> None:
        self.context.close()


@pytest.fixture(params=LANGUAGES)
def checker(request: pytest.FixtureRequest, browser: Browser, live: dict[str, Any]) -> Iterator[Any]:
    """Makes the test's Checker over a server; afterwards writes what it checked, with every violation found (of
    any impact), to test-artifacts/accessibility/<store>/<test>.txt (gitignored; CI keeps them)."""
    made: list[Checker] = []

    def make(server: dict[str, Any]) -> Checker:
        made.append(Checker(browser, server["base"], request.param))
        return made[-1]

    yield make
    folder = ROOT / "test-artifacts" / "accessibility" / live["store"]
    folder.mkdir(parents=True, exist_ok=True)
    name = request.node.name.replace("/", "-")
    (folder / f"{name}.txt").write_text("".join(f"{line}\n" for c in made for line in c.checked), encoding="utf-8")
    for c in made:
        c.close()


def close_stage(server: dict[str, Any], stage: str) -> None:
    """The secretariat closes `stage` through the API, unless an earlier run of the test has."""
    status, contest = call("GET", server["base"] + "/api/contests/2024")
    if contest["stage"] == stage:
        status, body = call("POST", server["base"] + f"/api/contests/2024/{stage}/close", {},
                            headers=bearer(server["desk"]))
        assert status == 200, body


def report(checkers: list[Checker]) -> None:
    problems = [p for c in checkers for p in c.problems]
    assert not problems, "axe-core found serious or critical violations:\n" + "\n".join(problems)


# The staff pages' crawl in Latvian, their language of work; the English pages share every template and are checked
# on the public pages, the vote's states, the forms refused at their fields and the council's (CI time).
@pytest.mark.parametrize("checker", ["lv"], indirect=True)
@pytest.mark.parametrize("state", ["round1", "round3"])
@pytest.mark.parametrize("area", list(AREAS))
def test_every_staff_page_signed_out_refused_and_signed_in(live: dict[str, Any], checker: Any, state: str,
                                                           area: str) -> None:
    server = live[state]
    c = checker(server)
    start, prefixes = AREAS[area]
    c.sign_in(start, server[area])
    c.crawl(start, prefixes)
    pages = [line for line in c.checked if not line.startswith(" ")]
    assert len(pages) >= 3, pages  # the sign-in, the refusal and at least the area's first page
    report([c])


def test_the_municipality_forms_refused_at_their_fields(live: dict[str, Any], checker: Any) -> None:
    c = checker(live["round1"])
    page = c.page
    c.sign_in("/pasvaldiba", live["round1"]["municipality"])
    c.visit("/pasvaldiba/sadala/3")
    page.locator('[id="q-s3.m1.q1"]').fill("abc")  # not a number
    page.locator('[id="q-s3.m1.q1"]').press("Enter")
    expect(page.locator("#error-summary")).to_be_focused()
    c.check("/pasvaldiba/sadala/3 (refused)")
    c.visit("/pasvaldiba/pieprasijumi")
    page.locator("form.reply-form button[type=submit]").click()  # an empty reply
    expect(page.locator('[id="reply-req-1-error"]')).to_be_visible()
    c.check("/pasvaldiba/pieprasijumi (an empty reply refused)")
    report([c])


def test_the_vote_form_its_errors_the_thank_you_page_and_the_check(live: dict[str, Any], checker: Any) -> None:
    c = checker(live["round1"])
    page = c.page
    c.visit(f"/balsot?lang={c.language}")
    page.locator("form.vote button[type=submit]").click()
    expect(page.locator("#error-summary")).to_be_focused()
    c.check("/balsot (empty submit)")
    code = CODES[AXE_STORES.index(live["store"]) * 2 + LANGUAGES.index(c.language)]
    page.locator("#municipality").select_option("LV-113")  # Valmieras novads
    page.locator("label[for=rating-4]").click()
    page.locator("#personal_code").fill(code)
    page.locator("form.vote button[type=submit]").click()
    expect(page.locator("#confirmation")).to_be_focused()
    assert urlsplit(page.url).path == "/balsot/paldies"
    c.check("/balsot/paldies")
    receipt = page.locator("#receipt").inner_text()
    c.visit(f"/balsot/parbaudit?kods={receipt}")
    c.visit("/balsot/parbaudit?kods=xyz", status=422)
    c.visit("/balsot")
    page.locator("#municipality").select_option("LV-113")
    page.locator("label[for=rating-2]").click()
    page.locator("#personal_code").fill(code)
    page.locator("form.vote button[type=submit]").click()
    expect(page.locator("#refusal")).to_be_visible()
    c.check("/balsot (a second vote refused)")
    report([c])


# In Latvian only, as the staff crawl: the English ballot's refusal shares its template with the score sheet's,
# checked in both languages below (CI time).
@pytest.mark.parametrize("checker", ["lv"], indirect=True)
def test_round_2_the_jury_ballot_refused_and_the_desk(live: dict[str, Any], checker: Any) -> None:
    server = live["round1"]
    close_stage(server, "round1")
    jury = checker(server)
    jury.sign_in("/komisija", server["jury"])
    jury.crawl(*AREAS["jury"])
    jury.visit("/komisija/2-karta")
    jury.page.locator("button[value=submit]").click()  # nothing ranked
    expect(jury.page.locator("#error-summary")).to_be_focused()
    jury.check("/komisija/2-karta (refused)")
    desk = checker(server)
    desk.sign_in("/sekretariats", server["desk"])
    desk.crawl(*AREAS["desk"])
    report([jury, desk])


def test_round_3_a_score_sheet_refused(live: dict[str, Any], checker: Any) -> None:
    c = checker(live["round3"])
    c.sign_in("/komisija", live["round3"]["scoreless"])
    c.visit("/komisija/3-karta")
    c.page.locator("button[value=submit]").click()  # nothing scored
    expect(c.page.locator("#error-summary")).to_be_focused()
    c.check("/komisija/3-karta (refused)")
    report([c])


def test_the_council_approval_form_refused_then_the_sealed_contest(live: dict[str, Any], checker: Any) -> None:
    """Round 3 closed; the first run checks the form in both languages, is refused and approves; each run checks
    the sealed page in both."""
    server = live["round3"]
    close_stage(server, "round3")
    c = checker(server)
    page = c.page
    c.sign_in("/padome", server["council"])
    if page.locator("#approve").count():
        for language in LANGUAGES:
            c.switch("/padome", language)
            c.check("/padome (the approval form)")
            page.locator("#approve").click()  # empty: refused at its fields
            expect(page.locator("#error-summary")).to_be_focused()
            c.check("/padome (the approval refused)")
        page.locator("#decision_number").fill("Nr. 12")
        page.locator("#decision_date").fill(page.locator("#decision_date").get_attribute("max") or "")
        page.locator("#confirm").check()
        page.locator("#approve").click()
        expect(page.locator("#sealed")).to_be_visible()
    for language in LANGUAGES:
        c.switch("/padome", language)
        expect(page.locator("#sealed")).to_be_visible()
        c.check("/padome (sealed)")
    report([c])


def test_every_public_page_and_an_unknown_page(live: dict[str, Any], checker: Any) -> None:
    server = live["round3"]
    c = checker(server)
    c.visit(f"/?lang={c.language}")
    for path in PUBLIC:
        c.visit(path.format(code=server["code"]))
    c.visit("/rezultati/LV-ZZZ", status=404)
    report([c])


# The API's documentation is in English, whatever language the pages were asked in: checked once.
@pytest.mark.parametrize("checker", ["en"], indirect=True)
def test_the_api_docs_and_trying_an_operation(live: dict[str, Any], checker: Any) -> None:
    c = checker(live["round3"])
    response = c.page.goto(urljoin(live["round3"]["base"], "/docs"))
    assert response is not None and response.status == 200
    c.page.locator(".opblock").first.wait_for()
    c.page.locator(".opblock-summary").first.click()  # one operation opened: its parameters and responses
    c.page.locator(".opblock-body").first.wait_for()
    c.check("/docs")
    c.page.locator(".try-out__btn").first.click()  # its form to try it out
    c.page.locator(".btn.execute").first.wait_for()
    c.check("/docs (try it out)")
    report([c])
