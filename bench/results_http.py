"""Benchmarks 2 and 5 (web worker): the latency of the public results and the standings while residents vote, with
500,000 votes stored, and the peak RSS of a web worker.

The store holds the cached history (bench/dataset.py: the 2024 contest on the evening of the vote: round 1 closed,
every jury ballot cast, the interim vote result published, then N votes). Before the server starts the vote window
is extended past now (the secretariat's command) and the read models are persisted as the projector does
(`contest projections rebuild`'s code path), so web workers start from the snapshot, as in production.

Then gunicorn with the production settings (as bench/votes_http.py) takes the vote load of wrk (distinct valid
votes, --connections in flight) for --seconds, and meanwhile one reader asks, in turn, every --interval:

  GET /api/contests/2024/votes/results   public (the interim result is published, D10)
  GET /rezultati/balsojums               the public results page (HTML, chart)
  GET /api/contests/2024/standings       an auditor's token: jury points, ballots, the vote, finalists so far
  GET /health                            the floor: the same stack and the same queue, no work

each on a new connection (as a browser arriving from outside would), and reports p50/p95/p99 per endpoint. The
reads are interleaved (one of each endpoint in turn), so /health, the floor, is sampled in the same moments as the
pages; the run is repeated `--pairs` times on the same store (the server restarted, the vote load sending other
residents each time) and each run's ratio p95(page) / p95(/health) is reported as median [min-max], with
`cat /proc/loadavg` before each run. Target: the public results page's p95 <= 1.3 x /health's.

    .venv/bin/python bench/results_http.py --store both --votes 500000 --seconds 20 --pairs 3
"""

from __future__ import annotations

import argparse
import http.client
import subprocess
import threading
import time
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import urlparse

import benchlib as bl
import dataset

SCRIPT = "results_http.py"
TARGET = 1.3  # the public results page's p95 / /health's, under the vote load
PAGE = "results page (public HTML)"
FLOOR = "health (floor)"
API = f"/api/contests/{bl.YEAR}"
ENDPOINTS = {"votes/results (public API)": f"{API}/votes/results", "results page (public HTML)": "/rezultati/balsojums",
             "standings (auditor)": f"{API}/standings", "health (floor)": "/health"}


def prepare(url: str) -> dict[str, Any]:
    """Extend the window past now, persist the read models, issue an auditor token."""
    from contest.projection_store import ProjectionStore
    from contest.readmodels import ReadModels
    from domain.actors import Actor
    from projections.views import Views

    svc = bl.service(url)
    try:
        contest = svc.contest(bl.YEAR)
        now = datetime.now(timezone.utc)
        if contest.window.closes_at < now + timedelta(hours=2):
            svc.round2.extend_window(bl.YEAR, now + timedelta(hours=3), actor=Actor(**bl.SECRETARIAT),
                                     reason="benchmark: the vote goes on")
        t0 = time.perf_counter()
        snapshots = ProjectionStore(svc.store)
        snapshots.reset()
        models = ReadModels(svc.store, Views(), snapshots)
        head = models.catch_up()
        models.save_snapshot()
        seconds = time.perf_counter() - t0
        token, _ = svc.issue_token("auditor", actor=Actor(**bl.SECRETARIAT), name="bench auditor")
        return {"snapshot_at": head, "snapshot_seconds": round(seconds, 1), "token": token,
                "votes": models.views.votes.total(bl.YEAR)}
    finally:
        svc.close()


def get(base: str, path: str, token: str | None) -> tuple[int, float, int]:
    """One GET on a fresh connection: (status, seconds, body bytes)."""
    u = urlparse(base)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    t0 = time.perf_counter()
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    try:
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        body = response.read()
        return response.status, time.perf_counter() - t0, len(body)
    finally:
        conn.close()


def reader(base: str, token: str, seconds: float, interval: float, out: dict[str, list[tuple[int, float, int]]]
           ) -> None:
    """Ask each endpoint in turn, one request every `interval` seconds, until `seconds` have passed."""
    deadline = time.monotonic() + seconds
    names = list(ENDPOINTS)
    i = 0
    next_at = time.monotonic()
    while time.monotonic() < deadline:
        name = names[i % len(names)]
        path = ENDPOINTS[name]
        out.setdefault(name, []).append(get(base, path, token if "auditor" in name else None))
        i += 1
        next_at += interval
        pause = next_at - time.monotonic()
        if pause > 0:
            time.sleep(pause)


def summarise(samples: list[tuple[int, float, int]]) -> dict[str, Any]:
    ms = [s[1] * 1000 for s in samples]
    statuses: dict[str, int] = {}
    for s in samples:
        statuses[str(s[0])] = statuses.get(str(s[0]), 0) + 1
    return {"requests": len(samples), "statuses": statuses, "p50_ms": round(bl.percentile(ms, 50), 1),
            "p95_ms": round(bl.percentile(ms, 95), 1), "p99_ms": round(bl.percentile(ms, 99), 1),
            "max_ms": round(max(ms), 1) if ms else None, "bytes": samples[-1][2] if samples else 0}


def run_store(kind: str, args: argparse.Namespace) -> dict[str, Any]:
    municipalities = municipality_codes()
    bodies = bl.bodies_file(municipalities, bl.LOAD_BODIES)
    with dataset.votes_store(args.votes, kind, f"results-{kind}") as (url, loaded):
        print(f"  store ready: {loaded['events']:,} events ({loaded['loaded_by']}, {loaded['load_seconds']} s)",
              flush=True)
        ready = prepare(url)
        print(f"  read models persisted at position {ready['snapshot_at']:,} ({ready['votes']:,} votes, "
              f"{ready['snapshot_seconds']} s)", flush=True)
        runs = [one_run(kind, url, ready, args, bodies, municipalities, i) for i in range(args.pairs)]
    ratios = {name: bl.spread([r["under_load"][name]["p95_ms"] / r["under_load"][FLOOR]["p95_ms"] for r in runs])
              for name in ENDPOINTS if name != FLOOR}
    return {"loaded": loaded, "snapshot": {k: v for k, v in ready.items() if k != "token"}, "runs": runs,
            "p95_over_health": ratios, "target_met": ratios[PAGE]["median"] <= TARGET,
            "p95_ms": {name: bl.spread([r["under_load"][name]["p95_ms"] for r in runs], 1) for name in ENDPOINTS},
            "vote_load_per_s": bl.spread([r["vote_load"]["accepted_per_s"] for r in runs], 0),
            "worker_peak_rss_mib": max(max(r["worker_peak_rss_mib"] or [0]) for r in runs)}


def one_run(kind: str, url: str, ready: dict[str, Any], args: argparse.Namespace, bodies: Any,
            municipalities: list[str], i: int) -> dict[str, Any]:
    env = {**bl.service_env(url), **({"WEB_CONCURRENCY": str(args.workers)} if args.workers else {})}
    with bl.gunicorn("api.wsgi:app", env, f"results-{kind}") as server:
        for _ in range(10):  # every worker loads the snapshot and compiles its templates before the clock
            for name, path in ENDPOINTS.items():
                get(server.base, path, ready["token"] if "auditor" in name else None)
        bl.warm_up(server.base, municipalities, 60)
        idle: dict[str, list[tuple[int, float, int]]] = {}
        reader(server.base, ready["token"], min(5.0, args.seconds / 4), args.interval, idle)
        busy = bl.wait_until_quiet(patience=5)
        load_before = bl.loadavg()
        samples: dict[str, list[tuple[int, float, int]]] = {}
        wrk_result: dict[str, Any] = {}

        def load() -> None:
            wrk_result["r"] = bl.run_wrk(server.base, bodies, args.seconds, args.connections, args.wrk_threads,
                                         offset=i * 100_000)

        loader = threading.Thread(target=load)
        loader.start()
        time.sleep(1.0)  # the vote load is under way
        reader(server.base, ready["token"], args.seconds - 2.0, args.interval, samples)
        loader.join()
        workers = server.workers()
        rss = [round((bl.vm_hwm_kib(pid) or 0) / 1024, 1) for pid in workers]
    res: bl.WrkResult = wrk_result["r"]
    under = {name: summarise(s) for name, s in samples.items()}
    print(f"  run {i + 1}: vote load {res.accepted_per_s:,.0f} accepted/s (failed {res.failed}); p95 "
          + ", ".join(f"{name.split(' (')[0]} {u['p95_ms']:.1f}" for name, u in under.items())
          + f" ms; page / health {under[PAGE]['p95_ms'] / under[FLOOR]['p95_ms']:.2f}; load {load_before}",
          flush=True)
    return {"busy_before": round(busy, 2), "load_before": load_before, "load_after": bl.loadavg(),
            "vote_load": res.to_dict(), "workers": len(workers), "worker_peak_rss_mib": rss,
            "idle": {name: summarise(s) for name, s in idle.items()}, "under_load": under}


def municipality_codes() -> list[str]:
    from contest.presets import load_preset

    return [m["code"] for m in load_preset("2024")["municipalities"]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--store", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--votes", type=int, default=500_000)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--pairs", type=int, default=3, help="runs, each giving the ratios of its interleaved reads")
    parser.add_argument("--interval", type=float, default=0.05, help="seconds between two reads")
    parser.add_argument("--connections", type=int, default=32,
                        help="wrk connections of the vote load (as bench/votes_http.py)")
    parser.add_argument("--wrk-threads", type=int, default=1)
    parser.add_argument("--workers", type=int, default=None)
    args = parser.parse_args()
    bl.wrk_path()
    bl.print_header("results while voting: read latency under the vote load", SCRIPT)
    stores = ["sqlite", "postgresql"] if args.store == "both" else [args.store]
    results: dict[str, Any] = {}
    for kind in stores:
        print(f"-- {kind}: {args.votes:,} votes stored, {args.pairs} runs", flush=True)
        results[kind] = run_store(kind, args)
    print(f"\n== summary (p95 under the vote load, and p95 / /health's p95 of the same run: median [min-max] of "
          f"{args.pairs} runs; target for the results page <= {TARGET})")
    for kind, r in results.items():
        for name in ENDPOINTS:
            p = r["p95_ms"][name]
            line = f"  {kind:<10} {name:<28} p95 {p['median']:>6.1f} ms [{p['min']:.1f}-{p['max']:.1f}]"
            if name != FLOOR:
                q = r["p95_over_health"][name]
                line += f"   / health {q['median']:.2f} [{q['min']:.2f}-{q['max']:.2f}]"
                if name == PAGE:
                    line += "   met" if r["target_met"] else "   NOT met"
            print(line)
    print(f"   loadavg after: {bl.loadavg()}")
    print(f"   reproduce: {bl.command(SCRIPT)}")
    path = bl.save_result(f"results_http-{args.store}", {"command": bl.command(SCRIPT), "machine": bl.machine(),
                                                         "args": vars(args), "results": results})
    print(f"   figures: {path.relative_to(bl.REPO)}")


if __name__ == "__main__":
    try:
        main()
    except subprocess.CalledProcessError as e:
        raise SystemExit(str(e)) from e
