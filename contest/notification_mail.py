"""The texts of the notifications' mail (domain/notification.py), Latvian first, then English, in one plain-text
message, as contest/vote_link_mail.py writes the vote's link: the visit's notice (its recorded texts, §4.7.2), the
jury's sign-in link (§3.2.1) and the reminder of a missing round-2 ballot (§4.6.4). Dates in the contest's time
zone, in the case the sentence needs (../shared/LATVIAN.md)."""

from __future__ import annotations

from datetime import datetime, timedelta

from contest.latvian import en_moment, lv_moment
from domain.latvian import count
from domain.notification import LINK_PLACEHOLDER

RULE = "-" * 70
JURY_PATH = "/komisija"
LINK_PATH = "/komisija/saite/"


def both(lv: str, en: str) -> str:
    return f"{lv.rstrip()}\n\n{RULE}\n\n{en.rstrip()}\n"


def notice_subject(municipality: str) -> str:
    return f"Paziņojums par vērtēšanas komisijas vizīti / Notice of the jury's visit: {municipality}"


def notice_body(text_lv: str, text_en: str) -> str:
    """The notice as recorded (Visit.NoticeRecorded's text_lv and text_en), nothing added."""
    return both(text_lv, text_en)


def link_url(public_url: str, token: str) -> str:
    return f"{public_url.rstrip('/')}{LINK_PATH}{token}"


def sign_in_mail(*, title: str, organisation: str, lifetime: timedelta) -> tuple[str, str]:
    """(subject, body) of a sign-in link's mail; the body holds LINK_PLACEHOLDER where the link goes when the mail
    is made (the link is never stored)."""
    hours = int(lifetime.total_seconds() // 3600)
    lv = f"""Labdien!

Ar šo vienreizējo saiti varat pieteikties konkursa “{title}” vērtēšanas komisijas lapās ({organisation}):

{LINK_PLACEHOLDER}

Saite ir derīga {count(hours, ("stundu", "stundas", "stundu"))} no šī e-pasta nosūtīšanas, un to var izmantot
vienu reizi. Ja saite ir beigusies vai jau izmantota, lūdziet konkursa sekretariātam jaunu. Saiti nevienam
nepārsūtiet: ar to var iesniegt Jūsu vietas vērtējumu.

Sabiedrības integrācijas fonds
"""
    en = f"""Hello,

With this one-time link you can sign in to the jury's pages of the contest “{title}” ({organisation}):

{LINK_PLACEHOLDER}

The link is valid for {hours} hours from the moment this mail was sent and can be used once. If it has expired
or been used, ask the contest's secretariat for a new one. Do not forward it: it lets its holder submit your
seat's scores.

Society Integration Foundation (Sabiedrības integrācijas fonds)
"""
    return "Pieteikšanās vērtēšanas komisijas lapās / Sign-in to the jury's pages", both(lv, en)


def reminder_mail(*, title: str, organisation: str, closes_at: datetime, tz: str, public_url: str) -> tuple[str, str]:
    """(subject, body) of the reminder to a voting seat whose round-2 ballot is missing (§4.6.4)."""
    pages = f"{public_url.rstrip('/')}{JURY_PATH}"
    lv = f"""Labdien!

Konkursa “{title}” 2. kārtas vērtējums no Jūsu vietas vērtēšanas komisijā ({organisation}) vēl nav iesniegts
(nolikuma 4.6.4. punkts).

Iedzīvotāju balsojums beidzas {lv_moment(closes_at, "locative", tz)} (Latvijas laikā), un pēc tam 2. kārtu var
noslēgt. Vērtējumu var iesniegt komisijas lapās: {pages}

Sabiedrības integrācijas fonds
"""
    en = f"""Hello,

The round-2 ballot of your seat on the jury of the contest “{title}” ({organisation}) has not been submitted yet
(rules §4.6.4).

The residents' vote closes on {en_moment(closes_at, tz)} (Latvian time), and round 2 may close after that. You
can submit the ballot on the jury's pages: {pages}

Society Integration Foundation (Sabiedrības integrācijas fonds)
"""
    return "Atgādinājums: 2. kārtas vērtējums / Reminder: the round-2 ballot", both(lv, en)
