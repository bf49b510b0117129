"""The streaming parts of `contest audit verify` (contest/verify.py): memory that does not grow with the history.

A national vote is a million single-event `Vote` aggregates. What the verifier must remember about each of them is
spilled to temporary files or kept only when something later names it:

* `LineSource`: the export as a seekable binary file (a caller's iterator of lines is spooled to a temporary file
  first), and a cheap first pass (`scan`) that decodes only the lines naming a quarantine, a reinstatement or a
  `…_through` position: which votes the replay must remember, and which positions' digests will be asked for.
* `ChainPositions`: the hash chain after each line, kept for a bounded ring of recent positions and for the
  positions asked for in advance; `digest_at(T)` answers "the chain after the last line at or before T".
* `KeySpill`: (key, line, value, position) rows in hash-partitioned temporary files, read back one partition at a
  time at the end: one vote per resident (§4.6.6) and each aggregate's versions run 1, 2, 3, … are checked there,
  giving the findings an in-memory set or dict would give, at their lines.
* `VoteRow`: a `Vote.Cast` line's fields straight from its decoded payload, for the votes' fast path (what the
  library's mapper would rebuild, attribute for attribute).
"""

from __future__ import annotations

import hashlib
import io
import os
import struct
import tempfile
from bisect import bisect_left
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import IO, Any
from uuid import UUID

from contest.audit import GENESIS

SCAN_BLOCK = 1 << 20


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


def scan(f: IO[bytes], patterns: Iterable[bytes]) -> Iterator[tuple[int, bytes]]:
    """(line number, line) of every line of `f` that contains one of `patterns`, in order, reading the file in
    blocks and searching them with bytes.find (no per-line work for the other lines). Line numbers count from 1,
    as iterating the file does."""
    patterns = tuple(patterns)
    before = 0  # lines before `data`
    rest = b""
    while True:
        chunk = f.read(SCAN_BLOCK)
        if chunk:
            data = rest + chunk
            cut = data.rfind(b"\n") + 1
            if cut == 0:
                rest = data
                continue
            data, rest = data[:cut], data[cut:]
        else:
            data, rest = rest, b""
            if not data:
                return
        starts: dict[int, int] = {}
        for pattern in patterns:
            i = data.find(pattern)
            while i != -1:
                start = data.rfind(b"\n", 0, i) + 1
                end = data.find(b"\n", i)
                end = len(data) if end == -1 else end
                starts[start] = end
                i = data.find(pattern, end)
        for start in sorted(starts):
            yield before + data.count(b"\n", 0, start) + 1, data[start:starts[start]]
        before += data.count(b"\n")
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
        self.top = (0, GENESIS)  # the line at the greatest position read (the latest of equals), or GENESIS
        self._ring_size = ring
        self._ring_pos: list[int] = [0] * ring
        self._ring_chain: list[str] = [GENESIS] * ring
        self._ring_len = 1
        self._ring_at = 1

    def want(self, positions: Iterable[int]) -> None:
        """Positions whose digest will be asked for (closings' included_through, checkpoints), before reading."""
        wanted = sorted(set(self._wanted) | {int(p) for p in positions if isinstance(p, int)})
        assert self.top[0] == 0, "wanted positions are registered before the first line"
        self._wanted = wanted

    def record(self, position: int, chain: str) -> None:
        top_position = self.top[0]
        if position >= top_position:
            wanted = self._wanted
            i = self._next
            while i < len(wanted) and wanted[i] < position:  # T passed: its best line is the previous top
                self._kept[wanted[i]] = self.top
                i += 1
            self._next = i
            self.top = (position, chain)
        else:  # a line out of order: it may be the best one of a T already passed
            for t in self._wanted[bisect_left(self._wanted, position):self._next]:
                if position >= self._kept[t][0]:
                    self._kept[t] = (position, chain)
        at = self._ring_at
        self._ring_pos[at] = position
        self._ring_chain[at] = chain
        self._ring_at = (at + 1) % self._ring_size
        self._ring_len = min(self._ring_len + 1, self._ring_size)

    def digest_at(self, position: int) -> str | None:
        """The chain after the last line at or before `position` (GENESIS before the first), or None when it was
        neither wanted in advance nor is among the recent lines (not known without reading the file again)."""
        if position >= self.top[0]:
            return self.top[1]
        kept = self._kept.get(position)
        if kept is not None:
            return kept[1]
        if position < 0:
            return GENESIS
        best: tuple[int, int] | None = None  # (position, age) of the best recent line
        for age in range(self._ring_len):
            at = (self._ring_at - 1 - age) % self._ring_size
            p = self._ring_pos[at]
            if p <= position and (best is None or p > best[0]):
                best = (p, at)
        if self._ring_len < self._ring_size:  # every line is still in the ring (GENESIS at position 0 too)
            return self._ring_chain[best[1]] if best else GENESIS
        oldest = self._ring_pos[self._ring_at]
        if best is not None and best[0] >= oldest and oldest <= position:
            return self._ring_chain[best[1]]
        return None


# ----- keys spilled to disk -----

class KeySpill:
    """Rows (key, line, value, position) of a fixed-size key, written to `partitions` temporary files by the
    key's first byte (keys are hashes or UUIDs: evenly spread), and read back one partition at a time, each in
    the order written. Memory: the write buffers (`partitions` x `flush_at`) and one partition at the end."""

    def __init__(self, key_size: int, partitions: int = 64, flush_at: int = 1 << 15) -> None:
        self.row = struct.Struct(f"<{key_size}sqqq")
        self.key_size = key_size
        self._mask = partitions - 1
        assert partitions & self._mask == 0
        self._buffers = [bytearray() for _ in range(partitions)]
        self._files: list[IO[bytes] | None] = [None] * partitions
        self._odd: dict[int, list[tuple[bytes, int, int, int]]] = {}  # rows whose numbers do not fit 64 bits
        self._flush_at = flush_at
        self.rows = 0

    def add(self, key: bytes, line: int, value: int, position: int) -> None:
        p = key[0] & self._mask
        try:
            self._buffers[p] += self.row.pack(key, line, value, position)
        except struct.error:
            self._odd.setdefault(p, []).append((key, line, value, position))
        self.rows += 1
        if len(self._buffers[p]) >= self._flush_at:
            self._flush(p)

    def _flush(self, p: int) -> None:
        f = self._files[p]
        if f is None:
            f = self._files[p] = tempfile.TemporaryFile("w+b")  # noqa: SIM115 (closed by close())
        f.write(self._buffers[p])
        self._buffers[p] = bytearray()

    def partitions(self) -> Iterator[list[tuple[bytes, int, int, int]]]:
        """Each partition's rows in the order they were added (line order), one partition at a time."""
        for p in range(self._mask + 1):
            f = self._files[p]
            data = b""
            if f is not None:
                f.seek(0)
                data = f.read()
            data += self._buffers[p]
            rows = list(self.row.iter_unpack(data))
            odd = self._odd.get(p)
            if odd:
                rows = sorted(rows + odd, key=lambda r: r[1])
            if rows:
                yield rows

    def close(self) -> None:
        for f in self._files:
            if f is not None:
                f.close()
        self._files = [None] * len(self._files)
        self._buffers = [bytearray() for _ in self._buffers]


def uuid_bytes(text: Any) -> bytes | None:
    """The 16 bytes of a UUID written in its canonical form (lowercase hex, 8-4-4-4-12), else None."""
    if type(text) is not str or len(text) != 36 or text[8] != "-" or text[13] != "-" or text[18] != "-" \
            or text[23] != "-":
        return None
    digits = text[:8] + text[9:13] + text[14:18] + text[19:23] + text[24:]
    try:
        raw = bytes.fromhex(digits)
    except ValueError:
        return None
    return raw if len(raw) == 16 and raw.hex() == digits else None


def hashed_key(value: Any, size: int) -> bytes:
    """A key of `size` bytes for any other value: a BLAKE2b hash of its repr (equal to a key made from a canonical
    UUID or hex text only by a hash collision)."""
    return hashlib.blake2b(repr(value).encode("utf-8", "surrogatepass"), digest_size=size).digest()


class VersionSpill:
    """Each aggregate's versions run 1, 2, 3, … in file order (an event removed, added or repeated), checked at
    the end from a `KeySpill` (16-byte keys: the aggregate id's UUID bytes, or a hash of any other id text)."""

    def __init__(self) -> None:
        self.spill = KeySpill(16)
        self._names: dict[bytes, Any] = {}  # keys of ids not in canonical UUID form -> the id as written

    def add(self, aggregate_id: Any, version: int, line: int, position: int, key: bytes | None = None) -> None:
        if key is None:
            key = uuid_bytes(aggregate_id)
        if key is None:
            key = hashed_key(("aggregate", aggregate_id), 16)
            self._names[key] = aggregate_id
        self.spill.add(key, line, version, position)

    def findings(self) -> Iterator[tuple[int, int, Any, int, int]]:
        """(line, position, aggregate id, expected, found) of each version out of its run, partition by partition
        (each in line order)."""
        for rows in self.spill.partitions():
            last: dict[bytes, int] = {}
            for key, line, version, position in rows:
                previous = last.get(key, 0)
                if version != previous + 1:
                    name = self._names.get(key)
                    yield line, position, (str(UUID(bytes=key)) if name is None else name), previous + 1, version
                last[key] = max(version, previous)

    def close(self) -> None:
        self.spill.close()


class ResidentSpill:
    """One vote per resident and contest (§4.6.6): (year, resident key) pairs, the second and later of each found
    at the end from a `KeySpill` (34-byte keys: the year's two bytes and the key's 32, or a hash)."""

    def __init__(self) -> None:
        self.spill = KeySpill(34)

    def add(self, year: Any, resident_key: Any, line: int, position: int) -> None:
        key = None
        if type(year) is int and 0 <= year < 0xFFFF and type(resident_key) is str and len(resident_key) == 64:
            try:
                raw = bytes.fromhex(resident_key)
            except ValueError:
                raw = b""
            if len(raw) == 32 and raw.hex() == resident_key:
                key = year.to_bytes(2, "big") + raw
        if key is None:
            key = b"\xff\xff" + hashed_key(("resident", year, resident_key), 32)
        self.spill.add(key, line, 0, position)

    def repeats(self) -> Iterator[tuple[int, int]]:
        """(line, position) of every vote after the first of its resident, partition by partition."""
        for rows in self.spill.partitions():
            seen: set[bytes] = set()
            for key, line, _, position in rows:
                if key in seen:
                    yield line, position
                else:
                    seen.add(key)

    def close(self) -> None:
        self.spill.close()


# ----- a vote without the mapper -----

class VoteRow:
    """A `Vote.Cast` event as the mapper would rebuild it from its payload: the same attribute names and values
    (originator_id is made on demand: the fast path uses the id's bytes)."""

    __slots__ = ("actor", "at", "comment", "id_bytes", "municipality", "network", "originator_topic",
                 "originator_version", "rating", "receipt", "resident_key", "timestamp", "year")

    def __init__(self, id_bytes: bytes, version: int, payload: dict[str, Any], at: datetime,
                 timestamp: datetime) -> None:
        self.id_bytes = id_bytes
        self.originator_version = version
        self.year = payload["year"]
        self.resident_key = payload["resident_key"]
        self.municipality = payload["municipality"]
        self.rating = payload["rating"]
        self.comment = payload["comment"]
        self.receipt = payload["receipt"]
        self.network = payload["network"]
        self.actor = payload["actor"]
        self.originator_topic = payload["originator_topic"]
        self.timestamp = timestamp
        self.at = at

    @property
    def originator_id(self) -> UUID:
        return UUID(bytes=self.id_bytes)


VOTE_FIELDS = frozenset({"year", "resident_key", "municipality", "rating", "comment", "receipt", "network", "actor",
                         "at", "timestamp", "originator_topic"})


def vote_row(aggregate_id: Any, version: int, payload: Any) -> VoteRow | None:
    """The fast path's vote, or None when the payload is anything but the plain shape the service writes (then
    the line goes through the library's mapper, as every line once did)."""
    if type(payload) is not dict or payload.keys() != VOTE_FIELDS:
        return None
    id_bytes = uuid_bytes(aggregate_id)
    at = payload["at"]
    if id_bytes is None or type(at) is not dict or at.get("_type_") != "datetime_iso" or len(at) != 2:
        return None
    if type(payload["year"]) is not int or type(payload["rating"]) is not int \
            or type(payload["municipality"]) is not str:
        return None
    timestamp = payload["timestamp"]
    if type(timestamp) is not dict or timestamp.get("_type_") != "datetime_iso" or len(timestamp) != 2:
        return None
    try:
        return VoteRow(id_bytes, version, payload, datetime.fromisoformat(at["_data_"]),
                       datetime.fromisoformat(timestamp["_data_"]))
    except (TypeError, ValueError, KeyError):
        return None


def file_size(f: IO[bytes]) -> int | None:
    try:
        return os.fstat(f.fileno()).st_size
    except (OSError, AttributeError, io.UnsupportedOperation):
        return None
