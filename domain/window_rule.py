"""The residents' vote window as a calendar rule, to carry it into another year (§4.6.6).

§4.6.6 puts the vote "from the beginning of August to the middle of September"; a contest records its window as
two UTC instants (domain.config.VotingWindow), shown in its time zone (Europe/Riga). The rule behind a recorded
window is its two local wall-clock times: day, month and time of day in that zone (the 2024 preset: 1 August
00:00:00 to 15 September 23:59:59, Europe/Riga), each in the contest's year or a later one. Applied to another
year it gives the same wall-clock times there, turned into UTC instants with that year's offset (Riga keeps
summer time, UTC+3, from the last Sunday of March to the last Sunday of October, so an August opening at 00:00 is
21:00 UTC the day before, a December one 22:00 UTC). A wall-clock time the other year does not have (29 February;
an hour skipped by the change to summer time) is refused rather than moved.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from domain.config import VotingWindow
from domain.errors import InvalidInput

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")


@dataclass(frozen=True)
class WallTime:
    """A local wall-clock moment relative to a contest's year: `years_after` the contest's year (0: in it)."""

    month: int
    day: int
    at: time
    years_after: int = 0

    def in_year(self, year: int, tz: ZoneInfo, key: str) -> datetime:
        """This wall-clock time in the `year` contest, as a UTC instant; InvalidInput (naming `key`) if that
        year's calendar or clock has no such moment."""
        try:
            local = datetime(year + self.years_after, self.month, self.day, self.at.hour, self.at.minute,
                             self.at.second, tzinfo=tz)
        except ValueError:
            raise InvalidInput({key: [f"{year + self.years_after} has no {self.day}.{self.month}."]}) from None
        instant = local.astimezone(UTC)
        if instant.astimezone(tz).replace(tzinfo=None) != local.replace(tzinfo=None):  # skipped by summer time
            raise InvalidInput({key: [f"{local:%Y-%m-%d %H:%M} does not exist in {tz.key} (summer time)"]})
        return instant

    def describe(self) -> str:
        """E.g. "1 August 00:00:00" (", the next year" when it falls after the contest's year)."""
        later = {0: "", 1: ", the next year"}.get(self.years_after, f", {self.years_after} years later")
        return f"{self.day} {MONTHS[self.month - 1]}{later} {self.at:%H:%M:%S}"


@dataclass(frozen=True)
class WindowRule:
    """The calendar rule of a vote window: when it opens and closes on the local clock of `timezone`."""

    opens: WallTime
    closes: WallTime
    timezone: str

    @classmethod
    def of(cls, window: VotingWindow, year: int) -> WindowRule:
        """The rule behind the `year` contest's window."""
        tz = ZoneInfo(window.timezone)

        def wall(instant: datetime) -> WallTime:
            local = instant.astimezone(tz)
            return WallTime(local.month, local.day, local.time().replace(microsecond=0), local.year - year)

        return cls(opens=wall(window.opens_at), closes=wall(window.closes_at), timezone=window.timezone)

    def for_year(self, year: int) -> VotingWindow:
        """The window of the `year` contest by this rule, as UTC instants (DST-correct)."""
        tz = ZoneInfo(self.timezone)
        opens = self.opens.in_year(year, tz, "window.opens_at")
        closes = self.closes.in_year(year, tz, "window.closes_at")
        if closes <= opens:
            raise InvalidInput({"window.closes_at": ["must be after opens_at"]})
        return VotingWindow(opens_at=opens, closes_at=closes, timezone=self.timezone)

    def describe(self) -> str:
        """E.g. "1 August 00:00:00 to 15 September 23:59:59, Europe/Riga" (the 2024 preset's)."""
        return f"{self.opens.describe()} to {self.closes.describe()}, {self.timezone}"
