"""The secretariat's audit log (/sekretariats/vesture, api/audit_log.py over contest/event_log.py): every event of a
contest played to the council's approval in a Latvian sentence with who and when, no personal data (the residents
only counted, per hour: D10), the filters by kind, role and days, and the paging by position through thousands of
votes without a gap or an overlap."""

from __future__ import annotations

import html
import re
from datetime import timedelta
from itertools import pairwise
from typing import Any

import pytest
from flask.testing import FlaskClient

from contest import event_log
from contest.clock import FrozenClock
from contest.residents import fake_personal_codes
from contest.service import ContestService
from domain.actors import Actor
from domain.vote import Vote
from tests.support.council import english_left
from tests.support.desk import bulk_votes, recorded, sign_in
from tests.support.helpers import VOTE_DAY, play_round1
from tests.support.round3 import WHO, play_contest

PAGE = "/sekretariats/vesture"
ROW = re.compile(r'<tr data-kind="([^"]*)" data-role="([^"]*)" data-position="(\d+)">(.*?)</tr>', re.S)


def cells(fragment: str) -> list[str]:
    found = re.findall(r"<td[^>]*>(.*?)</td>", fragment, re.S)
    return [re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", c))).strip() for c in found]


def rows(page: str) -> list[dict[str, Any]]:
    out = []
    for kind, role, _position, body in ROW.findall(page):
        number, when, who, what = cells(body)
        first, _, last = number.partition("–")
        out.append({"kind": kind, "role": role, "first": int(first), "last": int(last or first), "when": when,
                    "who": who, "what": what, "type": what.rsplit(" ", 1)[-1]})
    return out


def every_page(client: FlaskClient, query: str = "") -> tuple[list[dict[str, Any]], list[str], int]:
    """Every row of the log through its "next page" links: (rows, the pages' HTML, how many pages)."""
    url: str | None = PAGE + query
    found: list[dict[str, Any]] = []
    pages: list[str] = []
    while url:
        r = client.get(url)
        assert r.status_code == 200
        page = r.get_data(as_text=True)
        pages.append(page)
        found += rows(page)
        link = re.search(r'<a href="([^"]+)" rel="next" id="next-page">', page)
        url = html.unescape(link.group(1)) if link else None
        assert len(pages) < 200
    return found, pages, len(pages)


def test_every_event_of_a_contest_played_to_approval_is_a_latvian_line_without_personal_data(
        client: FlaskClient, service: ContestService, clock: FrozenClock, tokens: dict[str, str]) -> None:
    play_contest(service, clock, client, tokens)
    sign_in(client, tokens["secretariat"])
    found, pages, _ = every_page(client)
    stored = [(n.id, n.topic.split(":", 1)[1]) for n in service.store.notifications()]
    votes = [p for p, t in stored if t == "Vote.Cast"]
    shown = {row["type"] for row in found}
    assert shown == {t for _, t in stored}  # every type of event the store holds has its line
    assert [p for row in found for p in range(row["first"], row["last"] + 1)] == [p for p, _ in stored]
    assert not [row for row in found if row["what"].startswith("Notikums ")]  # no type left unworded
    assert {row["kind"] for row in found} == set(event_log.KINDS) - {"quarantine", "decisions"}

    ballot = next(row for row in found if row["type"] == "Ballot.Cast")
    assert ballot["who"].startswith("Komisijas vieta: ") and "aizpildīja komisijas loceklis" in ballot["what"]
    vote_rows = [row for row in found if row["kind"] == "votes"]
    assert len(vote_rows) == 1 and vote_rows[0]["who"] == "Iedzīvotāji"  # three votes in one hour, one line
    assert vote_rows[0]["what"].startswith("Nodotas 3 balsis") and vote_rows[0]["first"] == votes[0]
    visit = next(row for row in found if row["type"] == "Visit.Scheduled")
    assert visit["who"] == "Sekretariāts (Anna)" and "ierašanās plkst. 10.00, 180 minūtes, klātienes vizīte" in (
        visit["what"])
    assert visit["when"] == "2024. gada 1. oktobris plkst. 15.00"  # 12:00 UTC in Riga
    approved = next(row for row in found if row["type"] == "Contest.ResultApproved")
    assert "2024. gada 9. decembra lēmums Protokols Nr. 12, 3.1" in approved["what"]

    everything = "\n".join(pages)
    assert not [t for t in english_left(everything) if "finalists' files" not in t]  # the tests' own note
    assert "@" not in everything and WHO["mayor"]["name"] not in everything  # a notice's recipients stay out
    for code in fake_personal_codes(3, seed=1):  # the residents' codes (tests/support/helpers.py cast_votes)
        assert code not in everything and code.replace("-", "") not in everything
    for cast in recorded(service, Vote.Cast):
        assert cast["receipt"] not in everything and cast["resident_key"] not in everything
    for issued in (n for n in service.store.notifications() if n.topic.endswith("Credential.Issued")):
        assert issued.state.decode().split('"digest":"')[1][:64] not in everything


def test_the_filters_by_kind_role_and_days(
        client: FlaskClient, service: ContestService, clock: FrozenClock, tokens: dict[str, str]) -> None:
    play_contest(service, clock, client, tokens)
    sign_in(client, tokens["secretariat"])
    visits, _, _ = every_page(client, "?veids=visits")
    assert {r["kind"] for r in visits} == {"visits"} and len(visits) == 1 + 5 + 5 + 5  # briefing, plans, notices…
    jury, _, _ = every_page(client, "?loma=juror")
    assert {r["role"] for r in jury} == {"juror"} and {r["type"] for r in jury} == {"Ballot.Cast",
                                                                                    "Scorecard.Submitted"}
    residents, _, _ = every_page(client, "?loma=public")
    assert [r["what"][:16] for r in residents] == ["Nodotas 3 balsis"]
    assert every_page(client, "?veids=votes&loma=secretariat")[0] == []
    day, _, _ = every_page(client, "?no=2024-11-04&lidz=2024-11-04")
    assert [r["type"] for r in day] == ["Visit.NoticeRecorded"] * 5
    assert all(r["when"].startswith("2024. gada 4. novembris") for r in day)
    span, _, _ = every_page(client, "?veids=stages&no=2024-07-01&lidz=2024-09-30")
    assert [r["type"] for r in span] == ["Contest.Round1Closed", "Contest.Round2Closed"]

    bad = client.get(PAGE + "?veids=nav&no=2024-13-01&lidz=2024-01-01")
    page = bad.get_data(as_text=True)
    assert bad.status_code == 200 and not rows(page)
    assert "Izvēlieties notikuma veidu no saraksta." in page
    assert "Ievadiet datumu formā GGGG-MM-DD, piemēram, 2024-11-04." in page
    later = client.get(PAGE + "?no=2024-11-05&lidz=2024-11-04").get_data(as_text=True)
    assert "Pēdējā diena nevar būt agrāka par pirmo dienu (2024. gada 5. novembris)." in later


def counted(found: list[dict[str, Any]]) -> int:
    return sum(int(m.group(1)) for r in found if (m := re.match(r"Nodot\w* (\d+) bals", r["what"])))


@pytest.mark.parametrize("scan", [None, 700])
def test_thousands_of_votes_are_paged_by_the_hour_without_a_gap_or_an_overlap(
        client: FlaskClient, service: ContestService, clock: FrozenClock, tokens: dict[str, str],
        monkeypatch: pytest.MonkeyPatch, scan: int | None) -> None:
    play_round1(service, clock)
    clock.set(VOTE_DAY)
    service.round2.reconcile(2024, actor=Actor("system", "clock"))
    bulk_votes(service, clock, 3000, start=VOTE_DAY, every=timedelta(seconds=90))  # 40 an hour, 75 hours
    if scan:
        monkeypatch.setattr(event_log, "SCAN", scan)  # a page reads at most 700 events: hours split across pages
    sign_in(client, tokens["secretariat"])

    votes, _, n = every_page(client, "?veids=votes")
    assert counted(votes) == 3000 and {r["who"] for r in votes} == {"Iedzīvotāji"}
    assert n == (5 if scan else 2)  # 50 lines a page; or 700 events
    spans = [(r["first"], r["last"]) for r in votes]
    assert all(a <= b < c for (a, b), (c, _) in pairwise(spans))  # in order, no overlap
    if not scan:
        assert len(votes) == 75 and [counted([r]) for r in votes[:2]] == [40, 40]  # 12:00–12:58, 13:00–13:58
        assert votes[0]["when"] == "2024. gada 20. augusts plkst. 15.00–15.58"

    everything, _, _ = every_page(client)
    positions = [p for r in everything for p in range(r["first"], r["last"] + 1)]
    assert positions == [n.id for n in service.store.notifications()]  # each event once, in order
    assert counted(everything) == 3000
