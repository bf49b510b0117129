"""The steps of `contest demo` (contest/demo.py): a whole 2024 contest as HTTP requests with each role's token,
the demo's clock moved to each step's date in Riga (contest/demo_clock.py)."""

from __future__ import annotations

import http.client
import json
import random
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlparse
from zoneinfo import ZoneInfo

import click

from contest.demo_clock import set_time
from contest.residents import fake_personal_codes
from contest.seeding import generate_answers

RIGA = ZoneInfo("Europe/Riga")
YEAR = 2024
API = f"/api/contests/{YEAR}"
COMMENTS = ("Labi bērnudārzi un bezmaksas pusdienas.", "Trūkst rotaļu laukumu.", "Atsaucīgs sociālais dienests.",
            "Ļoti laba ārpusskolas izglītība.", "Pabalsts jaundzimušajiem varētu būt lielāks.")
VISIT_DAYS = ("2024-11-20", "2024-11-21", "2024-11-26", "2024-11-27", "2024-11-28")
PEOPLE = {"municipality_email": "dome@example.lv", "mayor": {"name": "Domes priekšsēdētājs", "email":
          "mers@example.lv"}, "contact": {"name": "Kontaktpersona", "email": "kontakti@example.lv"}}


def client_addresses(n: int, seed: int) -> list[str]:
    """Where `n` fake residents vote from: an address each, drawn from 10.0.0.0/8 (IPv4, private, 65,536 client
    networks of /24) and, for one in five, from 2001:db8::/32 (IPv6, the documentation prefix, 65,536 of /48), so
    that, as with real residents, the votes come from many client networks (contest/network.py) and the
    desk's report of suspicious clusters (20 votes from one network within 10 minutes) finds none of them."""
    rng = random.Random(f"{seed}:addresses")
    out = []
    for _ in range(n):
        if rng.random() < 0.2:
            out.append(f"2001:db8:{rng.randrange(0x10000):x}:{rng.randrange(0x10000):x}::{rng.randrange(1, 0x10000):x}")
        else:
            out.append(f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}")
    return out


def riga(text: str) -> datetime:
    """A local time in Riga ('2024-08-01 00:00:30') as an aware instant."""
    return datetime.fromisoformat(text).replace(tzinfo=RIGA)


class DemoError(click.ClickException):
    pass


# ----- HTTP -----

@dataclass
class Http:
    base: str
    token: str | None = None

    def call(self, method: str, path: str, body: Any = None, token: str | None = None,
             expect: tuple[int, ...] = (200, 201)) -> Any:
        status, data = self.raw(method, path, body, token or self.token)
        if status not in expect:
            raise DemoError(f"{method} {path} answered {status}: {json.dumps(data, ensure_ascii=False)[:600]}")
        return data

    def raw(self, method: str, path: str, body: Any = None, token: str | None = None,
            client: str | None = None) -> tuple[int, Any]:
        """The request; with `client`, as the demo's proxy forwards a resident's request from that address."""
        url = urlparse(self.base)
        conn = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if client:
            headers["X-Forwarded-For"] = client
        for attempt in range(5):
            try:
                conn.request(method, path, json.dumps(body) if body is not None else None, headers)
                response = conn.getresponse()
                raw = response.read()
                if response.status == 503 and attempt < 4:  # the store was busy: nothing was recorded
                    time.sleep(0.2 * (attempt + 1))
                    continue
                ctype = response.getheader("Content-Type", "")
                return response.status, json.loads(raw) if raw and "json" in ctype else raw.decode()
            finally:
                conn.close()
        raise AssertionError("unreachable")


# ----- the contest, step by step -----

@dataclass
class Progress:
    bar: Any

    def step(self, label: str, units: int = 1) -> None:
        self.bar.label = f"{label:<34}"
        self.bar.update(units)


@dataclass
class Play:
    http: Http
    clock_file: Path
    votes: int
    seed: int
    concurrency: int
    progress: Progress
    names: dict[str, str] = field(default_factory=dict)
    facts: dict[str, Any] = field(default_factory=dict)
    jurors: dict[str, str] = field(default_factory=dict)

    def at(self, local: str) -> None:
        set_time(self.clock_file, riga(local))

    def token(self, **body: Any) -> str:
        return self.http.call("POST", "/api/tokens", body)["token"]

    def parallel(self, job: Callable[[Any], Any], items: list[Any], label: str) -> list[Any]:
        out: list[Any] = []
        with ThreadPoolExecutor(max_workers=self.concurrency) as pool:
            for result in pool.map(job, items):
                out.append(result)
                self.progress.step(label)
        return out

    # round 1 (§4.2-§4.5)
    def round1(self) -> list[str]:
        h = self.http
        self.names = {m["code"]: m["name"] for m in h.call("GET", f"{API}/municipalities")}
        self.at("2024-06-10 10:00")
        h.call("POST", f"{API}/round1/open")
        self.progress.step("round 1 opens")
        questionnaire = h.call("GET", f"{API}/questionnaire")
        from domain.questionnaire import load_questionnaire

        answers = generate_answers(load_questionnaire(questionnaire), list(self.names), seed=self.seed)

        def submit(code: str) -> None:
            token = self.token(role="municipality", municipality=code, year=YEAR)
            if answers[code]:
                h.call("PATCH", f"{API}/submissions/{code}", {"answers": answers[code]}, token)

        self.parallel(submit, list(self.names), "submissions")
        self.at("2024-07-05 11:00")
        ask = next(iter(self.names))
        h.call("POST", f"{API}/submissions/{ask}/requests",
               {"id": "q1", "text": "Lūdzu, precizējiet atbalsta apmēru jaundzimušajiem."})
        h.call("POST", f"{API}/submissions/{ask}/requests/q1/replies",
               {"text": "Precizēts: pabalsts tiek izmaksāts vienreiz."},
               self.token(role="municipality", municipality=ask, year=YEAR))
        self.at("2024-07-20 12:00")
        result = h.call("POST", f"{API}/round1/close")
        self.progress.step("round 1 closes")
        self.facts["submissions"] = sum(1 for a in answers.values() if a)
        self.facts["round2"] = list(result["advancing"])
        return list(result["advancing"])

    # round 2: the residents' vote (§4.6.6, D10)
    def vote(self) -> None:
        h = self.http
        rng = random.Random(f"{self.seed}:votes")
        codes = list(self.names)
        popularity = [rng.lognormvariate(0, 0.8) for _ in codes]
        liking = {c: rng.uniform(2.6, 4.5) for c in codes}
        self.at("2024-08-01 00:00:30")
        h.call("POST", f"{API}/window/open", {"reason": "balsojuma sākums (plānots)"})
        self.progress.step("the vote opens")
        residents = fake_personal_codes(self.votes, seed=self.seed)
        addresses = client_addresses(self.votes + 2, seed=self.seed)
        chunks = 10
        size = -(-self.votes // chunks)
        opens, closes = riga("2024-08-01 00:01"), riga("2024-09-15 22:00")
        refused = {"already voted": 0, "bad code": 0}
        for k in range(chunks):
            set_time(self.clock_file, opens + (closes - opens) * k / chunks)
            if k == chunks // 2:
                h.call("POST", f"{API}/window/interim", {"reason": "starprezultāts balsojuma vidū"})
            bodies = []
            for i in range(k * size, min((k + 1) * size, self.votes)):  # in order: a seed gives one result
                m = rng.choices(codes, popularity)[0]
                bodies.append((addresses[i], {"personal_code": residents[i], "municipality": m,
                                              "rating": max(1, min(5, round(rng.gauss(liking[m], 0.9)))),
                                              "comment": rng.choice(COMMENTS) if rng.random() < 0.02 else None}))
            statuses = self.parallel(lambda sent: h.raw("POST", f"{API}/votes", sent[1], client=sent[0])[0],
                                     bodies, "residents' votes")
            if any(s != 201 for s in statuses):
                raise DemoError(f"some votes were refused: {sorted(set(statuses))}")
        # a second vote by the same resident, and a mistyped code: both refused (§4.6.6, D10)
        if residents:
            again = {"personal_code": residents[0], "municipality": codes[0], "rating": 1}
            refused["already voted"] += h.raw("POST", f"{API}/votes", again, client=addresses[-2])[0] == 409
        typo = {"personal_code": "010190-12346", "municipality": codes[0], "rating": 5}
        refused["bad code"] += h.raw("POST", f"{API}/votes", typo, client=addresses[-1])[0] == 422
        self.at("2024-09-16 09:00")
        h.call("POST", f"{API}/window/close", {"reason": "balsojuma laiks beidzies"})
        self.progress.step("the vote closes")
        self.facts["refused"] = refused
        self.facts["clusters"] = len(h.call("GET", f"{API}/votes/clusters")["clusters"])  # the desk's report

    def decide(self, ties: list[dict[str, Any]], why: str) -> None:
        for tie in ties:
            self.http.call("POST", f"{API}/decisions", {
                "kind": tie["kind"], "tied": tie["tied"], "chosen": tie["tied"][:tie["places"]],
                "text": why, "votes_for": 6, "votes_total": 9})

    # round 2: the jury (§4.6.4, D8-D11)
    def round2(self, ten: list[str]) -> list[str]:
        h = self.http
        jury = h.call("GET", f"{API}/jury")
        seats = [s["id"] for s in jury["seats"] if s["voting"]]
        self.facts["seats"] = seats
        self.at("2024-09-18 14:00")
        rng = random.Random(f"{self.seed}:ballots")
        for seat in seats:
            order = sorted(ten, key=lambda m: ten.index(m) + rng.gauss(0, 2.5))
            points = dict.fromkeys(ten, 0) | dict(zip(order[:5], (5, 4, 3, 2, 1), strict=True))
            reasons = {m: "Citām pašvaldībām ģimenēm piedāvāts vairāk." for m, p in points.items() if p == 0}
            self.jurors[seat] = self.token(role="juror", seat=seat, year=YEAR)
            h.call("PUT", f"{API}/ballots/{seat}", {"points": points, "justifications": reasons}, self.jurors[seat])
            self.progress.step("jury ballots")
        standings = h.call("GET", f"{API}/standings")
        self.decide((standings.get("outcome") or {}).get("open_ties", []),
                    "Komisija balsojot izšķīrās par šo pašvaldību (§3.2.4).")
        self.at("2024-09-20 12:00")
        closed = h.call("POST", f"{API}/round2/close")
        self.progress.step("round 2 closes")
        return [f["municipality"] for f in closed["finalists"]]

    # round 3 (§4.6.8, §4.7)
    def round3(self, finalists: list[str]) -> None:
        h = self.http
        seats: list[str] = self.facts["seats"]
        self.at("2024-10-01 10:00")
        h.call("POST", f"{API}/round3/briefing", {"date": "2024-10-01", "note": "2. kārtas rezultāti, finālistu dati"})
        for m, on in zip(finalists, VISIT_DAYS, strict=True):
            h.call("POST", f"{API}/visits/{m}", {"date": on, "arrival": "10:00", "duration_minutes": 180})
        self.at("2024-11-04 10:00")
        for m in finalists:
            h.call("POST", f"{API}/visits/{m}/notice", {"notice_date": "2024-11-04", **PEOPLE})
        self.progress.step("visits planned, notices given", 5)
        self.at("2024-11-29 10:00")
        for i, m in enumerate(finalists):  # two seats miss each visit; each seat still visits three (§4.7.4)
            absent = {seats[i % len(seats)], seats[(i + 5) % len(seats)]}
            h.call("PUT", f"{API}/visits/{m}/attendance", {"present": {s: "member" for s in seats if s not in absent}})
            self.progress.step("visits held")
        self.at("2024-12-02 10:00")
        rng = random.Random(f"{self.seed}:scores")
        quality = {m: rng.uniform(2.5, 4.8) for m in finalists}
        theme_work = {m: rng.uniform(0, 3) for m in finalists}  # the annual theme is judged apart (§4.7.11)
        for seat in seats:
            scores = {m: max(1, min(5, round(rng.gauss(quality[m], 0.7)))) for m in finalists}
            best = sorted(finalists, key=lambda m: -(theme_work[m] + rng.gauss(0, 0.8)))
            theme = {m: 2 if m == best[0] else 1 if m == best[1] else 0 for m in finalists}
            h.call("PUT", f"{API}/scores/{seat}", {
                "scores": scores, "theme_points": theme,
                "justifications": {m: f"Vizītē redzētais: vērtējums {scores[m]}" for m in finalists}},
                self.jurors[seat])
            self.progress.step("jury scores")
        status = h.call("GET", f"{API}/round3")
        self.decide(status["assessment"]["result"].get("open_ties", []),
                    "Vienāds vērtējums; komisija balsojot izšķīrās (§3.2.4, D12, D13).")
        self.at("2024-12-03 12:00")
        h.call("POST", f"{API}/round3/close")
        h.call("POST", f"{API}/supporter-nominations", {
            "supporter": "Demo atbalstītājs", "nomination": "Gada atbalsts ģimenēm", "amount_eur": 1000,
            "municipality": finalists[-1]})
        self.progress.step("round 3 closes")
        self.at("2024-12-10 11:00")
        council = self.token(role="council", name="SIF padome")
        h.call("POST", f"{API}/approval", {"decision_number": "Protokols Nr. 12, 3.1", "decision_date": "2024-12-09"},
               council)
        self.progress.step("the council approves")

    def pages(self, winner: str) -> list[str]:
        paths = ["/", "/balsot", "/rezultati", "/rezultati/balsojums", f"/rezultati/{winner}", "/sekretariats",
                 "/rezultati?lang=en"]
        for path in paths:
            status, _ = self.http.raw("GET", path)
            if status != 200:
                raise DemoError(f"the page {path} answered {status}")
        return paths


def steps_for(votes: int) -> int:
    """How many progress units the whole run has (the bar's length)."""
    return 1 + 43 + 1 + 1 + votes + 1 + 9 + 1 + 5 + 5 + 9 + 1 + 1


