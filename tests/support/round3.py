"""Round 3 over HTTP (§4.6.8, §4.7, D12): the contest brought to round 3 through the service, the round-3 steps a
test takes through the API (briefing, visits, notices, attendance, scores), the standard visits and scores.
Shared by the round-3, calendar, checkpoint, race and verifier tests."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from flask.testing import FlaskClient

from contest.clock import FrozenClock
from contest.seeding import generate_answers
from contest.service import ContestService
from domain.actors import Actor
from tests.support.helpers import ROUND1_CLOSES, ROUND1_OPENS, SEC, VOTE_DAY, bearer, cast_votes, close_vote

API = "/api/contests/2024"
SEATS = ["sif", "varam", "lm", "izm", "ugf", "vpd", "vk-pkc", "ldga", "fmt"]  # voting; sif is the chair
DAYS = ["2024-11-20", "2024-11-21", "2024-11-26", "2024-11-27", "2024-11-28"]  # the five visits, in order
WHO = {"municipality_email": "dome@example.lv", "mayor": {"name": "Mērs Mēriņš", "email": "mers@example.lv"},
       "contact": {"name": "Kontakts Kontaktiņš", "email": "kontakts@example.lv"}}


def day(iso: str, hour: int = 9) -> datetime:
    return datetime.fromisoformat(iso).replace(hour=hour, tzinfo=UTC)


def reach_round3(service: ContestService, clock: FrozenClock, residents: Sequence[int] = ()) -> list[str]:
    """Round 1 (twelve municipalities answer), round 2 (every seat ranks the same five), closed 16 Sep 2024.
    `residents`: ratings residents give the first municipality outside round 2 (the residents' choice, §4.6.7);
    with none, the jury's fifth completes the finalists."""
    clock.set(ROUND1_OPENS)
    service.open_round1(2024, actor=SEC)
    contest = service.contest(2024)
    codes = [m.code for m in contest.municipalities][:12]
    for code, given in generate_answers(contest.questionnaire, codes, seed=2024).items():
        service.round1.save_answers(2024, code, given, actor=Actor("municipality", code, municipality=code))
    clock.set(ROUND1_CLOSES)
    service.round1.close(2024, actor=SEC)
    round2 = service.contest(2024).round2_municipalities
    if residents:
        outsider = next(m.code for m in service.contest(2024).municipalities if m.code not in round2)
        clock.set(VOTE_DAY)
        service.round2.reconcile(2024, actor=Actor("system", "clock"))  # the window opens on time (§4.6.6)
        cast_votes(service, clock, {outsider: list(residents)})
    close_vote(service, clock)  # with no votes the jury's fifth completes the finalists (§4.6.7)
    points = dict.fromkeys(round2, 0) | dict(zip(round2[:5], (5, 4, 3, 2, 1), strict=True))
    just = {m: "Mazāk pakalpojumu" for m, p in points.items() if p == 0}
    for seat in SEATS:
        service.round2.cast_ballot(2024, seat, points, just, cast_by=None, actor=Actor("juror", seat, seat=seat))
    service.round2.close(2024, actor=SEC)
    return service.contest(2024).finalists


class Steps:
    """Round-3 steps over HTTP for one test."""

    def __init__(self, client: FlaskClient, clock: FrozenClock, sec: str, finalists: list[str]) -> None:
        self.client, self.clock, self.sec, self.f = client, clock, sec, finalists

    def post(self, path: str, body: dict[str, Any] | None = None, token: str | None = None) -> Any:
        return self.client.post(API + path, json=body or {}, headers=bearer(token or self.sec))

    def put(self, path: str, body: dict[str, Any], token: str | None = None) -> Any:
        return self.client.put(API + path, json=body, headers=bearer(token or self.sec))

    def get(self, path: str, token: str | None = None) -> Any:
        return self.client.get(API + path, headers=bearer(token or self.sec))

    def brief(self, on: str = "2024-10-01") -> Any:
        self.clock.set(day(on, 12))
        return self.post("/round3/briefing", {"date": on, "note": "round-2 results and the finalists' files"})

    def plan(self, m: str, on: str, arrival: str = "10:00", minutes: int = 180, **extra: Any) -> Any:
        return self.post(f"/visits/{m}", {"date": on, "arrival": arrival, "duration_minutes": minutes, **extra})

    def notice(self, m: str, on: str) -> Any:
        return self.post(f"/visits/{m}/notice", {"notice_date": on, **WHO})

    def attend(self, m: str, seats: list[str], **subs: str) -> Any:
        present: dict[str, str | None] = {s: subs.get(s.replace("-", "_"), "member") for s in seats}
        return self.put(f"/visits/{m}/attendance", {"present": present})

    def all_visits(self, attendance: dict[int, list[str]]) -> None:
        """Brief, plan the five visits (DAYS), give the notices on 4 Nov, record attendance on 29 Nov."""
        assert self.brief().status_code == 201
        for m, on in zip(self.f, DAYS, strict=True):
            assert self.plan(m, on).status_code == 201
        self.clock.set(day("2024-11-04"))
        for m in self.f:
            assert self.notice(m, "2024-11-04").status_code == 201
        self.clock.set(day("2024-11-29"))
        for i, seats in attendance.items():
            r = self.attend(self.f[i], seats)
            assert r.status_code == 200, r.json

    def score(self, token: str, seat: str, values: list[int], two: int, one: int, **extra: Any) -> Any:
        scores = dict(zip(self.f, values, strict=True))
        theme = {m: 2 if i == two else 1 if i == one else 0 for i, m in enumerate(self.f)}
        return self.put(f"/scores/{seat}", {"scores": scores, "justifications": {m: f"{seat} par {m}" for m in scores},
                                            "theme_points": theme, **extra}, token)


# The standard visits (finalists A-E = 0-4); vpd is at A and D only; E has four voting seats plus lps.
FOUR_AT_E = {
    0: ["sif", "varam", "lm", "izm", "ugf", "vpd"],
    1: ["sif", "varam", "lm", "izm", "ugf"],
    2: ["sif", "varam", "lm", "izm", "ugf"],
    3: ["varam", "lm", "izm", "ugf", "vpd"],
    4: ["vk-pkc", "ldga", "fmt", "sif", "lps"],
}
FIVE_AT_E = {**FOUR_AT_E, 4: ["vk-pkc", "ldga", "fmt", "sif", "varam", "lps"]}


def score_all(s: Steps, jurors: dict[str, str], chair: list[int] | None = None, ugf: list[int] | None = None) -> None:
    """Counted seats sif, varam, lm, izm, ugf (§4.7.4); vpd scores too but does not count.

    Averages: A 5+4+4+5+4 = 22, B 4+5+5+4+4 = 22 (tied, /5 = 4.4); C 15, D 12, E 8. The chair gave A 5, B 4.
    Theme (§4.7.11): sif C2 D1; varam C2 A1; lm D2 C1; izm E2 C1; ugf D2 A1 -> C 6, D 5, A 2, E 2, B 0.
    vpd (not counted) would have made B the winner: A1 B5, and D its theme choice.
    """
    for seat, values, two, one in (("sif", chair or [5, 4, 3, 2, 1], 2, 3), ("varam", [4, 5, 3, 2, 1], 2, 0),
                                   ("lm", [4, 5, 3, 3, 2], 3, 2), ("izm", [5, 4, 4, 2, 1], 4, 2),
                                   ("ugf", ugf or [4, 4, 2, 3, 3], 3, 0), ("vpd", [1, 5, 1, 1, 1], 3, 4)):
        r = s.score(jurors[seat], seat, values, two, one)
        assert r.status_code == 200, r.json


def play_to_approval(client: FlaskClient, service: ContestService, clock: FrozenClock,
                     tokens: dict[str, str]) -> list[str]:
    """A whole contest to the council's approval (§7.4): round 3 reached through the service, the visits and the
    standard scores through the API, round 3 closed on 2 Dec 2024, approved on 10 Dec by decision "Nr. 12" of
    9 Dec. Returns the finalists."""
    from domain.actors import system_actor

    finalists = reach_round3(service, clock)
    jurors = {seat: service.issue_token("juror", actor=system_actor("test"), seat=seat, year=2024)[0]
              for seat in [*SEATS, "lps"]}
    steps = Steps(client, clock, tokens["secretariat"], finalists)
    steps.all_visits(FIVE_AT_E)
    score_all(steps, jurors)
    clock.set(day("2024-12-02"))
    assert steps.post("/round3/close").status_code == 200
    clock.set(day("2024-12-10"))
    r = steps.post("/approval", {"decision_number": "Nr. 12", "decision_date": "2024-12-09"}, tokens["council"])
    assert r.status_code == 200, r.json
    return finalists


DECISION = {"decision_number": "Protokols Nr. 12, 3.1", "decision_date": "2024-12-09"}


def play_contest(service: ContestService, clock: FrozenClock, client: FlaskClient, tokens: dict[str, str],
                 *, approve: bool = True, close: bool = True) -> dict[str, Any]:
    """A whole contest to the council's approval (§7.4, D14), as play_to_approval but with a residents' choice and
    returning the final result: reach_round3 with three residents rating an outsider 5, 5, 4 (it goes through as
    the residents' choice, D10), the standard visits and scores (FIVE_AT_E, score_all: A wins, C takes the theme
    prize), round 3 closed 29 Nov 2024, approved by DECISION on 10 Dec 2024 unless `approve` is false. Returns the
    final result (GET /result). With `close` false it stops before round 3's close (and returns {}): the scores are
    in, the seats that score nothing (vk-pkc, ldga, fmt) may still open their sheets."""
    s = Steps(client, clock, tokens["secretariat"], reach_round3(service, clock, residents=(5, 5, 4)))
    jurors = {seat: service.issue_token("juror", actor=SEC, seat=seat, year=2024)[0] for seat in [*SEATS, "lps"]}
    s.all_visits(FIVE_AT_E)
    score_all(s, jurors)
    if not close:
        return {}
    r = s.post("/round3/close")
    assert r.status_code == 200, r.json
    if approve:
        clock.set(day("2024-12-10"))
        r = s.post("/approval", DECISION, tokens["council"])
        assert r.status_code == 200, r.json
    return r.json
