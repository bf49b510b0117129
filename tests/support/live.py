"""A real gunicorn server on loopback over a real store, for tests that need several worker processes."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from tests.conftest import SECRETS


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def service_env(store_url: str, extra_env: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of the service's processes (web, clock, projector) over `store_url`."""
    return dict(os.environ, CONTEST_STORE=store_url, CONTEST_YEAR="2024",
                CONTEST_VOTER_SECRET=SECRETS.voter.decode(), CONTEST_RECEIPT_SECRET=SECRETS.receipt.decode(),
                CONTEST_VOTE_RATE_LIMIT="off", **(extra_env or {}))


def start_gunicorn(store_url: str, tmp_path: Path, workers: int = 3, extra_env: dict[str, str] | None = None,
                   port: int | None = None) -> tuple[subprocess.Popen[bytes], str, Path]:
    """Start `gunicorn api.wsgi:app` like the Procfile does, in a session of its own (so its process group is the
    master and its workers), and wait until it answers /health. Returns (process, base URL, log file); the log is
    appended to, so a restarted server keeps one log."""
    port = port or free_port()
    log = tmp_path / "gunicorn.log"
    with open(log, "a") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--config", "python:contest.gunicorn_conf", "--bind",
             f"127.0.0.1:{port}", "--workers", str(workers), "api.wsgi:app"],
            cwd=tmp_path, env=service_env(store_url, extra_env), stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(base + "/health", timeout=2):
                break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                stop_group(proc, signal.SIGKILL)
                raise RuntimeError("gunicorn did not start:\n" + log.read_text()) from None
            time.sleep(0.05)
    return proc, base, log


def stop_group(proc: subprocess.Popen[Any], sig: int = signal.SIGTERM, timeout: float = 20) -> int:
    """Send `sig` to the process's group (a session leader started with start_new_session) and wait for it;
    SIGKILL if it does not end in `timeout`. Returns the exit status; a group already gone is fine."""
    with suppress(ProcessLookupError):
        os.killpg(proc.pid, sig)
    try:
        return proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        with suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        return proc.wait()


@contextmanager
def gunicorn(store_url: str, tmp_path: Path, workers: int = 3, extra_env: dict[str, str] | None = None
             ) -> Iterator[tuple[str, Path]]:
    """A started gunicorn (see start_gunicorn); yields (base URL, log file) and stops it with SIGTERM."""
    proc, base, log = start_gunicorn(store_url, tmp_path, workers, extra_env)
    try:
        yield base, log
    finally:
        stop_group(proc)


def call(method: str, url: str, body: Any = None, headers: dict[str, str] | None = None) -> tuple[int, Any]:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method,
                                 headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            raw = r.read()
            return r.status, json.loads(raw) if raw else None
    except urllib.error.HTTPError as e:
        raw = e.read()
        return e.code, json.loads(raw) if raw else None


@contextmanager
def live_store(request: Any, tmp_path: Path) -> Iterator[str]:
    """The store URL of a browser or process test's kind (`request.param`: "sqlite" or "postgresql"): a file in
    `tmp_path`, or a schema of its own on the tests' PostgreSQL server, dropped afterwards."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/events.sqlite3"
        return
    import uuid

    import psycopg

    from tests.conftest import _pg_conninfo

    server = request.getfixturevalue("postgres_server")
    schema = f"t_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(_pg_conninfo(), autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield f"{server}{'&' if '?' in server else '?'}schema={schema}&pool_size=3"
    finally:
        with psycopg.connect(_pg_conninfo(), autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
