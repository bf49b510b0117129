"""Benchmarks 3 and 5: rebuilding every projection from about a million stored events, against the floor of reading
the same rows and decoding them with nothing else; the audit export and `contest audit verify` on it; and the peak
RSS of each, at two history sizes (streaming parts should not grow with the event count).

Each phase runs in a process of its own (its peak RSS is its own), on a store holding the cached history
(bench/dataset.py: the 2024 contest up to the evening of the vote, then N residents' votes):

  floor       the rows the rebuild reads (the views' topics, 1,000 a query, the recorder's own SQL) through the
              bare driver (sqlite3 / psycopg), each row's JSON decoded with json.loads, and nothing else
  read        the same rows through the library's recorder (contest/store.py's notifications), json.loads each
  decode      the same rows turned into domain events by the store's mapper (to_domain_event), nothing else
  rebuild     `contest projections rebuild`'s code path: ProjectionStore.reset, ReadModels(Views()).catch_up
              over every event, save_snapshot (pickled views + tracking row in one transaction)
  export      `contest audit export --out FILE` (the CLI, canonical JSON Lines with the hash chain)
  verify      `contest audit verify FILE` (the CLI: chain, order, every event rebuilt and re-checked, replay)
  verify floor  read FILE line by line and json.loads each line, nothing else

The floor and ours are run back to back, alternately, `--rounds` times; the best of each is reported (the machine
is shared: the best run is the one least disturbed).

    .venv/bin/python bench/replay.py                                  # SQLite, 1M votes, memory at 250k and 1M
    .venv/bin/python bench/replay.py --store both --votes 1000000
"""

from __future__ import annotations

import argparse
import json
import time
from typing import Any

import benchlib as bl
import dataset

SCRIPT = "replay.py"


# ----- the phases (each in its own process: `replay.py --phase NAME --url URL`) -----

def raw_rows(url: str, topics: list[str], stop: int, batch: int = 1000) -> Any:
    """The rows the rebuild reads, straight from the database driver (sqlite3 / psycopg), in the same batches and
    with the same query as the library's recorder (rowid / notification_id range, topic IN the views' topics)."""
    if url.startswith("sqlite"):
        import sqlite3

        conn = sqlite3.connect(url.removeprefix("sqlite:///"))
        marks = ",".join("?" * len(topics))
        sql = (f"SELECT rowid, originator_id, originator_version, topic, state FROM stored_events "
               f"WHERE rowid>=? AND rowid<=? AND topic IN ({marks}) ORDER BY rowid LIMIT ?")
        position = 1
        while True:
            rows = conn.execute(sql, (position, stop, *topics, batch)).fetchall()
            yield from rows
            if len(rows) < batch:
                break
            position = rows[-1][0] + 1
        conn.close()
        return
    from urllib.parse import parse_qs, urlparse

    import psycopg

    schema = parse_qs(urlparse(url).query)["schema"][0]
    with psycopg.connect(bl.pg_conninfo()) as conn:
        sql = (f'SELECT notification_id, originator_id, originator_version, topic, state FROM "{schema}".'
               "contest_events WHERE notification_id>=%s AND notification_id<=%s AND topic = ANY(%s) "
               "ORDER BY notification_id LIMIT %s")
        position = 1
        while True:
            rows = conn.execute(sql, (position, stop, topics, batch), prepare=True).fetchall()
            yield from rows
            if len(rows) < batch:
                break
            position = rows[-1][0] + 1


def phase_floor(url: str) -> dict[str, Any]:
    """The floor: the same rows read with the bare driver, each state decoded by json.loads, nothing else."""
    from contest.readmodels import ReadModels
    from projections.views import Views

    svc = bl.service(url)
    topics = ReadModels(svc.store, Views()).topics
    head = svc.event_count()
    svc.close()
    rss0 = bl.rss_mib()
    t0 = time.perf_counter()
    n = 0
    loads = json.loads
    for row in raw_rows(url, topics, head):
        loads(row[4])
        n += 1
    return {"events": n, "seconds": time.perf_counter() - t0, "rss_before_mib": rss0}


def _through_recorder(url: str, each: Any) -> dict[str, Any]:
    """The views' rows read through the library's recorder (contest/store.py's notifications), `each(svc)` applied
    to every notification."""
    from contest.readmodels import ReadModels
    from projections.views import Views

    svc = bl.service(url)
    topics = ReadModels(svc.store, Views()).topics
    apply = each(svc)
    rss0 = bl.rss_mib()
    t0 = time.perf_counter()
    n = 0
    for notification in svc.store.notifications(topics=topics):
        apply(notification)
        n += 1
    seconds = time.perf_counter() - t0
    svc.close()
    return {"events": n, "seconds": seconds, "rss_before_mib": rss0}


def phase_read(url: str) -> dict[str, Any]:
    """The same rows read through the library's recorder, json.loads each."""
    return _through_recorder(url, lambda svc: lambda n: json.loads(n.state))


def phase_decode(url: str) -> dict[str, Any]:
    """The same rows through the library's recorder and its mapper (to_domain_event), nothing else."""
    return _through_recorder(url, lambda svc: svc.store.mapper.to_domain_event)


def phase_rebuild(url: str) -> dict[str, Any]:
    """What `contest projections rebuild` does (contest/cli.py), without its progress bar."""
    from contest.projection_store import ProjectionStore
    from contest.readmodels import ReadModels
    from projections.views import Views

    svc = bl.service(url)
    snapshots = ProjectionStore(svc.store)
    rss0 = bl.rss_mib()
    t0 = time.perf_counter()
    snapshots.reset()
    models = ReadModels(svc.store, Views())
    head = models.catch_up()
    t1 = time.perf_counter()
    models.snapshots = snapshots
    saved = models.save_snapshot()
    seconds = time.perf_counter() - t0
    total = models.views.votes.total(bl.YEAR)
    svc.close()
    return {"events": models.applied, "head": head, "seconds": seconds, "catch_up_seconds": t1 - t0,
            "snapshot_saved": saved, "votes_tallied": total, "rss_before_mib": rss0}


def phase_verify_floor(path: str) -> dict[str, Any]:
    rss0 = bl.rss_mib()
    t0 = time.perf_counter()
    n = 0
    loads = json.loads
    with open(path, encoding="utf-8") as f:
        for line in f:
            loads(line)
            n += 1
    return {"events": n, "seconds": time.perf_counter() - t0, "rss_before_mib": rss0}


PHASES = {"floor": phase_floor, "read": phase_read, "decode": phase_decode, "rebuild": phase_rebuild,
          "verify-floor": phase_verify_floor}


def child(phase: str, target: str) -> dict[str, Any]:
    run = bl.run_measured([bl.PYTHON, str(bl.BENCH / SCRIPT), "--phase", phase, "--target", target])
    if run.returncode != 0:
        raise RuntimeError(f"phase {phase} failed:\n{run.stderr[-3000:]}")
    data = json.loads(run.stdout.strip().splitlines()[-1])
    data["peak_rss_mib"] = run.peak_rss_mib
    data["per_s"] = data["events"] / data["seconds"] if data["seconds"] else 0.0
    return data


def count_lines(path: Any) -> int:
    with open(path, "rb") as f:
        return sum(1 for _ in f)


def cli(args: list[str], store_url: str) -> bl.Measured:
    run = bl.run_measured([str(bl.REPO / ".venv/bin/contest"), *args], env={"CONTEST_STORE": store_url})
    return run


# ----- the benchmark -----

def best(runs: list[dict[str, Any]]) -> dict[str, Any]:
    chosen = max(runs, key=lambda r: r["per_s"])
    return {**chosen, "runs_per_s": [round(r["per_s"]) for r in runs]}


def measure_store(kind: str, votes: int, rounds: int, audit: bool) -> dict[str, Any]:
    out: dict[str, Any] = {}
    with dataset.votes_store(votes, kind, f"replay-{kind}") as (url, loaded):
        out["loaded"] = loaded
        print(f"  store ready: {loaded['events']:,} events ({loaded['loaded_by']}, {loaded['load_seconds']} s)",
              flush=True)
        floors, reads, decodes, ours = [], [], [], []
        out["busy_before"] = round(bl.wait_until_quiet(), 2)
        out["load_before"] = bl.uptime()
        for _ in range(rounds):
            floors.append(child("floor", url))
            reads.append(child("read", url))
            decodes.append(child("decode", url))
            ours.append(child("rebuild", url))
            print(f"    floor {floors[-1]['per_s']:>10,.0f}/s   read {reads[-1]['per_s']:>10,.0f}/s   "
                  f"decode {decodes[-1]['per_s']:>10,.0f}/s   "
                  f"rebuild {ours[-1]['per_s']:>10,.0f}/s", flush=True)
        out["floor"], out["read"] = best(floors), best(reads)
        out["decode"], out["rebuild"] = best(decodes), best(ours)
        out["load_after"] = bl.uptime()
        out["ratio"] = round(out["rebuild"]["per_s"] / out["floor"]["per_s"], 3)
        if audit:
            path = bl.DATA / f"export-{kind}-{votes}.jsonl"
            run = cli(["audit", "export", "--out", str(path)], url)
            if run.returncode != 0:
                raise RuntimeError(f"export failed: {run.stderr[-2000:]}")
            events = count_lines(path)
            out["export"] = {"events": events, "seconds": round(run.seconds, 2), "per_s": events / run.seconds,
                             "peak_rss_mib": run.peak_rss_mib, "bytes": path.stat().st_size}
            vfloors, verifies = [], []
            for _ in range(rounds):
                vfloors.append(child("verify-floor", str(path)))
                run = cli(["audit", "verify", str(path)], url)
                ok = run.returncode == 0 and "VERIFIED" in run.stdout
                verifies.append({"events": events, "seconds": run.seconds, "per_s": events / run.seconds,
                                 "peak_rss_mib": run.peak_rss_mib, "verified": ok,
                                 "tail": run.stdout.strip().splitlines()[-3:]})
                print(f"    verify floor {vfloors[-1]['per_s']:>10,.0f}/s   verify {verifies[-1]['per_s']:>10,.0f}/s"
                      f"   {'VERIFIED' if ok else 'NOT VERIFIED'}", flush=True)
            out["verify_floor"], out["verify"] = best(vfloors), best(verifies)
            out["verify_ratio"] = round(out["verify"]["per_s"] / out["verify_floor"]["per_s"], 3)
            path.unlink()
    return out


def memory_growth(kind: str, sizes: list[int]) -> list[dict[str, Any]]:
    """Peak RSS of the rebuild, the export and the verify at each history size (one process each)."""
    rows = []
    for votes in sizes:
        with dataset.votes_store(votes, kind, f"memory-{kind}") as (url, loaded):
            rebuild = child("rebuild", url)
            path = bl.DATA / f"export-mem-{votes}.jsonl"
            export = cli(["audit", "export", "--out", str(path)], url)
            verify = cli(["audit", "verify", str(path)], url)
            path.unlink(missing_ok=True)
            rows.append({"votes": votes, "events": loaded["events"], "rebuild_peak_rss_mib": rebuild["peak_rss_mib"],
                         "rebuild_rss_before_mib": rebuild["rss_before_mib"],
                         "export_peak_rss_mib": export.peak_rss_mib, "verify_peak_rss_mib": verify.peak_rss_mib,
                         "verify_ok": verify.returncode == 0})
            print(f"  {loaded['events']:>9,} events: peak RSS rebuild {rebuild['peak_rss_mib']:,.0f} MiB, export "
                  f"{export.peak_rss_mib:,.0f} MiB, verify {verify.peak_rss_mib:,.0f} MiB", flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--store", choices=["sqlite", "postgresql", "both"], default="sqlite")
    parser.add_argument("--votes", type=int, default=dataset.FULL, help="votes in the history (events: ~ +120)")
    parser.add_argument("--rounds", type=int, default=2, help="alternating floor/ours runs; the best is reported")
    parser.add_argument("--memory-sizes", default="250000,1000000",
                        help="history sizes (votes) for the peak-RSS comparison on SQLite ('' to skip)")
    parser.add_argument("--phase", choices=sorted(PHASES), help=argparse.SUPPRESS)
    parser.add_argument("--target", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        print(json.dumps(PHASES[args.phase](args.target)))
        return
    bl.print_header("replay: rebuilding every projection, export and verify, against their floors", SCRIPT)
    stores = ["sqlite", "postgresql"] if args.store == "both" else [args.store]
    results: dict[str, Any] = {}
    for kind in stores:
        print(f"-- {kind}: {args.votes:,} votes", flush=True)
        results[kind] = measure_store(kind, args.votes, args.rounds, audit=kind == "sqlite")
    memory: list[dict[str, Any]] = []
    if args.memory_sizes:
        print("-- peak RSS against the history's size (SQLite)", flush=True)
        memory = memory_growth("sqlite", [int(x) for x in args.memory_sizes.split(",")])
    print("\n== summary (events/s; ours/floor; targets: >= 0.5 of the floor, > 100,000/s on SQLite)")
    for kind, r in results.items():
        print(f"  {kind:<10} rebuild {r['rebuild']['per_s']:>10,.0f}/s   floor (driver + json.loads) "
              f"{r['floor']['per_s']:>10,.0f}/s   ratio {r['ratio']:.2f}   (recorder + json.loads "
              f"{r['read']['per_s']:,.0f}/s, recorder + to_domain_event {r['decode']['per_s']:,.0f}/s)   "
              f"peak RSS {r['rebuild']['peak_rss_mib']:,.0f} MiB")
        if "verify" in r:
            print(f"  {kind:<10} verify  {r['verify']['per_s']:>10,.0f}/s   floor (read file + json.loads) "
                  f"{r['verify_floor']['per_s']:>10,.0f}/s   ratio {r['verify_ratio']:.2f}   peak RSS "
                  f"{r['verify']['peak_rss_mib']:,.0f} MiB   export {r['export']['per_s']:,.0f}/s")
    for m in memory:
        print(f"  memory at {m['events']:>9,} events: rebuild {m['rebuild_peak_rss_mib']:,.0f} MiB, export "
              f"{m['export_peak_rss_mib']:,.0f} MiB, verify {m['verify_peak_rss_mib']:,.0f} MiB")
    print(f"   load after: {bl.uptime()}")
    print(f"   reproduce: {bl.command(SCRIPT)}")
    path = bl.save_result(f"replay-{args.store}", {"command": bl.command(SCRIPT), "machine": bl.machine(),
                                                   "args": vars(args), "results": results, "memory": memory})
    print(f"   figures: {path.relative_to(bl.REPO)}")


if __name__ == "__main__":
    main()
