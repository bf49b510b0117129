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
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tests.conftest import SECRETS


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def gunicorn(store_url: str, tmp_path: Path, workers: int = 3, extra_env: dict[str, str] | None = None
             ) -> Iterator[tuple[str, Path]]:
    """Start `gunicorn api.wsgi:app` like the Procfile does; yields (base URL, log file)."""
    port = free_port()
    log = tmp_path / "gunicorn.log"
    env = dict(os.environ, CONTEST_STORE=store_url, CONTEST_YEAR="2024",
               CONTEST_VOTER_SECRET=SECRETS.voter.decode(), CONTEST_RECEIPT_SECRET=SECRETS.receipt.decode(),
               CONTEST_VOTE_RATE_LIMIT="off",
               **(extra_env or {}))
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--config", "python:contest.gunicorn_conf", "--bind",
             f"127.0.0.1:{port}", "--workers", str(workers), "api.wsgi:app"],
            cwd=tmp_path, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(base + "/health", timeout=2):
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("gunicorn did not start:\n" + log.read_text()) from None
                time.sleep(0.05)
        yield base, log
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


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
