"""The group commit's columns sent as binary arrays made by contest/pgarrays.py come back from PostgreSQL as the
values given: ids, versions, topics (any Unicode), states (any bytes) and save numbers, empty arrays too."""

from __future__ import annotations

import uuid

import psycopg

from contest.pgarrays import BigintArray, ByteaArray, IntArray, TextArray, UuidArray


def test_each_column_comes_back_as_given(postgres_server: str) -> None:
    ids = [uuid.uuid4() for _ in range(3)]
    with psycopg.connect(postgres_server.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as conn:
        row = conn.execute(
            "SELECT %b::uuid[], %b::bigint[], %b::text[], %b::bytea[], %b::int[], %b::int[], %b::text[]",
            (UuidArray.of_ids(ids), BigintArray.of_ints([1, -2, 2**40]),
             TextArray.of_text(["domain.vote:Vote.Cast", "Ģimenei draudzīgākā", ""]),
             ByteaArray.of([b"\x00{}", b"", bytes(range(256))]), IntArray.of_ints([0, 7, -1]),
             IntArray.of_ints([]), TextArray.of_text([]))).fetchone()
    assert row == (ids, [1, -2, 2**40], ["domain.vote:Vote.Cast", "Ģimenei draudzīgākā", ""],
                   [b"\x00{}", b"", bytes(range(256))], [0, 7, -1], [], [])
