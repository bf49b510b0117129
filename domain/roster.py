"""The roster of Latvian municipalities over time, and who takes part in a year's contest (§3.3).

Every Latvian municipality takes part, whether or not it sends data (§3.3), so a contest's participants are the
municipalities that exist in its year. Which ones exist changes by law: from 1 July 2021 the 7 state cities and
36 counties (43), and from 1 July 2025, when Varakļānu novads joined Madonas novads, 42 (RULES.md "Who"). The
roster is therefore data with validity dates (contest/presets/municipalities.csv), never a constant: each entry
is valid from its first day to its last (inclusive; none: still valid).

The roster's day for a contest (decided here, §3.3 with §4.6.6): the day the contest's residents' vote opens, in
the contest's time zone (1 August in the 2024 rules). The participants are the municipalities that residents rate
and the jury visits in the autumn; Latvian territorial changes take effect on 1 July after the municipal
elections (2021, 2025), so a municipality merged away in the contest's year would be gone before the vote, the
visits and the award. 1 January would put the 2025 contest's roster before the merger (43, with a participant
that no longer exists by round 2); the opening of the vote gives 42 for 2025 and later, and 43 for 2024 (the 2024
preset's list: a test holds them equal). The secretariat may still correct the list (`MunicipalitiesSet`) until
round 1 opens.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from domain.config import Municipality
from domain.errors import InvalidInput


@dataclass(frozen=True)
class RosterEntry:
    """A municipality as the law had it from `valid_from` to `valid_until` (inclusive; None: still valid)."""

    municipality: Municipality
    valid_from: date
    valid_until: date | None = None
    note: str = ""

    def valid_on(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_until is None or day <= self.valid_until)


def _day(value: object, key: str, errors: dict[str, list[str]]) -> date | None:
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        errors.setdefault(key, []).append("must be a date, YYYY-MM-DD")
        return None


def parse_roster(rows: Iterable[Mapping[str, object]]) -> tuple[RosterEntry, ...]:
    """The roster from rows of code, name, kind, valid_from, valid_until (may be empty) and note. One code may
    appear more than once (a renamed municipality), but never valid on the same day twice."""
    errors: dict[str, list[str]] = {}
    entries: list[RosterEntry] = []
    for i, row in enumerate(rows):
        where = f"roster[{i}]"
        try:
            municipality = Municipality.parse(row, where=where)
        except InvalidInput as e:
            for k, v in e.errors.items():
                errors.setdefault(k, []).extend(v)
            continue
        first = _day(row.get("valid_from"), f"{where}.valid_from", errors)
        last = _day(row.get("valid_until"), f"{where}.valid_until", errors)
        if first is None:
            errors.setdefault(f"{where}.valid_from", []).append("every entry has a first day")
            continue
        if last is not None and last < first:
            errors.setdefault(f"{where}.valid_until", []).append("must not be before valid_from")
            continue
        entries.append(RosterEntry(municipality, first, last, str(row.get("note") or "").strip()))
    for i, a in enumerate(entries):
        for b in entries[i + 1:]:
            if a.municipality.code == b.municipality.code and _overlap(a, b):
                errors.setdefault("roster", []).append(f"{a.municipality.code} is listed twice for the same days")
    if errors:
        raise InvalidInput(errors)
    return tuple(entries)


def _overlap(a: RosterEntry, b: RosterEntry) -> bool:
    a_end, b_end = a.valid_until or date.max, b.valid_until or date.max
    return a.valid_from <= b_end and b.valid_from <= a_end


def roster_on(entries: Sequence[RosterEntry], day: date) -> tuple[Municipality, ...]:
    """The municipalities that exist on `day`, in the roster's order (§3.3): a contest's participants when `day`
    is its roster's day (see the module's docstring)."""
    return tuple(e.municipality for e in entries if e.valid_on(day))
