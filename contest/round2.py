"""Round 2 (§4.6) as the API and the CLI reach it, `ContestService.round2`: one object over its four parts, each in
its own module and each given the unit of work.

- the residents' vote, its secrets, results and public board: contest/votes.py (Votes), and under the `email`
  identity level the requests confirmed by a link sent by e-mail (D15): contest/vote_requests.py (VoteRequests);
- the vote window, opened, closed, extended, and interim results: contest/vote_window.py (VoteWindow);
- the jury's ballots, decisions, standings and the close of round 2: contest/ballots.py (Ballots);
- suspicious clusters and the quarantine of votes: contest/quarantine.py (Quarantine).
"""

from __future__ import annotations

from contest.ballots import Ballots
from contest.identity_settings import VoteMail
from contest.quarantine import CLUSTER_MIN_VOTES, CLUSTER_WINDOW_SECONDS, Quarantine
from contest.unit_of_work import UnitOfWork
from contest.vote_requests import VoteRequests
from contest.vote_window import VoteWindow
from contest.votes import AddressUsed, AlreadyVoted, Votes, vote_comments

__all__ = ["CLUSTER_MIN_VOTES", "CLUSTER_WINDOW_SECONDS", "AddressUsed", "AlreadyVoted", "Round2", "vote_comments"]


class Round2:
    def __init__(self, uow: UnitOfWork, vote_mail: VoteMail | None = None) -> None:
        self.gate = uow.gate
        self.votes = votes = Votes(uow)
        self.requests = requests = VoteRequests(uow, votes, vote_mail)
        self.window = window = VoteWindow(uow)
        self.jury = jury = Ballots(uow)
        self.review = review = Quarantine(uow)
        # the residents' vote (§4.6.6, D10)
        self.cast_vote = votes.cast_vote
        self.fingerprints = votes.fingerprints
        self.bind_vote_secrets = votes.bind_vote_secrets
        self.vote_secrets_problem = votes.vote_secrets_problem
        self.vote_results = votes.vote_results
        # under the `email` level (D15): the request, its link mailed, and its confirmation
        self.request_vote = requests.request_vote
        self.confirm_vote = requests.confirm_vote
        self.pending_vote = requests.pending
        self.mail_problem = requests.mail_problem
        self.board = votes.board
        self.quarantined_receipts = votes.quarantined_receipts
        # the window (§4.6.6): the clock and the secretariat
        self.open_window = window.open_window
        self.close_window = window.close_window
        self.extend_window = window.extend_window
        self.reconcile = window.reconcile
        self.checkpoint = window.checkpoint
        self.publish_interim = window.publish_interim
        # the jury (§4.6.4, D8) and the close of round 2
        self.cast_ballot = jury.cast_ballot
        self.seat_ballot = jury.seat_ballot
        self.save_ballot_draft = jury.drafts.save_ballot  # a draft is no ballot: never an event
        self.ballot_draft = jury.drafts.ballot
        self.record_decision = jury.record_decision
        self.standings = jury.standings
        self.close = jury.close
        # suspicious clusters and quarantine (§4.6.6, §4.6.7, D10, D11)
        self.vote_clusters = review.vote_clusters
        self.quarantine_log = review.quarantine_log
        self.quarantine_votes = review.quarantine_votes
        self.reinstate_votes = review.reinstate_votes
