"""Next year's contest, carried forward from an earlier one's recorded configuration.

What carries forward, and why:

- the jury's seats (§3.2.1, D1), the rule numbers (§3.2.3, §4.5, §4.6.7, §4.7, D10, D15), round 1's scoring
  parameters (D2-D7) and the questionnaire (§4.2, Annex): as the earlier contest has them now; the secretariat
  changes any of them (as events) until the round each affects starts (domain.config_changes);
- the vote window by the same calendar rule (§4.6.6, domain.window_rule): the earlier window as configured,
  before any early opening, closing or extension, moved to the new year on the local clock;
- the participants: every municipality that exists on the new contest's roster day (§3.3, domain.roster), not
  the earlier list;
- the title and the prizes' names with the new year in place of the earlier one;
- the prize fund and the main and theme prizes (§6, §7.1, §7.2), to be confirmed: the council decides them each
  year; supporters' prizes (§7.3) belong to their year and do not carry forward;
- the annual theme (§4.3) does not carry forward: each year has its own. The new contest has a placeholder that
  says so, marked to be confirmed; round 1 does not open until the theme and the prizes are confirmed
  (domain.setup, domain.transitions).

The working-day calendar (D17) is the new contest's own, recorded when it is created (contest/service.py).
Pure: the application reads the earlier contest from the store and the roster from its data file.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from domain.config import Prize, VotingWindow
from domain.errors import InvalidInput
from domain.roster import RosterEntry, roster_on
from domain.setup import CONFIRMABLE, ContestSetup
from domain.window_rule import WindowRule

#: The new contest's theme until the secretariat sets the year's own (§4.3).
THEME_TO_CONFIRM = {"title_lv": "Gada aktuālā tēma vēl nav apstiprināta",
                    "title_en": "The annual theme is not confirmed yet"}


def with_year(text: str, old: int, new: int) -> str:
    """`text` with the year `old` (as a whole number) replaced by `new`: "… Latvijā 2024" -> "… Latvijā 2027"."""
    return re.sub(rf"(?<!\d){old}(?!\d)", str(new), text)


def roster_day(window: VotingWindow) -> date:
    """The day a contest's roster is taken on (§3.3, domain.roster): the day its vote opens, in its time zone."""
    return window.opens_at.astimezone(ZoneInfo(window.timezone)).date()


def carried_prize(prize: Prize, old: int, new: int) -> dict[str, Any]:
    return {"id": prize.id, "name": with_year(prize.name, old, new), "amount_eur": prize.amount_eur,
            "kind": prize.kind, "sponsor": prize.sponsor}


def carry_forward(source: ContestSetup, year: int, roster: Sequence[RosterEntry]) -> dict[str, Any]:
    """The setup of the `year` contest carried forward from `source` (an earlier contest's current configuration)
    with the participants of `roster` on the new roster day. InvalidInput (422) when `year` is not after the
    source's, or the rule or the roster gives no valid window or participants for it."""
    if type(year) is not int or year <= source.year:
        raise InvalidInput({"year": [f"must be after {source.year}, the year of the contest it is carried "
                                     "forward from"]})
    rule = WindowRule.of(source.window, source.year)
    window = rule.for_year(year)
    day = roster_day(window)
    participants = roster_on(roster, day)
    if len(participants) < 2:
        raise InvalidInput({"municipalities": [f"the roster has {len(participants)} municipalities on "
                                               f"{day.isoformat()} (§3.3)"]})
    old = source.year
    data = {
        "year": year,
        "title": with_year(source.title, old, year),
        "municipalities": [m.to_dict() for m in participants],
        "jury": [s.to_dict() for s in source.jury],
        "theme": dict(THEME_TO_CONFIRM),
        "prizes": {"fund_eur": source.prizes.fund_eur,
                   "prizes": [carried_prize(p, old, year) for p in source.prizes.prizes if p.kind != "supporter"]},
        "window": window.to_dict(),
        "rules": source.rules.to_dict(),
        "scoring": dict(source.scoring),
        "questionnaire": dict(source.questionnaire) if source.questionnaire is not None else None,
        "unconfirmed": list(CONFIRMABLE),
        "origin": {"from_year": old, "window_rule": rule.describe(), "roster_day": day.isoformat()},
    }
    return ContestSetup.parse(data).to_dict()  # every part valid together, as Contest.create will find it
