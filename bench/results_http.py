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

each on a new connection (sync workers do not keep connections alive), and reports p50/p95/p99 per endpoint.

    .venv/bin/python bench/results_http.py --store both --votes 500000 --seconds 30
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
        env = {**bl.service_env(url), **({"WEB_CONCURRENCY": str(args.workers)} if args.workers else {})}
        with bl.gunicorn("api.wsgi:app", env, f"results-{kind}") as server:
            for _ in range(10):  # every worker loads the snapshot and compiles its templates before the clock
                for name, path in ENDPOINTS.items():
                    get(server.base, path, ready["token"] if "auditor" in name else None)
            bl.warm_up(server.base, municipalities, 60)
            idle: dict[str, list[tuple[int, float, int]]] = {}
            reader(server.base, ready["token"], min(5.0, args.seconds / 4), args.interval, idle)
            busy = bl.wait_until_quiet()
            load_before = bl.uptime()
            samples: dict[str, list[tuple[int, float, int]]] = {}
            wrk_result: dict[str, Any] = {}

            def load() -> None:
                wrk_result["r"] = bl.run_wrk(server.base, bodies, args.seconds, args.connections, args.wrk_threads)

            loader = threading.Thread(target=load)
            loader.start()
            time.sleep(1.0)  # the vote load is under way
            reader(server.base, ready["token"], args.seconds - 2.0, args.interval, samples)
            loader.join()
            workers = server.workers()
            rss = [round((bl.vm_hwm_kib(pid) or 0) / 1024, 1) for pid in workers]
        res: bl.WrkResult = wrk_result["r"]
        return {"loaded": loaded, "snapshot": {k: v for k, v in ready.items() if k != "token"},
                "busy_before": round(busy, 2), "load_before": load_before, "load_after": bl.uptime(),
                "vote_load": res.to_dict(), "workers": len(workers), "worker_peak_rss_mib": rss,
                "idle": {name: summarise(s) for name, s in idle.items()},
                "under_load": {name: summarise(s) for name, s in samples.items()}}


def municipality_codes() -> list[str]:
    from contest.presets import load_preset

    return [m["code"] for m in load_preset("2024")["municipalities"]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--store", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--votes", type=int, default=500_000)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--interval", type=float, default=0.05, help="seconds between two reads")
    parser.add_argument("--connections", type=int, default=8, help="wrk connections of the vote load")
    parser.add_argument("--wrk-threads", type=int, default=1)
    parser.add_argument("--workers", type=int, default=None)
    args = parser.parse_args()
    bl.wrk_path()
    bl.print_header("results while voting: read latency under the vote load", SCRIPT)
    stores = ["sqlite", "postgresql"] if args.store == "both" else [args.store]
    results: dict[str, Any] = {}
    for kind in stores:
        print(f"-- {kind}: {args.votes:,} votes stored", flush=True)
        r = results[kind] = run_store(kind, args)
        v = r["vote_load"]
        print(f"  vote load: {v['accepted_per_s']:,.0f} accepted/s, failed {v['failed']}, p99 "
              f"{v['latency_ms']['p99']} ms; worker peak RSS {r['worker_peak_rss_mib']} MiB", flush=True)
        for name, s in r["under_load"].items():
            quiet = r["idle"].get(name, {})
            print(f"  {name:<28} p50 {s['p50_ms']:>6.1f}  p95 {s['p95_ms']:>6.1f}  p99 {s['p99_ms']:>6.1f} ms  "
                  f"({s['requests']} requests, {s['statuses']}; without the vote load p95 "
                  f"{quiet.get('p95_ms', float('nan')):.1f} ms)", flush=True)
    print("\n== summary (p95 under the vote load; target < 50 ms)")
    for kind, r in results.items():
        for name, s in r["under_load"].items():
            met = "" if "floor" in name else ("met" if s["p95_ms"] < 50 else "NOT met")
            print(f"  {kind:<10} {name:<28} p95 {s['p95_ms']:>6.1f} ms   {met}")
    print(f"   load after: {bl.uptime()}")
    print(f"   reproduce: {bl.command(SCRIPT)}")
    path = bl.save_result(f"results_http-{args.store}", {"command": bl.command(SCRIPT), "machine": bl.machine(),
                                                         "args": vars(args), "results": results})
    print(f"   figures: {path.relative_to(bl.REPO)}")


if __name__ == "__main__":
    try:
        main()
    except subprocess.CalledProcessError as e:
        raise SystemExit(str(e)) from e
