"""The processes' turns at the store's write lock (contest/writers_turn.py): one process of the host at a time holds
the turn, and a batch's leader (contest/group_commit.py) takes it before it takes
its batch, so the saves arriving while it waits for the turn are written with it, in one transaction."""

from __future__ import annotations

import multiprocessing as mp
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from eventsourcing.persistence import StoredEvent

from contest.group_commit import GroupCommit, Save
from contest.writers_turn import WritersTurn
from tests.support.reliability import wait_for


def _hold(path: str, held: Any, release: Any) -> None:
    with WritersTurn(path):
        held.set()
        release.wait(60)


def test_one_process_at_a_time_holds_the_turn(tmp_path: Path) -> None:
    path = str(tmp_path / "events.sqlite3.writers")
    ctx = mp.get_context("spawn")
    held, release = ctx.Event(), ctx.Event()
    other = ctx.Process(target=_hold, args=(path, held, release))
    other.start()
    try:
        assert held.wait(60)
        turn = WritersTurn(path)
        assert not turn.acquire(blocking=False)  # the other process holds it
        release.set()
        other.join(60)
        assert other.exitcode == 0
        with turn:  # let go with its holder
            assert not WritersTurn(path).acquire(blocking=False)
        again = WritersTurn(path)
        assert again.acquire(blocking=False)
        again.release()
    finally:
        release.set()
        other.join(60)


class HeldTurn:
    """A turn the test holds closed until it lets go; `waiting` is set once the leader waits for it."""

    def __init__(self) -> None:
        self.waiting, self.free = threading.Event(), threading.Event()

    def __enter__(self) -> None:
        self.waiting.set()
        assert self.free.wait(60)

    def __exit__(self, *exc: object) -> None:
        return None


def test_the_saves_arriving_while_the_leader_waits_for_its_turn_are_in_its_batch() -> None:
    batches: list[int] = []

    def write(batch: Sequence[Save], unchanged: Any) -> None:
        batches.append(len(batch))
        for n, save in enumerate(batch):
            save.ids = [n]

    turn = HeldTurn()
    commit = GroupCommit(write, turn=turn)
    events = [[StoredEvent(f"id-{n}", 1, "topic", b"{}")] for n in range(5)]
    threads = [threading.Thread(target=commit.submit, args=(e, None)) for e in events]
    threads[0].start()
    assert turn.waiting.wait(60)  # the first save's caller leads, and waits for the turn
    for t in threads[1:]:
        t.start()
    wait_for(lambda: len(commit._waiting) == 5, 60, "the other saves waiting")
    turn.free.set()
    for t in threads:
        t.join(60)
    assert batches == [5] and commit.batches == 1


def _busy(seconds: float) -> float:
    """Keep the thread busy (not sleeping) for at least `seconds`; return the time it took."""
    began = time.perf_counter()
    while time.perf_counter() - began < seconds:
        pass
    return time.perf_counter() - began


def test_the_leaders_time_for_the_turn_and_for_the_write_is_counted() -> None:
    """The figures bench/store_ceiling.py reports for each batch: its leader's wait for the turn, and its write."""
    spans: list[float] = []

    def write(batch: Sequence[Save], unchanged: Any) -> None:
        spans.append(_busy(0.001))  # a write that takes a measurable while
        for n, save in enumerate(batch):
            save.ids = [n]

    turn = HeldTurn()
    commit = GroupCommit(write, turn=turn)
    leader = threading.Thread(target=commit.submit, args=([StoredEvent("id-0", 1, "topic", b"{}")], None))
    leader.start()
    assert turn.waiting.wait(60)
    held = _busy(0.001)
    turn.free.set()
    leader.join(60)
    assert commit.batches == 1
    assert commit.turn_seconds >= held
    assert commit.write_seconds >= spans[0] >= 0.001
