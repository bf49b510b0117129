"""`contest demo` plays a whole 2024 contest through the HTTP API; the finalists and winners it prints
equal what `contest audit verify` recomputes from the exported history alone. It refuses a store that is not
empty."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

KEYS = ("finalists (2024)", "winner (2024)", "theme prize (2024)")


def contest(cwd: Path, *args: str, timeout: int = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "contest.cli", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, check=False)


def results(output: str) -> dict[str, str]:
    found = {}
    for line in output.splitlines():
        match = re.match(r"^(finalists|winner|theme prize) \(2024\): (.+)$", line)
        if match:
            found[f"{match.group(1)} (2024)"] = match.group(2).strip()
    return found


def test_the_demo_plays_a_contest_whose_winners_the_audit_recomputes(tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path}/demo.sqlite3"
    run = contest(tmp_path, "--store", store, "demo", "--votes", "2000", "--no-serve")
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    printed = results(run.stdout)
    assert set(printed) == set(KEYS), run.stdout
    assert len(printed["finalists (2024)"].split(", ")) == 5
    assert "residents' votes: 2000 counted" in run.stdout and "VERIFIED" in run.stdout
    # the fake residents vote from many client networks (the demo forwards their addresses), so the desk's report
    # of suspicious clusters (§4.6.6, D10: 20 votes from one network within 10 minutes) flags none of them
    assert "suspicious vote clusters on the desk: 0" in run.stdout, run.stdout[-3000:]
    # both verifiers, against the checkpoints the play published (D16) and the digest the council approved (D14)
    assert "VERIFIED against the published checkpoints and the approved digest (independent verifier: VERIFIED)" \
        in run.stdout, run.stdout[-3000:]

    export = contest(tmp_path, "--store", store, "audit", "export", "--out", str(tmp_path / "history.jsonl"))
    assert export.returncode == 0, export.stderr
    verify = contest(tmp_path, "audit", "verify", str(tmp_path / "history.jsonl"))
    assert verify.returncode == 0 and "VERIFIED" in verify.stdout, verify.stdout[-3000:]
    records = [json.loads(line) for line in (tmp_path / "history.jsonl").read_text(encoding="utf-8").splitlines()]
    casts = [r["payload"] for r in records if r["type"].endswith("Vote.Cast")]
    networks = Counter(c["network"] for c in casts)
    assert len(casts) == 2000 and None not in networks and len(networks) > 1900, networks.most_common(3)
    recomputed = results(verify.stdout)
    assert "finalists (2024)" in recomputed, verify.stdout
    for key, value in recomputed.items():
        assert printed[key] == value, (key, printed[key], value)

    again = contest(tmp_path, "--store", store, "demo", "--votes", "10", "--no-serve")
    assert again.returncode != 0 and "is not empty" in again.stderr
