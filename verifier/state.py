"""What the verifier keeps per contest: configuration, the round states, and small as-of logs (never per vote)."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

RECENT_VOTES = 65536


def typed(value: Any) -> Any:
    """Decode the export's typed values ({"_type_": "datetime_iso"|"date_iso"|…, "_data_": …})."""
    if isinstance(value, dict) and "_type_" in value:
        kind, data = value["_type_"], value.get("_data_")
        if kind == "datetime_iso":
            return parse_time(data)
        if kind == "date_iso":
            from datetime import date
            return date.fromisoformat(data)
        return data
    return value


def parse_time(text: Any) -> datetime | None:
    if isinstance(text, dict):
        return typed(text)
    if not isinstance(text, str):
        return None
    try:
        t = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return t if t.tzinfo else t.replace(tzinfo=timezone.utc)


@dataclass
class Contest:
    year: int
    aggregate: str
    setup: dict[str, Any]
    opens_at: datetime | None = None
    closes_at: datetime | None = None
    stage: str = "setup"
    round1_closed: dict[str, Any] | None = None
    round2_closed: dict[str, Any] | None = None
    round3_closed: dict[str, Any] | None = None
    approved: dict[str, Any] | None = None
    approved_position: int | None = None  # the approval's own line
    round3_position: int | None = None  # round 3's closing line
    saves: dict[str, list[tuple[int, dict[str, Any]]]] = field(default_factory=dict)
    tally: dict[str, list[int]] = field(default_factory=dict)  # every vote: municipality -> [count, sum]
    recent_votes: deque[tuple[int, str, int]] = field(default_factory=lambda: deque(maxlen=RECENT_VOTES))
    first_vote: int | None = None
    bindings: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    quarantine_log: list[tuple[int, str, list[str]]] = field(default_factory=list)
    quarantined: set[str] = field(default_factory=set)
    ballots: list[tuple[int, str, dict[str, int]]] = field(default_factory=list)
    decisions: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    visits: dict[str, str] = field(default_factory=dict)  # visit aggregate -> municipality
    attendance: list[tuple[int, str, dict[str, Any]]] = field(default_factory=list)
    scorecards: list[tuple[int, str, dict[str, Any]]] = field(default_factory=list)
    checkpoints: list[tuple[str, int, str, int]] = field(default_factory=list)  # kind, through, digest, position

    def __post_init__(self) -> None:
        window = self.setup.get("window") or {}
        self.opens_at = parse_time(window.get("opens_at"))
        self.closes_at = parse_time(window.get("closes_at"))
        self.resident_kind = f"resident {self.year}"
        self.changed()

    def changed(self) -> None:
        """After any contest event: refresh what every vote is checked against (kept, not recomputed per vote):
        (lowest rating, highest rating, the eligible municipalities (D10), the window as ISO UTC text (§4.6.6):
        opens_at <= at, and at before the end of the closing second (closes_at is the window's last second))."""
        rules = self.rules
        eligible = self.codes if rules.get("vote_eligible", "all") == "all" else self.round2_ten()
        never = "9999"
        since = self.opens_at.astimezone(timezone.utc).isoformat() if self.opens_at else never
        until = (self.closes_at + timedelta(seconds=1)).astimezone(timezone.utc).isoformat() if self.closes_at \
            else since
        self.vote_limits = (int(rules.get("vote_rating_min", 1)), int(rules.get("vote_rating_max", 5)),
                            frozenset(eligible), since, until)
        self.level = str(rules.get("vote_identity", "code"))  # D15

    @property
    def rules(self) -> dict[str, Any]:
        return self.setup.get("rules") or {}

    @property
    def codes(self) -> list[str]:
        return [m["code"] for m in self.setup.get("municipalities", [])]

    @property
    def jury(self) -> list[dict[str, Any]]:
        return self.setup.get("jury") or []

    def voting_seats(self) -> set[str]:
        return {s["id"] for s in self.jury if s.get("voting")}

    def chair(self) -> str | None:
        return next((s["id"] for s in self.jury if s.get("chair")), None)

    def round2_ten(self) -> list[str]:
        return list((self.round1_closed or {}).get("advancing") or [])

    def answers_through(self, through: int) -> dict[str, dict[str, Any]]:
        """Each municipality's answers as of `through`: the saves merged in order (a save names what it changes)."""
        out: dict[str, dict[str, Any]] = {}
        for municipality, saves in self.saves.items():
            merged: dict[str, Any] = {}
            for position, answers in saves:
                if position <= through:
                    merged.update(answers)
            out[municipality] = {k: v for k, v in merged.items() if v is not None}
        return out

    def counted_tally(self, through: int) -> dict[str, list[int]]:
        """The tally of the votes through `through`, without the votes in quarantine as of then."""
        tally = {m: list(v) for m, v in self.tally.items()}
        for position, municipality, rating in reversed(self.recent_votes):
            if position <= through:
                break
            tally[municipality][0] -= 1
            tally[municipality][1] -= rating
        return tally

    def quarantined_through(self, through: int) -> set[str]:
        held: set[str] = set()
        for position, kind, votes in self.quarantine_log:
            if position > through:
                break
            if kind == "quarantine":
                held.update(votes)
            else:
                held.difference_update(votes)
        return held
