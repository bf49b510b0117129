"""Bounded-memory bookkeeping for the million single-event vote aggregates: (key, position, line) records spilled
into hash-partitioned temporary files, each partition checked for repeats at the end (a partition holds a bounded
share of the keys: the number of partitions grows with the file's size); and, only with --board, the votes and the
board in a temporary sqlite3 file (standard library) with a small cache."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import tempfile
from collections.abc import Iterator

BATCH = 5000
WRITE_EVERY = 1 << 15  # lines read between two writes of the pending spill records (a few MB held at most)


KEYS_PER_PARTITION = 8192  # per 4 MB of export: about 2,000 events of 2 keys each, with room


class Spill:
    def __init__(self, file_size: int = 0, board: bool = False) -> None:
        self.board = board
        self.dir = tempfile.TemporaryDirectory(prefix="verifier-")
        self.parts = max(16, min(1024, file_size // (4 << 20)))
        self.files = [open(os.path.join(self.dir.name, f"{i}.txt"), "w", encoding="utf-8", buffering=1 << 16)  # noqa: SIM115
                       for i in range(self.parts)]
        fd, self.path = tempfile.mkstemp(prefix="verifier-", suffix=".sqlite3", dir=self.dir.name)
        os.close(fd)
        self.db = sqlite3.connect(self.path)
        for pragma in ("journal_mode=OFF", "synchronous=OFF", "cache_size=-4000", "temp_store=FILE"):
            self.db.execute(f"PRAGMA {pragma}")
        self.db.execute("CREATE TABLE votes (receipt TEXT, municipality TEXT, rating INTEGER, vote TEXT, "
                        "position INTEGER, line INTEGER)")
        self.db.execute("CREATE TABLE board (receipt TEXT, municipality TEXT, rating INTEGER, quarantined INTEGER, "
                        "line INTEGER)")
        self._votes: list[tuple[str, str, int, str, int | None, int]] = []
        # the records of each partition not yet written (the engine appends to them; `write` every WRITE_EVERY
        # lines writes each list as one string: one file write per partition instead of one per record)
        self.pending: list[list[str]] = [[] for _ in range(self.parts)]

    def key(self, kind: str, key: str, position: int | None, line: int) -> None:
        self.pending[hash(key) % self.parts].append(f"{kind}\t{key}\t{position}\t{line}\n")

    def write(self) -> None:
        """The pending records to their partitions' files."""
        for f, records in zip(self.files, self.pending, strict=True):
            if records:
                f.write("".join(records))
                records.clear()

    def vote(self, receipt: str, municipality: str, rating: int, vote: str, position: int | None, line: int) -> None:
        if not self.board:
            return
        self._votes.append((receipt, municipality, rating, vote, position, line))
        if len(self._votes) >= BATCH:
            self._flush()

    def _flush(self) -> None:
        if self._votes:
            self.db.executemany("INSERT INTO votes VALUES (?,?,?,?,?,?)", self._votes)
            self._votes.clear()

    def repeats(self) -> Iterator[tuple[str, str, int | None, int, int | None]]:
        """(kind, key, position, line, first position) of every record whose (kind, key) was seen at an earlier line."""
        self.write()
        for f in self.files:
            f.close()
        for i in range(self.parts):
            with open(os.path.join(self.dir.name, f"{i}.txt"), encoding="utf-8") as f:
                rows = f.read().splitlines()
            keys = [row.rsplit("\t", 2)[0] for row in rows]
            if len(set(keys)) == len(keys):  # the common case: no repeat in this partition
                continue
            first: dict[str, str] = {}
            for key, row in zip(keys, rows, strict=True):
                position, line = row.rsplit("\t", 2)[1:]
                seen = first.setdefault(key, position)
                if seen is not position:
                    kind, name = key.split("\t", 1)
                    yield kind, name, _int(position), int(line), _int(seen)

    def load_board(self, rows: Iterator[tuple[str, str, int, int, int]]) -> None:
        batch = []
        for row in rows:
            batch.append(row)
            if len(batch) >= BATCH:
                self.db.executemany("INSERT INTO board VALUES (?,?,?,?,?)", batch)
                batch.clear()
        self.db.executemany("INSERT INTO board VALUES (?,?,?,?,?)", batch)

    def board_differences(self, quarantined: set[str]) -> Iterator[tuple[str, tuple, tuple | None]]:
        """("missing", vote row, board row|None) for a vote not on the board as the history leaves it;
        ("extra", board row, None) for a board row that is no vote of the history."""
        self._flush()
        self.db.execute("CREATE TEMP TABLE q (vote TEXT PRIMARY KEY)")
        self.db.executemany("INSERT OR IGNORE INTO q VALUES (?)", [(v,) for v in quarantined])
        self.db.execute("CREATE INDEX board_receipt ON board (receipt)")
        self.db.execute("CREATE INDEX votes_receipt ON votes (receipt)")
        marked = "(CASE WHEN v.vote IN (SELECT vote FROM q) THEN 1 ELSE 0 END)"
        for row in self.db.execute(
                f"SELECT v.receipt, v.municipality, v.rating, {marked}, v.position, v.line, b.municipality, b.rating,"
                f" b.quarantined, b.line FROM votes v LEFT JOIN board b ON b.receipt = v.receipt"
                f" WHERE b.receipt IS NULL OR b.municipality != v.municipality OR b.rating != v.rating"
                f" OR b.quarantined != {marked} ORDER BY v.line"):
            board_row = None if row[6] is None else (row[0], row[6], row[7], row[8], row[9])
            yield "missing", row[:6], board_row
        for row in self.db.execute("SELECT b.receipt, b.municipality, b.rating, b.quarantined, b.line FROM board b"
                                   " WHERE NOT EXISTS (SELECT 1 FROM votes v WHERE v.receipt = b.receipt)"
                                   " ORDER BY b.line"):
            yield "extra", row, None

    def close(self) -> None:
        for f in self.files:
            f.close()
        self.db.close()
        with contextlib.suppress(OSError):
            self.dir.cleanup()


def _int(text: str) -> int | None:
    return None if text == "None" else int(text)
