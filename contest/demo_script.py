"""The 2024 contest as `contest demo` plays it (contest/demo.py), whichever way its requests go: the calendar (each
step at its date in Riga, on the demo's clock, contest/demo_clock.py), the seeded data (the answers, the residents'
votes, the ballots, the visits, the scores) and the order of the steps. Two players do the steps with their own
hands: demo_play.Play through the HTTP API with each role's bearer token (`--via api`), demo_pages.PagesPlay
through the pages' forms as each person would in a browser (`--via pages`). The same seed gives the same contest
either way: every random draw is made here, in the same order, whatever the hands.

The dates are the rules': votes only inside the window (§4.6.6), the jury's briefing no earlier than round 2's
closing and a week before the first visit (§4.6.8), notices five working days before each visit (§4.7.2),
attendance once a visit has taken place (§4.7.3).
"""

from __future__ import annotations

import random
from abc import ABC, abstractmethod
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import click

from contest.demo_clock import set_time
from contest.residents import fake_personal_codes
from contest.seeding import generate_answers

if TYPE_CHECKING:
    from domain.questionnaire import Questionnaire

RIGA = ZoneInfo("Europe/Riga")
YEAR = 2024
API = f"/api/contests/{YEAR}"
COMMENTS = ("Labi bērnudārzi un bezmaksas pusdienas.", "Trūkst rotaļu laukumu.", "Atsaucīgs sociālais dienests.",
            "Ļoti laba ārpusskolas izglītība.", "Pabalsts jaundzimušajiem varētu būt lielāks.")
VISIT_DAYS = ("2024-11-20", "2024-11-21", "2024-11-26", "2024-11-27", "2024-11-28")
PEOPLE = {"municipality_email": "dome@example.lv", "mayor": {"name": "Domes priekšsēdētājs", "email":
          "mers@example.lv"}, "contact": {"name": "Kontaktpersona", "email": "kontakti@example.lv"}}
REQUEST = ("q1", "Lūdzu, precizējiet atbalsta apmēru jaundzimušajiem.")
REPLY = "Precizēts: pabalsts tiek izmaksāts vienreiz."
TIE_WHY = {2: "Komisija balsojot izšķīrās par šo pašvaldību (§3.2.4).",
           3: "Vienāds vērtējums; komisija balsojot izšķīrās (§3.2.4, D12, D13)."}
COUNCIL = {"decision_number": "Protokols Nr. 12, 3.1", "decision_date": "2024-12-09"}
NOMINATION = {"supporter": "Demo atbalstītājs", "nomination": "Gada atbalsts ģimenēm", "amount_eur": 1000}
# What a vote comes to: counted, or refused as the rules refuse it (§4.6.6, D10).
COUNTED, ALREADY_VOTED, BAD_CODE = "counted", "already voted", "bad code"


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


@dataclass
class Progress:
    bar: Any

    def step(self, label: str, units: int = 1) -> None:
        self.bar.label = f"{label:<34}"
        self.bar.update(units)


@dataclass(frozen=True)
class Tie:
    """A tie that waits for the jury's decision (§3.2.4): its kind, the tied municipalities in the order the service
    lists them, and how many places the decision gives."""

    kind: str
    tied: list[str]
    places: int


class Script(ABC):
    """The contest's steps in order (`round1`, `vote`, `round2`, `round3`); a player implements the hands."""

    def __init__(self, clock_file: Path, votes: int, seed: int, concurrency: int, progress: Progress) -> None:
        self.clock_file, self.votes, self.seed = clock_file, votes, seed
        self.concurrency, self.progress = concurrency, progress
        self.names: dict[str, str] = {}
        self.facts: dict[str, Any] = {}
        self.questionnaire: Questionnaire | None = None

    def at(self, local: str) -> None:
        set_time(self.clock_file, riga(local))

    def parallel(self, job: Callable[[Any], Any], items: list[Any], label: str) -> list[Any]:
        out: list[Any] = []
        with ThreadPoolExecutor(max_workers=self.concurrency) as pool:
            for result in pool.map(job, items):
                out.append(result)
                self.progress.step(label)
        return out

    # ----- the hands: what each step sends, and where -----

    @abstractmethod
    def read(self, path: str) -> Any:
        """A JSON read of the API that anyone may make (the facts the play needs to decide)."""

    @abstractmethod
    def transition(self, action: str, reason: str | None = None) -> None:
        """The secretariat opens or closes a round or the vote (the desk's actions, domain/transitions.py)."""

    @abstractmethod
    def submit(self, code: str, answers: dict[str, Any]) -> None:
        """The municipality sends its questionnaire's answers (§4.2)."""

    @abstractmethod
    def ask(self, code: str, request_id: str, text: str) -> None:
        """The secretariat asks a municipality for more information (§4.4)."""

    @abstractmethod
    def reply(self, code: str, request_id: str, text: str) -> None:
        """The municipality answers it (§4.4)."""

    @abstractmethod
    def interim(self, reason: str) -> None:
        """The secretariat publishes an interim result of the vote (D10, D16)."""

    @abstractmethod
    def cast(self, address: str, vote: dict[str, Any]) -> str:
        """A resident votes from `address`: COUNTED, ALREADY_VOTED or BAD_CODE (anything else is the refusal)."""

    @abstractmethod
    def clusters(self) -> int:
        """How many suspicious vote clusters the desk reports (§4.6.6)."""

    @abstractmethod
    def ballot(self, seat: str, points: dict[str, int], justifications: dict[str, str]) -> None:
        """A voting seat submits its round-2 ballot (§4.6.4, D8)."""

    @abstractmethod
    def open_ties(self, round_no: int) -> list[Tie]:
        """The ties of round 2 (D11) or round 3 (D12, D13) that wait for the jury's decision."""

    @abstractmethod
    def decide(self, tie: Tie, chosen: list[str], text: str, votes_for: int, votes_total: int) -> None:
        """The secretariat records the jury's decision on a tie (§3.2.4)."""

    @abstractmethod
    def brief(self, on: str, note: str) -> None:
        """The secretariat records the jury's briefing on the finalists (§4.6.8)."""

    @abstractmethod
    def plan_visit(self, code: str, on: str, arrival: str, minutes: int) -> None:
        """The secretariat plans a finalist's visit (§4.7.1)."""

    @abstractmethod
    def give_notice(self, code: str, on: str, people: dict[str, Any]) -> None:
        """The secretariat records the visit's notice (§4.7.2)."""

    @abstractmethod
    def attendance(self, code: str, present: list[str], seats: list[str]) -> None:
        """The secretariat records which of the voting `seats` were `present` at the visit (§4.7.3)."""

    @abstractmethod
    def score(self, seat: str, scores: dict[str, int], theme: dict[str, int], why: dict[str, str]) -> None:
        """A voting seat submits its round-3 score sheet with the theme points (§4.7.8, §4.7.11)."""

    @abstractmethod
    def nominate(self, municipality: str) -> None:
        """The secretariat records a supporter's nomination (§7.3), NOMINATION for `municipality`."""

    @abstractmethod
    def approve(self, decision_number: str, decision_date: str) -> None:
        """The Fund council approves the result (§7.4, D14)."""

    # ----- round 1 (§4.2-§4.5) -----

    def round1(self) -> list[str]:
        self.names = {m["code"]: m["name"] for m in self.read(f"{API}/municipalities")}
        self.at("2024-06-10 10:00")
        self.transition("open round 1")
        self.progress.step("round 1 opens")
        from domain.questionnaire import load_questionnaire

        self.questionnaire = load_questionnaire(self.read(f"{API}/questionnaire"))
        answers = generate_answers(self.questionnaire, list(self.names), seed=self.seed)
        self.parallel(lambda code: self.submit(code, answers[code]) if answers[code] else None, list(self.names),
                      "submissions")
        self.at("2024-07-05 11:00")
        ask = next(iter(self.names))
        self.ask(ask, *REQUEST)
        self.reply(ask, REQUEST[0], REPLY)
        self.at("2024-07-20 12:00")
        self.transition("close round 1")
        self.progress.step("round 1 closes")
        ten = list(self.read(f"{API}/round1/results")["advancing"])
        self.facts["submissions"] = sum(1 for a in answers.values() if a)
        self.facts["round2"] = ten
        return ten

    # ----- round 2: the residents' vote (§4.6.6, D10) -----

    def vote(self) -> None:
        rng = random.Random(f"{self.seed}:votes")
        codes = list(self.names)
        popularity = [rng.lognormvariate(0, 0.8) for _ in codes]
        liking = {c: rng.uniform(2.6, 4.5) for c in codes}
        self.at("2024-08-01 00:00:30")
        self.transition("open the vote", "balsojuma sākums (plānots)")
        self.progress.step("the vote opens")
        residents = fake_personal_codes(self.votes, seed=self.seed)
        addresses = client_addresses(self.votes + 2, seed=self.seed)
        chunks = 10
        size = -(-self.votes // chunks)
        opens, closes = riga("2024-08-01 00:01"), riga("2024-09-15 22:00")
        for k in range(chunks):
            set_time(self.clock_file, opens + (closes - opens) * k / chunks)
            if k == chunks // 2:
                self.interim("starprezultāts balsojuma vidū")
            sent = []
            for i in range(k * size, min((k + 1) * size, self.votes)):  # in order: a seed gives one result
                m = rng.choices(codes, popularity)[0]
                sent.append((addresses[i], {"personal_code": residents[i], "municipality": m,
                                            "rating": max(1, min(5, round(rng.gauss(liking[m], 0.9)))),
                                            "comment": rng.choice(COMMENTS) if rng.random() < 0.02 else None}))
            outcomes = self.parallel(lambda one: self.cast(*one), sent, "residents' votes")
            if any(o != COUNTED for o in outcomes):
                raise DemoError(f"some votes were refused: {sorted(set(outcomes))}")
        # a second vote by the same resident, and a mistyped code: both refused (§4.6.6, D10)
        refused = {ALREADY_VOTED: 0, BAD_CODE: 0}
        if residents:
            again = {"personal_code": residents[0], "municipality": codes[0], "rating": 1, "comment": None}
            refused[ALREADY_VOTED] += self.cast(addresses[-2], again) == ALREADY_VOTED
        typo = {"personal_code": "010190-12346", "municipality": codes[0], "rating": 5, "comment": None}
        refused[BAD_CODE] += self.cast(addresses[-1], typo) == BAD_CODE
        self.at("2024-09-16 09:00")
        self.transition("close the vote", "balsojuma laiks beidzies")
        self.progress.step("the vote closes")
        self.facts["refused"] = refused
        self.facts["clusters"] = self.clusters()  # the desk's report

    def decide_ties(self, round_no: int) -> None:
        for tie in self.open_ties(round_no):
            self.decide(tie, tie.tied[:tie.places], TIE_WHY[round_no], 6, 9)

    # ----- round 2: the jury (§4.6.4, D8-D11) -----

    def round2(self, ten: list[str]) -> list[str]:
        seats = [s["id"] for s in self.read(f"{API}/jury")["seats"] if s["voting"]]
        self.facts["seats"] = seats
        self.at("2024-09-18 14:00")
        rng = random.Random(f"{self.seed}:ballots")
        for seat in seats:
            order = sorted(ten, key=lambda m: ten.index(m) + rng.gauss(0, 2.5))
            points = dict.fromkeys(ten, 0) | dict(zip(order[:5], (5, 4, 3, 2, 1), strict=True))
            reasons = {m: "Citām pašvaldībām ģimenēm piedāvāts vairāk." for m, p in points.items() if p == 0}
            self.ballot(seat, points, reasons)
            self.progress.step("jury ballots")
        self.decide_ties(2)
        self.at("2024-09-20 12:00")
        self.transition("close round 2")
        self.progress.step("round 2 closes")
        return [f["municipality"] for f in self.read(f"{API}/finalists")["finalists"]]

    # ----- round 3 (§4.6.8, §4.7) -----

    def round3(self, finalists: list[str]) -> None:
        seats: list[str] = self.facts["seats"]
        self.at("2024-10-01 10:00")
        self.brief("2024-10-01", "2. kārtas rezultāti, finālistu dati")
        for m, on in zip(finalists, VISIT_DAYS, strict=True):
            self.plan_visit(m, on, "10:00", 180)
        self.at("2024-11-04 10:00")
        for m in finalists:
            self.give_notice(m, "2024-11-04", PEOPLE)
        self.progress.step("visits planned, notices given", 5)
        self.at("2024-11-29 10:00")
        for i, m in enumerate(finalists):  # two seats miss each visit; each seat still visits three (§4.7.4)
            absent = {seats[i % len(seats)], seats[(i + 5) % len(seats)]}
            self.attendance(m, [s for s in seats if s not in absent], seats)
            self.progress.step("visits held")
        self.at("2024-12-02 10:00")
        rng = random.Random(f"{self.seed}:scores")
        quality = {m: rng.uniform(2.5, 4.8) for m in finalists}
        theme_work = {m: rng.uniform(0, 3) for m in finalists}  # the annual theme is judged apart (§4.7.11)
        for seat in seats:
            scores = {m: max(1, min(5, round(rng.gauss(quality[m], 0.7)))) for m in finalists}
            best = sorted(finalists, key=lambda m: -(theme_work[m] + rng.gauss(0, 0.8)))
            theme = {m: 2 if m == best[0] else 1 if m == best[1] else 0 for m in finalists}
            self.score(seat, scores, theme, {m: f"Vizītē redzētais: vērtējums {scores[m]}" for m in finalists})
            self.progress.step("jury scores")
        self.decide_ties(3)
        self.at("2024-12-03 12:00")
        self.transition("close round 3")
        self.nominate(finalists[-1])
        self.progress.step("round 3 closes")
        self.at("2024-12-10 11:00")
        self.approve(COUNCIL["decision_number"], COUNCIL["decision_date"])
        self.progress.step("the council approves")


def steps_for(votes: int) -> int:
    """How many progress units the whole run has (the bar's length)."""
    return 1 + 43 + 1 + 1 + votes + 1 + 9 + 1 + 5 + 5 + 9 + 1 + 1
