"""Moments in the mail's sentences (../shared/LATVIAN.md "Dates and times"): the date in the case the sentence
needs and the time written "plkst. 23.59", in the contest's time zone (contest/vote_link_mail.py). The language's
facts are domain.latvian's, which the pages use too (api/page_support.py)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from domain import latvian

EN_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
             "November", "December")


def lv_moment(at: datetime, case: str, tz: str = "Europe/Riga") -> str:
    """'2024. gada 15. septembrim plkst. 23.59' (dative), 'no 2024. gada 1. augusta plkst. 00.00' (genitive)."""
    moment = at.astimezone(ZoneInfo(tz))
    return f"{latvian.date_in(moment.date(), case)} {latvian.clock(moment)}"


def en_moment(at: datetime, tz: str = "Europe/Riga") -> str:
    """'15 September 2024, 23:59'."""
    moment = at.astimezone(ZoneInfo(tz))
    return f"{moment.day} {EN_MONTHS[moment.month - 1]} {moment.year}, {moment:%H:%M}"
