"""The vote's rate limit holds per address across the routes and the worker processes of one host (§4.6.6;
api/ratelimit.py): the API's vote and the page's count against one budget, two apps over the same store share it,
and so do processes hitting one counter file at once; the 429 keeps its Retry-After."""

from __future__ import annotations

import multiprocessing
import os
import re
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from api.app import create_app
from api.ratelimit import Counters, Rate
from contest.clock import FrozenClock
from contest.residents import fake_personal_codes
from contest.service import ContestService
from contest.settings import rate_limit_file
from tests.support.helpers import VOTE_DAY

API_VOTES = "/api/contests/2024/votes"


def api_vote(client: FlaskClient, code: str) -> int:
    return client.post(API_VOTES, json={"personal_code": code, "municipality": "LV-RIX", "rating": 4}).status_code


def page_vote(client: FlaskClient, code: str) -> int:
    html = client.get("/balsot").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert token, "the form has no CSRF token"
    return client.post("/balsot", data={"csrf_token": token.group(1), "municipality": "LV-RIX", "rating": "4",
                                        "comment": "", "personal_code": code}).status_code


def test_the_api_and_the_page_count_against_one_budget(service: ContestService, clock: FrozenClock,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONTEST_VOTE_RATE_LIMIT", "3/minute")
    client = create_app(service, {"TESTING": True}).test_client()
    clock.set(VOTE_DAY)
    codes = iter(fake_personal_codes(6, seed=21))
    assert [api_vote(client, next(codes)), page_vote(client, next(codes)), api_vote(client, next(codes))] == \
        [201, 303, 201]  # the page's vote recorded: to its receipt (post/redirect/get)
    assert page_vote(client, next(codes)) == 429  # the page is no way around the API's budget, nor the reverse
    r = client.post(API_VOTES, json={"personal_code": next(codes), "municipality": "LV-RIX", "rating": 4})
    assert r.status_code == 429 and 0 < int(r.headers["Retry-After"]) <= 60
    assert r.json["code"] == 429 and "too many votes" in r.json["message"]
    assert service.round2.vote_results(2024)["total"] == 3


def test_two_apps_over_one_store_share_the_budget(service: ContestService, clock: FrozenClock,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """Two workers of one host: two apps, each with its own counters object, over the same store."""
    monkeypatch.setenv("CONTEST_VOTE_RATE_LIMIT", "4/minute")
    first = create_app(service, {"TESTING": True}).test_client()
    second = create_app(service, {"TESTING": True}).test_client()
    clock.set(VOTE_DAY)
    codes = fake_personal_codes(6, seed=22)
    statuses = [api_vote(first if i % 2 else second, code) for i, code in enumerate(codes)]
    assert statuses == [201, 201, 201, 201, 429, 429]


def _frozen() -> float:
    """Every process's clock stands still: the minute cannot end however slowly the machine runs them."""
    return 1_000.0


def _hammer(path: str, address: str, n: int, start: Any, out: multiprocessing.Queue) -> None:
    counters = Counters(path, clock=_frozen)
    start.wait()  # all four begin together
    out.put(sum(1 for _ in range(n) if counters.hit(address, [Rate(120, 60)]) == 0))


def test_processes_hitting_one_file_at_once_share_the_budget(tmp_path: Path) -> None:
    """Four processes, 100 votes each from one address against 120/minute: exactly 120 are let through."""
    path = str(tmp_path / "rl.counters")
    Counters(path)
    ctx = multiprocessing.get_context("spawn")
    out: multiprocessing.Queue = ctx.Queue()
    start = ctx.Barrier(4)
    workers = [ctx.Process(target=_hammer, args=(path, "198.51.100.7", 100, start, out)) for _ in range(4)]
    for w in workers:
        w.start()
    accepted = [out.get(timeout=60) for _ in workers]
    for w in workers:
        w.join(timeout=10)
    assert sum(accepted) == 120, accepted
    other = Counters(path, clock=_frozen)
    assert other.hit("198.51.100.7", [Rate(120, 60)]) > 0  # the window holds for any process
    assert other.hit("198.51.100.8", [Rate(120, 60)]) == 0  # another address has its own


def test_the_counter_file_keeps_no_address_in_clear(tmp_path: Path) -> None:
    counters = Counters(tmp_path / "rl.counters")
    counters.hit("203.0.113.99", [Rate(5, 60)])
    counters.close()
    stored = b"".join(p.read_bytes() for p in tmp_path.iterdir())
    assert b"203.0.113.99" not in stored


def test_the_counter_file_is_the_stores_own() -> None:
    assert rate_limit_file("sqlite:///var/contest.sqlite3", {}) == Path("var/contest.sqlite3.ratelimit")
    pg = rate_limit_file("postgresql://u:secret@db/contest", {})
    assert "secret" not in str(pg) and pg != rate_limit_file("postgresql://u:secret@db/other", {})
    assert rate_limit_file("sqlite:///x.db", {"CONTEST_VOTE_RATE_LIMIT_FILE": "/srv/rl"}) == Path("/srv/rl")


def test_a_forked_child_shares_the_windows(tmp_path: Path) -> None:
    """A worker forked from a process holding the counters (gunicorn's preload) locks the file as its own."""
    counters = Counters(tmp_path / "rl.counters", clock=_frozen)  # a slow fork moves no window
    rates = [Rate(3, 60)]
    assert counters.hit("a", rates) == 0
    pid = os.fork()
    if pid == 0:  # the child: its lock of the file is its own, its windows the parent's
        os._exit(0 if counters.hit("a", rates) == 0 and counters.hit("a", rates) == 0 else 1)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert counters.hit("a", rates) == 60  # the child's two votes and the first: the minute's three
