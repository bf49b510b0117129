"""Round 3's close against changes saved while it is decided (§4.7.9-§4.7.11, RULES.md "Audit", D14), on SQLite
and PostgreSQL.

The close records `included_through`, the position of the history it decided on. A scorecard (§4.7.8), an
attendance record (§4.7.3) or a rescheduled visit (§4.7.1) saved after that position but before the close's own
event is on record and not counted: the close decides on the visits and scorecards through `included_through`
only, as rounds 1 and 2 do, and `contest audit verify` recomputes the result from the same prefix. So an honest
history verifies whichever way such a race falls, and the recorded result is the one the prefix gives.

The first test places the racing change deterministically between the close's read position and its save (with
this worker's views caught up past the position, as another request of the same worker does, or not); the second
races the two with real threads on many copies of one prepared contest.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from eventsourcing.persistence import StoredEvent

from contest.audit import export_lines
from contest.cli import main as cli
from contest.clock import FrozenClock
from contest.service import ContestService
from contest.store import EventStore
from domain.actors import Actor
from domain.contest import Contest
from domain.errors import RuleViolation
from domain.round3 import assess_round3
from tests.conftest import PG_URL, SECRETS, _pg_schema_url
from tests.support.helpers import SEC
from tests.support.round3 import DAYS, FIVE_AT_E, FOUR_AT_E, WHO, day, reach_round3

YEAR = 2024

# score_all of tests/support/round3.py: A and B tie on 22 (4.4), the chair's 5 for A breaks it (§4.7.10): A wins;
# C takes the theme prize (D13). vpd scores too but does not count (§4.7.4).
SCORES = (("sif", [5, 4, 3, 2, 1], 2, 3), ("varam", [4, 5, 3, 2, 1], 2, 0), ("lm", [4, 5, 3, 3, 2], 3, 2),
          ("izm", [5, 4, 4, 2, 1], 4, 2), ("ugf", [4, 4, 2, 3, 3], 3, 0), ("vpd", [1, 5, 1, 1, 1], 3, 4))


def juror(seat: str) -> Actor:
    return Actor("juror", seat, seat=seat)


def submit(service: ContestService, finalists: list[str], seat: str, values: list[int], two: int, one: int) -> None:
    service.round3.submit_scores(
        YEAR, seat, dict(zip(finalists, values, strict=True)), {m: f"{seat} par {m}" for m in finalists},
        {m: 2 if i == two else 1 if i == one else 0 for i, m in enumerate(finalists)}, cast_by=None,
        actor=juror(seat))


def prepare(service: ContestService, clock: FrozenClock) -> list[str]:
    """Round 3 ready to close: the briefing, five visits with their notices and attendance, six scorecards."""
    finalists = reach_round3(service, clock)
    r3 = service.round3
    clock.set(day("2024-10-01", 12))
    r3.brief(YEAR, date(2024, 10, 1), note="round-2 results and the finalists' files", actor=SEC)
    for m, on in zip(finalists, DAYS, strict=True):
        r3.schedule_visit(YEAR, m, {"date": on, "arrival": "10:00", "duration_minutes": 180}, actor=SEC)
    clock.set(day("2024-11-04"))
    for m in finalists:
        r3.record_notice(YEAR, m, date(2024, 11, 4), WHO, actor=SEC)
    clock.set(day("2024-11-29"))
    for i, seats in FIVE_AT_E.items():
        r3.record_attendance(YEAR, finalists[i], dict.fromkeys(seats, "member"), actor=SEC)
    for seat, values, two, one in SCORES:
        submit(service, finalists, seat, values, two, one)
    return finalists


# The changes that race the close. Each changes what the close would decide: varam's new scorecard puts A (21)
# below B (22), so B wins (§4.7.9); four voting seats at E (§4.7.3) or E's visit moved (§4.7.1, §4.7.2) block it.
def race_scorecard(service: ContestService, finalists: list[str]) -> None:
    submit(service, finalists, "varam", [3, 5, 3, 2, 1], 2, 0)


def race_attendance(service: ContestService, finalists: list[str]) -> None:
    service.round3.record_attendance(YEAR, finalists[4], dict.fromkeys(FOUR_AT_E[4], "member"), actor=SEC)


def race_reschedule(service: ContestService, finalists: list[str]) -> None:
    service.round3.reschedule_visit(YEAR, finalists[4], {"date": "2024-12-12", "arrival": "10:00",
                                                         "duration_minutes": 180},
                                    reason="repeat the visit", actor=SEC)


RACES: dict[str, Callable[[ContestService, list[str]], None]] = {
    "scorecard": race_scorecard, "attendance": race_attendance, "reschedule": race_reschedule}


@contextmanager
def copy_of(template: ContestService, store_url: str, tmp_path: Path, n: int) -> Iterator[str]:
    """A fresh store of the same kind holding the template's history, event for event in the same order."""
    with ExitStack() as stack:
        if store_url.startswith("sqlite"):
            url = f"sqlite:///{tmp_path}/copy-{n}.sqlite3"
        else:
            url = stack.enter_context(contextmanager(_pg_schema_url)(PG_URL))
        store = EventStore(url)
        try:
            events = [StoredEvent(e.originator_id, e.originator_version, e.topic, e.state)
                      for e in template.store.notifications()]
            store.recorder.insert_events(events)
            assert len(list(store.notifications())) == len(events)
        finally:
            store.close()
        yield url


def verify_cli(service: ContestService, path: Path) -> dict[str, Any]:
    """Export the history and run `contest audit verify FILE --json` on it."""
    path.write_text("".join(line + "\n" for line in export_lines(service.store)), encoding="utf-8")
    out = CliRunner().invoke(cli, ["audit", "verify", str(path), "--json"])
    report = json.loads(out.stdout)
    assert out.exit_code == 0 and report["ok"], json.dumps(report["mismatches"], indent=1, default=str)
    return report


def normal(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))


def recomputed(service: ContestService, through: int) -> tuple[Any, dict[str, Any]]:
    """Round 3 assessed afresh on a replay of the history up to `through` (contest/state.py History): the visits
    and scorecards as they then stood."""
    past = service.history.state(str(through))
    cards = past.views.scorecards.cards(YEAR)
    return assess_round3(past.contest(YEAR), past.views.visits.facts(YEAR), cards), cards


def check_recorded_equals_prefix(service: ContestService) -> dict[str, Any]:
    """The recorded round-3 result is the one recomputed from the history through its `included_through`."""
    recorded = service.contest(YEAR).round3
    assert recorded is not None
    assessment, cards = recomputed(service, recorded["included_through"])
    assert not assessment.blocked, [b.message for b in assessment.blockers]
    assert (recorded["winner"], recorded["theme_winner"]) == (assessment.result.winner,
                                                              assessment.result.theme_winner)
    assert normal(recorded["result"]) == normal(assessment.result.to_dict())
    assert normal(recorded["visits"]) == normal(list(assessment.visits))
    assert normal(recorded["scorecards"]) == normal(cards)
    return recorded


def positions(service: ContestService, race: str) -> tuple[list[int], int | None]:
    """The positions of the racing change's events (after the prepared history) and of Round3Closed."""
    kinds = {"scorecard": "Scorecard.Submitted", "attendance": "Visit.AttendanceRecorded",
             "reschedule": "Visit.Rescheduled"}
    changes, closed = [], None
    for n in service.store.notifications():
        if n.topic.endswith(kinds[race]):
            changes.append(n.id)
        elif n.topic.endswith("Contest.Round3Closed"):
            closed = n.id
    return changes, closed


def race_between_read_and_save(closer: ContestService, other: ContestService, finalists: list[str], race: str,
                               hook: str) -> int:
    """Close round 3 on `closer` while `other` (another worker on the same store) saves the racing change at a
    fixed point of the close: "after_read", once the close has caught up and read its position (and this worker's
    views are then caught up past it, as another request of the same worker does), or "before_save", once the
    close has decided and before its event is saved. Returns the position the change reached."""
    fired: list[int] = []

    def change_now() -> None:
        if fired:
            return
        RACES[race](other, finalists)
        fired.append(other.event_count())
        if hook == "after_read":
            closer.readmodels.catch_up()

    with pytest.MonkeyPatch.context() as mp:
        if hook == "after_read":  # the close computes the digest through its position right after catching up
            digest_through = closer.round3.chain.digest_through

            def digest_then_change(position: int) -> str:
                found = digest_through(position)
                change_now()
                return found

            mp.setattr(closer.round3.chain, "digest_through", digest_then_change)
        else:
            save = closer.store.save

            def change_then_save(*aggregates: Any, **kwargs: Any) -> Any:
                if any(isinstance(x, Contest) for x in aggregates):
                    change_now()
                return save(*aggregates, **kwargs)

            mp.setattr(closer.store, "save", change_then_save)
        closer.round3.close(YEAR, actor=SEC)
    assert fired, "the racing change was not made"
    return fired[0]


@pytest.mark.parametrize("hook", ["after_read", "before_save"])
def test_a_change_saved_between_the_closes_read_and_its_save_is_not_counted_and_the_history_verifies(
        hook: str, store_url: str, service: ContestService, clock: FrozenClock, tmp_path: Path) -> None:
    finalists = prepare(service, clock)
    a, b, c = finalists[:3]
    for n, race in enumerate(sorted(RACES)):
        with copy_of(service, store_url, tmp_path, n) as url:
            closer = ContestService(EventStore(url), clock, SECRETS)
            other = ContestService(EventStore(url), clock, SECRETS)
            try:
                start = closer.event_count()
                reached = race_between_read_and_save(closer, other, finalists, race, hook)
                changes, closed_at = positions(closer, race)
                recorded = closer.contest(YEAR).round3
                assert recorded is not None and closed_at is not None
                through = recorded["included_through"]
                late = [p for p in changes if p > start]
                assert late and late[-1] == reached
                assert start <= through < late[0] and late[-1] < closed_at  # after the read, before the close
                # decided on the prefix: A wins (the chair's tiebreak, §4.7.10) and C the theme prize (D13), as
                # if the change had not been made; varam's counted scorecard is its first one
                assert (recorded["winner"], recorded["theme_winner"]) == (a, c), race
                assert recorded["scorecards"]["varam"]["scores"][a] == 4
                check_recorded_equals_prefix(closer)
                # the change mattered: on the history including it, the result differs
                including, _ = recomputed(closer, closed_at - 1)
                assert including.blocked or including.result.winner == b, race
                report = verify_cli(closer, tmp_path / f"history-{n}.jsonl")
                assert "round 3: the winner and the theme-prize winner" in report["matches"]
                assert f"round 3 closing: digest through position {through}" in report["matches"]
                assert report["results"][f"winner ({YEAR})"] == a
            finally:
                other.close()
                closer.close()


def race_with_threads(closer: ContestService, racer: ContestService, finalists: list[str],
                      race: str) -> dict[str, RuleViolation]:
    """Two threads released together by a barrier: one closes round 3, the other saves the racing change and
    reloads round 3's page (its worker's views catch up). Returns what was refused, by "close" or "change"."""
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []
    refused: dict[str, RuleViolation] = {}

    def run(what: str, step: Callable[[], Any]) -> None:
        try:
            barrier.wait()
            step()
        except RuleViolation as e:
            refused[what] = e
        except Exception as e:
            errors.append(e)

    def change() -> None:
        RACES[race](racer, finalists)
        racer.round3.status(YEAR)

    threads = [threading.Thread(target=run, args=("close", lambda: closer.round3.close(YEAR, actor=SEC))),
               threading.Thread(target=run, args=("change", change))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    return refused


ITERATIONS = 12  # per store: each race kind, on one worker and on two, twice


def test_threads_racing_a_change_against_the_close_always_leave_a_history_that_verifies(
        store_url: str, service: ContestService, clock: FrozenClock, tmp_path: Path) -> None:
    finalists = prepare(service, clock)
    a, b = finalists[:2]
    kinds = sorted(RACES)
    outcomes: dict[str, int] = {}
    for n in range(ITERATIONS):
        race = kinds[n % len(kinds)]
        one_worker = (n // len(kinds)) % 2 == 0
        with copy_of(service, store_url, tmp_path, n) as url:
            closer = ContestService(EventStore(url), clock, SECRETS)
            racer = closer if one_worker else ContestService(EventStore(url), clock, SECRETS)
            try:
                start = closer.event_count()
                refused = race_with_threads(closer, racer, finalists, race)
                changes, closed_at = positions(closer, race)
                changed = [p for p in changes if p > start]
                recorded = closer.contest(YEAR).round3
                if recorded is None:
                    # refused only because the change that blocks it came first (§4.7.1-§4.7.3)
                    assert race != "scorecard" and changed and "close" in refused, refused
                    outcome = "close refused"
                else:
                    assert closed_at is not None and "close" not in refused
                    check_recorded_equals_prefix(closer)
                    counted = [p for p in changed if p <= recorded["included_through"]]
                    if race == "scorecard":
                        assert recorded["winner"] == (b if counted else a)
                    else:
                        assert not counted  # a counted blocking change would have refused the close
                    if "change" in refused:  # refused only because round 3 had closed
                        assert not changed and "round 3" in refused["change"].message, refused
                        outcome = "change refused"
                    else:
                        assert changed and changed[-1] < closed_at  # else it would have been refused
                        outcome = "counted" if counted else "saved in between, not counted"
                verify_cli(closer, tmp_path / f"history-{n}.jsonl")
                outcomes[outcome] = outcomes.get(outcome, 0) + 1
            finally:
                if racer is not closer:
                    racer.close()
                closer.close()
    assert sum(outcomes.values()) == ITERATIONS, outcomes
