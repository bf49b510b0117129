"""The verifier's checks of how residents were verified (RULES.md D15), and the count of votes by level.

Every vote records how its resident was verified (`Vote.Cast.verified`; a vote recorded before D15 has no such
member and was verified by the typed code); it must be the contest's level (`Rules.vote_identity`, frozen when
round 2 opens). Under `email` each vote is followed, in the same transaction, by one `AddressClaim.Claimed` naming
it, and no address key is claimed twice in a contest: one counted vote per personal code and per address.
"""

from __future__ import annotations

from typing import Any

from domain.contest import Contest

CODE = "code"


class IdentityChecks:
    """A mixin of the Verifier (contest/verify.py): its state is made by `_identity_start`."""

    mismatch: Any
    _line: int

    def _identity_start(self) -> None:
        self._by_level: dict[int, dict[str, int]] = {}  # year -> level -> votes
        self._email_votes: dict[str, tuple[int, int, int]] = {}  # vote id -> (year, position, line), until claimed
        self._claimed: set[tuple[int, str]] = set()  # (year, address key)

    def _check_level(self, contest: Contest, verified: Any, vote: str, position: int) -> None:
        """A vote was verified as its contest's level says (D15); counts it by level. The fast path of the lines
        (contest/verify_lines.py) calls it only for a vote that is not of the plain case, the typed code under
        the level `code`: those are counted from the replay's total at the end (`_identity_summary`)."""
        level = contest.rules.vote_identity
        counts = self._by_level.setdefault(contest.year, {})
        key = verified if isinstance(verified, str) else repr(verified)
        counts[key] = counts.get(key, 0) + 1
        if verified != level:
            self.mismatch(position, "a vote verified as the contest's identity level says (D15)", level, verified)
        elif verified == "email":
            self._email_votes[vote] = (contest.year, position, self._line)

    def _check_address_claim(self, event: Any, position: int) -> None:
        """An address claim names a vote verified by e-mail of the same contest, recorded just before it, and no
        address is claimed twice in a contest (D15)."""
        vote = self._email_votes.pop(str(event.vote), None)
        if vote is None or vote[0] != event.year:
            self.mismatch(position, "an address claim naming a vote verified by e-mail, not claimed yet (D15)",
                          "such a vote", event.vote)
        key = (event.year, event.address_key)
        if key in self._claimed:
            self.mismatch(position, "one counted vote per e-mail address (D15)", "a first claim", "a second claim")
        self._claimed.add(key)

    def _check_claims_complete(self) -> None:
        """Every vote verified by e-mail has its address claim (D15)."""
        for vote, (_year, position, line) in sorted(self._email_votes.items(), key=lambda kv: kv[1][1]):
            self._line = line
            self.mismatch(position, "a vote verified by e-mail has its address claim (D15)", "a claim", vote,
                          line=line)

    def _identity_summary(self, results: dict[str, Any], totals: dict[int, int]) -> None:
        """The votes of each contest by how they were verified; `totals`: every vote of each year."""
        for year in sorted(set(self._by_level) | {y for y, n in totals.items() if n}):
            counts = dict(self._by_level.get(year, {}))
            plain = totals.get(year, 0) - sum(counts.values())
            if plain:
                counts[CODE] = counts.get(CODE, 0) + plain
            results[f"votes by identity level ({year})"] = dict(sorted(counts.items()))
