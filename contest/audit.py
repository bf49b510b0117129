"""The audit trail's canonical form and its digest (RULES.md "Audit", D14).

Each stored event becomes one canonical JSON line: position, time, actor, type, aggregate id and version,
payload; keys sorted, no insignificant white space, UTF-8 (non-ASCII characters as they are, not escaped), numbers
as JSON numbers (integers without a decimal point, other numbers in the shortest form that reads back to the same
double), "time" as ISO 8601 UTC with "Z". The digest is a SHA-256 hash chain over those lines:

    h0 = SHA-256("contest-audit-v1")
    hi = SHA-256(hex(h(i-1)) + "\\n" + line_i)

so the digest at position p certifies every event up to p, in order: changing, removing, inserting or reordering
any earlier line changes it. docs/AUDIT.md describes the format for auditors.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Iterator
from datetime import datetime, timezone
from typing import Any

from eventsourcing.persistence import Notification

from contest.store import EventStore

GENESIS = hashlib.sha256(b"contest-audit-v1").hexdigest()
FORMAT = "contest-audit-v1"


def _instant(tagged: Any) -> str | None:
    """An instant from the payload's typed form ({"_type_": "datetime_iso", "_data_": ...}) as ISO 8601 Z."""
    if isinstance(tagged, dict) and tagged.get("_type_") == "datetime_iso":
        return datetime.fromisoformat(tagged["_data_"]).astimezone(timezone.utc).isoformat().replace("+00:00", "Z")
    return None


def dumps(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def record_from_state(position: int, topic: str, aggregate_id: Any, version: int, state: bytes) -> dict[str, Any]:
    """One event as an auditor reads it. The payload is the event's stored state, lossless: typed values keep the
    store's tags ({"_type_": "datetime_iso" | "date_iso" | "uuid_hex" | "decimal_str", "_data_": text}), so the
    same domain code can rebuild the event from the line alone."""
    payload = json.loads(state)
    at = _instant(payload.get("at")) or _instant(payload.get("timestamp"))
    return {
        "position": position,
        "time": at,
        "actor": payload.get("actor"),
        "type": topic,
        "aggregate_id": str(aggregate_id),
        "version": version,
        "payload": payload,
    }


def canonical_record(store: EventStore, notification: Notification) -> dict[str, Any]:
    return record_from_state(notification.id, notification.topic, notification.originator_id,
                             notification.originator_version, notification.state)


def chain_next(previous: str, line: str) -> str:
    return hashlib.sha256((previous + "\n" + line).encode("utf-8")).hexdigest()


def export_lines(store: EventStore, stop: int | None = None) -> Iterator[str]:
    """The export: one JSON line per event in global order, each with "chain", the hash after it. Streams (one
    event at a time). Each record is serialised once: its canonical line is hashed, and the `"chain"` member is
    inserted where sorted keys put it, after `aggregate_id` (what serialising the record with it gives)."""
    h = GENESIS
    for n in store.notifications(start=1, stop=stop):
        record = canonical_record(store, n)
        line = dumps(record)
        h = chain_next(h, line)
        cut = len(dumps({"actor": record["actor"], "aggregate_id": record["aggregate_id"]})) - 1
        yield f'{line[:cut]},"chain":"{h}"{line[cut:]}'


def line_without_chain(record: dict[str, Any]) -> str:
    """The canonical line of a parsed export record: the chain field removed, re-serialised canonically."""
    return dumps({k: v for k, v in record.items() if k != "chain"})


class AuditChain:
    """The running digest of a store's history, advanced incrementally (one process-wide cache)."""

    def __init__(self, store: EventStore) -> None:
        self.store = store
        self.position = 0
        self.digest = GENESIS
        self._lock = threading.Lock()

    def digest_through(self, position: int) -> str:
        """The chain hash after the last event at or before `position` (GENESIS for none). Positions may have
        gaps (PostgreSQL's sequence skips numbers of rolled-back inserts), which the chain does not see."""
        position = min(position, self.store.event_count())
        with self._lock:
            if position < self.position:
                self.position, self.digest = 0, GENESIS  # asked for the past: recompute from the start
            for n in self.store.notifications(start=self.position + 1, stop=position):
                self.digest = chain_next(self.digest, dumps(canonical_record(self.store, n)))
            self.position = max(self.position, position)
            return self.digest
