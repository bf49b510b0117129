"""The list of contests held in this store (one `Contest` aggregate per year)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.contest import NAMESPACE

REGISTRY_ID = uuid5(NAMESPACE, "registry")


class Registry(Aggregate):
    @staticmethod
    def create_id() -> UUID:
        return REGISTRY_ID

    @event("Created")
    def __init__(self) -> None:
        self.years: list[int] = []

    def register(self, year: int, at: datetime) -> None:
        if year not in self.years:
            self._registered(year=year, at=at)

    @event("ContestRegistered")
    def _registered(self, year: int, at: datetime) -> None:
        self.years = sorted([*self.years, year])
