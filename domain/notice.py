"""The §4.7.2 notice of a jury visit, in Latvian and English: who is told, and the text they are sent.

§4.7.2: at least five working days before its visit, each finalist, its mayor and its contact person are told the
round-2 results, the jury's planned arrival time and the full jury composition. The service writes the text (so
every notice says the same things and an auditor reads exactly what was sent: the texts are stored in the event
that records the notice); once it is recorded the service mails it to each recipient (domain/notification.py).

The addresses are given with the notice but never recorded with it: the event names each recipient by name and by
the keyed hash of its address (``key``, domain.notification.recipient_key, the outbox's own), and the texts name
the recipients without their addresses. Histories from before hold the addresses in clear (``recipients``
{``municipality_email``, ``mayor`` {``name``, ``email``}, ``contact`` {…}}, and the texts name them):
:func:`recorded_recipients` reads both forms.

Pure functions of the data given: no clock, no storage, no secret (the keyed hash is the caller's function).
:func:`notice_texts` takes plain values, so the same text can be regenerated from the recorded events.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from domain.config import JurySeat
from domain.errors import InvalidInput
from domain.latvian import WEEKDAYS as WEEKDAYS_LV
from domain.latvian import count, date_in, decimal

EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")
HASH = re.compile(r"[0-9a-f]{64}")
ROLES = ("municipality", "mayor", "contact")  # who is told (§4.7.2), in this order

WEEKDAYS_EN = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
             "November", "December")

#: How a finalist went through (§4.6.7), as domain.finalists names it.
VIA_LV = {
    "jury": "pēc vērtēšanas komisijas punktiem (4.6.7. punkts)",
    "residents_vote": "kā iedzīvotāju balsojumā visaugstāk novērtētā pašvaldība (4.6.7. punkts)",
    "jury_fifth": "kā vērtēšanas komisijas punktos piektā pašvaldība (4.6.7. punkts)",
}
VIA_EN = {
    "jury": "on the jury's points (§4.6.7)",
    "residents_vote": "as the municipality rated highest in the residents' vote (§4.6.7)",
    "jury_fifth": "as the jury's fifth on points (§4.6.7)",
}


@dataclass(frozen=True)
class Person:
    name: str
    email: str


@dataclass(frozen=True)
class Recipients:
    """Who was told (§4.7.2): the finalist (its official address), its mayor and its contact person."""

    municipality_email: str
    mayor: Person
    contact: Person

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> Recipients:
        errors: dict[str, list[str]] = {}

        def email(value: object, key: str) -> str:
            if not isinstance(value, str) or not EMAIL.match(value.strip()) or len(value) > 254:
                errors.setdefault(key, []).append("must be an e-mail address")
                return ""
            return value.strip()

        def person(value: object, key: str) -> Person:
            if not isinstance(value, Mapping):
                errors.setdefault(key, []).append("must be an object with name and email")
                return Person("", "")
            name = value.get("name")
            if not isinstance(name, str) or not 0 < len(name.strip()) <= 200:
                errors.setdefault(f"{key}.name", []).append("must be a name")
                name = ""
            return Person(name.strip(), email(value.get("email"), f"{key}.email"))

        result = cls(municipality_email=email(data.get("municipality_email"), "municipality_email"),
                     mayor=person(data.get("mayor"), "mayor"), contact=person(data.get("contact"), "contact"))
        if errors:
            raise InvalidInput(errors, "who was told must be named (§4.7.2)")
        return result

    def addresses(self) -> dict[str, str]:
        """role -> address, for the address book (never the history)."""
        return {"municipality": self.municipality_email, "mayor": self.mayor.email, "contact": self.contact.email}

    def to_event(self, municipality_name: str, key_of: Callable[[str], str]) -> dict[str, dict[str, str]]:
        """What Visit.NoticeRecorded records of who was told: per role (ROLES) the name and `key_of(address)`, the
        address's keyed hash; never the address."""
        names = {"municipality": municipality_name, "mayor": self.mayor.name, "contact": self.contact.name}
        named = {role: {"name": names[role], "key": key_of(address)} for role, address in self.addresses().items()}
        if any(not HASH.fullmatch(r["key"]) for r in named.values()):
            raise ValueError("a recipient is recorded by the keyed hash of its address (64 hex), never the address")
        return named

    def masked(self, municipality_name: str) -> dict[str, dict[str, str]]:
        """Who would be told, as an answer shows it: per role the name and the address masked."""
        names = {"municipality": municipality_name, "mayor": self.mayor.name, "contact": self.contact.name}
        return {role: {"name": names[role], "email_masked": mask_address(address)}
                for role, address in self.addresses().items()}


@dataclass(frozen=True)
class RecordedRecipient:
    """One recipient of a recorded notice: its role, its name (None for the finalist in the older form: the
    municipality's name), and either the keyed hash of its address (the form recorded now) or, in histories
    from before, the address itself."""

    role: str
    name: str | None
    key: str | None
    address: str | None


def recorded_recipients(recorded: Mapping[str, Any]) -> list[RecordedRecipient]:
    """The recipients of a Visit.NoticeRecorded in either form, in the order municipality, mayor, contact."""
    if "municipality_email" in recorded:  # the older form: the addresses in clear
        return [RecordedRecipient("municipality", None, None, str(recorded["municipality_email"])),
                *(RecordedRecipient(role, str(recorded[role]["name"]), None, str(recorded[role]["email"]))
                  for role in ("mayor", "contact"))]
    return [RecordedRecipient(role, str(recorded[role]["name"]), str(recorded[role]["key"]), None) for role in ROLES]


def mask_address(address: str) -> str:
    """An address as an answer may show it: the first character of the mailbox, then ``***``, then the domain
    ('v***@example.lv')."""
    local, _, domain = address.strip().rpartition("@")
    return f"{local[:1]}***@{domain}" if local else "***"


def kept_recipients(recorded: Mapping[str, Any]) -> dict[str, dict[str, str | None]]:
    """What a read model keeps of a recorded notice's recipients, never an address: per role the name (None for
    the finalist in the older form), the key (the form recorded now; an answer masks the address it names) or,
    in the older form, the address already masked (`email_masked`)."""
    return {r.role: {"name": r.name, "key": r.key, "email_masked": mask_address(r.address) if r.address else None}
            for r in recorded_recipients(recorded)}


def recorded_addresses(recorded: Mapping[str, Any]) -> list[str]:
    """The addresses a recorded notice holds in clear: those of the older form, none of the form recorded now."""
    return [r.address for r in recorded_recipients(recorded) if r.address is not None]


def mask_addresses(text: str, addresses: Sequence[str]) -> str:
    """`text` with each of `addresses` masked (an older notice's texts, which name them)."""
    for address in sorted(set(addresses), key=len, reverse=True):
        text = text.replace(address, mask_address(address))
    return text


@dataclass(frozen=True)
class Round2Standing:
    """A finalist's round-2 results as the notice states them (§4.6, §4.6.7)."""

    via: str
    position: int
    jury_points: int | None
    jury_rank: int | None
    round2_count: int
    votes: int | None
    vote_average: float | None
    vote_rank: int | None
    finalists: tuple[str, ...]  # the five finalists' names, in order


def round2_standing(round2: Mapping[str, Any], municipality: str, names: Mapping[str, str],
                    round2_count: int) -> Round2Standing:
    """Read a finalist's standing from the Round2Closed record (``Contest.round2``)."""
    finalist = next(f for f in round2["finalists"] if f["municipality"] == municipality)
    explanation = round2["outcome"].get("explanation", {})
    vote = next((r for r in explanation.get("vote_table", []) if r["municipality"] == municipality), None)
    return Round2Standing(
        via=finalist["via"], position=finalist["position"], jury_points=finalist.get("jury_points"),
        jury_rank=finalist.get("jury_rank"), round2_count=round2_count,
        votes=vote["votes"] if vote else None, vote_average=vote["average"] if vote else None,
        vote_rank=vote["rank"] if vote else None,
        finalists=tuple(names.get(f["municipality"], f["municipality"]) for f in round2["finalists"]),
    )


def date_lv(d: date) -> str:
    """A date alone, after a label ('Datums: 2024. gada 4. novembris, pirmdiena'): the nominative."""
    return f"{date_in(d)}, {WEEKDAYS_LV[d.weekday()]}"


def date_en(d: date) -> str:
    return f"{WEEKDAYS_EN[d.weekday()]} {d.day} {MONTHS_EN[d.month - 1]} {d.year}"


def duration_text(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    if hours and rest:
        return f"{hours} h {rest} min"
    return f"{hours} h" if hours else f"{rest} min"


def _number_lv(value: float) -> str:
    return decimal(value)


def _number_en(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _jury_lines(jury: Sequence[JurySeat], lang: str) -> list[str]:
    lines = []
    for i, seat in enumerate(jury, 1):
        notes = []
        if seat.chair:
            notes.append("komisijas priekšsēdētājs" if lang == "lv" else "chair of the jury")
        if not seat.voting:
            notes.append("bez balsstiesībām" if lang == "lv" else "not voting")
        if seat.substitutes:
            subs = ", ".join(seat.substitutes)
            if lang == "lv":
                notes.append(("aizvietotāji: " if len(seat.substitutes) > 1 else "aizvietotājs: ") + subs)
            else:
                notes.append(("substitutes: " if len(seat.substitutes) > 1 else "substitute: ") + subs)
        suffix = f" ({'; '.join(notes)})" if notes else ""
        lines.append(f"{i}. {seat.organisation}: {seat.person}{suffix}")
    return lines


def notice_texts(*, title: str, notice_date: date, municipality_name: str, recipients: Recipients,
                 visit_date: date, arrival: str, duration_minutes: int, mode: str, remote_reason: str | None,
                 max_hours: int, standing: Round2Standing, jury: Sequence[JurySeat]) -> dict[str, str]:
    """The notice of a visit (§4.7.2) in Latvian (``lv``) and English (``en``): the round-2 results of the
    municipality, the jury's planned arrival time (local time, Europe/Riga) and the full jury composition, every
    seat with its organisation, person and substitutes (§3.2.1, D1). The recipients are named, never their
    addresses (the texts are recorded in the history and shown in answers)."""
    s = standing
    r = recipients

    if s.jury_points is None:
        jury_lv = f"— (pašvaldība nebija starp 2. kārtas {s.round2_count} pašvaldībām)"
        jury_en = f"— (not among the {s.round2_count} municipalities of round 2)"
    else:
        jury_lv = f"{s.jury_points} ({s.jury_rank}. vieta no {s.round2_count})"
        jury_en = f"{s.jury_points} (place {s.jury_rank} of {s.round2_count})"
    if s.votes:
        vote_lv = (f"{count(s.votes, ('balss', 'balsis', 'balsu'))}, vidējais vērtējums "
                   f"{_number_lv(s.vote_average or 0)} ({s.vote_rank}. vieta)")
        vote_en = f"{s.votes} votes, average rating {_number_en(s.vote_average or 0)} (place {s.vote_rank})"
    else:
        vote_lv, vote_en = "balsu nav", "no votes"
    if mode == "remote":
        mode_lv = f"attālināti (iemesls: {remote_reason}; 4.7.1. punkts)"
        mode_en = f"remote (reason: {remote_reason}; §4.7.1)"
    else:
        mode_lv, mode_en = "klātienē", "on site"
    finalists = ", ".join(s.finalists)
    limit_lv = count(max_hours, ("stundu", "stundām", "stundām"))  # "par 1 stundu", "par 4 stundām"

    lv = "\n".join([
        f"Paziņojums par vērtēšanas komisijas vizīti — konkurss “{title}”",
        f"Datums: {date_lv(notice_date)}",
        "",
        "Adresāti:",
        f"- pašvaldība: {municipality_name}",
        f"- domes priekšsēdētājs: {r.mayor.name}",
        f"- kontaktpersona: {r.contact.name}",
        "",
        f"Sabiedrības integrācijas fonds informē, ka {municipality_name} ir konkursa finālā un vērtēšanas komisija "
        "to apmeklēs konkursa 3. kārtā (nolikuma 4.7.1. un 4.7.2. punkts).",
        "",
        "Otrās kārtas rezultāti (4.6. punkts):",
        f"- vērtēšanas komisijas punkti: {jury_lv}",
        f"- iedzīvotāju balsojums: {vote_lv}",
        f"- iekļūšana finālā: {VIA_LV.get(s.via, s.via)}",
        f"- fināla dalībnieki: {finalists}",
        "",
        "Vizīte:",
        f"- datums: {date_lv(visit_date)}",
        f"- vērtēšanas komisijas plānotais ierašanās laiks: plkst. {arrival} (Latvijas laiks)",
        f"- plānotais ilgums: {duration_text(duration_minutes)} (ne ilgāk par {limit_lv}, 4.7.7. punkts)",
        f"- norises veids: {mode_lv}",
        "",
        "Vizītes laikā pašvaldība sniedz publisku prezentāciju, rīko publisku diskusiju un parāda vismaz divas "
        "ģimenēm draudzīgas vietas vai pasākumu (4.7.5. punkts).",
        "",
        "Vērtēšanas komisijas sastāvs (3.2.1. punkts):",
        *_jury_lines(jury, "lv"),
        "",
        "Ar cieņu",
        "Sabiedrības integrācijas fonds",
    ])
    en = "\n".join([
        f"Notice of the jury's visit — contest “{title}”",
        f"Date: {date_en(notice_date)}",
        "",
        "To:",
        f"- the municipality: {municipality_name}",
        f"- the mayor (chair of the council): {r.mayor.name}",
        f"- the contact person: {r.contact.name}",
        "",
        f"The Society Integration Foundation informs you that {municipality_name} is a finalist of the contest "
        "and that the jury will visit it in round 3 (rules §4.7.1, §4.7.2).",
        "",
        "Round-2 results (§4.6):",
        f"- jury points: {jury_en}",
        f"- residents' vote: {vote_en}",
        f"- a finalist {VIA_EN.get(s.via, s.via)}",
        f"- the finalists: {finalists}",
        "",
        "The visit:",
        f"- date: {date_en(visit_date)}",
        f"- the jury's planned arrival time: {arrival} (Latvian time)",
        f"- planned length: {duration_text(duration_minutes)} (at most {max_hours} hours, §4.7.7)",
        f"- mode: {mode_en}",
        "",
        "During the visit the municipality gives a public presentation, holds a public discussion and shows at "
        "least two family-friendly places or an event (§4.7.5).",
        "",
        "The jury (§3.2.1):",
        *_jury_lines(jury, "en"),
        "",
        "Yours faithfully,",
        "the Society Integration Foundation",
    ])
    return {"lv": lv, "en": en}
