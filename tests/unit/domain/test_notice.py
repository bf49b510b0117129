"""The §4.7.2 notice text (domain.notice): round-2 results, the arrival time and the full jury, in LV and EN."""

from __future__ import annotations

import hashlib
from datetime import date

import pytest

from domain.config import JurySeat
from domain.errors import InvalidInput
from domain.notice import (
    Recipients,
    RecordedRecipient,
    Round2Standing,
    kept_recipients,
    mask_address,
    mask_addresses,
    notice_texts,
    recorded_addresses,
    recorded_recipients,
    round2_standing,
)

JURY = (
    JurySeat("sif", "Sabiedrības integrācijas fonds", "Anna Bērziņa", chair=True, substitutes=("Jānis Kalniņš",)),
    JurySeat("lm", "Labklājības ministrija", "Līga Ozola", substitutes=("A. Aizvietotājs", "B. Aizvietotāja")),
    JurySeat("lps", "Latvijas Pašvaldību savienība", "Pēteris Liepa", voting=False),
)
WHO = Recipients.parse({"municipality_email": "dome@valmiera.lv",
                        "mayor": {"name": "Jānis Baiks", "email": "mers@valmiera.lv"},
                        "contact": {"name": "Ilze Kalna", "email": "ilze@valmiera.lv"}})
ROUND2 = {
    "finalists": [
        {"municipality": "LV-VMR", "position": 1, "via": "jury", "jury_points": 40, "jury_rank": 1},
        {"municipality": "LV-RIX", "position": 5, "via": "residents_vote", "jury_points": None, "jury_rank": None},
    ],
    "outcome": {"explanation": {"vote_table": [
        {"municipality": "LV-RIX", "votes": 120, "rating_sum": 570, "average": 4.75, "rank": 1},
        {"municipality": "LV-VMR", "votes": 10, "rating_sum": 45, "average": 4.5, "rank": 2},
    ]}},
}
NAMES = {"LV-VMR": "Valmieras novads", "LV-RIX": "Rīga"}


def texts(standing: Round2Standing, **kw: object) -> dict[str, str]:
    args = {"title": "Ģimenei draudzīgākā pašvaldība 2024", "notice_date": date(2024, 11, 12),
            "municipality_name": "Valmieras novads", "recipients": WHO, "visit_date": date(2024, 11, 20),
            "arrival": "10:30", "duration_minutes": 210, "mode": "on_site", "remote_reason": None, "max_hours": 4,
            "standing": standing, "jury": JURY}
    args.update(kw)
    return notice_texts(**args)  # type: ignore[arg-type]


def test_4_7_2_the_notice_states_round2_results_arrival_and_the_whole_jury_in_both_languages() -> None:
    standing = round2_standing(ROUND2, "LV-VMR", NAMES, 10)
    t = texts(standing)
    lv, en = t["lv"], t["en"]
    # the round-2 results of this municipality (§4.6): jury points and place, the vote, how it went through
    assert "40 (1. vieta no 10)" in lv and "40 (place 1 of 10)" in en
    assert "10 balsis, vidējais vērtējums 4,5 (2. vieta)" in lv and "10 votes, average rating 4.5 (place 2)" in en
    assert "pēc vērtēšanas komisijas punktiem" in lv and "on the jury's points" in en
    assert "Valmieras novads, Rīga" in lv
    # the planned arrival (local time) and the date, with its weekday
    assert "plkst. 10:30" in lv and "2024. gada 20. novembris, trešdiena" in lv
    assert "arrival time: 10:30 (Latvian time)" in en and "Wednesday 20 November 2024" in en
    assert "3 h 30 min" in lv and "at most 4 hours" in en
    # every seat: organisation, person, substitutes, chair, the non-voting seat (§3.2.1, D1)
    for seat in JURY:
        assert f"{seat.organisation}: {seat.person}" in lv and f"{seat.organisation}: {seat.person}" in en
    assert "aizvietotājs: Jānis Kalniņš" in lv and "substitutes: A. Aizvietotājs, B. Aizvietotāja" in en
    assert "komisijas priekšsēdētājs" in lv and "bez balsstiesībām" in lv and "not voting" in en
    # who was told (§4.7.2): by name, never by address (the texts are recorded in the history)
    assert "Adresāti:\n- pašvaldība: Valmieras novads\n- domes priekšsēdētājs: Jānis Baiks\n" \
           "- kontaktpersona: Ilze Kalna\n" in lv
    assert "To:\n- the municipality: Valmieras novads\n- the mayor (chair of the council): Jānis Baiks\n" \
           "- the contact person: Ilze Kalna\n" in en
    assert "@" not in lv and "@" not in en


def test_4_7_2_a_residents_choice_from_outside_round2_and_a_remote_visit() -> None:
    standing = round2_standing(ROUND2, "LV-RIX", NAMES, 10)
    t = texts(standing, municipality_name="Rīga", mode="remote", remote_reason="pulcēšanās ierobežojumi")
    assert "nebija starp 2. kārtas 10 pašvaldībām" in t["lv"] and "not among the 10 municipalities" in t["en"]
    assert "iedzīvotāju balsojumā visaugstāk novērtētā" in t["lv"]
    assert "attālināti (iemesls: pulcēšanās ierobežojumi; 4.7.1. punkts)" in t["lv"]
    assert "remote (reason: pulcēšanās ierobežojumi; §4.7.1)" in t["en"]


def test_4_7_2_recipients_must_be_named_with_addresses() -> None:
    with pytest.raises(InvalidInput) as e:
        Recipients.parse({"municipality_email": "not-an-address", "mayor": {"name": " ", "email": "m@x.lv"}})
    assert set(e.value.errors) == {"municipality_email", "mayor.name", "contact"}


def key_of(address: str) -> str:
    """A stand-in for the keyed hash (domain.notification.recipient_key needs the voter secret)."""
    return hashlib.sha256(address.lower().encode()).hexdigest()


OLD_FORM = {"municipality_email": "dome@valmiera.lv", "mayor": {"name": "Jānis Baiks", "email": "mers@valmiera.lv"},
            "contact": {"name": "Ilze Kalna", "email": "ilze@valmiera.lv"}}


def test_4_7_2_the_event_names_each_recipient_by_name_and_keyed_hash_never_the_address() -> None:
    recorded = WHO.to_event("Valmieras novads", key_of)
    assert recorded == {"municipality": {"name": "Valmieras novads", "key": key_of("dome@valmiera.lv")},
                        "mayor": {"name": "Jānis Baiks", "key": key_of("mers@valmiera.lv")},
                        "contact": {"name": "Ilze Kalna", "key": key_of("ilze@valmiera.lv")}}
    assert "@" not in str(recorded) and recorded_addresses(recorded) == []
    assert recorded_recipients(recorded)[1] == RecordedRecipient("mayor", "Jānis Baiks", key_of("mers@valmiera.lv"),
                                                                 None)
    with pytest.raises(ValueError):
        WHO.to_event("Valmieras novads", lambda address: address)  # an address is never a key


def test_4_7_2_an_older_notice_with_its_addresses_in_clear_is_read_too() -> None:
    assert recorded_recipients(OLD_FORM) == [
        RecordedRecipient("municipality", None, None, "dome@valmiera.lv"),
        RecordedRecipient("mayor", "Jānis Baiks", None, "mers@valmiera.lv"),
        RecordedRecipient("contact", "Ilze Kalna", None, "ilze@valmiera.lv")]
    assert recorded_addresses(OLD_FORM) == ["dome@valmiera.lv", "mers@valmiera.lv", "ilze@valmiera.lv"]
    kept = kept_recipients(OLD_FORM)  # what a read model keeps: masked
    assert kept["mayor"] == {"name": "Jānis Baiks", "key": None, "email_masked": "m***@valmiera.lv"}
    assert kept["municipality"] == {"name": None, "key": None, "email_masked": "d***@valmiera.lv"}
    new = kept_recipients(WHO.to_event("Valmieras novads", key_of))
    assert new["contact"] == {"name": "Ilze Kalna", "key": key_of("ilze@valmiera.lv"), "email_masked": None}
    text = "- pašvaldība: Valmieras novads (dome@valmiera.lv)\n- domes priekšsēdētājs: Jānis Baiks (mers@valmiera.lv)"
    assert mask_addresses(text, recorded_addresses(OLD_FORM)) == (
        "- pašvaldība: Valmieras novads (d***@valmiera.lv)\n- domes priekšsēdētājs: Jānis Baiks (m***@valmiera.lv)")


def test_an_address_is_shown_masked() -> None:
    assert mask_address("vards.uzvards@example.lv") == "v***@example.lv"
    assert mask_address(" x@riga.lv ") == "x***@riga.lv"
    assert mask_address("nonsense") == "***"
    assert WHO.masked("Valmieras novads")["municipality"] == {"name": "Valmieras novads",
                                                              "email_masked": "d***@valmiera.lv"}
