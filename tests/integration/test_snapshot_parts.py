"""The views' snapshot is stored in parts of 1 MiB and streamed through pickle (contest/projection_store.py:
saving or loading it never holds a second copy of the views), on both stores."""

from __future__ import annotations

import pickle
import random
from uuid import UUID

import pytest

from contest.projection_store import NAME, PART_BYTES, PartReader, PartWriter, ProjectionStore, SnapshotChanged
from contest.service import ContestService
from projections.views import Views


def big_views(votes: int, seed: int) -> Views:
    views = Views()
    rng = random.Random(seed)
    for i in range(votes):
        views.votes.cast(UUID(int=rng.getrandbits(128)).bytes, 2024, f"LV-{i % 43:03d}", 1 + i % 5,
                         f"{rng.getrandbits(64):016x}" if i % 3 else None, i * 1_000_000, i % 20 == 0)
    return views


def test_writer_and_reader_round_trip_a_stream_in_parts() -> None:
    data = random.Random(1).randbytes(3 * PART_BYTES + 12_345) + b"line one\nline two\n" + b"x" * 10
    parts: dict[int, bytes] = {}
    out = PartWriter(lambda n, chunk: parts.__setitem__(n, chunk))
    for start in range(0, len(data), 700_001):  # writes that straddle the parts' boundaries
        assert out.write(memoryview(data)[start:start + 700_001]) == len(data[start:start + 700_001])
    out.close()
    assert len(parts) == 4 and all(len(parts[n]) == PART_BYTES for n in range(3))
    assert b"".join(parts[n] for n in range(4)) == data

    reader = PartReader(lambda n: (7, "v", parts[n]) if n in parts else None, 7)
    assert reader.read(10) == data[:10]
    buffer = bytearray(2 * PART_BYTES)
    assert reader.readinto(buffer) == len(buffer) and bytes(buffer) == data[10:10 + len(buffer)]
    rest = data[10 + len(buffer):]
    head = rest[:rest.index(b"\n") + 1]
    assert reader.readline() == head
    assert reader.read() == rest[len(head):] and reader.read(5) == b""

    empty: dict[int, bytes] = {}
    writer = PartWriter(lambda n, chunk: empty.__setitem__(n, chunk))
    writer.close()
    assert empty == {0: b""}  # an empty stream still has its first part (the header row)


def test_a_snapshot_of_many_parts_loads_equal_to_what_was_saved(service: ContestService) -> None:
    views = big_views(120_000, seed=3)
    size = len(pickle.dumps(views, protocol=5))
    assert size > 2 * PART_BYTES
    snapshots = ProjectionStore(service.store)
    assert snapshots.save(views, 10)
    stored = [snapshots.recorder._part(NAME, n) for n in range(size // PART_BYTES + 2)]
    assert all(p is not None for p in stored[:-1]) and stored[-1] is None  # ceil(size / 1 MiB) rows
    loaded, position = snapshots.load()  # type: ignore[misc]
    assert position == 10
    assert loaded.votes.networks == views.votes.networks and bytes(loaded.votes._ids) == bytes(views.votes._ids)
    assert loaded.votes.tallies_all(2024) == views.votes.tallies_all(2024)
    assert snapshots.save(big_views(10, seed=4), 10) is False  # not past the recorded position: nothing written
    assert snapshots.load()[1] == 10  # type: ignore[index]


def test_a_snapshot_replaced_while_it_is_read_is_not_mixed_with_the_newer(service: ContestService) -> None:
    snapshots = ProjectionStore(service.store)
    assert snapshots.save(big_views(120_000, seed=5), 10)
    found = snapshots.recorder.load_snapshot(NAME)
    assert found is not None
    position, _, reader = found
    reader.read(100)  # the first part is read ...
    newer = big_views(1_000, seed=6)
    assert snapshots.save(newer, 20)  # ... then another process saves a newer snapshot
    with pytest.raises(SnapshotChanged):
        reader.read()
    loaded, position = snapshots.load()  # type: ignore[misc]
    assert position == 20 and bytes(loaded.votes._ids) == bytes(newer.votes._ids)
    snapshots.reset()
    assert snapshots.load() is None and snapshots.position() == 0
