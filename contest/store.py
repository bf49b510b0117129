"""The event store: the eventsourcing library's Application over SQLite (default) or PostgreSQL.

Why the library's own recorders (eventsourcing.sqlite / eventsourcing.postgres) rather than
eventsourcing-sqlalchemy: they are the fastest writers measured here (about 3,500 single-event aggregates/s on
SQLite against about 2,000/s through SQLAlchemy), they need no ORM layer between a vote and its INSERT, and the
same Application runs on both stores with one setting. Projections read the notification log (pull), which both
recorders provide; the PostgreSQL recorder could also push, but one code path serves both stores.

Each store's factory is the library's with a small subclass of its application recorder (contest/settings.py):
contest/sqlitestore.py and contest/pgstore.py check a conditional save (`save(..., unchanged=(id, version))`,
contest/guard.py) inside the insert's transaction, and the PostgreSQL one inserts in one round trip with the
library's table lock (and a pool that rides out a server restart).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date
from typing import Any
from uuid import UUID

from eventsourcing.application import Application, ProcessingEvent
from eventsourcing.persistence import JSONTranscoder, Notification, Recording, Transcoding

from contest.settings import eventsourcing_env


class DateAsISO(Transcoding):
    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: Any) -> date:
        assert isinstance(data, str)
        return date.fromisoformat(data)


class Collected(ProcessingEvent[UUID]):
    """The library's ProcessingEvent, collecting without its runtime Protocol checks: `isinstance` against a
    runtime-checkable Protocol inspects every attribute of the object, twice a save, which on Python 3.11 cost
    about a tenth of a vote's save (bench/store_ceiling.py). Everything the service saves is an aggregate of the
    domain (or None), so its pending events are taken directly."""

    def collect_events(self, *objs: Any, **kwargs: Any) -> None:
        for obj in objs:
            if obj is not None:
                self.events.extend(obj.collect_events())
                self.aggregates[obj.id] = obj
        self.saved_kwargs.update(kwargs)


class EventStore(Application):
    """All of a contest's aggregates live in one application, so its notification log is the global order
    auditors replay (RULES.md "Audit")."""

    name = "contest"
    log_section_size = 1000

    def __init__(self, store_url: str, extra_env: dict[str, str] | None = None) -> None:
        env = eventsourcing_env(store_url)
        env.update(extra_env or {})
        self.store_url = store_url
        super().__init__(env=env)

    def save(self, *objs: Any, **kwargs: Any) -> list[Recording[UUID]]:
        """The library's `Application.save` (record, snapshots, notify) with `Collected` as its processing
        event: the aggregates' pending events, recorded in one transaction; `kwargs` go to the recorder."""
        processing_event = Collected()
        processing_event.collect_events(*objs, **kwargs)
        recordings = self._record(processing_event)
        self._take_snapshots(processing_event)
        self._notify(recordings)
        return recordings

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(DateAsISO())

    def event_count(self) -> int:
        """The position of the last recorded event (0 when the store is empty)."""
        return self.recorder.max_notification_id() or 0

    def exists(self, aggregate_id: UUID) -> bool:
        """Whether an aggregate has any event (its first one: one lookup of the primary key)."""
        return bool(self.recorder.select_events(aggregate_id, lte=1, limit=1))

    def notifications(self, start: int = 1, stop: int | None = None, batch: int = 1000,
                      topics: Sequence[str] = ()) -> Iterator[Notification]:
        """Every stored event from position `start` (to `stop`, inclusive) in global order, read in batches;
        only those of `topics` when given."""
        position = start
        while True:
            rows = self.recorder.select_notifications(start=position, limit=batch, stop=stop, topics=topics)
            yield from rows
            if len(rows) < batch:
                return
            position = rows[-1].id + 1
