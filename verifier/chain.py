"""The hash chain (docs/AUDIT.md "The digest"), kept for a bounded ring of recent positions plus pinned ones.

h0 = SHA-256("contest-audit-v1") hex; hi = SHA-256(h(i-1) + "\\n" + line_i) hex, where line_i is the exported
line's own text with its `"chain":"<64 hex>",` member cut out. In the canonical form (keys sorted) that member sits
between the `aggregate_id` member and the `payload` member; a line whose member is elsewhere is not canonical.
"""

from __future__ import annotations

import bisect
import hashlib
import json
import re
from collections import deque
from hashlib import sha256
from typing import Any

GENESIS = hashlib.sha256(b"contest-audit-v1").hexdigest()
_MEMBER = re.compile(r',"chain":"([0-9a-f]{64})","payload":')  # the same cut, as engine.py does it inline
RING = 65536


def cut_chain(text: str) -> tuple[str, str | None, bool]:
    """(the line without its chain member, the recorded chain, whether the member was where canonical form puts it)."""
    m = _MEMBER.search(text)
    if m and text.rfind('"aggregate_id":', 0, m.start()) > 0:
        return text[:m.start() + 1] + text[m.end() - len('"payload":'):], m.group(1), True
    return "", None, False


def canonical_without_chain(record: dict[str, Any]) -> str:
    """The fallback for a non-canonical line: re-serialised in canonical form without `chain`."""
    return json.dumps({k: v for k, v in record.items() if k != "chain"}, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False, allow_nan=False)


def step(previous: str, line: str) -> str:
    return hashlib.sha256((previous + "\n" + line).encode("utf-8")).hexdigest()


class Chain:
    """The running chain; answers "the digest through position T" for recent T and for pinned T."""

    def __init__(self, pinned: set[int] | None = None) -> None:
        self.value = GENESIS
        self.last_position: int | None = None
        self._ring: deque[tuple[int, str]] = deque(maxlen=RING)
        self._pinned = sorted(pinned or ())
        self._next_pin = 0
        self._pin_at = self._pinned[0] if self._pinned else 1 << 62
        self.pinned_digests: dict[int, str] = {}

    def advance(self, position: int | None, line: str) -> str:
        if position is not None and self._pinned and position > self._pin_at:
            while self._next_pin < len(self._pinned) and self._pinned[self._next_pin] < position:
                self.pinned_digests[self._pinned[self._next_pin]] = self.value
                self._next_pin += 1
            self._pin_at = self._pinned[self._next_pin] if self._next_pin < len(self._pinned) else 1 << 62
        self.value = value = sha256((self.value + "\n" + line).encode()).hexdigest()
        if position is not None:
            self._ring.append((position, value))
            self.last_position = position
        return value

    def finish(self) -> None:
        """Pins at or after the last position: those at it get the final digest; beyond the end stay unknown."""
        while self._next_pin < len(self._pinned):
            t = self._pinned[self._next_pin]
            if self.last_position is not None and t == self.last_position:
                self.pinned_digests[t] = self.value
            self._next_pin += 1

    def digest_through(self, through: int) -> str | None:
        """The chain after the last line at or before `through`, if still in the ring (None when unknown)."""
        if not self._ring:
            return GENESIS if through >= 0 else None
        positions = [p for p, _ in self._ring] if len(self._ring) < 64 else None
        if positions is None:
            i = _bisect_ring(self._ring, through)
        else:
            i = bisect.bisect_right(positions, through) - 1
        if i < 0:
            return None if len(self._ring) == self._ring.maxlen else GENESIS
        return self._ring[i][1]


def _bisect_ring(ring: deque[tuple[int, str]], through: int) -> int:
    lo, hi = 0, len(ring)
    while lo < hi:
        mid = (lo + hi) // 2
        if ring[mid][0] <= through:
            lo = mid + 1
        else:
            hi = mid
    return lo - 1
