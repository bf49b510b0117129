"""`contest demo --via pages` (contest/demo.py): every step of demo_script.Script that a person does, done as the
person does it in a browser without JavaScript (contest/demo_forms.py): open the page, sign in when it asks for the
person's token (a session of the person's own; the demo's clock jumps weeks, so sessions end and people sign in
again), fill in the form as the page names its fields, send it with its CSRF token, follow the redirect and read
what the page says.

- the secretariat signs in to the desk (/sekretariats) with the first token, issues every other person's on
  /sekretariats/piekluves-atslegas (shown once on the page: read from it), takes the desk's transitions, asks for
  information (/sekretariats/pieprasijumi), publishes the interim result and records the jury's tie decisions
  (/sekretariats/lemumi), the briefing, visits, notices and attendance (/sekretariats/3-karta), the supporter's
  nomination (/sekretariats/konfiguracija/balvas);
- each municipality fills in its questionnaire section by section (/pasvaldiba/sadala/<n>), typing numbers as a
  Latvian does (``1 500``, ``2,35``), and answers the request (/pasvaldiba/pieprasijumi);
- each resident votes on /balsot in a browser of their own, forwarded from the resident's address
  (X-Forwarded-For) as with `--via api`; each juror submits the ballot and the score sheet (/komisija); the council
  approves (/padome).

What the play needs to know to decide (the municipalities, the questionnaire, the ten, the jury, the finalists)
it reads from the public JSON GETs (`PublicReads`, which sends nothing else) or from the pages (the open ties, the
clusters).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from contest.demo_forms import Browser, Form, Page
from contest.demo_play import Http
from contest.demo_script import (
    ALREADY_VOTED,
    BAD_CODE,
    COUNTED,
    NOMINATION,
    DemoError,
    Progress,
    Script,
    Tie,
)

DESK, TOKENS, DECISIONS = "/sekretariats", "/sekretariats/piekluves-atslegas", "/sekretariats/lemumi"
ROUND3, REQUESTS, PRIZES = "/sekretariats/3-karta", "/sekretariats/pieprasijumi", "/sekretariats/konfiguracija/balvas"
# The desk's transition buttons (api/desk.py ACTION_SLUGS).
SLUGS = {"open round 1": "atvert-1-kartu", "close round 1": "slegt-1-kartu", "open the vote": "atvert-balsojumu",
         "close the vote": "slegt-balsojumu", "close round 2": "slegt-2-kartu", "close round 3": "slegt-3-kartu"}
ROUND_TIES = {2: ("jury_4th_place", "jury_5th_place", "residents_choice"), 3: ("winner", "theme_prize")}


def typed(value: Any) -> str:
    """An answer as a Latvian types it (LATVIAN.md): a number with a space between groups of three digits and a
    decimal comma (1500 -> '1 500', 2.35 -> '2,35'); a text or an option's id as it is."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    whole, _, fraction = format(Decimal(repr(value)), "f").partition(".")
    sign, digits = ("-", whole[1:]) if whole.startswith("-") else ("", whole)
    grouped = f"{int(digits):,}".replace(",", " ")
    return sign + grouped + ("," + fraction.rstrip("0") if fraction.strip("0") else "")


class PublicReads(Http):
    """The JSON API for reading what anyone may read; this play writes through the pages' forms only."""

    def raw(self, method: str, path: str, body: Any = None, token: str | None = None,
            client: str | None = None) -> tuple[int, Any]:
        if method != "GET" or token:
            raise DemoError(f"--via pages sends {method} {path} through a page's form, not the API")
        return super().raw(method, path)


@dataclass
class Person:
    """Someone with a token and a browser: `open` signs in on the area's page (`home`) when a page asks for it."""

    browser: Browser
    home: str
    token: str
    last: Page | None = None  # the page the person is on

    def send(self, form: Form, values: dict[str, Any] | None = None, **how: Any) -> Page:
        self.last = self.browser.send(form, values, **how)
        return self.last

    def open(self, path: str) -> Page:
        page = self.browser.get(path)
        login = sign_in_form(page)
        if login is not None:
            signed = self.browser.send(login, {"token": self.token}, refused=True)
            if sign_in_form(signed) is not None or signed.status != 200:
                raise DemoError(f"signing in on {self.home} was refused ({signed.status}){signed.said()}")
            page = self.browser.get(path)
        if page.status != 200:
            raise DemoError(f"the page {path} answered {page.status}{page.said()}")
        self.last = page
        return page


def sign_in_form(page: Page) -> Form | None:
    return next((f for f in page.forms() if f.action.endswith("/ieiet") and "token" in f.names()), None)


class PagesPlay(Script):
    """The secretariat (`token`, as `contest serve` prints one) and everyone it issues a token to, each a Person
    with a browser of their own; the residents, a browser each."""

    def __init__(self, base: str, token: str, clock_file: Path, votes: int, seed: int, concurrency: int,
                 progress: Progress) -> None:
        super().__init__(clock_file, votes, seed, concurrency, progress)
        self.base = base
        self.http = PublicReads(base)
        self.desk = Person(Browser(base), DESK, token)
        self.people: dict[str, Person] = {}  # by municipality code, jury seat, "council"
        self.counted = threading.Lock()
        self.residents = 0
        self.resident_forms = 0

    def read(self, path: str) -> Any:
        return self.http.call("GET", path)

    def person(self, key: str, home: str, **token: str) -> Person:
        """The person of `key`, with a token the secretariat issued on the tokens' page the first time (one token
        at a time: the secretariat's browser is one person's)."""
        with self.desk.browser.lock:
            if key not in self.people:
                # the answer to the form shows the form again: the next token is issued from there
                last = self.desk.last
                page = last if last is not None and last.path == TOKENS else self.desk.open(TOKENS)
                page = self.desk.send(page.form(action=TOKENS), token, shows="new-token")
                shown = page.by_id("new-token")
                if shown is None or not shown.text().startswith("ctk_"):
                    raise DemoError("the tokens' page shows no new token")
                self.people[key] = Person(Browser(self.base), home, shown.text())
            return self.people[key]

    def municipality(self, code: str) -> Person:
        return self.person(code, "/pasvaldiba", role="municipality", municipality=code)

    def juror(self, seat: str) -> Person:
        return self.person(seat, "/komisija", role="juror", seat=seat)

    # ----- the secretariat's desk -----

    def transition(self, action: str, reason: str | None = None) -> None:
        page = self.desk.open(DESK)
        slug = SLUGS[action]
        forms = [f for f in page.forms() if f.action.endswith(f"{DESK}/{slug}")]
        if not forms:
            blockers = page.by_id("blockers")
            raise DemoError(f"the desk offers no button to {action}: {blockers.text() if blockers else page.said()}")
        self.desk.send(forms[0], {"reason": reason} if reason else {})

    def ask(self, code: str, request_id: str, text: str) -> None:
        page = self.desk.open(REQUESTS)
        self.desk.send(page.form(form_id="request-form"), {"municipality": code, "text": text})

    def interim(self, reason: str) -> None:
        page = self.desk.open(DECISIONS)
        self.desk.send(page.form(form_id="interim-form"), {"reason": reason})

    def clusters(self) -> int:
        shown = self.desk.open(DESK).by_id("clusters")
        if shown is None:
            raise DemoError("the desk shows no report of suspicious vote clusters")
        return sum(1 for e in shown.iter() if e.tag == "tr" and "cluster" in e.classes())

    def open_ties(self, round_no: int) -> list[Tie]:
        ties = []
        for form in self.desk.open(DECISIONS).forms():
            fields = {c.name: c.value for c in form.controls}
            if form.element.attrs.get("id", "").startswith("tie-") and fields.get("kind") in ROUND_TIES[round_no]:
                places = sum(1 for c in form.controls if c.name.startswith("chosen-"))
                ties.append(Tie(fields["kind"], fields["tied"].split(","), places))
        return ties

    def decide(self, tie: Tie, chosen: list[str], text: str, votes_for: int, votes_total: int) -> None:
        page = self.desk.open(DECISIONS)
        self.desk.send(page.form(form_id=f"tie-{tie.kind}"), {
            **{f"chosen-{i}": m for i, m in enumerate(chosen, start=1)}, "text": text,
            "votes_total": str(votes_total), "votes_for": str(votes_for)})

    def brief(self, on: str, note: str) -> None:
        page = self.desk.open(ROUND3)
        self.desk.send(page.form(action="/3-karta/informesana"), {"date": on, "note": note})

    def plan_visit(self, code: str, on: str, arrival: str, minutes: int) -> None:
        page = self.desk.open(f"{ROUND3}/vizite/{code}")
        self.desk.send(page.form(form_id="plan-form"), {
            "date": on, "arrival": arrival, "duration_minutes": str(minutes), "mode": "on_site"})

    def give_notice(self, code: str, on: str, people: dict[str, Any]) -> None:
        """The notice's text is shown first (its preview), then recorded as shown (§4.7.2)."""
        page = self.desk.open(f"{ROUND3}/vizite/{code}")
        page = self.desk.send(page.form(form_id="notice-form"), {
            "notice_date": on, "municipality_email": people["municipality_email"],
            "mayor_name": people["mayor"]["name"], "mayor_email": people["mayor"]["email"],
            "contact_name": people["contact"]["name"], "contact_email": people["contact"]["email"]},
            button="preview", shows="notice-preview")
        confirm = next(f for f in page.forms() if any(c.value == "record" for c in f.controls))
        self.desk.send(confirm, button="record")

    def attendance(self, code: str, present: list[str], seats: list[str]) -> None:
        page = self.desk.open(f"{ROUND3}/vizite/{code}")
        self.desk.send(page.form(form_id="attendance-form"),
                               {f"seat-{s}": "member" if s in present else "" for s in seats})

    def nominate(self, municipality: str) -> None:
        page = self.desk.open(PRIZES)
        self.desk.send(page.form(action="/balvas/nominacijas"), {
            "supporter": NOMINATION["supporter"], "nomination": NOMINATION["nomination"],
            "municipality": municipality, "amount": typed(NOMINATION["amount_eur"])})

    # ----- the municipalities -----

    def submit(self, code: str, answers: dict[str, Any]) -> None:
        """Section by section, each answer typed into its field (`q-<question id>`)."""
        assert self.questionnaire is not None  # read by round1 before the submissions
        by_section: dict[int, dict[str, str]] = {}
        for question, value in answers.items():
            by_section.setdefault(self.questionnaire.question(question).section, {})[f"q-{question}"] = typed(value)
        person = self.municipality(code)
        for n, values in sorted(by_section.items()):
            page = person.open(f"/pasvaldiba/sadala/{n}")
            person.send(page.form(action=f"/pasvaldiba/sadala/{n}"), values)

    def reply(self, code: str, request_id: str, text: str) -> None:
        person = self.municipality(code)
        page = person.open("/pasvaldiba/pieprasijumi")
        person.send(page.form(action=f"/pasvaldiba/pieprasijumi/{request_id}"), {"reply": text})

    # ----- the residents -----

    def cast(self, address: str, vote: dict[str, Any]) -> str:
        """A resident in a browser of their own, forwarded from `address` by the demo's proxy."""
        browser = Browser(self.base, {"X-Forwarded-For": address})
        values = {"municipality": vote["municipality"], "rating": str(vote["rating"]),
                  "comment": vote["comment"] or "", "personal_code": vote["personal_code"]}
        page = browser.get("/balsot")
        page = browser.send(page.form(action="/balsot"), values, refused=True)
        with self.counted:
            self.residents += 1
            self.resident_forms += browser.sent
        refusal = page.by_id("refusal")
        if page.path == "/balsot/paldies" and page.by_id("receipt") is not None:
            return COUNTED
        if page.status == 409 and refusal is not None and refusal.attrs.get("data-kind") == "already":
            return ALREADY_VOTED
        if page.status == 422 and page.by_id("personal_code-error") is not None:
            return BAD_CODE
        return f"refused ({page.status}){page.said()}"

    # ----- the jury and the council -----

    def ballot(self, seat: str, points: dict[str, int], justifications: dict[str, str]) -> None:
        person = self.juror(seat)
        page = person.open("/komisija/2-karta")
        person.send(page.form(action="/komisija/2-karta"), {
            **{f"points-{m}": str(p) for m, p in points.items()},
            **{f"justification-{m}": why for m, why in justifications.items()}}, button="submit")

    def score(self, seat: str, scores: dict[str, int], theme: dict[str, int], why: dict[str, str]) -> None:
        person = self.juror(seat)
        page = person.open("/komisija/3-karta")
        chosen = {f"theme-{p}": m for m, p in theme.items() if p}
        person.send(page.form(action="/komisija/3-karta"), {
            **{f"score-{m}": str(s) for m, s in scores.items()},
            **{f"justification-{m}": text for m, text in why.items()}, **chosen}, button="submit")

    def approve(self, decision_number: str, decision_date: str) -> None:
        council = self.person("council", "/padome", role="council", name="SIF padome")
        page = council.open("/padome")
        council.send(page.form(action="/padome/apstiprinat"), {
            "decision_number": decision_number, "decision_date": decision_date, "confirm": True})
        staff = [self.desk, *self.people.values()]
        self.facts.update(forms=sum(p.browser.sent for p in staff) + self.resident_forms, staff=len(staff),
                          residents=self.residents)
