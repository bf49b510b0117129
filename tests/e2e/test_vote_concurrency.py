"""One vote per resident under concurrency (§4.6.6, D10), against a real gunicorn with several workers on
loopback, on both stores: distinct votes are all counted; one resident voting from many clients at once is
counted exactly once and the rest get 409; no personal code reaches the store, the logs or any response."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from pathlib import Path

from contest.clock import SystemClock
from contest.residents import fake_personal_codes
from contest.service import ContestService
from contest.store import EventStore
from domain.actors import Actor, system_actor
from tests.conftest import SECRETS
from tests.support.live import call, gunicorn

SEC = Actor(role="secretariat", principal="Anna")


def test_votes_from_many_clients(store_url: str, tmp_path: Path) -> None:
    setup = ContestService(EventStore(store_url), SystemClock(), SECRETS)
    setup.init_from_preset("2024", actor=system_actor("test"))
    now = datetime.now(timezone.utc)
    setup.configure(2024, "window", {"opens_at": (now - timedelta(hours=1)).isoformat(),
                                     "closes_at": (now + timedelta(hours=1)).isoformat()},
                    reason="live test", actor=SEC)
    codes = fake_personal_codes(241, seed=42)
    distinct, repeated = codes[:240], codes[240]
    municipalities = [m.code for m in setup.contest(2024).municipalities]
    setup.close()

    with gunicorn(store_url, tmp_path, workers=3) as (base, log):
        url = f"{base}/api/contests/2024/votes"

        def send(i: int) -> tuple[int, dict]:
            return call("POST", url, {"personal_code": distinct[i], "municipality": municipalities[i % 43],
                                      "rating": 1 + i % 5})

        def send_same(i: int) -> tuple[int, dict]:
            return call("POST", url, {"personal_code": repeated, "municipality": municipalities[i % 43],
                                      "rating": 1 + i % 5, "comment": f"client {i}"})

        try:
            with ThreadPoolExecutor(max_workers=16) as pool:
                first = list(pool.map(send, range(len(distinct))))
                same = list(pool.map(send_same, range(24)))
        except OSError as e:  # a connection the server dropped: show what the server said about it
            server = "\n".join(line for line in log.read_text().splitlines() if '"contest.access"' not in line)
            raise AssertionError(f"{e!r}; the server's log (access lines left out):\n{server[-6000:]}") from e
        assert [s for s, _ in first].count(201) == len(distinct), {s for s, _ in first}
        statuses = [s for s, _ in same]
        assert statuses.count(201) == 1 and statuses.count(409) == 23, statuses
        assert all(b["rule"] == "§4.6.6, D10" for s, b in same if s == 409)
        receipts = {b["receipt"] for _, b in first}
        assert len(receipts) == len(distinct)
        responses = repr(first) + repr(same)
        # refused requests carrying a code must not log it either: a bad check digit, a code in the query string,
        # a code in a comment, a code inside a body that is not JSON
        wrong_digit = distinct[0][:-1] + str((int(distinct[0][-1]) + 1) % 10)
        refused = [
            call("POST", url, {"personal_code": wrong_digit, "municipality": "LV-RIX", "rating": 3}),
            call("POST", f"{url}?personal_code={distinct[1]}", {"personal_code": distinct[1], "rating": 9}),
            call("POST", url, {"personal_code": distinct[2], "municipality": "LV-RIX", "rating": 2,
                               "comment": f"my code is {distinct[3]}" + "x" * 2000}),
        ]
        assert [s for s, _ in refused] == [422, 422, 422], refused
        responses += repr(refused)

    check = ContestService(EventStore(store_url), SystemClock(), SECRETS)
    try:
        results = check.round2.vote_results(2024)
        assert results["total"] == len(distinct) + 1  # every distinct vote and the repeated resident once
        stored = b"".join(n.state for n in check.store.notifications())
    finally:
        check.close()
    logs = log.read_text()
    for code in [*distinct, repeated]:
        dashed = f"{code[:6]}-{code[6:]}"
        for form in (code, dashed):
            assert form.encode() not in stored
            assert form not in logs
            assert form not in responses
    assert SECRETS.voter.decode() not in logs and SECRETS.receipt.decode() not in logs
    assert wrong_digit not in logs
    # the access log is JSON Lines with a request id on every vote request (api/operations.py)
    access = [json.loads(line) for line in logs.splitlines() if line.startswith("{")]
    votes = [e for e in access if e.get("path") == "/api/contests/2024/votes"]
    assert len(votes) >= len(distinct) + 24 + 3 and all(e["request_id"] for e in votes)
