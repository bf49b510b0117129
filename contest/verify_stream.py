"""The streaming parts of `contest audit verify` (contest/verify.py): memory that does not grow with the history.

A national vote is a million single-event `Vote` aggregates. What the verifier must remember about each of them is
spilled to temporary files or kept only when something later names it:

* `binary_source`: the export as a seekable binary file (a caller's iterator of lines is spooled to a temporary file
  first), and a cheap first pass (`scan`) that decodes only the lines naming a quarantine, a reinstatement or a
  `…_through` position: which votes the replay must remember, and which positions' digests will be asked for.
* `ChainPositions`: the hash chain after each line, kept for a bounded ring of recent positions and for the
  positions asked for in advance; `digest_at(T)` answers "the chain after the last line at or before T".
* `Spill` (`VersionSpill`, `ResidentSpill`): (key, line, value, position) rows in hash-partitioned temporary
  files, read back one partition at a time at the end: one vote per resident (§4.6.6) and each aggregate's
  versions run 1, 2, 3, … are checked there, giving the findings an in-memory set or dict would give, at their
  lines.
"""

from __future__ import annotations

import hashlib
import io
import struct
import tempfile
from bisect import bisect_left
from collections import deque
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import IO, Any
from uuid import UUID

from contest.audit import GENESIS

SCAN_BLOCK = 1 << 20
NEVER = 1 << 63  # above any position


# ----- the file -----

def _is_binary_file(stream: Any) -> bool:
    return isinstance(stream, io.BufferedIOBase | io.RawIOBase) and stream.seekable()


@contextmanager
def binary_source(lines: Any) -> Iterator[IO[bytes]]:
    """`lines` as a seekable binary file positioned at its start: a binary file as it is, a text file opened on a
    real file through its buffer (when nothing was read from it yet), anything else (an iterator of str or bytes
    lines) spooled to a temporary file, one line per item."""
    if _is_binary_file(lines):
        lines.seek(0)
        yield lines
        return
    if isinstance(lines, io.TextIOWrapper) and lines.seekable() and lines.tell() == 0 \
            and _is_binary_file(lines.buffer):
        lines.buffer.seek(0)
        yield lines.buffer
        return
    with tempfile.TemporaryFile("w+b") as spool:
        for item in lines:
            data = item.encode("utf-8", "surrogatepass") if isinstance(item, str) else bytes(item)
            spool.write(data if data.endswith(b"\n") else data + b"\n")
        spool.seek(0)
        yield spool


def scan(f: IO[bytes], pattern: bytes) -> Iterator[bytes]:
    """Every line of `f` that contains `pattern`, in order, reading the file in blocks and searching them with
    bytes.find: nothing is done per line for the other lines."""
    rest = b""
    while True:
        chunk = f.read(SCAN_BLOCK)
        data = rest + chunk if rest else chunk
        if chunk:
            cut = data.rfind(b"\n") + 1
            data, rest = data[:cut], data[cut:]
        else:
            rest = b""
        i = data.find(pattern)
        while i != -1:
            start = data.rfind(b"\n", 0, i) + 1
            end = data.find(b"\n", i)
            end = len(data) if end == -1 else end
            yield data[start:end]
            i = data.find(pattern, end)
        if not chunk:
            return


# ----- the chain at positions -----

class ChainPositions:
    """The chain after each line, for `digest_at`: exactly what a dict position -> chain over every line would
    answer (the last line at the greatest position at or before T), for the positions wanted in advance (`want`),
    for every position from the greatest one read on, and for the `ring` most recent lines."""

    def __init__(self, ring: int = 16384) -> None:
        self._wanted: list[int] = []
        self._kept: dict[int, tuple[int, str]] = {}  # wanted T -> (position, chain) of its best line
        self._next = 0  # index in _wanted of the first T at or above the greatest position read
        self.next_wanted = NEVER  # that T
        self.top = (0, GENESIS)  # the line at the greatest position read (the latest of equals), or GENESIS
        self.top_position = 0
        self._start = (0, GENESIS)
        self.ring: deque[tuple[int, str]] = deque([self._start], maxlen=ring)

    def want(self, positions: Iterable[int]) -> None:
        """Positions whose digest will be asked for (closings' included_through, checkpoints), before reading."""
        assert self.top_position == 0 and len(self.ring) == 1, "wanted positions are registered before reading"
        self._wanted = sorted(set(self._wanted) | {p for p in positions if type(p) is int})
        self.next_wanted = self._wanted[0] if self._wanted else NEVER

    def record(self, position: int, chain: str) -> None:
        if position >= self.top_position:
            if position > self.next_wanted:
                self._pass(position)
            self.top = (position, chain)
            self.top_position = position
        else:
            self._out_of_order(position, chain)
        self.ring.append((position, chain))

    def _pass(self, position: int) -> None:
        """Every wanted T below `position` now has its best line: the top so far."""
        wanted, i = self._wanted, self._next
        while i < len(wanted) and wanted[i] < position:
            self._kept[wanted[i]] = self.top
            i += 1
        self._next = i
        self.next_wanted = wanted[i] if i < len(wanted) else NEVER

    def _out_of_order(self, position: int, chain: str) -> None:
        """A line below the top: it may be the best one of a T already passed."""
        for t in self._wanted[bisect_left(self._wanted, position):self._next]:
            if position >= self._kept[t][0]:
                self._kept[t] = (position, chain)

    def digest_at(self, position: int) -> str | None:
        """The chain after the last line at or before `position` (GENESIS before the first), or None when it was
        neither wanted in advance nor is among the recent lines (not known without reading the file again)."""
        if position >= self.top_position:
            return self.top[1]
        kept = self._kept.get(position)
        if kept is not None:
            return kept[1]
        if position < 0:
            return GENESIS
        best: tuple[int, str] | None = None
        for p, chain in self.ring:  # oldest first: a later line at the same position wins
            if p <= position and (best is None or p >= best[0]):
                best = (p, chain)
        if self.ring[0] is self._start:  # every line is still in the ring, GENESIS at position 0 too
            return best[1] if best else GENESIS
        oldest = self.ring[0][0]
        if best is not None and oldest <= position:  # the lines before the ring are below its oldest position
            return best[1]
        return None


# ----- keys spilled to disk -----

class Spill:
    """Rows (key, line, value, position) of a fixed-size key, packed into `partitions` temporary files by the
    key's first byte (keys are UUIDs or hashes: evenly spread) and read back one partition at a time, each in the
    order written. Memory: the write buffers (`partitions` x `flush_at` bytes) and one partition at the end.

    Hot callers append `row.pack(...)` to `buffers[key[0] & mask]` themselves and call `flush(p)` when it
    reaches `flush_at` (one C call and a bytearray append per row)."""

    def __init__(self, key_size: int, partitions: int = 64, flush_at: int = 1 << 16) -> None:
        self.row = struct.Struct(f"<{key_size}sIqq")
        self._keys = struct.Struct(f"<{key_size}s20x")
        self._values = struct.Struct(f"<{key_size + 4}xq8x")
        self.mask = partitions - 1
        assert partitions & self.mask == 0
        self.buffers = [bytearray() for _ in range(partitions)]
        self._files: list[IO[bytes] | None] = [None] * partitions
        self._odd: dict[int, list[tuple[bytes, int, int, int]]] = {}  # rows whose numbers do not fit
        self.flush_at = flush_at

    def add(self, key: bytes, line: int, value: int, position: int) -> None:
        p = key[0] & self.mask
        try:
            self.buffers[p] += self.row.pack(key, line, value, position)
        except struct.error:
            self.add_odd(key, line, value, position)
        if len(self.buffers[p]) >= self.flush_at:
            self.flush(p)

    def add_odd(self, key: bytes, line: int, value: int, position: int) -> None:
        self._odd.setdefault(key[0] & self.mask, []).append((key, line, value, position))

    def flush(self, p: int) -> None:
        f = self._files[p]
        if f is None:
            f = self._files[p] = tempfile.TemporaryFile("w+b")  # noqa: SIM115 (closed by close())
        f.write(self.buffers[p])
        self.buffers[p] = bytearray()

    def partition(self, p: int) -> bytes:
        """Partition p's packed rows."""
        f = self._files[p]
        if f is None:
            return bytes(self.buffers[p])
        f.seek(0)
        return f.read() + self.buffers[p]

    def rows(self, p: int, data: bytes | None = None) -> list[tuple[bytes, int, int, int]]:
        """Partition p's rows in the order written."""
        rows = list(self.row.iter_unpack(self.partition(p) if data is None else data))
        odd = self._odd.get(p)
        return sorted(rows + odd, key=lambda r: r[1]) if odd else rows

    def distinct_keys(self, data: bytes) -> set[tuple[bytes]]:
        return set(self._keys.iter_unpack(data))

    def distinct_values(self, data: bytes) -> set[tuple[int]]:
        return set(self._values.iter_unpack(data))

    def has_odd(self, p: int) -> bool:
        return bool(self._odd.get(p))

    def close(self) -> None:
        for f in self._files:
            if f is not None:
                f.close()
        self._files = [None] * len(self._files)
        self.buffers = [bytearray() for _ in self.buffers]


def hashed_key(value: Any, size: int) -> bytes:
    """A key of `size` bytes for a value not written in the expected form: a BLAKE2b hash of its repr (equal to
    a key made from the expected form only by a hash collision)."""
    return hashlib.blake2b(repr(value).encode("utf-8", "surrogatepass"), digest_size=size).digest()


def uuid_key(text: Any) -> bytes | None:
    """The 16 bytes of a UUID written in its canonical form (lowercase hex, 8-4-4-4-12), else None: one text, one
    key, as a dict keyed by the text would tell ids apart."""
    if type(text) is not str or len(text) != 36 or text[8] != "-" or text[13] != "-" or text[18] != "-" \
            or text[23] != "-" or not text.islower():
        return None
    try:
        raw = bytes.fromhex(text.replace("-", ""))
    except ValueError:
        return None
    return raw if len(raw) == 16 else None


class VersionSpill:
    """Each aggregate's versions run 1, 2, 3, … in file order (an event removed, added or repeated), checked at
    the end: the votes' rows (`votes`, a million single-event aggregates) spilled to disk, every other line's
    (`others`, a few hundred) on disk too, both by the aggregate's key (its UUID's bytes for an id in canonical
    form, else a hash of the id). A partition is read back in Python only when its votes' keys repeat, a vote is
    not at version 1, or another line shares a vote's aggregate; otherwise two C-level set builds clear it."""

    def __init__(self) -> None:
        self.votes = Spill(16)
        self.others = Spill(16, flush_at=1 << 12)
        self._names: dict[bytes, Any] = {}  # keys of ids not in canonical form -> the id as written

    def key(self, aggregate_id: Any) -> bytes:
        key = uuid_key(aggregate_id)
        if key is None:
            key = hashed_key(("aggregate", aggregate_id), 16)
            self._names[key] = aggregate_id
        return key

    def add(self, aggregate_id: Any, version: int, line: int, position: int) -> None:
        """A line that is not a vote on the fast path."""
        self.others.add(self.key(aggregate_id), line, version, position)

    def findings(self) -> Iterator[tuple[int, int, Any, int, int]]:
        """(line, position, aggregate id, expected, found) of each version out of its run, partition by partition
        (each in line order)."""
        for p in range(self.votes.mask + 1):
            votes = self.votes.partition(p)
            others = self.others.rows(p)
            if not self.votes.has_odd(p) and votes:
                keys = self.votes.distinct_keys(votes)
                plain = (len(keys) * self.votes.row.size == len(votes)
                         and self.votes.distinct_values(votes) == {(1,)}
                         and not keys & {(r[0],) for r in others})
                if plain:  # every vote is its aggregate's only event, at version 1
                    rows = others
                else:
                    rows = sorted(self.votes.rows(p, votes) + others, key=lambda r: r[1])
            else:
                rows = sorted(self.votes.rows(p, votes) + others, key=lambda r: r[1]) if votes else others
            last: dict[bytes, int] = {}
            for key, line, version, position in rows:
                previous = last.get(key, 0)
                if version != previous + 1:
                    name = self._names.get(key)
                    yield line, position, (str(UUID(bytes=key)) if name is None else name), previous + 1, version
                last[key] = max(version, previous)

    def close(self) -> None:
        self.votes.close()
        self.others.close()


class ResidentSpill:
    """One vote per resident and contest (§4.6.6): (resident key, year) pairs spilled to disk (34-byte keys: the
    key's 32 bytes and the year's two, or a hash for anything else); the second and later vote of each is found
    at the end, a partition read back in Python only when its keys repeat."""

    def __init__(self) -> None:
        self.spill = Spill(34)
        self._buffers, self._mask = self.spill.buffers, self.spill.mask  # the list is kept, its items replaced
        self._pack, self._flush_at = self.spill.row.pack, self.spill.flush_at

    def add(self, year: Any, resident_key: Any, line: int, position: int) -> None:
        key = None
        if type(year) is int and 0 <= year < 0xFFFF and type(resident_key) is str and len(resident_key) == 64 \
                and resident_key.islower():
            try:
                raw = bytes.fromhex(resident_key)
            except ValueError:
                raw = b""
            if len(raw) == 32:
                key = raw + year.to_bytes(2, "big")
        if key is None:
            key = hashed_key(("resident", year, resident_key), 34)
        p = key[0] & self._mask  # Spill.add, inline
        buffer = self._buffers[p]
        try:
            buffer += self._pack(key, line, 0, position)
        except struct.error:
            self.spill.add_odd(key, line, 0, position)
        if len(buffer) >= self._flush_at:
            self.spill.flush(p)

    def repeats(self) -> Iterator[tuple[int, int]]:
        """(line, position) of every vote after the first of its resident, partition by partition."""
        spill = self.spill
        for p in range(spill.mask + 1):
            data = spill.partition(p)
            if not spill.has_odd(p) and len(spill.distinct_keys(data)) * spill.row.size == len(data):
                continue
            seen: set[bytes] = set()
            for key, line, _, position in spill.rows(p, data):
                if key in seen:
                    yield line, position
                else:
                    seen.add(key)

    def close(self) -> None:
        self.spill.close()
