"""The independent verifier at scale: grow a genuine export to N events by repeating its votes (new ids, resident
keys and receipts; positions renumbered; the chain recomputed by docs/AUDIT.md "The digest"), then time
`python3 -I verifier FILE --json` against the floor of reading and JSON-decoding the same file, and take the peak
memory of each (the child's maximum resident set).

    python3 bench/verifier_bench.py var/demo-*/audit.jsonl 250000 1000000

The grown file is not a valid contest (its recorded tallies and digests no longer match): only speed and memory are
measured. Standard library only."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FLOOR = "import json, sys\nfor line in open(sys.argv[1], 'rb'):\n    json.loads(line)\n"


def grow(source: str, n: int, out: str) -> None:
    with open(source, encoding="utf-8") as f:
        records = [json.loads(line) for line in f]
    votes = [r for r in records if r["type"].endswith("Vote.Cast")]
    last = max(i for i, r in enumerate(records) if r["type"].endswith("Vote.Cast"))
    chain, position = hashlib.sha256(b"contest-audit-v1").hexdigest(), 0
    with open(out, "w", encoding="utf-8") as f:
        def emit(record: dict) -> None:
            nonlocal chain, position
            position += 1
            record = {**{k: v for k, v in record.items() if k != "chain"}, "position": position}
            text = json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
            chain = hashlib.sha256((chain + "\n" + text).encode()).hexdigest()
            f.write(json.dumps({**record, "chain": chain}, sort_keys=True, separators=(",", ":"),
                               ensure_ascii=False) + "\n")
        for r in records[:last + 1]:
            emit(r)
        for k in range(max(0, n - len(records))):
            v = json.loads(json.dumps(votes[k % len(votes)]))
            v["aggregate_id"] = f"{k:08x}-0000-4000-8000-{k:012x}"
            v["payload"]["resident_key"] = hashlib.sha256(b"r%d" % k).hexdigest()
            v["payload"]["receipt"] = f"X{k:011d}"
            emit(v)
        for r in records[last + 1:]:
            emit(r)


def measure(args: list[str]) -> tuple[float, float]:
    """(seconds, peak MiB) of one child run (each child measured alone: wait4's own rusage)."""
    start = time.monotonic()
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, _, usage = os.wait4(proc.pid, 0)
    return time.monotonic() - start, usage.ru_maxrss / 1024


def main() -> int:
    source, sizes = sys.argv[1], [int(x) for x in sys.argv[2:]] or [250_000, 1_000_000]
    peaks = {}
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            path = os.path.join(tmp, f"h{n}.jsonl")
            grow(source, n, path)
            floor, _ = measure([sys.executable, "-I", "-c", FLOOR, path])
            seconds, peak = measure([sys.executable, "-I", str(ROOT / "verifier"), path, "--json"])
            peaks[n] = peak
            print(f"{n:>9} events: floor {floor:6.1f} s, verifier {seconds:6.1f} s (rate {floor / seconds:.2f} of "
                  f"the floor), peak {peak:.0f} MiB")
            os.unlink(path)
    if len(peaks) > 1:
        small, big = min(peaks), max(peaks)
        print(f"peak memory at {big} / at {small}: {peaks[big] / peaks[small]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
