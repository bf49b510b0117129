"""`contest serve` (`./dev serve`), the README's run command, end to end: over an empty store of each kind it loads
the preset, prints the URL and a secretariat token, and answers with them; on the default SQLite store its clock
opens and closes a vote window due in a few seconds on time (§4.6.6), and Ctrl-C stops web, clock, projector and
mailer together."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from datetime import datetime, timezone
from pathlib import Path

import pytest

from contest.store import EventStore
from tests.support.live import free_port
from tests.support.reliability import contest_with_open_window
from tests.support.supervised import Supervised, group_alive


def test_contest_serve_starts_on_an_empty_store_and_prints_url_and_token(store_url: str, tmp_path: Path) -> None:
    """The README's run command end to end: the real service on loopback over the real store."""
    port = free_port()
    env = dict(os.environ, CONTEST_STORE=store_url, CONTEST_YEAR="2024")
    proc = subprocess.Popen([sys.executable, "-m", "contest.cli", "serve", "--port", str(port), "--workers", "2"],
                            cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)
    try:
        lines: list[str] = []
        assert proc.stdout is not None
        while not any(line.strip().startswith("ctk_") for line in lines):
            line = proc.stdout.readline()
            assert line, "serve exited early:\n" + "".join(lines)
            lines.append(line)
        token = next(line.strip() for line in lines if line.strip().startswith("ctk_"))
        assert f"http://127.0.0.1:{port}" in "".join(lines)
        deadline = time.monotonic() + 20
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as r:
                    health = json.load(r)
                break
            except OSError:
                assert time.monotonic() < deadline, "service did not answer"
                time.sleep(0.1)
        assert health == {"status": "ok"}
        req = urllib.request.Request(f"http://127.0.0.1:{port}/api/me", headers={"Authorization": f"Bearer {token}"})
        with urllib.request.urlopen(req, timeout=5) as r:
            assert json.load(r)["role"] == "secretariat"
        req = urllib.request.Request(f"http://127.0.0.1:{port}/health/details",
                                     headers={"Authorization": f"Bearer {token}"})
        with urllib.request.urlopen(req, timeout=5) as r:
            assert json.load(r)["events"] >= 4
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/contests/2024/municipalities", timeout=5) as r:
            assert len(json.load(r)) == 43
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)
        if proc.stdout:
            proc.stdout.close()


def window_now(base: str) -> tuple[datetime, dict[str, object]]:
    """GET /api/contests/2024/window, public; with the instant its answer was in hand (so a status seen before an
    instant was the server's before it)."""
    with urllib.request.urlopen(f"{base}/api/contests/2024/window", timeout=5) as r:
        body = json.load(r)
    return datetime.now(timezone.utc), body


@pytest.mark.slow
def test_contest_serve_runs_the_clock_that_opens_and_closes_a_window_due_in_seconds(tmp_path: Path) -> None:
    """`contest serve` started in an empty folder with no CONTEST_ setting (the default store var/contest.sqlite3,
    a pair of vote secrets made in var/secrets.env), over a contest whose window opens 10 s and closes 14 s after
    it was set: the public window reads `scheduled` until the opening, `open` from the clock's opening, `closed`
    after the closing, each recorded by the clock; SIGINT (Ctrl-C) then stops web, clock, projector and mailer
    (which, with no mail settings, says it sends nothing) and serve exits 0 with nothing of them left."""
    contest_with_open_window(f"sqlite:///{tmp_path}/var/contest.sqlite3", opens_in=10, closes_in=14)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONTEST_")}
    serve = Supervised([sys.executable, "-m", "contest.cli", "serve", "--port", str(port), "--workers", "1"],
                       cwd=tmp_path, env=env)
    children: dict[str, int] = {}
    seen: list[tuple[datetime, str]] = []

    def status(wanted: str) -> bool:
        try:
            at, body = window_now(base)
        except OSError:
            return False  # not answering yet
        seen.append((at, str(body["status"])))
        return body["status"] == wanted

    try:
        serve.wait_for(lambda: len(serve.children()) == 4, 30, "web, clock, projector and mailer started")
        children = serve.children()
        assert list(children) == ["web", "clock", "projector", "mailer"]
        serve.wait_for(lambda: status("open"), 40, "window opened by the clock")
        _, window = window_now(base)
        opens_at = datetime.fromisoformat(str(window["opens_at"]))
        closes_at = datetime.fromisoformat(str(window["closes_at"]))
        serve.wait_for(lambda: status("closed"), 30, "window closed by the clock")
        os.kill(serve.proc.pid, signal.SIGINT)  # what Ctrl-C sends
        assert serve.finish() == 0, serve.output
    finally:
        serve.kill_everything(children)
    assert not any(group_alive(pid) for pid in children.values()), "a child of serve is left running"
    # never early: a status in hand before an instant was the server's before it
    assert all(s == "scheduled" for at, s in seen if at < opens_at), seen
    assert all(s != "closed" for at, s in seen if at <= closes_at), seen
    out = serve.output
    assert "Traceback" not in out, out
    assert "vote window opened" in out and "vote window closed" in out  # the clock's own log lines, prefixed
    assert "notifications are queued but not sent" in out  # the mailer without CONTEST_SMTP_HOST
    assert out.rstrip().endswith("all stopped"), out
    store = EventStore(f"sqlite:///{tmp_path}/var/contest.sqlite3")
    try:
        events = [store.mapper.to_domain_event(n) for n in store.notifications()
                  if n.topic.rsplit(".", 1)[-1] in ("VotingWindowOpened", "VotingWindowClosed")]
    finally:
        store.close()
    assert [(type(e).__name__, e.actor["principal"], e.reason) for e in events] == [
        ("VotingWindowOpened", "clock", "scheduled opening"), ("VotingWindowClosed", "clock", "scheduled closing")]
    assert (tmp_path / "var" / "secrets.env").exists()  # the same pair handed to web, clock and projector
