"""Moments in Latvian sentences (../shared/LATVIAN.md "Dates and times"), for the pages (api/page_support.py) and
the mail (contest/vote_link_mail.py): the date takes the case the sentence needs and the time is written
"plkst. 23.59", in the contest's time zone."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

# The months in the cases a Latvian sentence puts a date in.
LV_MONTHS = {
    "genitive": ("janvāra", "februāra", "marta", "aprīļa", "maija", "jūnija", "jūlija", "augusta", "septembra",
                 "oktobra", "novembra", "decembra"),  # "no …" (from)
    "dative": ("janvārim", "februārim", "martam", "aprīlim", "maijam", "jūnijam", "jūlijam", "augustam",
               "septembrim", "oktobrim", "novembrim", "decembrim"),  # "līdz …" (until)
}
EN_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
             "November", "December")


def lv_moment(at: datetime, case: str, tz: str = "Europe/Riga") -> str:
    """'2024. gada 15. septembrim plkst. 23.59' (dative), 'no 2024. gada 1. augusta plkst. 00.00' (genitive)."""
    moment = at.astimezone(ZoneInfo(tz))
    return f"{moment.year}. gada {moment.day}. {LV_MONTHS[case][moment.month - 1]} plkst. {moment:%H.%M}"


def en_moment(at: datetime, tz: str = "Europe/Riga") -> str:
    """'15 September 2024, 23:59'."""
    moment = at.astimezone(ZoneInfo(tz))
    return f"{moment.day} {EN_MONTHS[moment.month - 1]} {moment.year}, {moment:%H:%M}"
