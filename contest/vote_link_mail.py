"""The mail with the one-time link of the `email` identity level (D15): Latvian first, then English, in one
plain-text message. It names what will be recorded (the municipality and the rating), the link, until when it is
good (in the contest's time zone, "līdz 2024. gada 20. augustam plkst. 12.30") and that nothing counts without
it. It never holds the personal code (the resident knows it; a mailbox is no place for it) or the receipt (shown
once the vote is recorded)."""

from __future__ import annotations

from datetime import datetime

from contest.latvian import en_moment, lv_moment

CONFIRM_PATH = "/balsot/apstiprinat/"
SUBJECT = "Apstipriniet savu balsi / Confirm your vote"


def link_url(public_url: str, token: str) -> str:
    """The link in the mail: the confirmation page under the service's public address (CONTEST_PUBLIC_URL)."""
    return f"{public_url.rstrip('/')}{CONFIRM_PATH}{token}"


def link_mail(*, contest_title: str, municipality: str, rating: int, link: str, expires_at: datetime,
              tz: str) -> tuple[str, str]:
    """(subject, body) of the mail."""
    body = f"""Labdien!

Konkursā "{contest_title}" saņemta balss, kurā norādīta šī e-pasta adrese:
pašvaldība {municipality}, vērtējums {rating}.

Balss tiks ieskaitīta tikai tad, kad to apstiprināsiet: atveriet šo saiti un nospiediet pogu "Apstiprināt balsi".

{link}

Saite ir derīga līdz {lv_moment(expires_at, "dative", tz)} (Latvijas laikā), un to var izmantot vienu reizi.
Ja šo balsi nenodevāt Jūs, neko nedariet: bez apstiprinājuma balss netiek ieskaitīta.

Sabiedrības integrācijas fonds

----------------------------------------------------------------------

Hello,

A vote giving this e-mail address was received in the contest "{contest_title}":
municipality {municipality}, rating {rating}.

The vote counts only once you confirm it: open this link and press the button "Confirm my vote".

{link}

The link is valid until {en_moment(expires_at, tz)} (Latvian time) and can be used once.
If you did not cast this vote, do nothing: without the confirmation no vote is counted.

Society Integration Foundation (Sabiedrības integrācijas fonds)
"""
    return SUBJECT, body
