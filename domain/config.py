"""The contest's configuration as value objects (RULES.md: "everything that varies by year is configuration").

Each part is parsed from plain JSON-like data (as stored in events) and validated here, so the same rules apply
whether a value comes from a preset, an API request or a replayed event. Malformed values raise ``InvalidInput``
naming the field; nothing here reads the clock or touches storage.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any, TypeGuard

from domain.errors import InvalidInput
from domain.identity import LEVELS as IDENTITY_LEVELS

ISO_CODE = re.compile(r"^LV-[A-Z0-9]{2,3}$")
SEAT_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
MUNICIPALITY_KINDS = ("valstspilsēta", "novads")


def _require(errors: dict[str, list[str]], ok: bool, key: str, message: str) -> None:
    if not ok:
        errors.setdefault(key, []).append(message)


def _text(value: object, *, max_len: int = 300) -> TypeGuard[str]:
    return isinstance(value, str) and 0 < len(value.strip()) <= max_len


@dataclass(frozen=True)
class Municipality:
    """A participant (§3.3): every Latvian municipality, identified by its ISO 3166-2 code."""

    code: str
    name: str
    kind: str

    @classmethod
    def parse(cls, data: Mapping[str, Any], where: str = "municipality") -> Municipality:
        errors: dict[str, list[str]] = {}
        _require(errors, isinstance(data.get("code"), str) and bool(ISO_CODE.match(data["code"])),
                 f"{where}.code", "must be an ISO 3166-2 code such as LV-RIX")
        _require(errors, _text(data.get("name"), max_len=100), f"{where}.name", "must be a non-empty name")
        _require(errors, data.get("kind") in MUNICIPALITY_KINDS, f"{where}.kind",
                 f"must be one of {', '.join(MUNICIPALITY_KINDS)}")
        if errors:
            raise InvalidInput(errors)
        return cls(code=data["code"], name=data["name"].strip(), kind=data["kind"])

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def parse_municipalities(items: Sequence[Mapping[str, Any]]) -> tuple[Municipality, ...]:
    """The participant list (§3.3); at least two, codes unique (the ranking of D6 needs N >= 2)."""
    errors: dict[str, list[str]] = {}
    result: list[Municipality] = []
    seen: set[str] = set()
    if not isinstance(items, Sequence) or isinstance(items, str | bytes) or len(items) < 2:
        raise InvalidInput({"municipalities": ["must be a list of at least two municipalities (§3.3, D6)"]})
    for i, item in enumerate(items):
        try:
            m = Municipality.parse(item if isinstance(item, Mapping) else {}, where=f"municipalities[{i}]")
        except InvalidInput as e:
            for k, v in e.errors.items():
                errors.setdefault(k, []).extend(v)
            continue
        _require(errors, m.code not in seen, f"municipalities[{i}].code", f"duplicate code {m.code}")
        seen.add(m.code)
        result.append(m)
    if errors:
        raise InvalidInput(errors)
    return tuple(result)


@dataclass(frozen=True)
class JurySeat:
    """A seat of the jury (§3.2.1, D1): an organisation's representative, with a voting flag and substitutes."""

    id: str
    organisation: str
    person: str
    voting: bool = True
    chair: bool = False
    substitutes: tuple[str, ...] = ()

    @classmethod
    def parse(cls, data: Mapping[str, Any], where: str = "seat") -> JurySeat:
        errors: dict[str, list[str]] = {}
        seat_id = data.get("id")
        _require(errors, isinstance(seat_id, str) and bool(SEAT_ID.match(seat_id)), f"{where}.id",
                 "must be 1-40 lowercase letters, digits or '-'")
        _require(errors, _text(data.get("organisation")), f"{where}.organisation", "must be non-empty")
        _require(errors, _text(data.get("person"), max_len=120), f"{where}.person", "must be non-empty")
        _require(errors, isinstance(data.get("voting", True), bool), f"{where}.voting", "must be true or false")
        _require(errors, isinstance(data.get("chair", False), bool), f"{where}.chair", "must be true or false")
        subs = data.get("substitutes", [])
        _require(errors, isinstance(subs, list) and all(_text(s, max_len=120) for s in subs),
                 f"{where}.substitutes", "must be a list of names")
        if errors:
            raise InvalidInput(errors)
        return cls(id=data["id"], organisation=data["organisation"].strip(), person=data["person"].strip(),
                   voting=data.get("voting", True), chair=data.get("chair", False),
                   substitutes=tuple(s.strip() for s in subs))

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["substitutes"] = list(self.substitutes)
        return d


def check_jury(seats: Iterable[JurySeat], quorum: int) -> None:
    """The roster as a whole (§3.2.1-§3.2.3, D1): unique ids, exactly one chair who votes (§3.2.2),
    and at least `quorum` voting seats, or the jury could never decide (§3.2.3)."""
    seats = list(seats)
    errors: dict[str, list[str]] = {}
    ids = [s.id for s in seats]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    _require(errors, not dupes, "jury", f"duplicate seat ids: {', '.join(dupes)}")
    chairs = [s for s in seats if s.chair]
    _require(errors, len(chairs) == 1, "jury", "exactly one seat must be the chair (§3.2.2)")
    _require(errors, all(s.voting for s in chairs), "jury", "the chair's seat must be a voting seat (§3.2.2)")
    voting = sum(1 for s in seats if s.voting)
    _require(errors, voting >= quorum, "jury",
             f"{voting} voting seats cannot reach the quorum of {quorum} (§3.2.3)")
    if errors:
        raise InvalidInput(errors)


@dataclass(frozen=True)
class Prize:
    """A nomination and its prize money (§6, §7.1-§7.3)."""

    id: str
    name: str
    amount_eur: int
    kind: str  # "main" (§7.1), "theme" (§7.2) or "supporter" (§7.3)
    sponsor: str | None = None

    KINDS = ("main", "theme", "supporter")

    @classmethod
    def parse(cls, data: Mapping[str, Any], where: str = "prize") -> Prize:
        errors: dict[str, list[str]] = {}
        _require(errors, isinstance(data.get("id"), str) and bool(SEAT_ID.match(data.get("id") or "")),
                 f"{where}.id", "must be 1-40 lowercase letters, digits or '-'")
        _require(errors, _text(data.get("name")), f"{where}.name", "must be non-empty")
        amount = data.get("amount_eur")
        _require(errors, type(amount) is int and 0 <= amount <= 10_000_000, f"{where}.amount_eur",
                 "must be a whole number of euros from 0 to 10,000,000")
        _require(errors, data.get("kind") in cls.KINDS, f"{where}.kind", f"must be one of {', '.join(cls.KINDS)}")
        sponsor = data.get("sponsor")
        _require(errors, sponsor is None or _text(sponsor), f"{where}.sponsor", "must be a name or null")
        if errors:
            raise InvalidInput(errors)
        return cls(id=data["id"], name=data["name"].strip(), amount_eur=data["amount_eur"], kind=data["kind"],
                   sponsor=sponsor)


@dataclass(frozen=True)
class Prizes:
    """The prize fund (§6) and the prizes paid from it (§7.1, §7.2); supporters' prizes (§7.3) are extra."""

    fund_eur: int
    prizes: tuple[Prize, ...]

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> Prizes:
        fund = data.get("fund_eur")
        if type(fund) is not int or not 0 <= fund <= 100_000_000:
            raise InvalidInput({"fund_eur": ["must be a whole number of euros"]})
        items = data.get("prizes")
        if not isinstance(items, list):
            raise InvalidInput({"prizes": ["must be a list"]})
        prizes = tuple(Prize.parse(p if isinstance(p, Mapping) else {}, f"prizes[{i}]")
                       for i, p in enumerate(items))
        errors: dict[str, list[str]] = {}
        ids = [p.id for p in prizes]
        _require(errors, len(ids) == len(set(ids)), "prizes", "prize ids must be unique")
        for kind in ("main", "theme"):
            _require(errors, sum(p.kind == kind for p in prizes) == 1, "prizes",
                     f"exactly one '{kind}' prize is required (§7.1, §7.2)")
        funded = sum(p.amount_eur for p in prizes if p.kind != "supporter")
        _require(errors, funded <= fund, "prizes",
                 f"the main and theme prizes ({funded} EUR) exceed the prize fund ({fund} EUR) (§6)")
        if errors:
            raise InvalidInput(errors)
        return cls(fund_eur=fund, prizes=prizes)

    def to_dict(self) -> dict[str, Any]:
        return {"fund_eur": self.fund_eur, "prizes": [asdict(p) for p in self.prizes]}


def parse_instant(value: object, key: str) -> datetime:
    """A UTC instant given as ISO 8601 with an offset (e.g. 2024-07-31T21:00:00Z); naive times are refused."""
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise InvalidInput({key: ["must be an ISO 8601 date-time with an offset"]}) from None
    else:
        raise InvalidInput({key: ["must be an ISO 8601 date-time with an offset"]})
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise InvalidInput({key: ["must carry a UTC offset (store UTC instants)"]})
    return parsed.astimezone(UTC)


def instant_str(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


@dataclass(frozen=True)
class VotingWindow:
    """The residents' vote window (§4.6.6): UTC instants; shown to people in `timezone` (Europe/Riga)."""

    opens_at: datetime
    closes_at: datetime
    timezone: str = "Europe/Riga"

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> VotingWindow:
        opens = parse_instant(data.get("opens_at"), "opens_at")
        closes = parse_instant(data.get("closes_at"), "closes_at")
        if closes <= opens:
            raise InvalidInput({"closes_at": ["must be after opens_at"]})
        tz = data.get("timezone", "Europe/Riga")
        if not _text(tz, max_len=64):
            raise InvalidInput({"timezone": ["must be an IANA time zone name"]})
        return cls(opens_at=opens, closes_at=closes, timezone=tz)

    def to_dict(self) -> dict[str, Any]:
        return {"opens_at": instant_str(self.opens_at), "closes_at": instant_str(self.closes_at),
                "timezone": self.timezone}


RULE_LIMITS: dict[str, tuple[int, int]] = {
    "quorum": (1, 50), "cut_size": (1, 100), "finalists_by_jury": (1, 20), "finalists_total": (1, 20),
    "notice_working_days": (0, 60), "briefing_days": (0, 60), "visit_max_hours": (1, 24),
    "visit_min_seats": (1, 50), "seat_min_visits": (1, 20), "vote_rating_min": (0, 10),
    "vote_rating_max": (1, 10), "vote_comment_max_chars": (0, 10_000),
}


@dataclass(frozen=True)
class Rules:
    """The numbers of the rules that are configuration (RULES.md: "every number above ... is configuration")."""

    quorum: int = 5                   # §3.2.3, D9
    cut_size: int = 10                # §4.5, D7
    finalists_by_jury: int = 4        # §4.6.7
    finalists_total: int = 5          # §4.6.7
    notice_working_days: int = 5      # §4.7.2
    briefing_days: int = 7            # §4.6.8
    visit_max_hours: int = 4          # §4.7.7
    visit_min_seats: int = 5          # §4.7.3
    seat_min_visits: int = 3          # §4.7.4
    vote_rating_min: int = 1          # D10
    vote_rating_max: int = 5          # D10
    vote_comment_max_chars: int = 1000  # D10 (bounded comment)
    vote_eligible: str = "all"        # D10: "all" participants, or "round2" only
    vote_identity: str = "code"       # D15: how a resident is verified, "code", "email" or "eid"


    @classmethod
    def parse(cls, data: Mapping[str, Any], base: Rules | None = None) -> Rules:
        """Parse a full or partial set of rule numbers over `base` (defaults)."""
        current = asdict(base or cls())
        errors: dict[str, list[str]] = {}
        for key, value in data.items():
            if key not in current:
                errors.setdefault(key, []).append("unknown rule setting")
            elif key == "vote_eligible":
                _require(errors, value in ("all", "round2"), key, "must be 'all' or 'round2' (D10)")
                current[key] = value
            elif key == "vote_identity":
                _require(errors, value in IDENTITY_LEVELS, key, "must be 'code', 'email' or 'eid' (D15)")
                current[key] = value
            else:
                lo, hi = RULE_LIMITS[key]
                ok = type(value) is int and lo <= value <= hi
                _require(errors, ok, key, f"must be a whole number from {lo} to {hi}")
                current[key] = value
        if not errors:
            _require(errors, current["finalists_by_jury"] < current["finalists_total"] <= current["cut_size"],
                     "finalists_total", "needs finalists_by_jury < finalists_total <= cut_size (§4.5, §4.6.7)")
            _require(errors, current["vote_rating_min"] < current["vote_rating_max"], "vote_rating_max",
                     "must be above vote_rating_min")
        if errors:
            raise InvalidInput(errors)
        return cls(**current)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Theme:
    """The annual theme (§4.3), judged in round 3 (§4.7.11)."""

    title_lv: str
    title_en: str

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> Theme:
        errors: dict[str, list[str]] = {}
        _require(errors, _text(data.get("title_lv")), "title_lv", "must be non-empty, at most 300 characters")
        _require(errors, _text(data.get("title_en")), "title_en", "must be non-empty, at most 300 characters")
        if errors:
            raise InvalidInput(errors)
        return cls(title_lv=data["title_lv"].strip(), title_en=data["title_en"].strip())

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
