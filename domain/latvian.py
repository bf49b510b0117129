"""Facts of the Latvian language that sentences are built with (../shared/LATVIAN.md): the cases a date takes in a
sentence, the time written 'plkst. 23.59', the three plural forms, the decimal comma. Pure: the pages' catalogue
(flask-babel's ngettext) and the generated texts of the domain (the visit's notice) use the same rules."""

from __future__ import annotations

from datetime import date, datetime, time

# The months in the cases a sentence puts a date in: alone (a heading, a table cell), "no …" (from), "līdz …"
# (until), "on" a date ("notiks …", "paziņots …").
MONTHS: dict[str, tuple[str, ...]] = {
    "nominative": ("janvāris", "februāris", "marts", "aprīlis", "maijs", "jūnijs", "jūlijs", "augusts",
                   "septembris", "oktobris", "novembris", "decembris"),
    "genitive": ("janvāra", "februāra", "marta", "aprīļa", "maija", "jūnija", "jūlija", "augusta", "septembra",
                 "oktobra", "novembra", "decembra"),
    "dative": ("janvārim", "februārim", "martam", "aprīlim", "maijam", "jūnijam", "jūlijam", "augustam",
               "septembrim", "oktobrim", "novembrim", "decembrim"),
    "locative": ("janvārī", "februārī", "martā", "aprīlī", "maijā", "jūnijā", "jūlijā", "augustā", "septembrī",
                 "oktobrī", "novembrī", "decembrī"),
}
CASES = tuple(MONTHS)
WEEKDAYS = ("pirmdiena", "otrdiena", "trešdiena", "ceturtdiena", "piektdiena", "sestdiena", "svētdiena")


def plural_index(n: int) -> int:
    """Which of the three forms a count takes (gettext: nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : n != 0 ?
    1 : 2)): 1, 21 punkts; 2, 11, 5 punkti; 0 punktu."""
    if n % 10 == 1 and n % 100 != 11:
        return 0
    return 1 if n != 0 else 2


def count(n: int, forms: tuple[str, str, str]) -> str:
    """'21 balss', '5 balsis', '0 balsu': the number and the noun in the form the number asks for."""
    return f"{n} {forms[plural_index(n)]}"


def date_in(d: date, case: str = "nominative", year: bool = True) -> str:
    """'2024. gada 1. augusts' (nominative), 'no 2024. gada 1. augusta', 'līdz 2024. gada 15. septembrim',
    'paziņots 2024. gada 4. novembrī'; without `year`: 'līdz 15. septembrim'."""
    day = f"{d.day}. {MONTHS[case][d.month - 1]}"
    return f"{d.year}. gada {day}" if year else day


def clock(t: time | datetime) -> str:
    """'plkst. 09.05': the 24-hour clock with a dot between hours and minutes."""
    return f"plkst. {t.hour:02d}.{t.minute:02d}"


def decimal(value: float, places: int = 2) -> str:
    """A number with a decimal comma and no trailing zeros: 4,5; 4,56; 20."""
    return f"{value:.{places}f}".rstrip("0").rstrip(".").replace(".", ",")
