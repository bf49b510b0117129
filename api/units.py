"""The units of the questionnaire's answers on a page, in the reader's language and the number's form
(../shared/LATVIAN.md: "1 mēnesis", "2 mēneši", "0 mēnešu"; "100 EUR mēnesī"). The questionnaire names units in
English (`unit` of a question, e.g. "months", "EUR/month"); each known unit has its sentence here, through ngettext,
so the catalogue gives the three Latvian forms. An unknown unit is shown as written. ``unit_word`` gives the bare
unit, for the suffix of an input where no number goes with it ("mēneši", "EUR mēnesī")."""

from __future__ import annotations

from collections.abc import Callable

from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import ngettext as _n

# Each unit: a function of (the count that chooses the form, the number as shown, with its decimal comma). The
# msgids are literal for the catalogue's extraction; `value`, not `num`, since ngettext sets `num` to the count.
UNITS: dict[str, Callable[[int, str], str]] = {
    "months": lambda n, s: _n("%(value)s month", "%(value)s months", n, value=s),
    "places": lambda n, s: _n("%(value)s place", "%(value)s places", n, value=s),
    "children": lambda n, s: _n("%(value)s child", "%(value)s children", n, value=s),
    "programmes": lambda n, s: _n("%(value)s programme", "%(value)s programmes", n, value=s),
    "persons": lambda n, s: _n("%(value)s person", "%(value)s persons", n, value=s),
    "flats": lambda n, s: _n("%(value)s flat", "%(value)s flats", n, value=s),
    "sessions": lambda n, s: _n("%(value)s session", "%(value)s sessions", n, value=s),
    "facilities": lambda n, s: _n("%(value)s facility", "%(value)s facilities", n, value=s),
    "hours/week": lambda n, s: _n("%(value)s hour a week", "%(value)s hours a week", n, value=s),
    "EUR/month": lambda n, s: _n("%(value)s EUR a month", "%(value)s EUR a month", n, value=s),
    "EUR/day": lambda n, s: _n("%(value)s EUR a day", "%(value)s EUR a day", n, value=s),
    "EUR/year": lambda n, s: _n("%(value)s EUR a year", "%(value)s EUR a year", n, value=s),
    "EUR/child": lambda n, s: _n("%(value)s EUR per child", "%(value)s EUR per child", n, value=s),
    "per 1000 children": lambda n, s: _n("%(value)s per 1,000 children", "%(value)s per 1,000 children", n, value=s),
}


def unit_value(value: float | int | None, unit: str | None, decimals: int = 1) -> str:
    """An answer with its unit: '17 mēneši' / '17 months', '100 EUR mēnesī' / '100 EUR a month'. A whole number
    chooses the plural form; a fraction takes the plural ('2,5 mēneši')."""
    if value is None:
        return "–"
    whole = float(value).is_integer()
    shown = format_decimal(value, format="#,##0" + ("" if whole or not decimals else "." + "#" * decimals))
    if not unit:
        return shown
    say = UNITS.get(unit)
    if say is None:
        return f"{shown} {unit}"
    return say(int(value) if whole else 2, shown)


# The bare units (the plural's words); "EUR", "%" and "km" are the same in both languages.
WORDS: dict[str, Callable[[], str]] = {
    "months": lambda: _("months"),
    "places": lambda: _("places"),
    "children": lambda: _("children"),
    "programmes": lambda: _("programmes"),
    "persons": lambda: _("persons"),
    "flats": lambda: _("flats"),
    "sessions": lambda: _("sessions"),
    "facilities": lambda: _("facilities"),
    "hours/week": lambda: _("hours a week"),
    "EUR/month": lambda: _("EUR a month"),
    "EUR/day": lambda: _("EUR a day"),
    "EUR/year": lambda: _("EUR a year"),
    "EUR/child": lambda: _("EUR per child"),
    "per 1000 children": lambda: _("per 1,000 children"),
}


def unit_word(unit: str | None) -> str:
    """The unit alone, in the reader's language: 'mēneši' / 'months', 'EUR mēnesī' / 'EUR a month'; '' for none."""
    if not unit:
        return ""
    say = WORDS.get(unit)
    return unit if say is None else say()
