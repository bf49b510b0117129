"""The processes' turns at the store's write lock for their vote batches (contest/group_commit.py), queued in the
kernel: an exclusive `flock` on a file of the host, taken by a batch's leader before it takes its batch and given
back once the batch is written.

Without it, of two processes writing batches, the one that found the lock taken waited the database's way.
SQLite makes it sleep and try again (its busy handler: 1, 2, 5, 10 ... ms), while the other held the lock for a
fraction of a millisecond, so the write lock stood idle between batches. PostgreSQL queues it on the table lock
(contest/pgstore.py), but with the batch it had when it started waiting. A process waiting here is woken the
moment the other lets go, and the votes its threads submitted meanwhile are in its batch: fewer, larger
transactions (bench/store_ceiling.py, docs/BENCHMARKS.md). The SQLite store takes it (contest/sqlitestore.py). The
PostgreSQL store does not: there the batches grew (13.7 saves against 8.7) but the votes/s fell (8,943 against
9,712), since a batch already queued inside the server starts the moment the other commits, without the round
trip a turn taken on the host adds.

The turn orders only the batches of one host's processes; the store's own lock still orders every write (other
hosts', and the saves of other commands, which take no turn), so correctness never depends on it. A process that
dies holding the turn lets go of it with its file.
"""

from __future__ import annotations

import fcntl
from typing import IO


class WritersTurn:
    """A context manager: the host's turn to write a batch, held inside `with` (by one thread of the process at a
    time: the group commit's leader). The file is opened for each turn and closed with it (two system calls a
    batch), so no descriptor outlives the store or crosses a fork."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._file: IO[str] | None = None

    def acquire(self, blocking: bool = True) -> bool:
        """Take the turn (waiting for it, the interpreter's lock released), or, not `blocking`, only if it is free."""
        file = open(self.path, "a")  # noqa: SIM115 (closed by release)
        try:
            fcntl.flock(file, fcntl.LOCK_EX if blocking else fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BaseException:
            file.close()
            if blocking:
                raise
            return False
        self._file = file
        return True

    def release(self) -> None:
        file, self._file = self._file, None
        assert file is not None
        file.close()  # lets go of the lock

    def __enter__(self) -> None:
        self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()
