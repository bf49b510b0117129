"""The read replica's capacity: the results page and the standings served from a PostgreSQL streaming replica
(CONTEST_READ_STORE) while residents' votes go to the primary, against the same reads served by the primary.

A primary cluster and a streaming replica of it made with pg_basebackup -R (bench/pgpair.py: two server processes
on loopback ports of their own, as the `postgres` user when run as root) hold the cached history (bench/dataset.py:
the 2024 contest on the evening of the vote, N votes, the interim result published). Before the runs the read
models are persisted as the projector does (bench/results_http.py's `prepare`), so web workers start from the
snapshot, and the replica is waited for (its replay location at or past the primary's).

Two gunicorns with the production settings run side by side: one with CONTEST_READ_STORE (its GETs read the replica,
api/read_side.py), one without (every read on the primary). Each run takes one of them, and for each endpoint

  GET /rezultati/balsojums            the public results page (HTML, chart; the interim result)
  GET /api/contests/2024/standings    an auditor's token: jury points, ballots, the vote, finalists so far

wrk reads as fast as --read-connections allow for --seconds while a second wrk posts distinct votes with
--vote-connections; meanwhile the replica's lag is sampled four times a second (bytes: the primary's flushed WAL
against the replica's replayed WAL; seconds: 0 when it has replayed everything, else the age of the last
transaction it replayed, as /health shows it), and the CPU time of the web workers and of each PostgreSQL server
(its postmaster and every backend) is read from /proc before and after. Runs come in pairs, alternating which
goes first; the figures are the median of the pairs with their min and max, and `cat /proc/loadavg` before each
run. Everything shares this machine's cores: the comparison says what moving the reads costs or saves here, not
what separate hosts would give (docs/SCALING.md reasons about those from the CPU per request measured here).

    .venv/bin/python bench/replica.py --votes 200000 --pairs 3 --seconds 10
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

import benchlib as bl
import dataset
import pgpair
import results_http

SCRIPT = "replica.py"
ENDPOINTS = {"results page (public HTML)": "/rezultati/balsojums",
             "standings (auditor)": f"/api/contests/{bl.YEAR}/standings"}
MODES = ("replica", "primary")
BODIES_PER_RUN = 15_000  # vote bodies set aside for each timed run (a run takes far fewer)


def loadavg() -> str:
    return Path("/proc/loadavg").read_text().strip()


def cpu_of(pids: list[int]) -> float:
    ticks = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def run_reads(base: str, path: str, seconds: float, connections: int, token: str | None) -> dict[str, Any]:
    args = [bl.wrk_path(), "-t1", f"-c{connections}", f"-d{seconds:g}s", "--timeout", "10s",
            "-s", str(bl.BENCH / "reads.lua")]
    if token:
        args += ["-H", f"Authorization: Bearer {token}"]
    out = subprocess.run([*args, base + path], capture_output=True, text=True, cwd=bl.REPO)
    line = next((ln for ln in (out.stdout + out.stderr).splitlines() if ln.startswith("BENCHJSON ")), None)
    if out.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({out.returncode}):\n{out.stdout}{out.stderr}")
    data = json.loads(line[len("BENCHJSON "):])
    secs = data["duration_us"] / 1e6
    ok = int(data["statuses"].get("200", 0))
    return {"seconds": round(secs, 2), "requests": data["requests"], "ok": ok, "ok_per_s": round(ok / secs, 1),
            "statuses": data["statuses"], "errors": {k: v for k, v in data["errors"].items() if v},
            "latency_ms": {k: round(v / 1000, 2) for k, v in data["latency_us"].items()}}


class LagSampler(threading.Thread):
    """The replica's lag, as /health measures it, every `every` seconds until stopped."""

    def __init__(self, primary: pgpair.Cluster, replica: pgpair.Cluster, every: float = 0.25) -> None:
        super().__init__(daemon=True)
        self.primary, self.replica, self.every = primary, replica, every
        self.samples: list[tuple[int, float]] = []
        self.halt = threading.Event()

    def run(self) -> None:
        import psycopg

        from contest.replica_lag import lsn_bytes

        with psycopg.connect(self.primary.url, autocommit=True) as p, psycopg.connect(self.replica.url,
                                                                                      autocommit=True) as r:
            while not self.halt.is_set():
                flushed = p.execute("SELECT pg_current_wal_flush_lsn()::text").fetchone()
                replayed = r.execute("SELECT pg_last_wal_replay_lsn()::text, extract(epoch FROM clock_timestamp() - "
                                     "pg_last_xact_replay_timestamp())::float8").fetchone()
                assert flushed is not None and replayed is not None
                behind = max(0, lsn_bytes(flushed[0]) - lsn_bytes(replayed[0]))
                self.samples.append((behind, 0.0 if behind == 0 else max(0.0, replayed[1] or 0.0)))
                self.halt.wait(self.every)

    def summary(self) -> dict[str, Any]:
        if not self.samples:
            return {}
        b = [s[0] for s in self.samples]
        s = [s[1] * 1000 for s in self.samples]
        return {"samples": len(b), "bytes_p50": bl.percentile(b, 50), "bytes_p99": bl.percentile(b, 99),
                "bytes_max": max(b), "ms_p50": round(bl.percentile(s, 50), 1),
                "ms_p99": round(bl.percentile(s, 99), 1), "ms_max": round(max(s), 1)}


def timed_run(server: bl.Server, primary: pgpair.Cluster, replica: pgpair.Cluster, path: str, token: str | None,
              bodies: Path, offset: int, args: argparse.Namespace) -> dict[str, Any]:
    for _ in range(20):  # each worker has caught up with the votes of the other server's runs
        status, _, _ = results_http.get(server.base, path, token)
        if status != 200:
            raise RuntimeError(f"GET {path} answered {status} before the run")
    load = loadavg()
    workers = server.workers()
    cpu0 = (cpu_of(workers), primary.cpu_seconds(), replica.cpu_seconds())
    sampler = LagSampler(primary, replica)
    votes: dict[str, Any] = {}

    def vote_load() -> None:
        votes["r"] = bl.run_wrk(server.base, bodies, args.seconds, args.vote_connections, offset=offset)

    voter = threading.Thread(target=vote_load)
    sampler.start()
    voter.start()
    reads = run_reads(server.base, path, args.seconds, args.read_connections, token)
    voter.join()
    sampler.halt.set()
    sampler.join()
    cpu1 = (cpu_of(workers), primary.cpu_seconds(), replica.cpu_seconds())
    v: bl.WrkResult = votes["r"]
    web, on_primary, on_replica = (round(b - a, 2) for a, b in zip(cpu0, cpu1, strict=True))
    return {"load_before": load, "reads": reads, "votes": v.to_dict(), "lag": sampler.summary(),
            "cpu_seconds": {"web": web, "primary": on_primary, "replica": on_replica}}


def spread(values: list[float]) -> dict[str, float]:
    return {"median": round(statistics.median(values), 2), "min": round(min(values), 2),
            "max": round(max(values), 2)}


def summarise(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Per endpoint and mode: reads/s, votes/s, lag and CPU per request (median [min, max] over the pairs)."""
    out: dict[str, Any] = {}
    for name in ENDPOINTS:
        per: dict[str, Any] = {}
        for mode in MODES:
            rs = [r for r in runs if r["endpoint"] == name and r["mode"] == mode]
            reads = [r["reads"]["ok_per_s"] for r in rs]
            per[mode] = {
                "reads_per_s": spread(reads),
                "votes_per_s": spread([r["votes"]["accepted_per_s"] for r in rs]),
                "read_p99_ms": spread([r["reads"]["latency_ms"]["p99"] for r in rs]),
                "lag_ms_p99": spread([r["lag"].get("ms_p99", 0.0) for r in rs]),
                "lag_ms_max": spread([r["lag"].get("ms_max", 0.0) for r in rs]),
                "lag_bytes_p99": spread([r["lag"].get("bytes_p99", 0) for r in rs]),
                "web_cpu_ms_per_request": spread([1000 * r["cpu_seconds"]["web"] /
                                                  max(1, r["reads"]["requests"] + r["votes"]["requests"])
                                                  for r in rs]),
                "replica_cpu_s": spread([r["cpu_seconds"]["replica"] for r in rs]),
                "primary_cpu_s": spread([r["cpu_seconds"]["primary"] for r in rs]),
            }
        pairs = sorted({r["pair"] for r in runs})
        ratio = []
        for p in pairs:
            by_mode = {r["mode"]: r["reads"]["ok_per_s"] for r in runs if r["endpoint"] == name and r["pair"] == p}
            ratio.append(by_mode["replica"] / by_mode["primary"] if by_mode.get("primary") else float("nan"))
        per["replica_over_primary"] = spread(ratio)
        # what the reads themselves cost each server: a replica run's replica CPU less the replay (the replica's
        # CPU in the primary runs, per vote replayed), per read; a primary run's primary CPU less the votes' (the
        # primary's CPU in the replica runs, per vote), per read
        rep = [r for r in runs if r["endpoint"] == name]
        replay_per_vote = statistics.median(r["cpu_seconds"]["replica"] / max(1, r["votes"]["accepted"])
                                            for r in rep if r["mode"] == "primary")
        vote_per_vote = statistics.median(r["cpu_seconds"]["primary"] / max(1, r["votes"]["accepted"])
                                          for r in rep if r["mode"] == "replica")
        per["db_cpu_ms_per_read"] = {
            "replica": spread([1000 * max(0.0, r["cpu_seconds"]["replica"] - replay_per_vote * r["votes"]["accepted"])
                               / max(1, r["reads"]["ok"]) for r in rep if r["mode"] == "replica"]),
            "primary": spread([1000 * max(0.0, r["cpu_seconds"]["primary"] - vote_per_vote * r["votes"]["accepted"])
                               / max(1, r["reads"]["ok"]) for r in rep if r["mode"] == "primary"])}
        per["db_cpu_ms_per_vote"] = {"primary": round(1000 * vote_per_vote, 3),
                                     "replica_replay": round(1000 * replay_per_vote, 3)}
        out[name] = per
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--votes", type=int, default=200_000, help="votes in the stored history")
    parser.add_argument("--pairs", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--read-connections", type=int, default=4)
    parser.add_argument("--vote-connections", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers of each server")
    args = parser.parse_args()
    if args.pairs * 2 * len(ENDPOINTS) * BODIES_PER_RUN > bl.LOAD_BODIES:
        raise SystemExit("too many runs for the file of vote bodies")
    bl.wrk_path()
    bl.print_header("the read replica: reads/s from the replica against the primary, votes on the primary", SCRIPT)
    print(f"   loadavg: {loadavg()}", flush=True)
    history = dataset.build(args.votes)
    municipalities = results_http.municipality_codes()
    bodies = bl.bodies_file(municipalities, bl.LOAD_BODIES)
    with pgpair.pair() as (primary, replica):
        url, read_url = primary.url + "?pool_size=5", replica.url + "?pool_size=5"
        t0 = time.perf_counter()
        copied = dataset.copy_events(bl.sqlite_url(bl.REPO / history["path"]), url, history["events"])
        ready = results_http.prepare(url)
        caught_up = pgpair.wait_replayed(primary, replica)
        print(f"  primary loaded: {copied:,} events, read models persisted at {ready['snapshot_at']:,} "
              f"({time.perf_counter() - t0:.0f} s); the replica caught up {caught_up:.1f} s later", flush=True)
        env = {**bl.service_env(url), "WEB_CONCURRENCY": str(args.workers)}
        servers: dict[str, Any] = {}
        with bl.gunicorn("api.wsgi:app", {**env, "CONTEST_READ_STORE": read_url}, "replica-reads") as on_replica, \
                bl.gunicorn("api.wsgi:app", env, "primary-reads") as on_primary:
            servers = {"replica": on_replica, "primary": on_primary}
            for server in servers.values():
                bl.warm_up(server.base, municipalities, 40)
            runs: list[dict[str, Any]] = []
            offset = 0
            for pair in range(args.pairs):
                order = MODES if pair % 2 == 0 else MODES[::-1]
                for mode in order:
                    for name, path in ENDPOINTS.items():
                        token = ready["token"] if "auditor" in name else None
                        r = timed_run(servers[mode], primary, replica, path, token, bodies, offset, args)
                        offset += BODIES_PER_RUN
                        runs.append({"pair": pair, "mode": mode, "endpoint": name, **r})
                        print(f"  pair {pair + 1} {mode:<7} {name:<27} {r['reads']['ok_per_s']:>7,.0f} reads/s "
                              f"(p99 {r['reads']['latency_ms']['p99']} ms, {r['reads']['statuses']}) while "
                              f"{r['votes']['accepted_per_s']:,.0f} votes/s; lag p99 {r['lag'].get('ms_p99')} ms "
                              f"/ {r['lag'].get('bytes_p99')} B; cpu {r['cpu_seconds']}; loadavg {r['load_before']}",
                              flush=True)
    summary = summarise(runs)
    print("\n== summary (median [min, max] of the pairs)")
    for name, per in summary.items():
        ratio = per["replica_over_primary"]
        print(f"  {name}: reads/s from the replica / from the primary = {ratio['median']} "
              f"[{ratio['min']}, {ratio['max']}]")
        for mode in MODES:
            m = per[mode]
            reads, lag = m["reads_per_s"], m["lag_ms_p99"]
            print(f"    reads on the {mode:<7}: {reads['median']:,.0f} reads/s [{reads['min']:,.0f}, "
                  f"{reads['max']:,.0f}], meanwhile {m['votes_per_s']['median']:,.0f} votes/s; replica lag p99 "
                  f"{lag['median']} ms (max {m['lag_ms_max']['max']} ms, {m['lag_bytes_p99']['median']:,.0f} B); "
                  f"web CPU {m['web_cpu_ms_per_request']['median']} ms a request")
        print(f"    PostgreSQL CPU a read: replica {per['db_cpu_ms_per_read']['replica']['median']} ms, primary "
              f"{per['db_cpu_ms_per_read']['primary']['median']} ms; a vote: primary "
              f"{per['db_cpu_ms_per_vote']['primary']} ms, its replay on the replica "
              f"{per['db_cpu_ms_per_vote']['replica_replay']} ms")
    print(f"   loadavg after: {loadavg()}")
    print(f"   reproduce: {bl.command(SCRIPT)}")
    path = bl.save_result("replica", {"command": bl.command(SCRIPT), "machine": bl.machine(), "args": vars(args),
                                      "history": history, "summary": summary, "runs": runs})
    print(f"   figures: {path.relative_to(bl.REPO)}")


if __name__ == "__main__":
    try:
        main()
    except subprocess.CalledProcessError as e:
        raise SystemExit(str(e)) from e
