"""The store's own write ceiling: votes/s through the project's save path without HTTP, from 32 concurrent writers,
against the store's path of before (one insert, one lock and one commit per vote) and against the database's
batched-insert ceiling, in paired alternating runs (grouped, lone, ceiling, unstored, then unstored,
ceiling, lone, grouped, ...).

  grouped  `EventStore.save(vote, unchanged=(contest), group=True)`: the vote's save as Votes.cast makes it (the
           store's mapper, the recorder, the group commit of contest/group_commit.py: one transaction per batch)
  lone     the same save without `group`: one insert-function call per vote (PostgreSQL: the table lock and a WAL
           flush per vote; SQLite: the write lock and a commit per vote), the vote path of before
  ceiling  the database alone, batched, measured like pgbench: PostgreSQL `pgbench -n -c CLIENTS -j CLIENTS -t N`
           with a script inserting `--rows` rows per transaction (the same columns, the same stored bytes: the
           states of real votes, and random keys as the votes' uuid5 ids are) into a copy of the events table with
           its indexes; SQLite: one connection (SQLite has one writer) inserting the same rows, `--rows` per
           transaction, with the store's pragmas. Each ceiling run stores as many rows as a run of the writers
           does, into a new table, `--repeats` times: an insert into a random place of an index costs more the
           larger the table, so a ceiling timed over a table grown ten times larger is not the same work
  unstored the grouped saves with the batch's write replaced by one that stores nothing and answers at once (not
           a path of the service: what the Python path alone could take, the database taken away, to tell the
           two apart when the grouped path falls short of the ceiling)

The writers are `--processes` processes (as web workers are) of `--writers / --processes` threads each; each save
is a vote decided beforehand by the domain (Vote.cast on the contest with its window open, untimed), so what is
timed is the store's part. Each run: votes/s, CPU per vote of the writer processes (user and system), their
waits (voluntary context switches) and preemptions per vote, the batches (their mean size, the time each took
to write and its leader waited for the turn, and the share of the run spent writing them), `cat /proc/loadavg`.

    .venv/bin/python bench/store_ceiling.py --store both --pairs 3
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import random
import resource
import shutil
import sqlite3
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import benchlib as bl

SCRIPT = "store_ceiling.py"
TARGET_OVER_LONE = 5.0
TARGET_OF_CEILING = 0.5


# ----- the writers (each process: its own store, its own group commit) -----

def _written() -> tuple[int, int]:
    """The bytes this process has handed to write calls and the number of those calls, from /proc/self/io (wchar,
    syscw): on SQLite the WAL's frames (a 4 KiB page each) and the checkpoints' copies into the database file; on
    PostgreSQL nothing, the server writes."""
    fields = dict(line.split(": ") for line in Path("/proc/self/io").read_text().splitlines())
    return int(fields["wchar"]), int(fields["syscw"])


def _store_nothing(batch: Any, unchanged: Any) -> None:
    """The `unstored` run's write of a batch: every save answered as written, nothing sent to the database."""
    for i, save in enumerate(batch):
        save.ids = [i]


def _writer_process(url: str, mode: str, threads: int, votes_each: int, offset: int, start_at: float,
                    out: Any) -> None:
    from contest.network import network_key
    from domain.identity import identify
    from domain.vote import Vote

    svc = bl.service(url)
    contest = svc.contest(bl.YEAR)
    municipalities = [m.code for m in contest.municipalities]
    codes = bl.code_pool()[bl.LOAD_OFFSET + offset: bl.LOAD_OFFSET + offset + threads * votes_each]
    voter, receipt = bl.VOTER_SECRET.encode(), bl.RECEIPT_SECRET.encode()
    now = svc.clock.now()
    votes = []
    for i, code in enumerate(codes):
        identity = identify(code, verified="code", secret=voter, receipt_secret=receipt, year=bl.YEAR,
                            today=contest.local_day(now))
        votes.append(Vote.cast(contest, identity=identity, municipality=municipalities[i % len(municipalities)],
                               rating=1 + i % 5, comment=None, at=now, network=network_key(voter, "10.0.0.1")))
    options: dict[str, Any] = {"unchanged": (contest.id, contest.version)}
    if mode != "lone":
        options["group"] = True
    if mode == "unstored":
        svc.store.recorder.group_commit._write = _store_nothing
    errors: list[str] = []

    def write(mine: list[Any]) -> None:
        try:
            for vote in mine:
                svc.store.save(vote, **options)
        except Exception as e:  # reported
            errors.append(repr(e))

    workers = [threading.Thread(target=write, args=(votes[t * votes_each:(t + 1) * votes_each],))
               for t in range(threads)]
    time.sleep(max(0.0, start_at - time.time()))
    usage0, written0 = resource.getrusage(resource.RUSAGE_SELF), _written()
    cpu0, t0 = time.process_time(), time.perf_counter()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    usage, written = resource.getrusage(resource.RUSAGE_SELF), _written()
    commit = svc.store.recorder.group_commit
    out.put({"seconds": time.perf_counter() - t0, "cpu": time.process_time() - cpu0, "votes": len(votes),
             "user": usage.ru_utime - usage0.ru_utime, "system": usage.ru_stime - usage0.ru_stime,
             "switches": usage.ru_nvcsw - usage0.ru_nvcsw, "preempted": usage.ru_nivcsw - usage0.ru_nivcsw,
             "errors": errors[:3], "batches": commit.batches, "largest": commit.largest,
             "turn_s": commit.turn_seconds, "write_s": commit.write_seconds,
             "wchar": written[0] - written0[0], "syscw": written[1] - written0[1]})
    svc.close()


def run_writers(kind: str, mode: str, args: argparse.Namespace) -> dict[str, Any]:
    threads = args.writers // args.processes
    with bl.fresh_store(kind, f"ceiling-{kind}") as url:
        bl.prepare_contest(url)
        ctx = mp.get_context("spawn")
        out = ctx.Queue()
        start_at = time.time() + 12.0  # every process has made its votes by then
        procs = [ctx.Process(target=_writer_process, args=(url, mode, threads, args.votes_each,
                                                           p * threads * args.votes_each, start_at, out))
                 for p in range(args.processes)]
        load = bl.loadavg()
        for p in procs:
            p.start()
        found = [out.get(timeout=600) for _ in procs]
        for p in procs:
            p.join()
        from eventsourcing.utils import get_topic

        from domain.vote import Vote

        svc = bl.service(url)
        try:
            count = sum(1 for _ in svc.store.notifications(topics=[get_topic(Vote.Cast)]))
        finally:
            svc.close()
    votes = sum(f["votes"] for f in found)
    seconds = max(f["seconds"] for f in found)
    cpu = sum(f["cpu"] for f in found)
    batches, writing = sum(f["batches"] for f in found), sum(f["write_s"] for f in found)
    return {"votes": votes, "stored": count, "seconds": round(seconds, 3), "per_s": round(votes / seconds, 1),
            "cpu_ms_per_vote": round(1000 * cpu / votes, 3),
            "user_ms_per_vote": round(1000 * sum(f["user"] for f in found) / votes, 3),
            "system_ms_per_vote": round(1000 * sum(f["system"] for f in found) / votes, 3),
            "switches_per_vote": round(sum(f["switches"] for f in found) / votes, 2),
            "preempted_per_vote": round(sum(f["preempted"] for f in found) / votes, 2),
            # what the writer processes handed to write calls (_written)
            "written_kib_per_vote": round(sum(f["wchar"] for f in found) / 1024 / votes, 2),
            "write_calls_per_vote": round(sum(f["syscw"] for f in found) / votes, 2),
            "batches": batches, "mean_batch": round(votes / batches, 1) if batches else 0.0,
            # the batches' writes: ms each, and the share of the run some process spent writing one (summed over
            # the processes: on SQLite, whose writes take turns, at most 1: the write lock never idle)
            "write_ms_per_batch": round(1000 * writing / batches, 3) if batches else 0.0,
            "writing_share": round(writing / seconds, 2),
            "turn_ms_per_batch": round(1000 * sum(f["turn_s"] for f in found) / batches, 3) if batches else 0.0,
            "largest_batch": max(f["largest"] for f in found), "errors": [e for f in found for e in f["errors"]],
            "load_before": load}


# ----- the batched-insert ceiling of the database -----

def vote_rows(url_kind: str, count: int) -> list[tuple[Any, ...]]:
    """The stored rows of `count` real votes (Vote.cast + the store's mapper, as bench/dataset.py makes them)."""
    import dataset

    with bl.fresh_store(url_kind, "ceiling-rows") as url:
        bl.prepare_contest(url)
        dataset._init_worker(url)
        municipalities = [m.code for m in dataset._contest.municipalities]
        from datetime import datetime, timezone

        events = dataset._make_votes((0, bl.code_pool()[:count], municipalities,
                                      datetime.now(timezone.utc).isoformat(), 1000))
    return [(e.originator_id, e.originator_version, e.topic, e.state) for e in events]


def sqlite_ceiling(rows: list[tuple[Any, ...]], per_tx: int, total: int, repeats: int) -> dict[str, Any]:
    """One connection, the store's pragmas (WAL), `per_tx` rows a transaction: `total` rows (as many as a run of
    the writers stores) into a new table, `repeats` times, each time a new database (as each run of the writers
    has): the rate is all the rows over all the time. The rows' keys are spread as the votes' are (a vote's id is
    a uuid5 of its resident, domain/vote.py; pgbench's rows take gen_random_uuid()): each row goes to its own
    place in the key's index, as a vote's does. Counting keys (0, 1, 2, ...) would append to one page of the
    index instead, and a table grown far beyond the votes' would make each insert dearer (both measured:
    docs/BENCHMARKS.md)."""
    sql = "INSERT INTO stored_events VALUES (?,?,?,?)"
    key = random.Random(2026).getrandbits
    load = bl.loadavg()
    n, elapsed, cpu = 0, 0.0, 0.0
    for _ in range(repeats):
        with tempfile.TemporaryDirectory(dir=bl.DATA) as d:
            conn = sqlite3.connect(Path(d) / "ceiling.sqlite3", isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("CREATE TABLE stored_events (originator_id TEXT, originator_version INTEGER, topic TEXT, "
                         "state BLOB, PRIMARY KEY (originator_id, originator_version))")
            chunks = [[(f"{key(128):032x}", 1, r[2], r[3]) for r in rows[:per_tx]]
                      for _ in range(-(-total // per_tx))]
            cpu0, t0 = time.process_time(), time.perf_counter()
            for chunk in chunks:
                conn.execute("BEGIN")
                conn.executemany(sql, chunk)
                conn.execute("COMMIT")
            elapsed += time.perf_counter() - t0
            cpu += time.process_time() - cpu0
            n += sum(len(chunk) for chunk in chunks)
            conn.close()
    return {"rows": n, "seconds": round(elapsed, 3), "per_s": round(n / elapsed, 1),
            "cpu_ms_per_row": round(1000 * cpu / n, 4), "load_before": load}


def pg_ceiling(rows: list[tuple[Any, ...]], per_tx: int, clients: int, total: int, repeats: int) -> dict[str, Any]:
    """pgbench with a script of one INSERT of `per_tx` rows (a random slice of real vote states, fresh ids) into a
    copy of the events table (its primary key and notification_id index), `clients` connections: `total` rows (as
    many as a run of the writers stores, `-t` transactions a client) into the emptied table, `repeats` times; the
    rate is all the rows over all the time (each run's transactions over its tps)."""
    import psycopg

    pgbench = shutil.which("pgbench") or next((str(p) for p in Path("/usr/lib/postgresql").glob("*/bin/pgbench")),
                                              None)
    if pgbench is None:
        raise SystemExit("pgbench is missing (apt-get install postgresql-client)")
    each = max(1, -(-total // (per_tx * clients)))  # transactions a client
    with bl.pg_schema("ceiling") as schema, psycopg.connect(bl.pg_conninfo(), autocommit=True) as conn:
        conn.execute(f'CREATE TABLE "{schema}".states (n int PRIMARY KEY, topic text, state bytea)')
        with conn.cursor() as c:
            c.executemany(f'INSERT INTO "{schema}".states VALUES (%s, %s, %s)',
                          [(k, r[2], r[3]) for k, r in enumerate(rows)])
        conn.execute(f'CREATE TABLE "{schema}".stored_events (originator_id uuid NOT NULL, originator_version '
                     'bigint NOT NULL, topic text, state bytea, notification_id bigserial, PRIMARY KEY '
                     '(originator_id, originator_version)) WITH (autovacuum_enabled = false)')
        conn.execute(f'CREATE UNIQUE INDEX ON "{schema}".stored_events (notification_id ASC)')
        conn.execute(f'ANALYZE "{schema}".states')
        script = (f"\\set k random(0, {len(rows) - per_tx})\n"
                  f'INSERT INTO "{schema}".stored_events (originator_id, originator_version, topic, state) '
                  f'SELECT gen_random_uuid(), 1, topic, state FROM "{schema}".states WHERE n >= :k AND n < :k + '
                  f"{per_tx};\n")
        with tempfile.NamedTemporaryFile("w", suffix=".sql", dir=bl.DATA, delete=False) as f:
            f.write(script)
        load = bl.loadavg()
        n, elapsed, last = 0, 0.0, ""
        try:
            for _ in range(repeats):
                conn.execute(f'TRUNCATE "{schema}".stored_events RESTART IDENTITY')
                out = subprocess.run([pgbench, "-n", "-c", str(clients), "-j", str(clients), "-t", str(each),
                                      "-f", f.name, bl.pg_conninfo()], capture_output=True, text=True)
                if out.returncode != 0:
                    raise RuntimeError(f"pgbench failed: {out.stderr[-2000:]}")
                tps = next(float(line.split("=")[1].split()[0]) for line in out.stdout.splitlines()
                           if line.startswith("tps"))
                found = conn.execute(f'SELECT count(*) FROM "{schema}".stored_events').fetchone()
                n += found[0] if found else 0
                elapsed += each * clients / tps
                last = out.stdout
        finally:
            os.unlink(f.name)
    return {"rows_per_tx": per_tx, "clients": clients, "per_s": round(n / elapsed, 1), "rows": n,
            "seconds": round(elapsed, 3), "load_before": load, "pgbench": last.strip().splitlines()[-3:]}


# ----- the benchmark -----

def paired(kind: str, args: argparse.Namespace, rows: list[tuple[Any, ...]]) -> dict[str, Any]:
    names = ["grouped", "lone", "ceiling", "unstored"]
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name in names}
    for i in range(args.pairs):
        for name in names if i % 2 == 0 else list(reversed(names)):
            if name == "ceiling":
                total = args.writers * args.votes_each
                r = (sqlite_ceiling(rows, args.rows, total, args.repeats) if kind == "sqlite"
                     else pg_ceiling(rows, args.rows, args.clients, total, args.repeats))
            else:
                r = run_writers(kind, name, args)
            runs[name].append(r)
            cpu = (f"  cpu {r['cpu_ms_per_vote']:.3f} ms/vote (user {r['user_ms_per_vote']:.3f}, system "
                   f"{r['system_ms_per_vote']:.3f}; waits {r['switches_per_vote']:.1f}, preempted "
                   f"{r['preempted_per_vote']:.1f} a vote)") if "cpu_ms_per_vote" in r else ""
            extra = (f"  written {r['written_kib_per_vote']:.1f} KiB in {r['write_calls_per_vote']:.1f} calls a vote"
                     f"  batches {r['batches']} (mean {r['mean_batch']}, largest {r['largest_batch']}; written in "
                     f"{r['write_ms_per_batch']:.2f} ms, after {r['turn_ms_per_batch']:.2f} ms for the turn; writing "
                     f"{r['writing_share']:.2f} of the run)  stored {r['stored']}/{r['votes']}"
                     f"{'  ERRORS ' + str(r['errors']) if r['errors'] else ''}") if "batches" in r else ""
            print(f"  {kind} {name:<8} {r['per_s']:>9,.0f}/s{cpu}{extra}  load {r['load_before']}", flush=True)
    g, lone, c, alone = runs["grouped"], runs["lone"], runs["ceiling"], runs["unstored"]
    return {"runs": runs,
            "unstored": bl.spread([r["per_s"] for r in alone], 0),
            "unstored_cpu_ms": bl.spread([r["cpu_ms_per_vote"] for r in alone]),
            "unstored_of_ceiling": bl.spread([a["per_s"] / b["per_s"] for a, b in zip(alone, c, strict=True)]),
            "over_lone": bl.spread([a["per_s"] / b["per_s"] for a, b in zip(g, lone, strict=True)]),
            "of_ceiling": bl.spread([a["per_s"] / b["per_s"] for a, b in zip(g, c, strict=True)]),
            "grouped": bl.spread([r["per_s"] for r in g], 0), "lone": bl.spread([r["per_s"] for r in lone], 0),
            "ceiling": bl.spread([r["per_s"] for r in c], 0),
            "grouped_cpu_ms": bl.spread([r["cpu_ms_per_vote"] for r in g]),
            "lone_cpu_ms": bl.spread([r["cpu_ms_per_vote"] for r in lone])}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--store", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--pairs", type=int, default=3)
    parser.add_argument("--writers", type=int, default=32)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--votes-each", type=int, default=1000, help="votes per writer thread")
    parser.add_argument("--rows", type=int, default=100, help="rows per transaction of the ceiling")
    parser.add_argument("--clients", type=int, default=2, help="pgbench connections of the ceiling")
    parser.add_argument("--repeats", type=int, default=5,
                        help="a ceiling run: as many rows as a writers' run stores, this many times")
    args = parser.parse_args()
    bl.print_header("the store's write ceiling: grouped saves against lone ones and the batched-insert ceiling",
                    SCRIPT)
    print(f"   loadavg: {bl.loadavg()}", flush=True)
    stores = ["sqlite", "postgresql"] if args.store == "both" else [args.store]
    rows = vote_rows("sqlite", 4000)
    results = {}
    for kind in stores:
        print(f"-- {kind}: {args.pairs} rounds of grouped, lone, ceiling", flush=True)
        results[kind] = paired(kind, args, rows)
    print(f"\n== summary (votes/s, median [min-max]; targets: grouped >= {TARGET_OVER_LONE} x lone, >= "
          f"{TARGET_OF_CEILING} of the ceiling)")
    for kind, r in results.items():
        def f(s: dict[str, float], d: int = 0) -> str:
            return f"{s['median']:,.{d}f} [{s['min']:,.{d}f}-{s['max']:,.{d}f}]"
        print(f"  {kind:<10} grouped {f(r['grouped'])}/s (cpu {f(r['grouped_cpu_ms'], 3)} ms)  lone {f(r['lone'])}/s "
              f"(cpu {f(r['lone_cpu_ms'], 3)} ms)  ceiling {f(r['ceiling'])}/s   grouped/lone {f(r['over_lone'], 2)}  "
              f"grouped/ceiling {f(r['of_ceiling'], 2)}   unstored {f(r['unstored'])}/s (cpu "
              f"{f(r['unstored_cpu_ms'], 3)} ms, {f(r['unstored_of_ceiling'], 2)} of the ceiling)")
    print(f"   loadavg after: {bl.loadavg()}")
    print(f"   reproduce: {bl.command(SCRIPT)}")
    name = f"store_ceiling-{args.store}" + ("" if args.processes == 2 else f"-processes{args.processes}")
    path = bl.save_result(name, {"command": bl.command(SCRIPT), "machine": bl.machine(),
                                                          "args": vars(args), "results": results})
    print(f"   figures: {path.relative_to(bl.REPO)}")


if __name__ == "__main__":
    main()
