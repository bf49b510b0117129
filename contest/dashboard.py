"""Where the contest stands, for the progress page of the secretariat (§3.2.5) and of the jury's chair (§3.2.2):
which voting seats have sent their round-2 ballot (§4.6.4) and their round-3 scores (§4.7.8), which municipalities
have answered the questionnaire and how much (§4.2), each planned visit's last day for its notice (§4.7.2, by the
contest's recorded calendar, D17) and whether it was given in time, and what blocks the next transition (decided
by domain.transitions, gathered by contest/transitions.py: the desk's list).

Read only, from the same read models and queries the API answers with; nothing is decided here but what a reader
who does not hold the vote's live tally is shown of the blockers (domain.transitions.blockers_seen_by, D10).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from contest.transitions import transitions
from domain.contest import ROUND1, ROUND2, ROUND3, Contest
from domain.transitions import blockers_seen_by

if TYPE_CHECKING:
    from contest.service import ContestService


def seat_rows(service: ContestService, contest: Contest) -> list[dict[str, Any]]:
    """Every voting seat (§3.2.1, D1) with its round-2 ballot and its round-3 scorecard as recorded: each is
    None before its round has opened, else {"submitted", "at", "cast_by"}."""
    year = contest.year
    service.readmodels.catch_up()
    views = service.views
    ballots = views.ballots.states(year) if contest.has_reached(ROUND2) else None
    cards = views.scorecards.states(year) if contest.has_reached(ROUND3) else None

    def sent(states: dict[str, Any] | None, seat: str, at: str) -> dict[str, Any] | None:
        if states is None:
            return None
        state = states.get(seat)
        return {"submitted": state is not None, "at": getattr(state, at, None) if state else None,
                "cast_by": state.cast_by if state else None}

    return [{"seat": s.id, "organisation": s.organisation, "person": s.person, "chair": s.chair,
             "ballot": sent(ballots, s.id, "cast_at"), "scorecard": sent(cards, s.id, "submitted_at")}
            for s in contest.voting_seats]


def municipality_rows(service: ContestService, contest: Contest) -> list[dict[str, Any]] | None:
    """Each participant (§3.3) with the number of questions it has answered (§4.2) and its open requests for
    information (§4.4); None before round 1 opens."""
    if not contest.has_reached(ROUND1):
        return None
    return [{"municipality": s["municipality"], "name": s["name"], "answered": s["answered"],
             "submitted": s["answered"] > 0, "last_saved_at": s["last_saved_at"],
             "open_requests": len(s["open_requests"])} for s in service.round1.submissions(contest.year)]


def visit_rows(service: ContestService, contest: Contest) -> list[dict[str, Any]] | None:
    """Each planned visit (§4.7.1) with its notice (§4.7.2): the last day it may be given, whether the one
    recorded was in time for the visit as planned now, and whether the last day has passed without one; None
    before round 3."""
    if not contest.has_reached(ROUND3):
        return None
    today = contest.local_day(service.clock.now())
    rows = []
    for v in service.round3.visits(contest.year):
        notice = v["notice"]
        latest = notice["latest_notice_date"]
        if notice["valid"]:
            state = "in_time"
        elif notice["date"] and notice["working_days_given"] is not None and \
                notice["working_days_given"] >= notice["working_days_required"]:
            state = "superseded"  # given in time for a plan that has changed since: a new notice is due
        elif notice["date"]:
            state = "late"
        else:
            state = "overdue" if today.isoformat() > latest else "due"
        rows.append({"municipality": v["municipality"], "name": v["name"], "plan": v["plan"],
                     "latest_notice_date": latest, "notice_date": notice["date"],
                     "working_days_required": notice["working_days_required"],
                     "working_days_given": notice["working_days_given"], "state": state})
    return rows


def dashboard(service: ContestService, year: int, *, live_reader: bool,
              contest: Contest | None = None) -> dict[str, Any]:
    """The progress page's data. `live_reader`: the reader sees the vote's live tally (the secretariat,
    domain.publication.LIVE_READERS), and so every blocker; the chair is shown the others (D10)."""
    contest = contest or service.contest(year)
    state = transitions(service, year, contest)
    seats = seat_rows(service, contest)
    municipalities = municipality_rows(service, contest)
    return {
        "year": year,
        "stage": contest.stage,
        "next": state["next"],
        "today": contest.local_day(service.clock.now()).isoformat(),
        "seats": seats,
        "quorum": contest.rules.quorum,
        "ballots_open": contest.has_reached(ROUND2),
        "scores_open": contest.has_reached(ROUND3),
        "municipalities": municipalities,
        "submitted": None if municipalities is None else sum(1 for m in municipalities if m["submitted"]),
        "visits": visit_rows(service, contest),
        "notice_working_days": contest.rules.notice_working_days,
        "blockers": blockers_seen_by(state["blockers"], live_reader=live_reader,
                                     window_status=contest.window_status),
    }
