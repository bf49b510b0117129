"""What round 3 adds up to (§4.7.3, §4.7.4, §4.7.8-§4.7.11, D12, D13): :func:`assess_round3` reads the contest,
the visits as plain facts (:class:`domain.visit_plan.VisitFacts`) and the scorecards, computes the final result
(:func:`domain.final_result.compute_final_result`) and names what still blocks round 3's closing.

Pure: it imports neither the contest aggregate nor the visit aggregate (so :meth:`domain.contest.Contest.close_round3`
can use it); the contest is read through :class:`Round3Contest`, the few things of it the assessment needs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from domain.config import JurySeat, Rules, VotingWindow
from domain.final_result import FinalResult, compute_final_result
from domain.round_records import Briefing
from domain.ties import JuryDecision
from domain.visit_plan import NoticeStatus, VisitFacts, notice_status
from domain.workdays import WorkCalendar


class Round3Contest(Protocol):
    """What :func:`assess_round3` reads of a contest (:class:`domain.contest.Contest` is one)."""

    @property
    def rules(self) -> Rules: ...

    @property
    def window(self) -> VotingWindow: ...

    @property
    def finalists(self) -> Sequence[str]: ...

    @property
    def briefing(self) -> Briefing | None: ...

    @property
    def voting_seats(self) -> Sequence[JurySeat]: ...

    @property
    def chair(self) -> JurySeat: ...

    @property
    def ROUND3_TIES(self) -> tuple[str, ...]: ...

    def work_calendar(self) -> WorkCalendar: ...

    def decisions_of(self, kinds: tuple[str, ...]) -> list[JuryDecision]: ...


@dataclass(frozen=True)
class Blocker:
    """Something that keeps round 3 from closing, with the clause it comes from, a machine ``code`` and its
    ``params`` (domain.transitions lists them with the other transitions' blockers)."""

    clause: str
    message: str
    municipality: str | None = None
    code: str = ""
    params: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"clause": self.clause, "message": self.message, "municipality": self.municipality,
                "code": self.code, "params": dict(self.params)}


@dataclass(frozen=True)
class Round3Assessment:
    result: FinalResult
    visits: tuple[dict[str, Any], ...]
    blockers: tuple[Blocker, ...]

    @property
    def blocked(self) -> bool:
        return bool(self.blockers)

    def clauses(self) -> str:
        seen: list[str] = []
        for b in self.blockers:
            if b.clause not in seen:
                seen.append(b.clause)
        return ", ".join(seen)

    def to_dict(self) -> dict[str, Any]:
        return {"blocked": self.blocked, "blockers": [b.to_dict() for b in self.blockers],
                "visits": list(self.visits), "result": self.result.to_dict()}


def assess_round3(contest: Round3Contest, visits: Mapping[str, VisitFacts],
                  scorecards: Mapping[str, Mapping[str, Any]]) -> Round3Assessment:
    """Round 3 as the visits, the scorecards and the recorded decisions stand (:func:`compute_final_result`),
    with every visit's notice and attendance, and what still blocks closing:

    * no recorded briefing (§4.6.8); a finalist without a planned visit (§4.7.1), without a valid notice
      (§4.7.2), without recorded attendance or whose visit does not count (§4.7.3);
    * fewer counted seats with scores than the quorum (§3.2.3: the jury decides with at least five members);
    * a tie that needs a recorded jury decision (D12 winner, D13 theme prize).

    ``scorecards``: seat -> {"scores": {m: 1-5}, "justifications": {m: text}, "theme_points": {m: 0/1/2}}.
    """
    rules = contest.rules
    tz = contest.window.timezone
    finalists = contest.finalists
    blockers: list[Blocker] = []
    if contest.briefing is None:
        blockers.append(Blocker("§4.6.8", "the jury's briefing on the finalists is not recorded",
                                code="briefing_missing"))
    attendance: dict[str, set[str]] = {}
    statuses: dict[str, NoticeStatus] = {}
    for m in finalists:
        facts = visits.get(m)
        if facts is None:
            blockers.append(Blocker("§4.7.1", f"{m} has no visit planned", m, "visit_not_planned",
                                    {"municipality": m}))
            continue
        status = statuses[m] = notice_status(contest.work_calendar(), facts.notice, facts.plan,
                                             rules.notice_working_days)
        if not status.valid:
            when = {k: v for k, v in status.to_dict().items() if k not in ("valid", "reason")}
            blockers.append(Blocker("§4.7.2", f"the visit to {m} has no valid notice: {status.reason}", m,
                                    "notice_invalid", {"municipality": m, **when}))
        if facts.attendance is None:
            blockers.append(Blocker("§4.7.3", f"the visit to {m} has no attendance recorded", m,
                                    "attendance_missing", {"municipality": m}))
        else:
            attendance[m] = set(facts.attendance)
    scores = {seat: {m: (card["scores"][m], card["justifications"].get(m, "")) for m in card["scores"]}
              for seat, card in scorecards.items()}
    theme = {seat: dict(card["theme_points"]) for seat, card in scorecards.items()}
    result = compute_final_result(
        finalists, [s.id for s in contest.voting_seats], contest.chair.id, attendance, scores, theme,
        contest.decisions_of(contest.ROUND3_TIES), min_seats_per_visit=rules.visit_min_seats,
        min_visits_per_seat=rules.seat_min_visits)
    counted = {v.municipality: v for v in result.visits}
    rows: list[dict[str, Any]] = []
    for m in finalists:
        row = counted[m]
        facts = visits.get(m)
        if facts is not None and facts.attendance is not None and not row.counted:
            blockers.append(Blocker("§4.7.3", f"the visit to {m} does not count: {row.reason}", m,
                                    "visit_not_counted", {"municipality": m, "needed": rules.visit_min_seats,
                                                          "voting_present": list(row.voting_present)}))
        rows.append({
            "municipality": m,
            "planned": facts is not None,
            "plan": facts.plan.to_json(tz) if facts else None,
            "reschedules": facts.reschedules if facts else 0,
            "notice": statuses[m].to_dict() if m in statuses else None,
            "attendance": dict(facts.attendance) if facts and facts.attendance is not None else None,
            "voting_present": list(row.voting_present),
            "other_present": list(row.other_present),
            "counted": row.counted and (m in statuses and statuses[m].valid),
            "reason": row.reason,
        })
    scoring = [s.seat for s in result.seats if s.counted and s.scores_submitted]
    if len(scoring) < rules.quorum:
        blockers.append(Blocker(
            "§3.2.3", f"scores from {len(scoring)} counted seat(s) ({', '.join(scoring) or 'none'}); the jury "
                      f"decides with at least {rules.quorum} (§3.2.3, §4.7.4)",
            code="scores_below_quorum", params={"scoring": len(scoring), "seats": scoring, "needed": rules.quorum}))
    for tie in result.open_ties:
        what = "winner" if tie.kind == "winner" else "theme prize"
        blockers.append(Blocker(tie.clause, f"the {what} is tied between {', '.join(tie.tied)}: a recorded jury "
                                            f"decision of kind '{tie.kind}' is needed (§3.2.4)",
                                code="tie_open", params=tie.to_dict()))
    return Round3Assessment(result, tuple(rows), tuple(blockers))
