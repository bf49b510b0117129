"""The outbox as a read model (domain/notification.py): every notification with where it stands, in the order it
was queued, and every visit notice recorded (§4.7.2), which the sender turns into notifications. The sender reads
what is due from here, the desk lists it; each decision is taken again on the aggregate when it is claimed."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from domain.notification import Notification, Progress
from domain.visit import Visit


@dataclass
class NotificationState:
    id: UUID
    kind: str
    year: int
    source: dict[str, Any]
    recipient: dict[str, Any]
    subject: str
    queued_at: datetime
    position: int
    progress: Progress = field(default_factory=Progress)
    message_id: str | None = None
    answer: str | None = None
    link_used_at: datetime | None = None


@dataclass(frozen=True)
class NoticeRef:
    """A recorded notice: the event (the visit's id and version) whose recipients are told."""

    visit: UUID
    version: int
    year: int
    municipality: str
    position: int


class NotificationsView:
    handles = (Notification.Queued, Notification.Attempting, Notification.Sent, Notification.Failed,
               Notification.GaveUp, Notification.LinkUsed, Visit.Scheduled, Visit.NoticeRecorded)

    def __init__(self) -> None:
        self.by_id: dict[UUID, NotificationState] = {}
        self.notices: list[NoticeRef] = []
        self._visits: dict[UUID, tuple[int, str]] = {}

    def apply(self, event: Any, position: int) -> None:
        if isinstance(event, Visit.Scheduled):
            self._visits[event.originator_id] = (event.year, event.municipality)
            return
        if isinstance(event, Visit.NoticeRecorded):
            year, municipality = self._visits[event.originator_id]
            self.notices.append(NoticeRef(event.originator_id, event.originator_version, year, municipality,
                                          position))
            return
        if isinstance(event, Notification.Queued):
            self.by_id[event.originator_id] = NotificationState(
                event.originator_id, event.kind, event.year, dict(event.source), dict(event.recipient), event.subject,
                event.at, position)
            return
        state = self.by_id[event.originator_id]
        p = state.progress
        if isinstance(event, Notification.Attempting):
            state.progress = p.attempting(event.attempt, event.sender, event.lease_until, event.at)
        elif isinstance(event, Notification.Sent):
            state.progress = p.sent(event.at)
            state.message_id, state.answer = event.message_id, f"{event.code} {event.answer}".strip()
        elif isinstance(event, Notification.Failed):
            state.progress = p.failed(event.error, event.next_attempt_at)
        elif isinstance(event, Notification.GaveUp):
            state.progress = p.gave_up(event.error)
        elif isinstance(event, Notification.LinkUsed):
            state.link_used_at = event.at

    def all(self, year: int | None = None) -> list[NotificationState]:
        """Every notification (of `year`), in the order they were queued."""
        return [s for s in self.by_id.values() if year is None or s.year == year]

    def due(self, now: datetime, sender: str | None = None) -> list[NotificationState]:
        """What a sender should try now (Progress.due), in the order it was queued."""
        return [s for s in self.by_id.values() if s.progress.due(now, sender)]
