"""The residents' vote window (§4.6.6): scheduled -> open -> closed, and what each of its commands may do.

The configured instants decide: votes are taken from `opens_at` to `closes_at` inclusive unless the window was
closed, so a late clock neither keeps a closed window open nor delays the opening. The scheduler opens and closes
the window on time; the secretariat may open it early, close it at any time or extend it, each with a reason.
Who sees the tallies when (D10) is domain.publication's.

Pure decisions over the window (domain.config.VotingWindow) and its status; the aggregate (domain.contest) records
the events.
"""

from __future__ import annotations

from datetime import datetime

from domain.config import VotingWindow, instant_str
from domain.errors import InvalidInput, RuleViolation

WINDOW_SCHEDULED, WINDOW_OPEN, WINDOW_CLOSED = "scheduled", "open", "closed"


def window_times(window: VotingWindow, status: str) -> dict[str, str]:
    """The window as a refusal's details name it: its instants, time zone and status."""
    return {"opens_at": instant_str(window.opens_at), "closes_at": instant_str(window.closes_at),
            "timezone": window.timezone, "status": status}


def accepts_votes_at(window: VotingWindow, status: str, at: datetime) -> bool:
    """Votes are taken from opens_at to closes_at inclusive, unless the window was closed (§4.6.6)."""
    return status != WINDOW_CLOSED and window.opens_at <= at <= window.closes_at


def require_vote_window(window: VotingWindow, status: str, at: datetime) -> None:
    """Refuse a vote outside the window (§4.6.6), saying whether it is closed or not open yet."""
    if not accepts_votes_at(window, status, at):
        if status == WINDOW_CLOSED or at > window.closes_at:
            message = "the residents' vote is closed"
        else:
            message = "the residents' vote has not opened yet"
        raise RuleViolation(message, clause="§4.6.6", field="window", **window_times(window, status))


def require_reconfigurable(status: str) -> None:
    """The window's configured instants change only while it is scheduled; afterwards the open, close and extend
    commands change it, each with its reason (§4.6.6)."""
    if status != WINDOW_SCHEDULED:
        raise RuleViolation(f"the vote window is {status}: change it with the open, close or extend commands, "
                            "which record their reason", clause="§4.6.6", field="window")


def opening_at(window: VotingWindow, status: str, at: datetime, *, manual: bool, round3_started: bool
               ) -> datetime | None:
    """The opening instant to record when the window is opened at `at`, or None when nothing is recorded: it is
    open already, or the scheduler finds it closed, past its closing time or not due yet. The secretariat may open
    it early (manual); opening a closed window, or one past its closing time, is refused to it. The vote belongs
    to round 2: once round 3 has started the window does not open."""
    if status == WINDOW_OPEN:
        return None
    if status == WINDOW_CLOSED:
        if manual:
            raise RuleViolation("the residents' vote has closed; it is not reopened", clause="§4.6.6",
                                **window_times(window, status))
        return None
    if at > window.closes_at:
        if manual:
            raise RuleViolation("the window's closing time has passed; extend it to a later time instead",
                                clause="§4.6.6", **window_times(window, status))
        return None
    if at < window.opens_at and not manual:
        return None  # not yet: the scheduler waits for the instant
    if round3_started:
        raise RuleViolation("round 3 has started: the vote belongs to round 2", clause="§4.6.6, §4.6.7")
    return min(at, window.opens_at)


def closes_now(window: VotingWindow, status: str, at: datetime, *, manual: bool) -> bool:
    """Whether a closing is recorded at `at`: not when the window is closed already, nor for the scheduler before
    the closing time; the secretariat closes it at any time (§4.6.6)."""
    if status == WINDOW_CLOSED:
        return False
    return manual or at > window.closes_at


def check_extension(window: VotingWindow, status: str, closes_at: datetime, at: datetime, reason: str) -> None:
    """An extension (§4.6.6) moves the closing time later, into the future, while the window is not closed, and
    says why."""
    if status == WINDOW_CLOSED:
        raise RuleViolation("the residents' vote has closed; it cannot be extended", clause="§4.6.6",
                            **window_times(window, status))
    if closes_at <= window.closes_at or closes_at <= at:
        raise RuleViolation("an extension must move the closing time later, into the future",
                            clause="§4.6.6", field="closes_at", **window_times(window, status))
    if not reason.strip():
        raise InvalidInput({"reason": ["say why the window is extended"]})


def require_interim_publishable(status: str) -> None:
    """D10: an interim result is published while the vote is open."""
    if status != WINDOW_OPEN:
        raise RuleViolation("an interim result is published while the vote is open", clause="D10")
