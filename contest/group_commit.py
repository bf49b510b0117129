"""Group commit: the saves that arrive together in one process are written in one transaction.

A residents' vote is one new aggregate, one row in the events table. Saved alone, each vote takes the table's lock
(PostgreSQL: LOCK TABLE ... IN EXCLUSIVE MODE, which keeps the global order for readers tailing the log; SQLite:
its one write lock) and its own commit, a WAL flush, one after the other: the lock is held through the flush, so
the service's votes/s is capped near 1 / (flush time) whatever the number of workers (docs/SCALING.md). Here a
save marked `group=True` (contest/guard.py `GROUP`, passed through `store.save(..., group=True)` to the recorder's
`insert_events`) is handed to the process's `GroupCommit`: one caller takes every save waiting at that moment
and writes them with one lock, one check of the contest's version and one commit, then wakes each caller
with its own result. Nothing waits on purpose: while one batch is being written, the next one gathers, so at a low
rate a batch is one save and costs what a lone save costs, and under load the batches grow with the load.

What each caller gets is what a lone save would have given it:

* its notification ids, only once the batch's transaction has committed (a vote is answered 201 after that, so a
  crash mid-batch loses no acknowledged vote: the transaction rolls back, and no caller was answered);
* `IntegrityError` if one of its rows is a duplicate (a resident who has voted: 409, §4.6.6, D10): its rows are
  left out, the other saves of the batch are written (the recorders do it without failing the batch:
  contest/pgstore.py, contest/sqlitestore.py);
* `AggregateChanged` if the aggregate its save is conditional on (`unchanged=`, the vote's contest) has changed:
  checked once per batch, inside the transaction after the lock, for every save of the batch at once (a batch
  only holds saves conditional on the same aggregate and version);
* the error of the batch's write, if the write itself failed (the store unreachable after the library's retries).

A save whose rows share a key with an earlier save of the batch (the same resident twice at once) waits for the
next batch, where it is refused as a duplicate or, if the earlier one was refused for another reason, written: two
saves of one batch never compete for a key. The saves of a save (a vote and its address claim, D15) are written
together or not at all.

The batch is written by one of the callers (GroupCommit: the leader, no thread of its own); when the process
dies, the transaction it had open dies with it and nothing of it is stored.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import weakref
from collections import deque
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from typing import Any

from eventsourcing.persistence import IntegrityError, StoredEvent

from contest.guard import AggregateChanged

MAX_BATCH = 512  # saves in one transaction: one statement's parameters stay small, and latency stays bounded
log = logging.getLogger("contest.group_commit")

Unchanged = tuple[Any, int] | None


class Save:
    """One caller's save: its stored events, the condition it is saved on, and (once written) its ids or error."""

    __slots__ = ("done", "error", "events", "ids", "leads", "unchanged")

    def __init__(self, events: Sequence[StoredEvent], unchanged: Unchanged) -> None:
        self.events = events
        self.unchanged = unchanged
        self.ids: list[int] = []
        self.error: BaseException | None = None
        self.leads = False  # woken to write the next batch, not with a result
        # Released to wake the caller (with its result, or to lead), acquired by its wait: a lock used as a
        # binary semaphore, two C calls where an Event's wait and set take a condition, a deque and a new lock.
        # A caller woken to lead is in the batch it writes, so its lock is released once more at that batch's
        # end, after its wait took the first release: never released while unlocked.
        self.done = threading.Lock()
        self.done.acquire()

    def keys(self) -> list[tuple[Any, int]]:
        return [(e.originator_id, e.originator_version) for e in self.events]

    def duplicate(self) -> None:
        self.error = IntegrityError("a row of this save is stored already (duplicate key)")


# Writes one batch in one transaction: sets each save's `ids`, or marks it `duplicate()`; raises AggregateChanged
# when the batch's condition fails (nothing stored), or any other error (nothing stored).
WriteBatch = Callable[[Sequence[Save], Unchanged], None]


class GroupCommit:
    """The group commit of one store in one process, shared by the process's threads.

    No thread of its own: the caller that finds no batch being written writes one (the leader), with its own save
    first and every save waiting then; the callers arriving meanwhile wait, each on its own event. When the
    leader's batch has committed it wakes each caller of the batch with its result and, if saves are waiting,
    the first of them to write the next batch; then it returns its own result. A batch is written by a thread
    that is awake and holds the interpreter's lock already, so a commit costs no hand-over to a writer thread
    (measured: a writer thread fed by a queue had to win the interpreter's lock back from the request threads
    after each commit, and took fewer votes/s than no grouping at all; docs/BENCHMARKS.md)."""

    def __init__(self, write: WriteBatch, max_batch: int = MAX_BATCH,
                 turn: AbstractContextManager[Any] | None = None) -> None:
        self._write = write
        self.max_batch = max_batch
        # held by the leader from before it takes its batch until the batch is written: the processes' turns at
        # the store's write lock (contest/writers_turn.py), so that the saves arriving while the leader
        # waits for its turn are in its batch
        self._turn: AbstractContextManager[Any] = turn if turn is not None else nullcontext()
        self._waiting: deque[Save] = deque()
        self._lock = threading.Lock()
        self._writing = False
        self.batches = 0  # written so far in this process, and the saves in them (for tests and benchmarks)
        self.saves = 0
        self.largest = 0
        self.turn_seconds = 0.0  # the leaders' time waiting for the turn, and writing their batches
        self.write_seconds = 0.0
        me = weakref.ref(self)
        os.register_at_fork(after_in_child=lambda: (lambda found: found and found._forked())(me()))

    def _forked(self) -> None:
        """A forked child has one thread: no batch is being written there, whatever the parent was doing."""
        self._waiting = deque()
        self._lock = threading.Lock()
        self._writing = False

    def submit(self, events: Sequence[StoredEvent], unchanged: Unchanged) -> list[int]:
        """Write `events` (one save: all or nothing) in the next batch; return their notification ids once it has
        committed, or raise what a lone save would have raised (IntegrityError, AggregateChanged, ...)."""
        save = Save(events, unchanged)
        with self._lock:
            self._waiting.append(save)
            leads = not self._writing
            self._writing = True
        if not leads:
            save.done.acquire()
            leads = save.leads
        if leads:
            self._lead()
        if save.error is not None:
            raise save.error
        return save.ids

    def _lead(self) -> None:
        """Write the next batch (the first waiting save is the leader's own), then hand over or stop writing."""
        began = time.perf_counter()
        with self._turn:
            self.turn_seconds += time.perf_counter() - began
            with self._lock:
                batch, unchanged = self._take()
            self.write(batch, unchanged)
        with self._lock:
            if self._waiting:
                following = self._waiting[0]
                following.leads = True
                following.done.release()
            else:
                self._writing = False

    def _take(self) -> tuple[list[Save], Unchanged]:
        """The next batch: the saves waiting now with the first one's condition, none sharing a key with another,
        at most max_batch, in the order they came; the others stay waiting. Called holding the lock."""
        unchanged = self._waiting[0].unchanged
        batch: list[Save] = []
        later: list[Save] = []
        keys: set[tuple[Any, int]] = set()
        while self._waiting and len(batch) < self.max_batch:
            save = self._waiting.popleft()
            mine = save.keys()
            if save.unchanged != unchanged or not keys.isdisjoint(mine):
                later.append(save)
                continue
            keys.update(mine)
            batch.append(save)
        self._waiting.extendleft(reversed(later))
        return batch, unchanged

    def write(self, batch: Sequence[Save], unchanged: Unchanged) -> None:
        """Write one batch and wake its callers, each with its own result."""
        began = time.perf_counter()
        try:
            self._write(batch, unchanged)
        except AggregateChanged as e:
            for save in batch:
                save.ids, save.error = [], AggregateChanged(e.originator_id, e.version)
        except BaseException as e:  # the callers raise it; the next batch is written all the same
            log.warning("group commit of %d saves failed: %s", len(batch), type(e).__name__)
            for save in batch:
                save.ids, save.error = [], e
        finally:
            self.write_seconds += time.perf_counter() - began
            self.batches += 1
            self.saves += len(batch)
            self.largest = max(self.largest, len(batch))
            for save in batch:
                save.leads = False
                save.done.release()
