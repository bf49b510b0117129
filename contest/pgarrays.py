"""One-dimensional PostgreSQL arrays in the binary wire format, made here for the group commit's batch
(contest/pgstore.py `write_batch`): one array per column of the batch's rows.

psycopg's own list dumpers are written in Python and find each list's element type afresh at every execute (for a
batch of three votes on one connection, 105 us of the client's CPU a call against 80 us with the arrays made here);
here each column is packed in one pass with `struct` and handed to psycopg as bytes of the array's type. The
format is PostgreSQL's `array_send`: the number of dimensions, a flag for NULLs (none here), the element type's
oid, the length and lower bound (1) of the one dimension, then each element as its length and its binary value.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Sequence
from typing import ClassVar
from uuid import UUID

import psycopg
from psycopg.adapt import Dumper
from psycopg.pq import Format

_HEAD = struct.Struct(">iiiii")  # dimensions, has NULLs, element oid, length, lower bound
_EMPTY = struct.Struct(">iii")  # an empty array has no dimension
_LEN = struct.Struct(">i")


class BinaryArray:
    """An array's binary value; its subclasses name the type."""

    __slots__ = ("data",)
    oid: ClassVar[int]
    element_oid: ClassVar[int]

    def __init__(self, data: bytes) -> None:
        self.data = data

    @classmethod
    def of(cls, values: Sequence[bytes]) -> BinaryArray:
        """The array of these elements' binary values."""
        if not values:
            return cls(_EMPTY.pack(0, 0, cls.element_oid))
        parts = [_HEAD.pack(1, 0, cls.element_oid, len(values), 1)]
        for value in values:
            parts.append(_LEN.pack(len(value)))
            parts.append(value)
        return cls(b"".join(parts))


class UuidArray(BinaryArray):
    __slots__ = ()
    oid, element_oid = 2951, 2950

    @classmethod
    def of_ids(cls, ids: Iterable[UUID]) -> BinaryArray:
        return cls.of([i.bytes for i in ids])


class TextArray(BinaryArray):
    __slots__ = ()
    oid, element_oid = 1009, 25

    @classmethod
    def of_text(cls, texts: Iterable[str]) -> BinaryArray:
        return cls.of([t.encode() for t in texts])


class ByteaArray(BinaryArray):
    __slots__ = ()
    oid, element_oid = 1001, 17


class IntegerArray(BinaryArray):
    """An array of integers of one width: each element is its width and its value, packed in one call."""

    __slots__ = ()
    code: ClassVar[str]  # struct's code of the element: "q" (8 bytes) or "i" (4)

    @classmethod
    def of_ints(cls, numbers: Sequence[int]) -> BinaryArray:
        n = len(numbers)
        if not n:
            return cls.of([])
        width = struct.calcsize(cls.code)
        return cls(_HEAD.pack(1, 0, cls.element_oid, n, 1)
                   + struct.pack(">" + ("i" + cls.code) * n,
                                 *[x for number in numbers for x in (width, number)]))


class BigintArray(IntegerArray):
    __slots__ = ()
    oid, element_oid, code = 1016, 20, "q"


class IntArray(IntegerArray):
    __slots__ = ()
    oid, element_oid, code = 1007, 23, "i"


def _register(array: type[BinaryArray]) -> None:
    class ArrayDumper(Dumper):
        format = Format.BINARY
        oid = array.oid

        def dump(self, obj: BinaryArray) -> bytes:  # type: ignore[override]
            return obj.data

    psycopg.adapters.register_dumper(array, ArrayDumper)


for _array in (UuidArray, TextArray, ByteaArray, BigintArray, IntArray):
    _register(_array)
