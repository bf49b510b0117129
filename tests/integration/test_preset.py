"""The 2024 preset: participants (§3.3), jury (§3.2.1, D1), theme (§4.3), prizes (§6-§7.2), window
(§4.6.6) and rule numbers, loaded as events on both stores."""

from __future__ import annotations

import csv
from datetime import UTC, date, datetime

import holidays

from contest.service import ContestService
from tests.support import ROOT

SHARED = ROOT.parent / "shared" / "data" / "municipalities-2024.csv"
PRESET_CSV = ROOT / "contest" / "presets" / "2024" / "municipalities.csv"


def test_preset_has_the_43_municipalities_of_2024_with_iso_codes(service: ContestService) -> None:
    contest = service.contest(2024)
    assert len(contest.municipalities) == 43  # §3.3: 7 state cities + 36 counties (RULES.md "Who")
    kinds = [m.kind for m in contest.municipalities]
    assert kinds.count("valstspilsēta") == 7 and kinds.count("novads") == 36
    assert contest.municipality("LV-RIX").name == "Rīga"
    assert contest.municipality("LV-102").name == "Varakļānu novads"  # still separate in 2024
    with open(PRESET_CSV, encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert [m.code for m in contest.municipalities] == [r["iso_3166_2"] for r in rows]
    if SHARED.exists():  # the project's copy equals the reference data
        assert SHARED.read_text(encoding="utf-8") == PRESET_CSV.read_text(encoding="utf-8")


def test_preset_jury_follows_3_2_1_and_d1(service: ContestService) -> None:
    contest = service.contest(2024)
    assert len(contest.jury) == 10  # §3.2.1 lists ten organisations ...
    assert len(contest.voting_seats) == 9  # ... for nine voting members (D1: the voting flag)
    assert contest.chair.id == "sif" and contest.chair.voting  # §3.2.2 the chair is the Fund's representative
    assert contest.rules.quorum == 5  # §3.2.3
    organisations = " ".join(s.organisation for s in contest.jury)
    for name in ("Sabiedrības integrācijas fonda", "Labklājības ministrija", "Izglītības un zinātnes",
                 "Uzturlīdzekļu garantiju fonds", "Valsts probācijas dienests", "Valsts kancelejas"[:15],
                 "Latvijas Daudzbērnu ģimeņu apvienība", "Fonds Mammām un Tētiem", "Latvijas Pašvaldību savienība"):
        assert name in organisations
    assert all(isinstance(s.substitutes, tuple) for s in contest.jury)


def test_preset_theme_prizes_and_rules(service: ContestService) -> None:
    contest = service.contest(2024)
    assert contest.theme.title_lv.startswith("Vardarbības mazināšana")  # §4.3
    assert contest.prizes.fund_eur == 30_000  # §6
    amounts = {p.kind: p.amount_eur for p in contest.prizes.prizes}
    assert amounts == {"main": 20_000, "theme": 10_000}  # §7.1, §7.2
    assert contest.rules.cut_size == 10  # §4.5
    assert (contest.rules.finalists_by_jury, contest.rules.finalists_total) == (4, 5)  # §4.6.7
    assert contest.rules.notice_working_days == 5  # §4.7.2
    assert contest.rules.visit_max_hours == 4  # §4.7.7
    assert contest.stage == "setup"


def test_window_is_stored_as_utc_instants_across_riga_summer_time(service: ContestService) -> None:
    window = service.contest(2024).window
    # 1 Aug 2024 00:00 and 15 Sep 2024 23:59:59 in Europe/Riga, which is UTC+3 (EEST) on both dates.
    assert window.opens_at == datetime(2024, 7, 31, 21, 0, 0, tzinfo=UTC)
    assert window.closes_at == datetime(2024, 9, 15, 20, 59, 59, tzinfo=UTC)
    assert window.timezone == "Europe/Riga"


def test_preset_is_recorded_as_events_with_actor(service: ContestService) -> None:
    # the contest's Created and CalendarSet events (§4.7.2, D17) and the registry's two events
    assert service.event_count() == 4
    notifications = service.store.notification_log.select(start=1, limit=10)
    topics = [n.topic for n in notifications]
    assert any(t.endswith("Contest.Created") for t in topics)
    # the calendar is recorded right after Created, by the same command, its reason naming the library's version
    assert topics[topics.index(next(t for t in topics if t.endswith("Contest.Created"))) + 1].endswith(
        "Contest.CalendarSet")
    calendar_set = next(n for n in notifications if n.topic.endswith("Contest.CalendarSet"))
    assert f"holidays {holidays.__version__}".encode() in calendar_set.state
    recorded = service.contest(2024).calendar
    assert (recorded.first_day, recorded.last_day) == (date(2024, 1, 1), date(2025, 12, 31))
    created = next(n for n in notifications if n.topic.endswith("Contest.Created"))
    assert b'"role":"system"' in created.state.replace(b" ", b"") or b'"system"' in created.state
