"""Stuffing the residents' vote under identity level `code` (§4.6.6, §4.6.7, D10, D11): today D10 checks only a
new-form personal code's form, so a script that makes up thousands of valid new-form codes gets every vote taken
once it is past the rate limit. What catches it is the clusters report: the stuffer's votes come from a few client
networks within minutes, the honest residents' from many networks over weeks. After the secretariat quarantines
the reported clusters, the counted tally is the honest one exactly, the residents' choice is the honest winner, and
an auditor's verification of the export agrees."""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import pytest
from eventsourcing.utils import get_topic

from api.app import create_app
from contest.audit import export_lines
from contest.clock import FrozenClock
from contest.residents import fake_personal_codes
from contest.service import ContestService
from contest.verify import verify_file
from domain.personal_code import check_personal_code, is_new_form
from domain.vote import Vote
from projections.views import Views
from tests.support.helpers import SEC, VOTING, all_ballots, bearer, close_vote, play_round1

HONEST = 300
STUFFED = 3000
STUFFER_NETWORKS = ("198.51.100.", "203.0.113.", "192.0.2.")  # three /24s
HONEST_FROM = datetime(2024, 8, 2, 6, 0, tzinfo=timezone.utc)  # the window opened 1 Aug 00:00 Riga
STUFFING_AT = datetime(2024, 8, 20, 12, 0, tzinfo=timezone.utc)
STUFFING_STEP = timedelta(milliseconds=100)  # 3,000 votes in five minutes


@dataclass(frozen=True)
class Ballot:
    at: datetime
    code: str
    address: str
    municipality: str
    rating: int
    stuffed: bool


def new_form_codes(n: int, seed: int, avoid: set[str]) -> list[str]:
    """`n` distinct random new-form codes: "3", then 2–9, then nine digits (D10 checks only this form)."""
    rng = random.Random(seed)
    codes: dict[str, None] = {}
    while len(codes) < n:
        code = f"3{rng.randint(2, 9)}{rng.randrange(10 ** 9):09d}"
        if code not in avoid:
            codes[code] = None
    return list(codes)


def honest_address(i: int) -> str:
    """Many networks: 40 IPv4 /24s and 20 IPv6 /48s, and now and then one of the stuffer's /24s on another day
    (a resident behind the same provider is no stuffer)."""
    if i % 50 == 7:
        return f"{STUFFER_NETWORKS[i % 3]}{200 + i % 50}"
    k = i % 60
    return f"100.64.{k}.{1 + i % 250}" if k < 40 else f"2001:db8:{k:x}::{1 + i % 250:x}"


def plan(r: list[str], outsider: str) -> list[Ballot]:
    """The honest residents over six weeks (a clear winner, r[7], outside the jury's five) and the stuffer's burst
    for `outsider` (outside round 2), in the order of time."""
    rng = random.Random(2024)
    honest_codes = fake_personal_codes(HONEST, seed=31)  # old and new form mixed
    others = [r[0], r[2], r[5], r[6], r[8], r[9], outsider]
    ballots = []
    for i, code in enumerate(honest_codes):
        at = HONEST_FROM + timedelta(hours=3 * i, seconds=rng.randrange(3600))
        if i % 3 == 0:
            municipality, rating = r[7], rng.choice((4, 5, 5))
        else:
            municipality, rating = others[i % len(others)], rng.choice((1, 2, 3, 4))
        ballots.append(Ballot(at, code, honest_address(i), municipality, rating, stuffed=False))
    # one honest resident votes from a network of their own while the stuffer is at it
    ballots.append(Ballot(STUFFING_AT + timedelta(seconds=90), fake_personal_codes(1, seed=32)[0], "100.65.0.1",
                          r[7], 5, stuffed=False))
    stuffed = new_form_codes(STUFFED, seed=33, avoid={b.code for b in ballots})
    for i, code in enumerate(stuffed):
        address = f"{STUFFER_NETWORKS[i % 3]}{1 + i % 150}"
        ballots.append(Ballot(STUFFING_AT + i * STUFFING_STEP, code, address, outsider, 5, stuffed=True))
    return sorted(ballots, key=lambda b: b.at)


def tally(ballots: list[Ballot]) -> dict[str, tuple[int, int]]:
    """Per municipality: (number of votes, sum of ratings)."""
    out: dict[str, tuple[int, int]] = {}
    for b in ballots:
        count, total = out.get(b.municipality, (0, 0))
        out[b.municipality] = (count + 1, total + b.rating)
    return out


def test_thousands_of_made_up_new_form_codes_are_caught_by_the_clusters_report_and_quarantined(
        service: ContestService, clock: FrozenClock, tokens: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONTEST_VOTE_RATE_LIMIT", "off")  # the stuffer got past the rate limit
    client = create_app(service, {"TESTING": True}).test_client()
    sec = bearer(tokens["secretariat"])
    r = play_round1(service, clock)
    outsider = next(m.code for m in service.contest(2024).municipalities if m.code not in r)
    all_ballots(service, {s: r[:5] for s in VOTING})  # jury points: r0 > r1 > r2 > r3 > r4
    ballots = plan(r, outsider)
    honest = [b for b in ballots if not b.stuffed]
    stuffed = [b for b in ballots if b.stuffed]
    assert len(stuffed) == STUFFED and len({b.code for b in ballots}) == len(ballots)
    for b in stuffed[:50]:
        assert is_new_form(b.code) and check_personal_code(b.code, today=b.at.date()) == b.code

    # every vote is taken: under `code` a made-up new-form code is indistinguishable from a real one (D10)
    receipts: dict[str, Ballot] = {}
    for b in ballots:
        clock.set(b.at)
        resp = client.post("/api/contests/2024/votes", json={"personal_code": b.code, "municipality": b.municipality,
                                                            "rating": b.rating},
                           environ_base={"REMOTE_ADDR": b.address})
        assert resp.status_code == 201, resp.json
        receipts[resp.json["receipt"]] = b
    ids = {str(n.originator_id): receipts[json.loads(n.state)["receipt"]]
           for n in service.store.notifications(topics=[get_topic(Vote.Cast)])}
    assert len(ids) == len(ballots)
    stuffed_ids = {v for v, b in ids.items() if b.stuffed}
    standings = client.get("/api/contests/2024/standings", headers=sec).json
    assert standings["outcome"]["residents_choice"] == outsider  # the stuffing wins the residents' vote ...

    # ... but the clusters report (its defaults: 20 votes from one network within 600 s) names every stuffed vote
    # and no honest one
    report = client.get("/api/contests/2024/votes/clusters", headers=sec)
    assert report.status_code == 200, report.json
    clusters = report.json["clusters"]
    assert len(clusters) == len(STUFFER_NETWORKS)
    reported = [v for c in clusters for v in c["votes"]]
    assert len(reported) == len(set(reported)) and set(reported) == stuffed_ids
    assert all(c["municipalities"] == {outsider: c["count"]} and c["ratings"] == {"5": c["count"]}
               for c in clusters)

    # the secretariat quarantines each reported cluster by the report's selection, with a reason
    for c in clusters:
        resp = client.post("/api/contests/2024/votes/quarantine", headers=sec, json={
            "cluster": c["network"], "from": c["first_at"], "to": c["last_at"],
            "reason": f"{c['count']} votes from one network in five minutes, all 5 for one municipality"})
        assert resp.status_code == 200, resp.json
        assert sorted(resp.json["changed"]) == sorted(c["votes"])
    assert service.contest(2024).quarantined == stuffed_ids

    # the counted tally is the honest one, exactly, per municipality; the residents' choice is the honest winner
    results = client.get("/api/contests/2024/votes/results", headers=sec).json
    assert (results["total"], results["quarantined"], results["total_all"]) == (len(honest), STUFFED, len(ballots))
    counted = {row["municipality"]: (row["count"], sum(int(k) * n for k, n in row["distribution"].items()))
               for row in results["municipalities"] if row["count"]}
    assert counted == tally(honest)
    assert all(row["municipality"] in counted for row in results["municipalities"] if not row["count"])
    assert {row["municipality"]: (row["all"]["count"], row["quarantined"]) for row in results["municipalities"]
            }[outsider] == (tally(honest)[outsider][0] + STUFFED, STUFFED)
    assert max(counted, key=lambda m: counted[m][1] / counted[m][0]) == r[7]
    standings = client.get("/api/contests/2024/standings", headers=sec).json
    assert standings["outcome"]["residents_choice"] == r[7]
    assert [f["municipality"] for f in standings["outcome"]["finalists"]] == [r[0], r[1], r[2], r[3], r[7]]

    # the window closes, round 2 closes on the counted vote, and the export verifies (RULES.md "Audit")
    close_vote(service, clock)
    outcome = service.round2.close(2024, actor=SEC)
    assert [f.municipality for f in outcome.finalists] == [r[0], r[1], r[2], r[3], r[7]]
    lines = list(export_lines(service.store))
    verified = verify_file(iter(line + "\n" for line in lines), Views())
    assert verified.ok, verified.text()
    assert verified.results["finalists (2024)"] == ", ".join([r[0], r[1], r[2], r[3], r[7]])
    assert verified.results["votes in quarantine (2024)"].startswith(f"{STUFFED} ")
