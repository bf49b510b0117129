"""Benchmark 1: vote ingestion over HTTP against this machine's floor, on SQLite and PostgreSQL, in paired runs.

For each store, `--pairs` pairs of runs of the same length with the same load generator (wrk + bench/votes.lua,
DISTINCT valid votes with realistic personal codes read from a pre-generated file) against gunicorn with the
production settings (contest/gunicorn_conf.py: gthread workers, WEB_CONCURRENCY x CONTEST_THREADS, the access log)
on loopback, in the order floor, ours, ours, floor, floor, ours, ...:

  floor  bench/floor_app.py: Flask, parse the JSON, one raw INSERT into a table with a unique key, one commit per
         request (SQLite: the store's pragmas, WAL; PostgreSQL: autocommit, a prepared statement)
  ours   api.wsgi:app: POST /api/contests/2024/votes (validation, HMACs, a Vote aggregate, its event saved by the
         group commit, contest/group_commit.py)

Each run: accepted votes/s (201s), p50/p99 latency, errors, the web workers' CPU per vote (user + system of the
gunicorn workers over the timed run / accepted votes) and `cat /proc/loadavg` before it. Reported per store: the
ratio ours/floor of each pair, median [min-max], and the same for the CPU per vote. The load keeps 32 requests in
flight (--connections): a national vote's burst of 3,000 votes/s answered in 5-10 ms each is 15-30 at once
(Little's law), and the many residents voting at a time are many clients; 8 in flight (the load of before) is
the regime where a vote hardly meets another in a worker (`--connections 8`). The vote window is configured
through the service to include "now" before the server starts. --profile N adds an N-second run under py-spy on
one worker of ours and prints where its time goes.

    .venv/bin/python bench/votes_http.py --store both --seconds 15 --pairs 3 --profile 10
    CONTEST_THREADS=1 .venv/bin/python bench/votes_http.py --store postgresql   # the sync workers of before
"""

from __future__ import annotations

import argparse
import math
import os
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
    busy = bl.wait_until_quiet(patience=5)
    load_before = bl.loadavg()
    workers = server.workers()
    cpu0 = bl.cpu_seconds(workers)
    res = bl.run_wrk(server.base, bodies, args.seconds, args.connections, args.wrk_threads)
    cpu = bl.cpu_seconds(workers) - cpu0
    hwm = {pid: bl.vm_hwm_kib(pid) for pid in workers}
    return {"wrk": res.to_dict(), "workers": len(workers),
            "worker_cpu_ms_per_vote": round(1000 * cpu / res.accepted, 3) if res.accepted else None,
            "worker_peak_rss_mib": [round((v or 0) / 1024, 1) for v in hwm.values()],
            "load_before": load_before, "load_after": bl.loadavg(), "busy_before": round(busy, 2)}


def run_ours(kind: str, args: argparse.Namespace, bodies: Path) -> dict[str, Any]:
    with bl.fresh_store(kind, f"votes-{kind}") as url:
        municipalities = bl.prepare_contest(url)
        with bl.gunicorn("api.wsgi:app", {**bl.service_env(url), **worker_env(args)}, f"ours-{kind}") as server:
            bl.warm_up(server.base, municipalities, WARM_UP)
            result = timed_load(server, args, bodies)
        svc = bl.service(url)
        try:
            stored = svc.round2.vote_results(bl.YEAR)["total"]
        finally:
            svc.close()
    expected = result["wrk"]["accepted"] + WARM_UP
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
                            "--rate", str(args.rate), "--format", "raw", "--output", str(raw), "--nonblocking",
                            *(["--gil"] if args.gil else ["--idle"])],
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
    return (f"  {label:<22} {w['accepted_per_s']:>7,.0f}/s  cpu {r['worker_cpu_ms_per_vote'] or 0:>5.2f} ms/vote  "
            f"p50 {lat['p50']:>6.1f} p99 {lat['p99']:>7.1f} ms  failed {w['failed']:>4}  "
            f"RSS {max(r['worker_peak_rss_mib'] or [0]):>5.1f} MiB  load {r['load_before']}  "
            f"stored {'ok' if r['stored_ok'] else 'MISMATCH ' + str(r['stored'])}")


def paired(kind: str, args: argparse.Namespace, bodies: Path, municipalities: list[str]) -> dict[str, Any]:
    """`args.pairs` alternating pairs of floor and ours on one store; the ratios per pair."""
    runs: dict[str, list[dict[str, Any]]] = {"floor": [], "ours": []}
    for name in bl.paired_order(args.pairs):
        r = run_floor(kind, args, bodies, municipalities) if name == "floor" else run_ours(kind, args, bodies)
        runs[name].append(r)
        print(row(f"{kind} {name} {len(runs[name])}", r), flush=True)
    pairs = list(zip(runs["ours"], runs["floor"], strict=True))
    rate = [o["wrk"]["accepted_per_s"] / f["wrk"]["accepted_per_s"] for o, f in pairs]
    cpu = [o["worker_cpu_ms_per_vote"] / f["worker_cpu_ms_per_vote"] for o, f in pairs]
    out: dict[str, Any] = {"runs": runs, "ratio": bl.spread(rate), "cpu_ratio": bl.spread(cpu)}
    for name, rs in runs.items():
        out[name] = {"accepted_per_s": bl.spread([r["wrk"]["accepted_per_s"] for r in rs], 0),
                     "cpu_ms_per_vote": bl.spread([r["worker_cpu_ms_per_vote"] for r in rs]),
                     "p50_ms": bl.spread([r["wrk"]["latency_ms"]["p50"] for r in rs], 2),
                     "p99_ms": bl.spread([r["wrk"]["latency_ms"]["p99"] for r in rs], 2),
                     "failed": sum(r["wrk"]["failed"] for r in rs), "stored_ok": all(r["stored_ok"] for r in rs),
                     "peak_rss_mib": max(max(r["worker_peak_rss_mib"] or [0]) for r in rs),
                     "load_before": [r["load_before"] for r in rs]}
    out["target_met"] = out["ratio"]["median"] >= TARGET
    if args.profile:
        out["profile"] = profile_run(kind, args, bodies)
    return out


TARGET = 0.8  # ours / the per-request floor, the median of the pairs


def profile_run(kind: str, args: argparse.Namespace, bodies: Path) -> dict[str, Any]:
    with bl.fresh_store(kind, f"votes-{kind}") as url:
        municipalities = bl.prepare_contest(url)
        with bl.gunicorn("api.wsgi:app", {**bl.service_env(url), **worker_env(args)}, f"ours-{kind}") as server:
            bl.warm_up(server.base, municipalities, WARM_UP)
            found = profile(server, args, bodies, kind)
    if found.get("inclusive"):
        print(f"  py-spy, one worker of ours ({found['samples']} samples): inclusive share")
        for f, share in found["inclusive"][:40]:
            print(f"    {share:5.1f}%  {f}")
        print("  own (self) share")
        for f, share in found["own"][:20]:
            print(f"    {share:5.1f}%  {f}")
    return found


def fmt(s: dict[str, float], unit: str = "", digits: int = 2) -> str:
    return f"{s['median']:,.{digits}f}{unit} [{s['min']:,.{digits}f}-{s['max']:,.{digits}f}]"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--store", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--pairs", type=int, default=3, help="alternating pairs floor/ours per store (>= 3)")
    parser.add_argument("--connections", type=int, default=32, help="wrk connections (requests in flight)")
    parser.add_argument("--wrk-threads", type=int, default=1)
    parser.add_argument("--workers", type=int, default=None,
                        help="gunicorn workers for both servers (default: contest/gunicorn_conf.py, WEB_CONCURRENCY)")
    parser.add_argument("--profile", type=float, default=0, help="seconds of py-spy on one worker of ours (0: off)")
    parser.add_argument("--rate", type=int, default=250, help="py-spy samples per second")
    parser.add_argument("--profile-only", action="store_true", help="the py-spy run alone, no pairs")
    parser.add_argument("--gil", action=argparse.BooleanOptionalAction, default=True,
                        help="profile only the thread holding the interpreter's lock (CPU); --no-gil: every "
                             "thread, idle ones too (where requests wait)")
    args = parser.parse_args()
    if args.profile_only:
        bodies = bl.bodies_file(municipality_codes(), bl.LOAD_BODIES)
        for kind in ["sqlite", "postgresql"] if args.store == "both" else [args.store]:
            print(f"-- {kind}: profile", flush=True)
            profile_run(kind, args, bodies)
        return
    bl.print_header("vote ingestion over HTTP: ours against the floor, paired", SCRIPT)
    print(f"   loadavg: {bl.loadavg()}; CONTEST_THREADS={os.environ.get('CONTEST_THREADS', '(default)')}",
          flush=True)
    stores = ["sqlite", "postgresql"] if args.store == "both" else [args.store]
    municipalities = municipality_codes()
    bodies = bl.bodies_file(municipalities, bl.LOAD_BODIES)
    results: dict[str, Any] = {}
    for kind in stores:
        print(f"-- {kind}: {args.pairs} pairs", flush=True)
        results[kind] = paired(kind, args, bodies, municipalities)
    print(f"\n== summary (accepted votes/s and web workers' CPU per vote, median [min-max] of {args.pairs} pairs; "
          f"target ours/floor >= {TARGET})")
    for kind, r in results.items():
        print(f"  {kind:<10} floor {fmt(r['floor']['accepted_per_s'], '/s', 0)} "
              f"({fmt(r['floor']['cpu_ms_per_vote'], ' ms')})   ours {fmt(r['ours']['accepted_per_s'], '/s', 0)} "
              f"({fmt(r['ours']['cpu_ms_per_vote'], ' ms')})   ratio {fmt(r['ratio'])}   cpu ratio "
              f"{fmt(r['cpu_ratio'])}   {'met' if r['target_met'] else 'NOT met'}")
    print(f"   loadavg after: {bl.loadavg()}")
    print(f"   reproduce: {bl.command(SCRIPT)}")
    threads = os.environ.get("CONTEST_THREADS")
    name = f"votes_http-{args.store}" + (f"-threads{threads}" if threads else "")
    path = bl.save_result(name, {"command": bl.command(SCRIPT), "machine": bl.machine(), "args": vars(args),
                                 "threads": threads, "results": results})
    print(f"   figures: {path.relative_to(bl.REPO)}")


def municipality_codes() -> list[str]:
    from contest.presets import load_preset

    return [m["code"] for m in load_preset("2024")["municipalities"]]


if __name__ == "__main__":
    main()
