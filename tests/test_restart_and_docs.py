"""State comes back from events after a restart; OpenAPI and the Swagger UI are served."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from flask.testing import FlaskClient

from api.app import create_app
from contest.clock import FrozenClock
from contest.service import ContestService
from contest.store import EventStore
from domain.actors import Actor, system_actor

ROOT = Path(__file__).resolve().parents[1]


def test_restart_keeps_everything(store_url: str, clock: FrozenClock) -> None:
    first = ContestService(EventStore(store_url), clock)
    first.init_from_preset("2024", actor=system_actor("test"))
    sec = Actor(role="secretariat", principal="Anna")
    first.configure(2024, "theme", {"title_lv": "A", "title_en": "B"}, reason="r", actor=sec)
    first.set_jury_seat(2024, {"id": "lps", "organisation": "LPS", "person": "P", "voting": True}, reason="r",
                        actor=sec)
    first.open_round1(2024, actor=sec)
    token, _ = first.issue_token("auditor", actor=sec)
    before = (first.contest(2024).configuration(), first.event_count())
    first.close()

    second = ContestService(EventStore(store_url), clock)
    try:
        contest, created = second.ensure_contest("2024", 2024, actor=system_actor("preset-loader"))
        assert not created  # the preset is not loaded again over existing history
        assert (contest.configuration(), second.event_count()) == before
        assert contest.stage == "round1" and contest.theme.title_lv == "A"
        assert second.authenticate(token) is not None and second.authenticate(token).role == "auditor"
    finally:
        second.close()


def test_openapi_lists_the_endpoints_with_bearer_security(client: FlaskClient) -> None:
    spec = client.get("/openapi.json").json
    assert spec["openapi"].startswith("3.")
    for path in ("/api/contests", "/api/contests/{year}", "/api/contests/{year}/config",
                 "/api/contests/{year}/municipalities", "/api/contests/{year}/jury", "/api/tokens", "/health"):
        assert path in spec["paths"], path
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    theme_put = spec["paths"]["/api/contests/{year}/theme"]["put"]
    assert theme_put["security"] == [{"bearerAuth": []}]
    assert {"401", "403", "409", "422"} <= set(theme_put["responses"])


def test_swagger_ui_is_served_from_local_files(client: FlaskClient) -> None:
    page = client.get("/docs")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources and all(s.startswith("/static/swagger-ui/") for s in sources), sources
    for s in sources:
        asset = client.get(s)
        assert asset.status_code == 200, s
        asset.close()


def test_405_keeps_the_allow_header(client: FlaskClient) -> None:
    r = client.delete("/api/contests")
    assert r.status_code == 405
    assert "GET" in r.headers["Allow"]
    assert r.json["code"] == 405


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_contest_serve_starts_on_an_empty_store_and_prints_url_and_token(store_url: str, tmp_path: Path) -> None:
    """The README's run command end to end: a real gunicorn on loopback over the real store."""
    port = _free_port()
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


def test_app_factory_builds_independent_apps(service: ContestService) -> None:
    a, b = create_app(service, {"TESTING": True}), create_app(service, {"TESTING": True})
    assert a is not b and a.extensions["contest.service"] is service
