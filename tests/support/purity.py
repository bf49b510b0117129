"""What domain/ may not import (DEVELOPERS.md: plain Python; RULES.md §4.7.2, D17: not `holidays`), read by the
static check of its sources and by the check of what importing it loads in a fresh interpreter."""

from __future__ import annotations

from tests.support import ROOT

DOMAIN = ROOT / "domain"
FORBIDDEN = ("flask", "sqlalchemy", "psycopg", "sqlite3", "eventsourcing.sqlite", "eventsourcing.postgres",
             "eventsourcing.persistence", "eventsourcing.application", "apscheduler", "marshmallow", "holidays")
