"""Drafts of a jury seat's round-2 ballot (§4.6.4, D8) and round-3 score sheet (§4.7.8, §4.7.11): what a member
has filled in so far and saved without submitting, kept in a table `contest_jury_drafts` beside the events
(contest/side_table.py), one row per contest, kind ("ballot" or "scores") and seat.

Why a table, not an event such as Ballot.DraftSaved: a draft is not a ballot. The history is what the rules count
and what auditors recompute (RULES.md "Audit"); a draft must never count, never be exported as a ballot and never
be mistaken for one. Kept out of the notification log, it cannot reach the standings, round 2's or round 3's
close, the audit export or either verifier, by construction rather than by every reader remembering to skip an
event type (the independent verifier, written from docs/AUDIT.md alone, would have to learn it too). A draft is
also rewritten at every "save", half-finished and sometimes wrong: the member's working notes, not a decision,
so nothing of it belongs in a history kept for good. What the seat decides is the submission, which is the
event (Ballot.Cast, Scorecard.Submitted) through the same command as the API's.

A draft is saved only while its round is open and only for the seat's own token; it is deleted when the seat
submits (through the page or the API), and a draft older than the seat's last submission is not offered again.
Its content is kept as given (a draft may be incomplete or break the rules: the rules are checked at submission),
limited to the round's municipalities and to the API's sizes.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from contest.side_table import SideTable
from contest.unit_of_work import UnitOfWork
from domain.actors import JUROR, Actor
from domain.contest import ROUND2, Contest
from domain.errors import InvalidInput, RuleViolation
from domain.visit import require_round3

TABLE = "contest_jury_drafts"
CREATE = ("CREATE TABLE IF NOT EXISTS {t} (year INTEGER NOT NULL, kind TEXT NOT NULL, seat TEXT NOT NULL, "
          "body TEXT NOT NULL, saved_at DOUBLE PRECISION NOT NULL, PRIMARY KEY (year, kind, seat))",)
BALLOT, SCORES = "ballot", "scores"
MAX_TEXT = 5000  # as the API's justifications (api/round2_schemas.py, api/round3.py)
MAX_NAME = 120


@dataclass(frozen=True)
class Draft:
    """A saved draft: its fields as saved and when."""

    body: dict[str, Any]
    saved_at: datetime


def _own_seat(actor: Actor, seat: str) -> None:
    if actor.role == JUROR and actor.seat != seat:
        raise PermissionError(f"this token drafts for seat {actor.seat}, not {seat} (§3.2.1)")


def _clean(values: Mapping[str, Any], codes: list[str], field: str, allowed: tuple[int, ...]) -> dict[str, Any]:
    """A draft's values per municipality: each code one of `codes`, each value one of `allowed` or None (not
    chosen yet); InvalidInput naming the field otherwise."""
    errors: dict[str, list[str]] = {}
    out: dict[str, Any] = {}
    for code, value in values.items():
        if code not in codes:
            errors[field] = [f"{code!r} is not one of this round's municipalities"]
        elif value is not None and (isinstance(value, bool) or value not in allowed):
            errors[f"{field}.{code}"] = [f"must be one of {', '.join(map(str, allowed))} or empty"]
        else:
            out[code] = value
    if errors:
        raise InvalidInput(errors, "malformed draft")
    return out


def _texts(values: Mapping[str, Any], codes: list[str], field: str) -> dict[str, str]:
    errors = {f"{field}.{c}": ["must be text of at most 5000 characters"] for c, v in values.items()
              if not isinstance(v, str) or len(v) > MAX_TEXT}
    stray = [c for c in values if c not in codes]
    if stray:
        errors[field] = [f"{c!r} is not one of this round's municipalities" for c in stray]
    if errors:
        raise InvalidInput(errors, "malformed draft")
    return {c: v for c, v in values.items() if v.strip()}


def _caster(cast_by: str | None) -> str | None:
    if cast_by is not None and (not isinstance(cast_by, str) or len(cast_by) > MAX_NAME):
        raise InvalidInput({"cast_by": ["must be 'member' or a substitute's name"]}, "malformed draft")
    return cast_by


class JuryDrafts:
    """The drafts of one store; the clock is the service's."""

    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self.rows = SideTable(uow.store, TABLE, CREATE)

    # ----- round 2: the ballot (§4.6.4, D8) -----

    def save_ballot(self, year: int, seat: str, points: Mapping[str, int | None], justifications: Mapping[str, str],
                    *, cast_by: str | None, actor: Actor) -> Draft:
        """Save the seat's ballot as drafted so far: refused once round 2 is not open (§4.6.4), as a cast is."""
        _own_seat(actor, seat)
        contest = self._contest(year, seat)
        contest.require_not_sealed()
        if contest.stage != ROUND2:
            raise RuleViolation(f"a ballot is drafted while round 2 is open; the contest is in {contest.stage}",
                                clause="§4.6.4", stage=contest.stage)
        codes = contest.round2_municipalities
        body = {"points": _clean(points, codes, "points", (0, 1, 2, 3, 4, 5)),
                "justifications": _texts(justifications, codes, "justifications"), "cast_by": _caster(cast_by)}
        return self._save(year, BALLOT, seat, body)

    def ballot(self, year: int, seat: str, *, actor: Actor) -> Draft | None:
        """The seat's ballot draft, unless it is older than the seat's last ballot (then it is stale: gone)."""
        _own_seat(actor, seat)
        self.uow.readmodels.catch_up()
        cast = self.uow.views.ballots.states(year).get(seat)
        return self._fresh(year, BALLOT, seat, cast.cast_at if cast else None)

    # ----- round 3: the score sheet (§4.7.8, §4.7.11) -----

    def save_scores(self, year: int, seat: str, scores: Mapping[str, int | None], justifications: Mapping[str, str],
                    theme_points: Mapping[str, int | None], *, cast_by: str | None, actor: Actor) -> Draft:
        """Save the seat's score sheet as drafted so far: refused once round 3 is not open (§4.7.8)."""
        _own_seat(actor, seat)
        contest = self._contest(year, seat)
        require_round3(contest, "round-3 scores are drafted", "§4.7.8")
        codes = contest.finalists
        body = {"scores": _clean(scores, codes, "scores", (1, 2, 3, 4, 5)),
                "justifications": _texts(justifications, codes, "justifications"),
                "theme_points": _clean(theme_points, codes, "theme_points", (0, 1, 2)), "cast_by": _caster(cast_by)}
        return self._save(year, SCORES, seat, body)

    def scores(self, year: int, seat: str, *, actor: Actor) -> Draft | None:
        _own_seat(actor, seat)
        self.uow.readmodels.catch_up()
        card = self.uow.views.scorecards.states(year).get(seat)
        return self._fresh(year, SCORES, seat, card.submitted_at if card else None)

    # ----- the rows -----

    def discard(self, year: int, kind: str, seat: str) -> None:
        """Forget the seat's draft (its submission was recorded)."""
        self.rows.run("DELETE FROM {t} WHERE year = ? AND kind = ? AND seat = ?", (year, kind, seat))

    def _contest(self, year: int, seat: str) -> Contest:
        contest = self.uow.gate.contest(year)
        contest.seat(seat)  # NotFound for a seat the jury does not have (§3.2.1)
        return contest

    def _save(self, year: int, kind: str, seat: str, body: dict[str, Any]) -> Draft:
        at = self.uow.clock.now()
        self.rows.run("INSERT INTO {t} (year, kind, seat, body, saved_at) VALUES (?, ?, ?, ?, ?) "
                      "ON CONFLICT (year, kind, seat) DO UPDATE SET body = excluded.body, saved_at = excluded.saved_at",
                      (year, kind, seat, json.dumps(body, ensure_ascii=False, sort_keys=True), at.timestamp()))
        return Draft(body, at)

    def _fresh(self, year: int, kind: str, seat: str, submitted_at: datetime | None) -> Draft | None:
        rows = self.rows.run("SELECT body, saved_at FROM {t} WHERE year = ? AND kind = ? AND seat = ?",
                             (year, kind, seat), fetch=True)
        if not rows:
            return None
        saved_at = datetime.fromtimestamp(rows[0]["saved_at"], UTC)
        if submitted_at is not None and saved_at < submitted_at:
            self.discard(year, kind, seat)
            return None
        return Draft(json.loads(rows[0]["body"]), saved_at)
