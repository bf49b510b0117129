"""The two verifiers fed and run (docs/AUDIT.md "Two verifiers"): a history rechained by a forger who recomputes
every hash, a chained line written with the independent verifier's own step, and both verifiers run as programs on
one file (`contest audit verify` and `python3 -I verifier`)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from contest.audit import GENESIS, chain_next, line_without_chain
from tests.support import ROOT
from verifier.chain import step

VERIFIER = ROOT / "verifier"


def rechain(records: list[dict[str, Any]]) -> list[str]:
    """What a forger who recomputes every hash would write."""
    h, out = GENESIS, []
    for r in records:
        h = chain_next(h, line_without_chain(r))
        out.append(json.dumps({**{k: v for k, v in r.items() if k != "chain"}, "chain": h}, sort_keys=True,
                              separators=(",", ":"), ensure_ascii=False))
    return out


def line(position: int, aggregate: str, version: int, payload: dict, previous: str) -> tuple[str, str]:
    record = {"actor": None, "aggregate_id": aggregate, "payload": payload, "position": position,
              "time": "2024-06-10T09:00:00Z", "type": "domain.x:X.Happened", "version": version}
    text = json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    chain = step(previous, text)
    return json.dumps({**record, "chain": chain}, sort_keys=True, separators=(",", ":"), ensure_ascii=False), chain


def run_both(tmp_path: Path, name: str, lines: list[str], board: str | None = None,
             options: list[str] | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
    path = tmp_path / f"{name}.jsonl"
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    args = [str(path), "--json", *(options or [])]
    if board is not None:
        board_path = tmp_path / f"{name}.csv"
        board_path.write_text(board, encoding="utf-8")
        args += ["--board", str(board_path)]
    project = subprocess.run([sys.executable, "-m", "contest.cli", "audit", "verify", *args], cwd=ROOT,
                             capture_output=True, text=True)
    independent = subprocess.run(["python3", "-I", str(VERIFIER), *args], cwd=tmp_path, capture_output=True,
                                 text=True)
    assert independent.returncode in (0, 1) and independent.stdout, (name, independent.stderr[-3000:])
    if project.returncode not in (0, 1) or not project.stdout:  # a crash is a disagreement, reported as such
        return {"ok": None, "mismatches": [], "crash": project.stderr[-400:]}, json.loads(independent.stdout)
    return json.loads(project.stdout), json.loads(independent.stdout)
