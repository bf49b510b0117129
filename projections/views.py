"""Every read model of the service, together: what a process keeps current, a replay rebuilds and a snapshot
saves (contest/projection_store.py)."""

from __future__ import annotations

from projections.ballots import BallotsView
from projections.base import View
from projections.notifications import NotificationsView
from projections.round2 import VotesView
from projections.round3 import ScorecardsView, VisitsView
from projections.submissions import SubmissionsView


class Views:
    def __init__(self) -> None:
        self.submissions = SubmissionsView()
        self.ballots = BallotsView()
        self.votes = VotesView()
        self.visits = VisitsView()
        self.scorecards = ScorecardsView()
        self.notifications = NotificationsView()

    def all(self) -> list[View]:
        return [self.submissions, self.ballots, self.votes, self.visits, self.scorecards, self.notifications]
