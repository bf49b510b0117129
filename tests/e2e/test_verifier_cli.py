"""The independent verifier's command line (docs/AUDIT.md "Two verifiers"): exit 0 on a good file, 1 on a mismatch,
2 on a usage error; `python3 -I verifier` and `python3 -m verifier`. Its parts are tests/unit/test_verifier_units.py."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from tests.support import ROOT
from tests.support.verifiers import line
from verifier.chain import GENESIS


def test_the_command_line_exit_codes(tmp_path: Path) -> None:
    first, chain = line(1, "a", 1, {}, GENESIS)
    second, _ = line(2, "a", 2, {}, chain)
    good = tmp_path / "good.jsonl"
    good.write_text(first + "\n" + second + "\n", encoding="utf-8")
    bad = tmp_path / "bad.jsonl"
    bad.write_text(second + "\n" + first + "\n", encoding="utf-8")
    ok = subprocess.run(["python3", "-I", str(ROOT / "verifier"), str(good)], capture_output=True, text=True,
                        cwd=tmp_path)
    assert ok.returncode == 0 and ok.stdout.rstrip().endswith("VERIFIED") and ok.stderr == ""
    failed = subprocess.run(["python3", "-m", "verifier", str(bad), "--json"], capture_output=True, text=True,
                            cwd=ROOT)
    report = json.loads(failed.stdout)
    assert failed.returncode == 1 and not report["ok"] and report["mismatches"][0]["position"] == 1
    usage = subprocess.run(["python3", "-I", str(ROOT / "verifier"), str(tmp_path / "missing.jsonl")],
                           capture_output=True, text=True)
    assert usage.returncode == 2
    assert subprocess.run(["python3", "-I", str(ROOT / "verifier")], capture_output=True).returncode == 2
