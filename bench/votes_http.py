"""Benchmark 1: vote ingestion over HTTP against this machine's floor, on SQLite and PostgreSQL.

For each store, two runs of the same length with the same load generator (wrk + bench/votes.lua, DISTINCT valid
votes with realistic personal codes read from a pre-generated file) against gunicorn with the production settings
(contest/gunicorn_conf.py: sync workers, WEB_CONCURRENCY, the access log) on loopback:

  floor  bench/floor_app.py: Flask, parse the JSON, one raw INSERT into a table with a unique key
  ours   api.wsgi:app: POST /api/contests/2024/votes (validation, HMACs, a Vote aggregate, its event saved)

and reports accepted votes/s (201s), p50/p99 latency, errors and ours/floor. The vote window is configured through
the service to include "now" before the server starts. --profile N adds an N-second run under py-spy on one worker
of ours and prints where its time goes.

    .venv/bin/python bench/votes_http.py --store sqlite --seconds 20
    .venv/bin/python bench/votes_http.py --store both --seconds 20 --profile 10
"""

from __future__ import annotations

import argparse
import math
import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import benchlib as bl

SCRIPT = "votes_http.py"
WARM_UP = 60


def run_floor(kind: str, args: argparse.Namespace, bodies: Path, municipalities: list[str]) -> dict[str, Any]:
    """The floor's table (a unique key on the personal code) in a fresh SQLite file or PostgreSQL schema."""
    if kind == "sqlite":
        import sqlite3

        path = bl.DATA / "floor.sqlite3"
        bl.remove_sqlite(path)
        with sqlite3.connect(path) as conn:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("CREATE TABLE votes (personal_code TEXT PRIMARY KEY, municipality TEXT NOT NULL, "
                         "rating INTEGER NOT NULL)")

        def count_rows() -> int:
            with sqlite3.connect(path) as c:
                return int(c.execute("SELECT count(*) FROM votes").fetchone()[0])

        try:
            return _run_floor_server(bl.sqlite_url(path), count_rows, args, bodies, municipalities, kind)
        finally:
            bl.remove_sqlite(path)
    import psycopg

    with bl.pg_schema("floor") as schema, psycopg.connect(bl.pg_conninfo(), autocommit=True) as conn:
        conn.execute(f'CREATE TABLE "{schema}".votes (personal_code text PRIMARY KEY, municipality text NOT NULL, '
                     "rating integer NOT NULL)")

        def count() -> int:
            row = conn.execute(f'SELECT count(*) FROM "{schema}".votes').fetchone()
            return int(row[0]) if row else 0

        return _run_floor_server(f"{bl.PG_SERVER}?schema={schema}", count, args, bodies, municipalities, kind)


def _run_floor_server(url: str, count: Any, args: argparse.Namespace, bodies: Path, municipalities: list[str],
                      kind: str) -> dict[str, Any]:
    with bl.gunicorn("floor_app:app", {"BENCH_FLOOR_DB": url, **worker_env(args)}, f"floor-{kind}",
                     extra_args=["--pythonpath", str(bl.BENCH)]) as server:
        bl.warm_up(server.base, municipalities, WARM_UP)
        result = timed_load(server, args, bodies)
        stored = count()
    result["stored"] = stored
    result["stored_ok"] = stored_ok(stored, result["wrk"]["accepted"] + WARM_UP, args)
    return result


def stored_ok(stored: int, expected: int, args: argparse.Namespace) -> bool:
    """Every accepted vote is stored; a few more may be (requests in flight when wrk stopped counting)."""
    return expected <= stored <= expected + 2 * args.connections


def worker_env(args: argparse.Namespace) -> dict[str, str]:
    return {"WEB_CONCURRENCY": str(args.workers)} if args.workers else {}


def timed_load(server: bl.Server, args: argparse.Namespace, bodies: Path) -> dict[str, Any]:
    busy = bl.wait_until_quiet()
    load_before = bl.uptime()
    res = bl.run_wrk(server.base, bodies, args.seconds, args.connections, args.wrk_threads)
    workers = server.workers()
    hwm = {pid: bl.vm_hwm_kib(pid) for pid in workers}
    return {"wrk": res.to_dict(), "workers": len(workers),
            "worker_peak_rss_mib": [round((v or 0) / 1024, 1) for v in hwm.values()],
            "load_before": load_before, "load_after": bl.uptime(), "busy_before": round(busy, 2)}


def run_ours(kind: str, args: argparse.Namespace, bodies: Path) -> dict[str, Any]:
    with bl.fresh_store(kind, f"votes-{kind}") as url:
        municipalities = bl.prepare_contest(url)
        with bl.gunicorn("api.wsgi:app", {**bl.service_env(url), **worker_env(args)}, f"ours-{kind}") as server:
            bl.warm_up(server.base, municipalities, WARM_UP)
            result = timed_load(server, args, bodies)
            if args.profile:
                result["profile"] = profile(server, args, bodies, kind)
        svc = bl.service(url)
        try:
            stored = svc.round2.vote_results(bl.YEAR)["total"]
        finally:
            svc.close()
    expected = result["wrk"]["accepted"] + WARM_UP + result.get("profile", {}).get("accepted", 0)
    result["stored"] = stored
    result["stored_ok"] = stored_ok(stored, expected, args)
    return result


# ----- profile -----

def profile(server: bl.Server, args: argparse.Namespace, bodies: Path, kind: str) -> dict[str, Any]:
    """py-spy on one worker during another load of args.profile seconds (with bodies not sent before)."""
    py_spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    if not Path(py_spy).exists():
        print("  (py-spy missing: .venv/bin/pip install py-spy)")
        return {}
    worker = server.workers()[0]
    raw = bl.DATA / f"profile-{kind}.txt"
    spy = subprocess.Popen([py_spy, "record", "--pid", str(worker), "--duration", str(math.ceil(args.profile) + 1),
                            "--rate", "250", "--format", "raw", "--output", str(raw), "--nonblocking"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    time.sleep(1.0)
    res = bl.run_wrk(server.base, bodies, args.profile, args.connections, args.wrk_threads, offset=PROFILE_OFFSET)
    spy.wait(timeout=60)
    if not raw.exists():
        print(f"  (py-spy produced nothing: {spy.stderr.read().decode() if spy.stderr else ''})")
        return {"accepted": res.accepted}
    summary = summarise_profile(raw.read_text())
    summary["accepted"] = res.accepted
    summary["raw"] = str(raw.relative_to(bl.REPO))
    return summary


PROFILE_OFFSET = 300_000  # bodies from here on are only sent by the profiling run (wrk counts any repeats)


def summarise_profile(text: str) -> dict[str, Any]:
    """Inclusive share of samples per function (collapsed stacks: "f1;f2;... count") and own share."""
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    total = 0
    for line in text.splitlines():
        stack, _, n = line.rpartition(" ")
        if not stack or not n.isdigit():
            continue
        count = int(n)
        total += count
        frames = [short(f) for f in stack.split(";")]
        for f in set(frames):
            inclusive[f] += count
        own[frames[-1]] += count
    return {"samples": total,
            "inclusive": [(f, round(100 * c / total, 1)) for f, c in inclusive.most_common(40)] if total else [],
            "own": [(f, round(100 * c / total, 1)) for f, c in own.most_common(20)] if total else []}


def short(frame: str) -> str:
    """'cast_vote (contest/round2.py:71)' -> 'cast_vote (contest/round2.py)': a function, not a line."""
    name, _, where = frame.partition(" (")
    where = where.rstrip(")")
    path = where.rsplit(":", 1)[0]
    for marker in ("site-packages/", "lib/python3.11/", "/work/main/"):
        if marker in path:
            path = path.split(marker, 1)[1]
    return f"{name} ({path})"


# ----- report -----

def row(label: str, r: dict[str, Any]) -> str:
    w = r["wrk"]
    lat = w["latency_ms"]
    return (f"  {label:<26} {w['accepted_per_s']:>9,.0f}/s  p50 {lat['p50']:>6.1f} ms  p99 {lat['p99']:>7.1f} ms  "
            f"failed {w['failed']:>5}  peak RSS/worker {max(r['worker_peak_rss_mib'] or [0]):>6.1f} MiB  "
            f"load {r['load_before']}  stored {'ok' if r['stored_ok'] else 'MISMATCH ' + str(r['stored'])}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--store", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--connections", type=int, default=8, help="wrk connections (requests in flight)")
    parser.add_argument("--wrk-threads", type=int, default=1)
    parser.add_argument("--workers", type=int, default=None,
                        help="gunicorn workers for both servers (default: contest/gunicorn_conf.py, WEB_CONCURRENCY)")
    parser.add_argument("--profile", type=float, default=0, help="seconds of py-spy on one worker of ours (0: off)")
    args = parser.parse_args()
    bl.print_header("vote ingestion over HTTP: ours against the floor", SCRIPT)
    stores = ["sqlite", "postgresql"] if args.store == "both" else [args.store]
    municipalities = municipality_codes()
    bodies = bl.bodies_file(municipalities, bl.LOAD_BODIES)
    results: dict[str, Any] = {}
    for kind in stores:
        print(f"-- {kind}: floor", flush=True)
        floor = run_floor(kind, args, bodies, municipalities)
        print(row(f"{kind} floor", floor), flush=True)
        print(f"-- {kind}: ours", flush=True)
        ours = run_ours(kind, args, bodies)
        print(row(f"{kind} ours", ours), flush=True)
        ratio = ours["wrk"]["accepted_per_s"] / floor["wrk"]["accepted_per_s"]
        results[kind] = {"floor": floor, "ours": ours, "ratio": round(ratio, 3), "target_met": ratio >= 0.5}
        if "profile" in ours and ours["profile"].get("inclusive"):
            print(f"  py-spy, one worker of ours ({ours['profile']['samples']} samples): inclusive share")
            for f, share in ours["profile"]["inclusive"][:30]:
                print(f"    {share:5.1f}%  {f}")
            print("  own (self) share")
            for f, share in ours["profile"]["own"][:12]:
                print(f"    {share:5.1f}%  {f}")
    print("\n== summary (accepted votes/s; ours/floor; target >= 0.5)")
    for kind, r in results.items():
        print(f"  {kind:<10} floor {r['floor']['wrk']['accepted_per_s']:>8,.0f}/s   ours "
              f"{r['ours']['wrk']['accepted_per_s']:>8,.0f}/s   ratio {r['ratio']:.2f}   "
              f"{'met' if r['target_met'] else 'NOT met'}")
    print(f"   load after: {bl.uptime()}")
    print(f"   reproduce: {bl.command(SCRIPT)}")
    path = bl.save_result(f"votes_http-{args.store}", {"command": bl.command(SCRIPT), "machine": bl.machine(),
                                                       "args": vars(args), "results": results})
    print(f"   figures: {path.relative_to(bl.REPO)}")


def municipality_codes() -> list[str]:
    from contest.presets import load_preset

    return [m["code"] for m in load_preset("2024")["municipalities"]]


if __name__ == "__main__":
    main()
