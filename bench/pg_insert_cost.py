"""What one call of the group commit's batch costs on PostgreSQL, server and client, against a plain insert.

One connection, no concurrency: the cost of a call, not a throughput. In alternating pairs (`--pairs`), for each
batch size (`--sizes`):

  floor    one autocommitted, prepared `INSERT` of one row into the events table per vote (the same columns and
           stored bytes): the least a vote's row costs the server, one commit each
  ours     `LockedInsertRecorder.write_batch` of N votes (contest/pgstore.py): the pool's checkout, the columns as
           binary arrays (contest/pgarrays.py), the batch function (table lock, the contest's check, the insert),
           one commit for the N

and two comparisons of what the store was before, each measured in the same run:

  custom plans   the same batch function without `SET LOCAL plan_cache_mode = force_generic_plan` (PL/pgSQL's
                 default planned its insert afresh at every call)
  pool in turn   write_batch with psycopg_pool's own order of connections (first in, first out) instead of the
                 last one given back (contest/pgstore.py RecoveringPool)

Reported per vote: the server's CPU (user + system of every postgres process, from /proc, over the run), the
client's CPU (the calling thread's), and the wall time per call.

    .venv/bin/python bench/pg_insert_cost.py --pairs 3
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
import types
import uuid
from collections.abc import Callable
from pathlib import Path

import benchlib as bl

SCRIPT = "pg_insert_cost.py"
TOPIC = "domain.vote:Vote.Cast"
STATE = (b'{"year":2024,"municipality":"LV-RIX","rating":4,"comment":null,"receipt":"7K3M-Q9XA-B2RT",'
         b'"resident":"' + b"5" * 64 + b'","at":{"_type_":"datetime_iso","_data_":"2024-08-10T10:00:00+00:00"},'
         b'"network":"' + b"a" * 20 + b'"}')
TICK = os.sysconf("SC_CLK_TCK")


def server_cpu() -> float:
    """CPU seconds used so far by every postgres process of this machine."""
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if not (entry / "comm").read_text().startswith("postgres"):
                continue
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / TICK


def measure(call: Callable[[], None], calls: int, votes_per_call: int) -> dict[str, float]:
    for _ in range(min(200, calls)):
        call()
    s0, c0, w0 = server_cpu(), time.thread_time(), time.perf_counter()
    for _ in range(calls):
        call()
    wall, client, server = time.perf_counter() - w0, time.thread_time() - c0, server_cpu() - s0
    votes = calls * votes_per_call
    return {"server_us": 1e6 * server / votes, "client_us": 1e6 * client / votes,
            "wall_us_per_call": 1e6 * wall / calls}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pairs", type=int, default=3)
    parser.add_argument("--sizes", default="1,2,4,16")
    parser.add_argument("--votes", type=int, default=3000, help="votes per run")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    bl.print_header("one call of the vote's batch on PostgreSQL: server and client CPU per vote", SCRIPT)
    import psycopg_pool
    from eventsourcing.persistence import StoredEvent

    from contest.group_commit import Save
    from contest.pgstore import LockedInsertRecorder

    results: dict[str, list[dict[str, float]]] = {}
    with bl.fresh_store("postgresql", "insert-cost") as url:
        svc = bl.service(url)
        try:
            recorder: LockedInsertRecorder = svc.store.recorder
            pool = recorder.datastore.pool
            table = f'"{recorder.datastore.schema}"."{recorder.events_table_name}"'
            insert = f"INSERT INTO {table} (originator_id, originator_version, topic, state) VALUES (%s, 1, %s, %s)"
            with recorder.datastore.get_connection() as conn:
                source = conn.execute("SELECT pg_get_functiondef(%s::regprocedure)", (
                    f'"{recorder.datastore.schema}".{recorder.insert_batch_function_name}'
                    "(uuid[], bigint[], text[], bytea[], integer[], uuid, bigint)",)).fetchone()
                assert source is not None
                custom = source["pg_get_functiondef"].replace(
                    f"{recorder.insert_batch_function_name}(", f"{recorder.insert_batch_function_name}_custom(", 1
                ).replace("SET LOCAL plan_cache_mode = force_generic_plan;", "")
                conn.execute(custom)
            custom_call = recorder.insert_batch_call.replace(recorder.insert_batch_function_name,
                                                             recorder.insert_batch_function_name + "_custom")

            def floor() -> None:
                with recorder.datastore.get_connection() as c:
                    c.execute(insert, (uuid.uuid4(), TOPIC, STATE), prepare=True)

            def batch(n: int) -> Callable[[], None]:
                def call() -> None:
                    recorder.write_batch([Save([StoredEvent(uuid.uuid4(), 1, TOPIC, STATE)], None)
                                          for _ in range(n)], None)
                return call

            def with_custom_plans(n: int) -> Callable[[], None]:
                ours = recorder.insert_batch_call

                def call() -> None:
                    recorder.insert_batch_call = custom_call
                    try:
                        batch(n)()
                    finally:
                        recorder.insert_batch_call = ours
                return call

            def pool_in_turn(n: int) -> Callable[[], None]:
                def call() -> None:
                    pool._get_ready_connection = types.MethodType(  # type: ignore[method-assign]
                        psycopg_pool.ConnectionPool._get_ready_connection, pool)
                    try:
                        batch(n)()
                    finally:
                        del pool._get_ready_connection
                return call

            for pair in range(args.pairs):
                for n in sizes:
                    runs: list[tuple[str, Callable[[], None], int]] = [
                        ("floor", floor, 1), (f"ours {n}", batch(n), n),
                        (f"custom plans {n}", with_custom_plans(n), n), (f"pool in turn {n}", pool_in_turn(n), n)]
                    if pair % 2:
                        runs.reverse()
                    for name, call, per_call in runs:
                        r = measure(call, max(1, args.votes // per_call), per_call)
                        results.setdefault(name, []).append(r)
                        print(f"  {name:<18} server {r['server_us']:6.1f} us/vote  client {r['client_us']:6.1f} "
                              f"us/vote  wall {r['wall_us_per_call']:6.0f} us/call", flush=True)
        finally:
            svc.close()

    def spread(name: str, key: str) -> str:
        xs = [r[key] for r in results[name]]
        return f"{statistics.median(xs):.1f} [{min(xs):.1f}-{max(xs):.1f}]"

    print(f"\n== summary (median [min-max] of {args.pairs} runs each, per vote)")
    for name in results:
        print(f"  {name:<18} server {spread(name, 'server_us')} us  client {spread(name, 'client_us')} us  "
              f"wall/call {spread(name, 'wall_us_per_call')} us")
    print(f"   reproduce: {bl.command(SCRIPT)}")
    bl.save_result("pg_insert_cost", {"machine": bl.machine(), "results": results})


if __name__ == "__main__":
    main()

