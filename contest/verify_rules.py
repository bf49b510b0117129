"""The rules `contest audit verify` checks again on each event, on the state before it (contest/verify.py): a vote
against its contest's window, municipalities, scale and secrets (§4.6.6, D10); a ballot against the jury (§3.2.1,
§4.6.4, D8); each closing's digest (D14, D16) and result recomputed (round 1: D2–D7; round 2: D8–D11; round 3:
§4.7.3, §4.7.4, D12, D13); each review of votes (§4.6.6, D10); the approval (§7.4, D14)."""

from __future__ import annotations

from typing import Any

from contest.verify_identity import IdentityChecks
from contest.verify_report import PUBLISHING, _plain
from domain.actors import SECRETARIAT
from domain.ballot import Ballot
from domain.ballots import validate_ballot
from domain.contest import ROUND1, ROUND2, SEALED, WINDOW_CLOSED, Contest
from domain.errors import DomainError
from domain.submission import Submission
from domain.visit import assess_round3
from domain.vote import AddressClaim, Vote

# a vote's contest, eligible municipalities, rating scale, window (opens, closes) unless closed, secrets bound,
# the year's bytes in a resident's spilled key (RuleChecks._vote_context)
VoteContext = tuple[Contest | None, frozenset[str], int, int, tuple[Any, Any] | None, bool, bytes | None, str]


class RuleChecks(IdentityChecks):
    """The checking half of the Verifier (contest/verify.py holds the state the checks read)."""

    def _contest(self, year: int) -> Contest | None:
        """The year's contest as it stands before the event being checked (looked up once per year between two
        events that are not votes: a vote changes no contest)."""
        cacheable = type(year) is int
        if cacheable and year in self._contests_now:
            return self._contests_now[year]
        try:
            found: Contest | None = self.replay.contest(year)
        except DomainError:
            found = None
        if cacheable:
            self._contests_now[year] = found
        return found

    def _check_event(self, event: Any, position: int) -> None:
        """The rules of one event, by its class (RULES below)."""
        if isinstance(event, Vote.Cast):
            self._check_vote(event, position)
            return
        for cls in type(event).__mro__:
            check = RULES.get(cls)
            if check is not None:
                check(self, event, position)
                return

    def _check_ballot_opened(self, event: Any, position: int) -> None:
        contest = self._contest(event.year)
        seats = {s.id for s in contest.voting_seats} if contest else set()
        if event.seat not in seats:
            self.mismatch(position, "a ballot from a voting seat of the jury (§3.2.1, D1)", sorted(seats), event.seat)

    def _check_answers_saved(self, event: Any, position: int) -> None:
        owner = self.replay.views.submissions.owner_of(event.originator_id)
        contest = self._contest(owner[0]) if owner else None
        if contest is None or contest.stage != ROUND1:
            self.mismatch(position, "answers saved while round 1 is open (§4.2)", ROUND1,
                          contest.stage if contest else None)

    def _check_vote(self, event: Any, position: int) -> None:
        context = self._vote_contexts.get(event.year) if type(event.year) is int else None
        if context is None:
            context = self._vote_context(event.year)
        contest, eligible, low, high = context[:4]
        if contest is None:
            self.mismatch(position, "a vote for an existing contest", "a contest", event.year)
            return
        if not contest.accepts_votes_at(event.at):
            self.mismatch(position, "a vote inside the window in force when it was recorded (§4.6.6)",
                          contest.window_times(), event.at.isoformat())
        try:
            eligible_one = event.municipality in eligible
        except TypeError:  # not hashable: not a municipality's code
            eligible_one = False
        if not eligible_one:
            self.mismatch(position, "a vote for an eligible municipality (D10)", "a participant", event.municipality)
        self._check_vote_secrets_bound(contest, position)
        if not low <= event.rating <= high:
            self.mismatch(position, "a rating within the scale (D10)", f"{low}-{high}", event.rating)
        self._check_level(contest, getattr(event, "verified", "code"), str(event.originator_id), position)
        if self.board is not None:
            self.votes.append((event.receipt, event.municipality, event.rating, str(event.originator_id)))
        self.residents.add(event.year, event.resident_key, self._line, position)  # checked at the end

    def _vote_context(self, year: Any) -> VoteContext:
        """What a vote of `year` is checked against, as the contest stands: the contest, the municipalities
        eligible (D10), the rating scale, the window's instants when it is not closed (Contest.accepts_votes_at),
        whether the vote secrets are bound (D10) and the year's two bytes of a resident's spilled key (None for a
        year ResidentSpill hashes); kept until the next event that is not a vote (a vote changes no contest)."""
        contest = self._contest(year)
        year_bytes = year.to_bytes(2, "big") if type(year) is int and 0 <= year < 0xFFFF else None
        if contest is None:
            return None, frozenset(), 0, 0, None, False, year_bytes, "code"
        rules = contest.rules
        window = None if contest.window_status == WINDOW_CLOSED else (contest.window.opens_at,
                                                                       contest.window.closes_at)
        context = (contest, frozenset(contest.eligible_for_vote()), rules.vote_rating_min, rules.vote_rating_max,
                   window, contest.vote_secrets is not None, year_bytes, rules.vote_identity)
        if type(year) is int:
            self._vote_contexts[year] = context
        return context

    def _check_vote_secrets_bound(self, contest: Contest, position: int) -> None:
        """D10: a vote is recorded after its contest recorded the fingerprints of the secrets it is keyed with."""
        if contest.vote_secrets is None:
            self.mismatch(position, "a vote recorded after its contest's Contest.VoteSecretsBound (D10)",
                          "the vote secrets bound before the contest's first vote", "no binding before this vote")

    def _check_secrets_binding(self, event: Any, position: int) -> None:
        """D10: one binding of the vote secrets per contest, by the command of its first vote; a second one would
        key the later votes with other secrets (every resident could vote again). The fingerprints are reported."""
        year = self._year_of(event)
        contest = self._contest(year)
        if contest is None:
            return
        seen = {"voter": event.voter_fingerprint, "receipt": event.receipt_fingerprint}
        if contest.vote_secrets is not None:
            self.mismatch(position, "one binding of the vote secrets per contest (D10)",
                          self.report.fingerprints.get(str(year)), seen)
            return
        self.report.fingerprints[str(year)] = seen
        self.report.results[f"vote secrets ({year})"] = (f"voter fingerprint {event.voter_fingerprint}, "
                                                         f"receipt fingerprint {event.receipt_fingerprint}")

    def _check_ballot(self, event: Any, position: int) -> None:
        owner = self.replay.views.ballots.owner_of(event.originator_id)
        contest = self._contest(owner[0]) if owner else None
        if contest is None:
            return  # already reported at Opened
        if contest.stage != ROUND2:
            self.mismatch(position, "a ballot cast while round 2 is open (§4.6.4)", ROUND2, contest.stage)
        try:
            validate_ballot(event.points, event.justifications, contest.round2_municipalities)
        except DomainError as e:
            self.mismatch(position, "a ballot that keeps §4.6.4 and D8", "a valid ballot", str(e))

    def _check_digest(self, what: str, recorded: str | None, through: int, position: int) -> None:
        expected = self._digest_at(through)
        if recorded != expected:
            self.mismatch(position, f"{what}: the digest of the history through position {through}", expected,
                          recorded)
        else:
            self.match(f"{what}: digest through position {through}")

    def _check_round1(self, event: Any, position: int) -> None:
        contest = self._contest(self._year_of(event))
        if contest is None:
            return
        self._check_digest("round 1 closing", event.digest, event.included_through, position)
        answers = self.replay.views.submissions.answers_through(contest.year, event.included_through)
        result = contest.score_round1(answers).to_dict(explanations=False)
        recomputed = [r["municipality"] for r in result["ranking"]]
        recorded = [r["municipality"] for r in event.ranking]
        if recomputed != recorded or [r["place"] for r in result["ranking"]] != [r["place"] for r in event.ranking]:
            self.mismatch(position, "round 1 ranking (§4.2, D2-D6)", recomputed, recorded)
        else:
            self.match(f"round 1 ranking of {len(recorded)} municipalities")
        if list(result["advancing"]) != list(event.advancing):
            self.mismatch(position, "round 1: the municipalities advancing to round 2 (§4.5, D7)",
                          list(result["advancing"]), list(event.advancing))
        else:
            self.match(f"round 1: {len(event.advancing)} advancing to round 2")
        self.report.results[f"round 1 advancing ({contest.year})"] = ", ".join(event.advancing)

    def _check_round2(self, event: Any, position: int) -> None:
        contest = self._contest(self._year_of(event))
        if contest is None:
            return
        self._check_digest("round 2 closing", event.digest, event.included_through, position)
        views = self.replay.views
        ballots = views.ballots.ballots_through(contest.year, event.included_through)
        tallies = views.votes.stats(contest.year)
        recorded_tallies = {m: tuple(t) for m, t in event.tallies.items()}
        held = views.votes.quarantined_total(contest.year)
        if tallies != recorded_tallies:
            self.mismatch(position, "round 2: the vote tally recorded equals the votes in the history, without "
                          "those in quarantine (§4.6.6, §4.6.7)", tallies, recorded_tallies)
        else:
            self.match(f"round 2: the vote tally ({sum(t[0] for t in tallies.values())} votes counted, "
                       f"{held} in quarantine left out)")
        if ballots != event.ballots:
            self.mismatch(position, "round 2: the ballots recorded equal the last ballot of each seat (§4.6.4)",
                          ballots, event.ballots)
        outcome = contest.round2_outcome(ballots, tallies)
        recomputed = [f.municipality for f in outcome.finalists]
        recorded = [f["municipality"] for f in event.finalists]
        if outcome.blocked or recomputed != recorded:
            self.mismatch(position, "round 2 finalists (§4.6.7, D10, D11)", recomputed, recorded)
        else:
            self.match("round 2 finalists")
        self.report.results[f"finalists ({contest.year})"] = ", ".join(recorded)

    def _check_quarantine(self, event: Any, position: int) -> None:
        self._check_review(event, position, "quarantined")

    def _check_reinstatement(self, event: Any, position: int) -> None:
        self._check_review(event, position, "reinstated")

    def _check_review(self, event: Any, position: int, what: str) -> None:
        """A quarantine or a reinstatement (§4.6.6, D10): by the secretariat, with a reason, of votes of this contest
        recorded before it, while the finalists are not yet fixed (§4.6.7, D11) and the contest is not sealed
        (D14). Its effect on the tally is recomputed by the replay and checked at round 2's closing."""
        contest = self._contest(self._year_of(event))
        if contest is None:
            return
        if contest.stage == SEALED or contest.round2 is not None:
            self.mismatch(position, f"votes {what} before the finalists are fixed (§4.6.7, D11, D14)",
                          "round 2 open", contest.stage)
        votes = self.replay.views.votes
        years = votes.years_of(event.votes)
        foreign = [v for v in event.votes if years.get(v) != contest.year]
        if foreign:
            self.mismatch(position, f"votes {what} are votes of this contest recorded before", "votes of the history",
                          foreign[:5])
        if not str(event.reason).strip() or (event.actor or {}).get("role") != SECRETARIAT:
            self.mismatch(position, f"votes {what} by the secretariat with a reason", "secretariat, a reason",
                          f"{(event.actor or {}).get('role')}, {event.reason!r}")
        self._reviews[what] = self._reviews.get(what, 0) + len(event.votes)

    def _check_round3(self, event: Any, position: int) -> None:
        contest = self._contest(self._year_of(event))
        if contest is None:
            return
        through = event.included_through
        self._check_digest("round 3 closing", event.digest, through, position)
        # decided on the visits and scorecards recorded through `included_through`, not on any saved between that
        # position and the close's own line (§4.7.9, as rounds 1 and 2)
        views = self.replay.views
        assessment = assess_round3(contest, views.visits.facts_through(contest.year, through),
                                   views.scorecards.cards_through(contest.year, through))
        result = assessment.result
        recorded_table = event.result if isinstance(event.result, dict) else {}
        found = (event.winner, event.theme_winner)
        found_in_table = (recorded_table.get("winner"), recorded_table.get("theme_winner"))
        expected = (result.winner, result.theme_winner) if not assessment.blocked else ("(blocked)", "(blocked)")
        if expected != found or expected != found_in_table:
            self.mismatch(position, "round 3: the winner and the theme-prize winner (§4.7.9-§4.7.11, D12, D13)",
                          expected, found if expected != found else found_in_table)
        elif _plain(result.to_dict()) != _plain(recorded_table):
            self.mismatch(position, "round 3: the recorded table equals the recomputed one (§4.7.3-§4.7.11)",
                          "the recomputed averages, counted seats and visits", "a different table")
        else:
            self.match("round 3: the winner and the theme-prize winner")
        self.report.results[f"winner ({contest.year})"] = event.winner
        self.report.results[f"theme prize ({contest.year})"] = event.theme_winner

    def _check_approval(self, event: Any, position: int) -> None:
        contest = self._contest(self._year_of(event))
        self._check_digest("the council's approval (D14)", event.digest, event.digest_through, position)
        self._approvals.append((position, event.digest, event.digest_through, self._digest_at(event.digest_through)))
        if contest is not None and contest.round3 is not None and event.round3_digest != contest.round3["digest"]:
            self.mismatch(position, "the approval names round 3's recorded result", contest.round3["digest"],
                          event.round3_digest)
        self.report.results["approved"] = f"decision {event.decision_number} of {event.decision_date}"
        self.report.results["approved digest"] = event.digest

    def _check_window_closed(self, event: Any, position: int) -> None:
        self._check_published_digest("the window's closing (D16)", event, position)

    def _check_interim(self, event: Any, position: int) -> None:
        self._check_published_digest("an interim result (D16)", event, position)

    def _check_published_digest(self, what: str, event: Any, position: int) -> None:
        through, digest = getattr(event, "included_through", None), getattr(event, "digest", None)
        if through is not None or digest is not None:  # recorded before checkpoints existed: none published
            self._check_digest(what, digest, through if type(through) is int else -1, position)

    # ----- checkpoints (D16) and the approved digest (D14) -----

    def _note_published(self, event: Any, position: int) -> None:
        published = PUBLISHING.get(type(event))
        if published is None:
            return
        kind, field_name = published
        through, digest = getattr(event, field_name, None), getattr(event, "digest", None)
        if type(through) is int and isinstance(digest, str):
            self._published.setdefault((kind, through, digest), []).append((position, self._year_of(event)))

    def _year_of(self, event: Any) -> int:
        contest = self.replay.contests.get(event.originator_id)
        return contest.year if contest else -1


# Each event class and the check of its rules (a vote's is _check_event's own).
RULES: dict[type, Any] = {
    Ballot.Opened: RuleChecks._check_ballot_opened,
    Ballot.Cast: RuleChecks._check_ballot,
    Submission.AnswersSaved: RuleChecks._check_answers_saved,
    Contest.Round1Closed: RuleChecks._check_round1,
    Contest.VoteSecretsBound: RuleChecks._check_secrets_binding,
    Contest.InterimResultPublished: RuleChecks._check_interim,
    Contest.VotingWindowClosed: RuleChecks._check_window_closed,
    Contest.VotesQuarantined: RuleChecks._check_quarantine,
    Contest.VotesReinstated: RuleChecks._check_reinstatement,
    Contest.Round2Closed: RuleChecks._check_round2,
    Contest.Round3Closed: RuleChecks._check_round3,
    Contest.ResultApproved: RuleChecks._check_approval,
    AddressClaim.Claimed: IdentityChecks._check_address_claim,
}
