"""Stored histories for the benchmarks, made once under bench/.data/ and reused (gitignored).

A history is real events made by the service's own domain code: the 2024 preset, a vote window around the time
it was made, round 1 opened with 43 seeded submissions (contest.seeding), then N residents' votes with distinct
fake but valid personal codes (contest.residents; one in 20 with a comment), from 40,000 client networks (each
vote's keyed network hash, as the API records it), their instants spread over 20 hours of the window. Votes are
made by `Vote.cast` on the contest and turned into stored events by the store's own mapper in two worker
processes; the parent inserts them through the store's recorder in batches (what `store.save(*votes)` does, minus
its per-call bookkeeping).

    .venv/bin/python bench/dataset.py --votes 1000000     # bench/.data/history-v3-1000000.sqlite3 (~2 min once)

Other scripts call `history(n)` and `copy_events(...)` (a prefix of a history into a fresh SQLite file or
PostgreSQL schema, in batches through the recorder).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import shutil
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import benchlib as bl

SCRIPT = "dataset.py"
BATCH = 5_000
FULL = 1_000_000
COMMENTS = ("Labi bērnudārzi un bezmaksas pusdienas.", "Trūkst rotaļu laukumu.", "Atsaucīgs sociālais dienests.",
            "Ļoti laba ārpusskolas izglītība.", "Pabalsts jaundzimušajiem varētu būt lielāks.")


NETWORKS = 40_000  # distinct client networks (/24) the votes come from
SPREAD_SECONDS = 20 * 3600  # the votes' instants are spread over this much of the vote window
# of the data set's shape: 2 = votes carry network keys and distinct instants; 3 = the vote secrets are bound to the
# contest before its first vote (Contest.VoteSecretsBound, D10), as the service's first vote does
VERSION = 3


def history_path(votes: int) -> Path:
    return bl.DATA / f"history-v{VERSION}-{votes}.sqlite3"


def meta_path(path: Path) -> Path:
    return path.with_suffix(".json")


def read_meta(path: Path) -> dict[str, Any] | None:
    meta = meta_path(path)
    if path.exists() and meta.exists():
        return json.loads(meta.read_text())
    return None


# ----- vote making in worker processes -----

_contest: Any = None
_mapper: Any = None
_secrets: tuple[bytes, bytes] = (b"", b"")


def _init_worker(store_url: str) -> None:
    global _contest, _mapper, _secrets
    svc = bl.service(store_url)
    _contest = svc.contest(bl.YEAR)
    _mapper = svc.store.mapper
    _secrets = (bl.VOTER_SECRET.encode(), bl.RECEIPT_SECRET.encode())
    svc.close()


def _make_votes(job: tuple[int, list[str], list[str], str, int]) -> list[Any]:
    """Stored events of one batch of votes, made by the domain code (Vote.cast) and the store's mapper."""
    from datetime import datetime, timedelta

    from eventsourcing.persistence import StoredEvent

    from contest.network import network_key
    from domain.identity import identify
    from domain.vote import Vote

    start, codes, municipalities, at_text, step_us = job
    at0 = datetime.fromisoformat(at_text)
    stored: list[StoredEvent] = []
    for i, code in enumerate(codes, start):
        n = (i * 7919) % NETWORKS
        address = f"10.{n >> 8}.{n & 255}.{1 + i % 200}"
        at = at0 + timedelta(microseconds=i * step_us)
        identity = identify(code, verified="code", secret=_secrets[0], receipt_secret=_secrets[1], year=bl.YEAR,
                            today=_contest.local_day(at))
        vote = Vote.cast(_contest, identity=identity, municipality=municipalities[(i * 7) % len(municipalities)],
                         rating=1 + (i * 13) % 5, comment=COMMENTS[i % len(COMMENTS)] if i % 20 == 0 else None,
                         at=at, network=network_key(_secrets[0], address))
        for event in vote.collect_events():
            s = _mapper.to_stored_event(event)
            stored.append(StoredEvent(s.originator_id, s.originator_version, s.topic, s.state))
    return stored


# ----- building -----

def build(votes: int) -> dict[str, Any]:
    """Make history-N.sqlite3 (if missing) and return its description."""
    path = history_path(votes)
    found = read_meta(path)
    if found is not None:
        return found
    from datetime import datetime, timezone

    from contest.seeding import generate_answers
    from domain.actors import Actor, system_actor

    bl.ensure_dirs()
    tmp = path.with_name(path.name + ".building")
    bl.remove_sqlite(tmp)
    url = bl.sqlite_url(tmp)
    t0 = time.perf_counter()
    print(f"building {path.relative_to(bl.REPO)}: {votes:,} votes ...", flush=True)
    svc = bl.service(url)
    svc.ensure_contest("2024", bl.YEAR, actor=system_actor("bench"))
    bl.open_window_now(svc, hours=24)
    sec = Actor(**bl.SECRETARIAT)
    svc.open_round1(bl.YEAR, actor=sec)
    contest = svc.contest(bl.YEAR)
    codes = [m.code for m in contest.municipalities]
    for code, answers in generate_answers(contest.questionnaire, codes, seed=2024).items():
        svc.round1.save_answers(bl.YEAR, code, answers, actor=Actor(role="municipality", principal=code,
                                                                     municipality=code))
    round2_under_way(svc, sec)
    svc.round2.bind_vote_secrets(bl.YEAR)  # what the first vote's command records before the vote (D10)
    contest = svc.contest(bl.YEAR)
    prefix = svc.event_count()
    pool = bl.code_pool()[:votes]
    at = datetime.now(timezone.utc).isoformat()
    step_us = SPREAD_SECONDS * 1_000_000 // max(votes, 1)
    jobs = [(s, pool[s:s + BATCH], codes, at, step_us) for s in range(0, votes, BATCH)]
    recorder = svc.store.recorder
    done = 0
    with multiprocessing.get_context("fork").Pool(2, initializer=_init_worker, initargs=(url,)) as workers:
        for stored in workers.imap(_make_votes, jobs):
            recorder.insert_events(stored)
            done += len(stored)
            if done % 100_000 < BATCH:
                print(f"  {done:,} votes ({done / (time.perf_counter() - t0):,.0f}/s)", flush=True)
    events = svc.event_count()
    svc.close()
    with sqlite3.connect(tmp) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    bl.remove_sqlite(path)
    tmp.rename(path)
    bl.remove_sqlite(tmp)
    meta = {"path": str(path.relative_to(bl.REPO)), "votes": votes, "events": events, "prefix_events": prefix,
            "build_seconds": round(time.perf_counter() - t0, 1), "bytes": path.stat().st_size}
    meta_path(path).write_text(json.dumps(meta, indent=2) + "\n")
    print(f"  {events:,} events in {meta['build_seconds']} s ({path.stat().st_size / 2**20:,.0f} MiB)", flush=True)
    return meta


def round2_under_way(svc: Any, sec: Any) -> None:
    """Round 1 closed (the cut of D7), the window opened by the scheduler's own command, every voting seat's
    ballot cast (§4.6.4, D8) and an interim result published (D10): the contest as it stands on the evening of
    the vote, so that the standings compute the finalists as things stand and the results are public."""
    from domain.actors import Actor, system_actor

    svc.round1.close(bl.YEAR, actor=sec)
    svc.round2.reconcile(bl.YEAR, actor=system_actor("clock"))
    contest = svc.contest(bl.YEAR)
    round2 = contest.round2_municipalities
    for i, seat in enumerate(contest.voting_seats):
        order = round2[i % len(round2):] + round2[:i % len(round2)]
        points = dict.fromkeys(round2, 0) | dict(zip(order[:5], (5, 4, 3, 2, 1), strict=True))
        reasons = {m: "Citām pašvaldībām ģimenēm piedāvāts vairāk." for m, p in points.items() if p == 0}
        svc.round2.cast_ballot(bl.YEAR, seat.id, points, reasons, cast_by=None,
                               actor=Actor(role="juror", principal=seat.id, seat=seat.id))
    svc.round2.publish_interim(bl.YEAR, actor=sec, reason="benchmark: the interim result is public")


def stored_events(source_url: str, stop: int, batch: int = BATCH) -> Iterator[list[Any]]:
    """The events at positions 1..stop of a store, as StoredEvent batches (for re-insertion elsewhere)."""
    from eventsourcing.persistence import StoredEvent

    src = bl.service(source_url)
    try:
        position = 1
        while position <= stop:
            rows = src.store.recorder.select_notifications(start=position, limit=batch, stop=stop)
            if not rows:
                return
            yield [StoredEvent(r.originator_id, r.originator_version, r.topic, r.state) for r in rows]
            position = rows[-1].id + 1
    finally:
        src.close()


def copy_events(source_url: str, target_url: str, stop: int) -> int:
    """Copy events 1..stop of one store into another (empty) one through its recorder; returns how many.

    On PostgreSQL the table is then analysed, as autovacuum does after a large change: without statistics the
    planner takes the freshly loaded table for a few dozen rows and reads every batch of the replay with a bitmap
    scan and a sort of the whole remaining range (64 ms a batch instead of 0.7 ms, measured)."""
    target = bl.service(target_url)
    copied = 0
    try:
        for batch in stored_events(source_url, stop):
            target.store.recorder.insert_events(batch)
            copied += len(batch)
        if not target_url.startswith("sqlite"):
            recorder = target.store.recorder
            with recorder.datastore.get_connection() as conn:
                conn.execute(f'ANALYZE "{recorder.datastore.schema}"."{recorder.events_table_name}"')
    finally:
        target.close()
    return copied


@contextmanager
def votes_store(votes: int, kind: str, name: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """A fresh store of `kind` holding everything of the 1M history up to its `votes`-th vote; yields (store URL,
    how it was loaded). SQLite: a copy of a cached file (the prefix is cut once); PostgreSQL: a fresh schema
    filled through the recorder in batches."""
    source = build(FULL)
    src_url = bl.sqlite_url(bl.REPO / source["path"])
    stop = source["prefix_events"] + votes
    with bl.fresh_store(kind, name) as url:
        t0 = time.perf_counter()
        if kind == "sqlite":
            prefix_copy = bl.DATA / f"history-v{VERSION}-{FULL}-first-{votes}.sqlite3"
            cached = bl.REPO / source["path"] if votes >= FULL else prefix_copy
            if not cached.exists():
                tmp = cached.with_name(cached.name + ".building")
                bl.remove_sqlite(tmp)
                copy_events(src_url, bl.sqlite_url(tmp), stop)
                with sqlite3.connect(tmp) as conn:
                    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                tmp.rename(cached)
                bl.remove_sqlite(tmp)
            shutil.copyfile(cached, url.removeprefix("sqlite:///"))
            copied = min(stop, source["events"])
        else:
            copied = copy_events(src_url, url, stop)
        yield url, {"events": copied, "votes": min(votes, source["votes"]),
                    "load_seconds": round(time.perf_counter() - t0, 1), "loaded_by": "file copy" if kind == "sqlite"
                    else "recorder.insert_events, 5,000 a batch"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--votes", type=int, default=1_000_000)
    args = parser.parse_args()
    print(f"command: {bl.command(SCRIPT)}")
    print(json.dumps(build(args.votes), indent=2))


if __name__ == "__main__":
    main()
