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

The floor and the rebuild are run in `--rebuild-pairs` alternating pairs (floor, rebuild, rebuild, floor, ...),
each run a process of its own reading the store it was given; reported: the ratio of each pair, median [min-max],
with `cat /proc/loadavg` before each run (the machine is shared: ratios within a pair are what count).

The verifiers (`--verifiers`, on by default; `--verifiers-only` runs nothing else): at each of `--verify-sizes`
(votes; 250,000 and 1,000,000) the export of that history (made once with `contest audit export` and kept under
bench/.data/, `--fresh-exports` to make it again) is read by three programs, each in a process of its own, in
paired alternating runs (floor, ours, independent, then independent, ours, floor, ... `--pairs` times):

  floor        `python bench/replay.py --phase verify-floor FILE`: read the file and json.loads every line
  ours         `python -m contest.cli audit verify FILE --json`
  independent  `python3 -I verifier FILE --json` (the standard-library verifier in verifier/, when present)

Each run's events/s is the file's events over the process's wall time (start-up included), its ratio the one to
the floor of the same pair, its CPU time user + system (resource usage of the child), its peak RSS the child's
own (wait4's ru_maxrss). Reported: the median with min and max over the pairs, and the load average around them.

    .venv/bin/python bench/replay.py                                  # SQLite, 1M votes, memory at 250k and 1M
    .venv/bin/python bench/replay.py --store both --votes 1000000
    .venv/bin/python bench/replay.py --verifiers-only --pairs 3       # the verifiers alone, 250k and 1M
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import benchlib as bl
import dataset

SCRIPT = "replay.py"
REBUILD_TARGET = 0.7


# ----- the phases (each in its own process: `replay.py --phase NAME --url URL`) -----

def raw_rows(url: str, table: str, topics: list[str], stop: int, batch: int = 1000) -> Any:
    """The rows the rebuild reads, straight from the database driver (sqlite3 / psycopg) on the store it was
    given (`url`, its `table`), in the same batches and with the same query as the library's recorder (rowid /
    notification_id range, topic IN the views' topics)."""
    if url.startswith("sqlite"):
        import sqlite3

        conn = sqlite3.connect(url.removeprefix("sqlite:///"))
        marks = ",".join("?" * len(topics))
        sql = (f"SELECT rowid, originator_id, originator_version, topic, state FROM {table} "
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
    with psycopg.connect(url.split("?", 1)[0].replace("postgresql+psycopg://", "postgresql://")) as conn:
        sql = (f'SELECT notification_id, originator_id, originator_version, topic, state FROM "{schema}".'
               f'"{table}" WHERE notification_id>=%s AND notification_id<=%s AND topic = ANY(%s) '
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
    table = svc.store.recorder.events_table_name
    svc.close()
    rss0 = bl.rss_mib()
    t0 = time.perf_counter()
    n = 0
    loads = json.loads
    for row in raw_rows(url, table, topics, head):
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
    run = bl.run_measured([bl.PYTHON, "-m", "contest.cli", *args], env={"CONTEST_STORE": store_url})
    return run


# ----- the verifiers, paired -----

VERIFIER_DIR = bl.REPO / "verifier"


def run_child(args: list[str], env: dict[str, str] | None = None) -> dict[str, Any]:
    """One child process to its end: wall seconds, CPU seconds (user + system) and its own peak RSS (wait4)."""
    bl.ensure_dirs()
    out_path, err_path = bl.LOGS / f"verify-{os.getpid()}.out", bl.LOGS / f"verify-{os.getpid()}.err"
    with open(out_path, "w") as out, open(err_path, "w") as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(args, cwd=bl.REPO, env=dict(os.environ, **(env or {})), stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - t0
    stdout, stderr = out_path.read_text(), err_path.read_text()
    out_path.unlink(missing_ok=True)
    err_path.unlink(missing_ok=True)
    return {"returncode": os.waitstatus_to_exitcode(status), "seconds": seconds,
            "cpu_seconds": usage.ru_utime + usage.ru_stime, "peak_rss_mib": round(usage.ru_maxrss / 1024, 1),
            "stdout": stdout, "stderr": stderr}


def standard_python3() -> str:
    """The interpreter the independent verifier is run with: the Python the project's venv was made from (only its
    standard library is used, `-I`), called directly; a version manager's `python3` shim on PATH (pyenv's is a
    shell script) would add its own start-up to every run."""
    base = Path(sys.base_prefix) / "bin" / "python3"
    return str(base) if base.exists() else (shutil.which("python3") or bl.PYTHON)


def verifier_commands(path: Path) -> dict[str, list[str] | None]:
    python3 = standard_python3()
    independent = [python3, "-I", "verifier", str(path), "--json"] if VERIFIER_DIR.is_dir() else None
    return {"floor": [bl.PYTHON, str(bl.BENCH / SCRIPT), "--phase", "verify-floor", "--target", str(path)],
            "ours": [bl.PYTHON, "-m", "contest.cli", "audit", "verify", str(path), "--json"],
            "independent": independent}


def export_file(votes: int, fresh: bool) -> tuple[Path, dict[str, Any]]:
    """The export of the history with `votes` votes, made once with `contest audit export` (measured then)."""
    path = bl.DATA / f"export-v{dataset.VERSION}-{votes}.jsonl"
    if path.exists() and not fresh:
        return path, {"reused": True}
    with dataset.votes_store(votes, "sqlite", f"export-{votes}") as (url, _):
        tmp = path.with_suffix(".tmp")
        run = run_child([bl.PYTHON, "-m", "contest.cli", "audit", "export", "--out", str(tmp)],
                        env={"CONTEST_STORE": url})
        if run["returncode"] != 0:
            raise RuntimeError(f"export failed: {run['stderr'][-2000:]}")
        tmp.rename(path)
    events = count_lines(path)
    return path, {"reused": False, "events": events, "seconds": round(run["seconds"], 2),
                  "per_s": round(events / run["seconds"]), "cpu_seconds": round(run["cpu_seconds"], 2),
                  "peak_rss_mib": run["peak_rss_mib"], "bytes": path.stat().st_size}


def spread(values: list[float], digits: int = 3) -> dict[str, float]:
    return {"median": round(statistics.median(values), digits), "min": round(min(values), digits),
            "max": round(max(values), digits)}


def measure_verifiers(sizes: list[int], pairs: int, fresh: bool) -> list[dict[str, Any]]:
    rows = []
    for votes in sizes:
        path, export = export_file(votes, fresh)
        events = count_lines(path)
        commands = verifier_commands(path)
        names = [n for n in ("floor", "ours", "independent") if commands[n] is not None]
        made = "reused" if export["reused"] else f"{export['per_s']:,}/s, {export['peak_rss_mib']:,.0f} MiB"
        print(f"  {events:,} events ({path.stat().st_size / 2**20:,.0f} MiB), export: {made}"
              f"; independent verifier: {'present' if commands['independent'] else 'not present'}", flush=True)
        runs: dict[str, list[dict[str, Any]]] = {n: [] for n in names}
        load_before = bl.uptime()
        busy = round(bl.wait_until_quiet(), 2)
        for i in range(pairs):
            for name in names if i % 2 == 0 else list(reversed(names)):
                run = run_child(commands[name])  # type: ignore[arg-type]
                run["per_s"] = events / run["seconds"]
                run["cpu_per_s"] = events / run["cpu_seconds"] if run["cpu_seconds"] else 0.0
                if name == "floor":
                    run["ok"] = run["returncode"] == 0
                else:
                    try:
                        report = json.loads(run["stdout"])
                        run["ok"] = run["returncode"] == 0 and report.get("ok") is True \
                            and report.get("events") == events
                    except ValueError:
                        run["ok"] = False
                run.pop("stdout")
                run["stderr"] = run["stderr"][-500:]
                runs[name].append(run)
            print(f"    pair {i + 1}: " + "   ".join(
                f"{n} {runs[n][-1]['per_s']:>9,.0f}/s {runs[n][-1]['peak_rss_mib']:>6,.0f} MiB"
                f"{'' if runs[n][-1]['ok'] else ' FAILED'}" for n in names) + f"   (load {bl.uptime()})", flush=True)
        row: dict[str, Any] = {"votes": votes, "events": events, "file_bytes": path.stat().st_size,
                               "export": export, "load_before": load_before, "busy_before": busy,
                               "load_after": bl.uptime(), "pairs": pairs,
                               "independent_present": commands["independent"] is not None}
        for name in names:
            r = runs[name]
            row[name] = {"per_s": spread([x["per_s"] for x in r], 0),
                         "cpu_per_s": spread([x["cpu_per_s"] for x in r], 0),
                         "peak_rss_mib": spread([x["peak_rss_mib"] for x in r], 1), "ok": all(x["ok"] for x in r),
                         "command": " ".join(map(str, commands[name])).replace(str(bl.REPO) + "/", "")}  # type: ignore[arg-type]
            if name != "floor":
                row[name]["ratio"] = spread([x["per_s"] / f["per_s"] for x, f in zip(r, runs["floor"], strict=True)])
                row[name]["cpu_ratio"] = spread([x["cpu_per_s"] / f["cpu_per_s"]
                                                 for x, f in zip(r, runs["floor"], strict=True)])
        rows.append(row)
    return rows


def print_verifiers(rows: list[dict[str, Any]]) -> None:
    print("\n== verifiers (median [min-max] over the pairs; ratio = ours / the floor of the same pair, by wall "
          "time; cpu ratio by CPU time)")
    for r in rows:
        print(f"  {r['events']:>9,} events  load before {r['load_before']}, after {r['load_after']}")
        for name in ("floor", "ours", "independent"):
            m = r.get(name)
            if m is None:
                print(f"    {name:<12} not present (no verifier/ directory)")
                continue
            ratio = (f"   ratio {m['ratio']['median']:.2f} [{m['ratio']['min']:.2f}-{m['ratio']['max']:.2f}]"
                     f"   cpu ratio {m['cpu_ratio']['median']:.2f}") if "ratio" in m else ""
            print(f"    {name:<12} {m['per_s']['median']:>9,.0f}/s [{m['per_s']['min']:,.0f}-{m['per_s']['max']:,.0f}]"
                  f"{ratio}   peak RSS {m['peak_rss_mib']['median']:,.0f} MiB "
                  f"[{m['peak_rss_mib']['min']:,.0f}-{m['peak_rss_mib']['max']:,.0f}]"
                  f"{'' if m['ok'] else '   NOT OK'}   $ {m['command']}")
    if len(rows) >= 2:
        low, high = rows[0], rows[-1]
        for name in ("ours", "independent"):
            if name in low and name in high:
                growth = high[name]["peak_rss_mib"]["median"] / low[name]["peak_rss_mib"]["median"]
                print(f"  peak RSS growth {name}: {low[name]['peak_rss_mib']['median']:,.0f} -> "
                      f"{high[name]['peak_rss_mib']['median']:,.0f} MiB (x{growth:.2f}) from {low['events']:,} to "
                      f"{high['events']:,} events")


# ----- the benchmark -----

def measure_store(kind: str, votes: int, pairs: int, audit: bool) -> dict[str, Any]:
    """The rebuild against its floor in `pairs` alternating pairs (floor, rebuild, rebuild, floor, ...), each run
    a process of its own on the store of `kind` holding `votes` votes; then the recorder's read and the mapper's
    decode once each (where the rest of the rebuild's time goes) and, on SQLite, the audit export once."""
    out: dict[str, Any] = {}
    with dataset.votes_store(votes, kind, f"replay-{kind}") as (url, loaded):
        out["loaded"] = loaded
        print(f"  store ready: {loaded['events']:,} events ({loaded['loaded_by']}, {loaded['load_seconds']} s)",
              flush=True)
        out["busy_before"] = round(bl.wait_until_quiet(patience=5), 2)
        runs: dict[str, list[dict[str, Any]]] = {"floor": [], "rebuild": []}
        for name in bl.paired_order(pairs, "floor", "rebuild"):
            load = bl.loadavg()
            r = child(name, url)
            r["load_before"] = load
            runs[name].append(r)
            print(f"    {name:<8} {r['per_s']:>10,.0f}/s   peak RSS {r['peak_rss_mib']:,.0f} MiB   load {load}",
                  flush=True)
        out["runs"] = runs
        out["floor"] = {"per_s": bl.spread([r["per_s"] for r in runs["floor"]], 0)}
        out["rebuild"] = {"per_s": bl.spread([r["per_s"] for r in runs["rebuild"]], 0),
                          "peak_rss_mib": max(r["peak_rss_mib"] for r in runs["rebuild"])}
        out["ratio"] = bl.spread([o["per_s"] / f["per_s"] for o, f in zip(runs["rebuild"], runs["floor"],
                                                                           strict=True)])
        out["read"], out["decode"] = child("read", url), child("decode", url)
        out["load_after"] = bl.loadavg()
        if audit:
            path = bl.DATA / f"export-{kind}-{votes}.jsonl"
            run = cli(["audit", "export", "--out", str(path)], url)
            if run.returncode != 0:
                raise RuntimeError(f"export failed: {run.stderr[-2000:]}")
            events = count_lines(path)
            out["export"] = {"events": events, "seconds": round(run.seconds, 2), "per_s": events / run.seconds,
                             "peak_rss_mib": run.peak_rss_mib, "bytes": path.stat().st_size}
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
    parser.add_argument("--rebuild-pairs", type=int, default=3,
                        help="alternating pairs of the rebuild and its floor (median, min, max of the ratio)")
    parser.add_argument("--memory-sizes", default="250000,1000000",
                        help="history sizes (votes) for the peak-RSS comparison on SQLite ('' to skip)")
    parser.add_argument("--verifiers", action=argparse.BooleanOptionalAction, default=True,
                        help="measure the verifiers against their floor at --verify-sizes")
    parser.add_argument("--verifiers-only", action="store_true", help="measure the verifiers and nothing else")
    parser.add_argument("--verify-sizes", default="250000,1000000", help="history sizes (votes) for the verifiers")
    parser.add_argument("--pairs", type=int, default=3, help="paired alternating runs of the verifiers")
    parser.add_argument("--fresh-exports", action="store_true", help="make the verifiers' export files again")
    parser.add_argument("--phase", choices=sorted(PHASES), help=argparse.SUPPRESS)
    parser.add_argument("--target", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        print(json.dumps(PHASES[args.phase](args.target)))
        return
    bl.print_header("replay: rebuilding every projection, export and verify, against their floors", SCRIPT)
    verifiers: list[dict[str, Any]] = []
    if args.verifiers or args.verifiers_only:
        print("-- the verifiers against the floor (read + json.loads), paired", flush=True)
        verifiers = measure_verifiers([int(x) for x in args.verify_sizes.split(",")], args.pairs, args.fresh_exports)
        print_verifiers(verifiers)
    if args.verifiers_only:
        print(f"   reproduce: {bl.command(SCRIPT)}")
        path = bl.save_result("replay-verifiers", {"command": bl.command(SCRIPT), "machine": bl.machine(),
                                                   "args": vars(args), "verifiers": verifiers})
        print(f"   figures: {path.relative_to(bl.REPO)}")
        return
    stores = ["sqlite", "postgresql"] if args.store == "both" else [args.store]
    results: dict[str, Any] = {}
    for kind in stores:
        print(f"-- {kind}: {args.votes:,} votes", flush=True)
        results[kind] = measure_store(kind, args.votes, args.rebuild_pairs, audit=kind == "sqlite")
    memory: list[dict[str, Any]] = []
    if args.memory_sizes:
        print("-- peak RSS against the history's size (SQLite)", flush=True)
        memory = memory_growth("sqlite", [int(x) for x in args.memory_sizes.split(",")])
    print(f"\n== summary (events/s, median [min-max] of {args.rebuild_pairs} pairs; target: rebuild >= "
          f"{REBUILD_TARGET} of the floor)")
    for kind, r in results.items():
        f, o, q = r["floor"]["per_s"], r["rebuild"]["per_s"], r["ratio"]
        print(f"  {kind:<10} rebuild {o['median']:>10,.0f}/s [{o['min']:,.0f}-{o['max']:,.0f}]   floor (driver + "
              f"json.loads) {f['median']:>10,.0f}/s [{f['min']:,.0f}-{f['max']:,.0f}]   ratio {q['median']:.2f} "
              f"[{q['min']:.2f}-{q['max']:.2f}]   (recorder + json.loads {r['read']['per_s']:,.0f}/s, recorder + "
              f"to_domain_event {r['decode']['per_s']:,.0f}/s)   peak RSS {r['rebuild']['peak_rss_mib']:,.0f} MiB")
        if "export" in r:
            print(f"  {kind:<10} export  {r['export']['per_s']:>10,.0f}/s")
    for m in memory:
        print(f"  memory at {m['events']:>9,} events: rebuild {m['rebuild_peak_rss_mib']:,.0f} MiB, export "
              f"{m['export_peak_rss_mib']:,.0f} MiB, verify {m['verify_peak_rss_mib']:,.0f} MiB")
    print(f"   load after: {bl.uptime()}")
    print(f"   reproduce: {bl.command(SCRIPT)}")
    if verifiers:
        print_verifiers(verifiers)
    path = bl.save_result(f"replay-{args.store}", {"command": bl.command(SCRIPT), "machine": bl.machine(),
                                                   "args": vars(args), "results": results, "memory": memory,
                                                   "verifiers": verifiers})
    print(f"   figures: {path.relative_to(bl.REPO)}")


if __name__ == "__main__":
    main()
