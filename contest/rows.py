"""Stored events read as plain rows, for folding many of them quickly (rebuilding the read models).

The library's recorder turns each row into a `Notification` holding a `UUID` object, and its mapper turns each
state into a domain event through its transcoder: measured here at about 4.5 µs an event on top of reading the row
and decoding its JSON (docs/BENCHMARKS.md, "Replay"). Nearly the whole history is residents' votes (`Vote.Cast`),
of which the read models need six fields. So `RowReader` reads the rows with the recorder's own query but through
the bare driver, and `fold` hands each vote's fields straight to the votes view (`VotesView.cast`), while every
other event still goes through the library's mapper to its view's `apply`. Both ways give the same views
(tests/integration/test_rows.py compares them with a replay of domain events).

The shortcut is only taken when it is exact: the mapper neither encrypts nor compresses, `Vote.Cast` is at its
first class version (no upcasting), and the votes view is the only one that reads votes. Otherwise every row goes
through the mapper.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from typing import Any
from uuid import UUID

from eventsourcing.persistence import InterfaceError, Notification, OperationalError
from eventsourcing.utils import get_topic, retry

from contest.store import EventStore
from domain.vote import Vote
from projections.round2 import micros_of_iso

# position, originator id (as the store keeps it), originator version, topic, state
Row = tuple[int, Any, int, str, bytes]
CAST_TOPIC = get_topic(Vote.Cast)


class RowReader:
    """The events of some topics from a position on, in the store's order, as `Row`s; `id_bytes` turns a row's
    originator id into the UUID's 16 bytes."""

    def __init__(self, store: EventStore) -> None:
        recorder = store.recorder
        self.sqlite = store.store_url.startswith("sqlite")
        if self.sqlite:
            self._sql = ("SELECT rowid, originator_id, originator_version, topic, state FROM "
                         f"{recorder.events_table_name} WHERE rowid>=? AND rowid<=? AND topic IN ({{marks}}) "
                         "ORDER BY rowid LIMIT ?")
            self.id_bytes: Callable[[Any], bytes] = bytes.fromhex  # the SQLite recorder stores the UUID's hex
        else:
            from psycopg.sql import SQL, Identifier

            # uuid_send: the id's 16 bytes, so no UUID object is made per row
            self._pg_sql = SQL(
                "SELECT notification_id, uuid_send(originator_id), originator_version, topic, state FROM {0}.{1} "
                "WHERE notification_id>=%s AND notification_id<=%s AND topic = ANY(%s) "
                "ORDER BY notification_id LIMIT %s").format(Identifier(recorder.datastore.schema),
                                                           Identifier(recorder.events_table_name))
            self.id_bytes = bytes
        self.datastore = recorder.datastore

    def rows(self, start: int, stop: int, topics: Sequence[str], batch: int = 1000) -> Iterator[Row]:
        """Each query asks for one window of `batch` positions: its plan is a short index range scan whatever
        the planner's statistics say (PostgreSQL read a freshly loaded table with a bitmap scan and a sort of the
        whole remaining range, 100 times slower, while a LIMIT over the whole range was asked)."""
        position = start
        while position <= stop:
            last = min(stop, position + batch - 1)
            yield from self._select(position, last, list(topics), batch)
            position = last + 1

    def _select(self, start: int, stop: int, topics: list[str], limit: int) -> list[Row]:
        if self.sqlite:
            with self.datastore.transaction(commit=False) as c:
                c.execute(self._sql.format(marks=",".join("?" * len(topics))), (start, stop, *topics, limit))
                return [tuple(row) for row in c.fetchall()]  # type: ignore[misc]
        return self._select_pg(start, stop, topics, limit)

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)  # as the library's own reads
    def _select_pg(self, start: int, stop: int, topics: list[str], limit: int) -> list[Row]:
        from psycopg.rows import tuple_row

        with self.datastore.get_connection() as conn, conn.cursor(row_factory=tuple_row) as curs:
            curs.execute(self._pg_sql, (start, stop, topics, limit), prepare=True)
            return curs.fetchall()


def votes_shortcut(store: EventStore, dispatch: dict[str, list[Callable[[Any, int], None]]], votes_view: Any) -> bool:
    """Whether `fold` may read Vote.Cast rows itself (see the module's docstring)."""
    mapper = store.mapper
    return (mapper.cipher is None and mapper.compressor is None
            and getattr(Vote.Cast, "class_version", 1) == 1
            and dispatch.get(CAST_TOPIC) == [votes_view.apply])


class Progress:
    """Where a fold has got to: the position of the last event applied, and how many it applied."""

    __slots__ = ("applied", "position")

    def __init__(self, position: int) -> None:
        self.position = position
        self.applied = 0


def fold(rows: Iterator[Row], store: EventStore, dispatch: dict[str, list[Callable[[Any, int], None]]],
         votes_view: Any, id_bytes: Callable[[Any], bytes], progress: Progress) -> None:
    """Applies every row to the views (`dispatch`: topic -> the views' apply), moving `progress` after each
    event, so a store error part-way leaves it at the last event applied."""
    to_event = store.mapper.to_domain_event
    cast = votes_view.cast if votes_shortcut(store, dispatch, votes_view) else None
    decode = json.JSONDecoder().raw_decode  # the C scanner on the row's text, as json.loads without its checks
    for position, originator_id, version, topic, state in rows:
        if topic == CAST_TOPIC and cast is not None:
            d = decode(state.decode())[0]
            network = d.get("network")
            cast(id_bytes(originator_id), d["year"], d["municipality"], d["rating"], network,
                 micros_of_iso(d["at"]["_data_"]) if network else 0, bool(d.get("comment")))
        else:
            event = to_event(Notification(id=position, originator_id=UUID(bytes=id_bytes(originator_id)),
                                          originator_version=version, topic=topic, state=bytes(state)))
            for apply in dispatch[topic]:
                apply(event, position)
        progress.applied += 1
        progress.position = position
