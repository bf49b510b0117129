"""`contest serve`, the README's run command, end to end: a real gunicorn on loopback over an empty store of each
kind loads the preset, prints the URL and a secretariat token, and answers with them."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.support.live import free_port


def test_contest_serve_starts_on_an_empty_store_and_prints_url_and_token(store_url: str, tmp_path: Path) -> None:
    """The README's run command end to end: a real gunicorn on loopback over the real store."""
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
