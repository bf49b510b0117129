"""Identity (RULES.md D15, docs/AUDIT.md "Identity"): how each vote's resident was verified, and under `email` one
address claim per vote and one vote per address."""

from __future__ import annotations

from typing import Any

PLAIN = "code"  # a vote without `verified`, and the level of a contest whose rules do not name one


class Levels:
    """What the verifier keeps for D15. Votes verified by the typed code in a contest of level `code` (every vote
    of a contest before D15) are not counted one by one: they are the contest's votes minus the others."""

    def __init__(self) -> None:
        self.counted: dict[int, dict[str, int]] = {}  # year -> verified -> votes (not the plain ones)
        self.unclaimed: dict[str, tuple[int, int | None, int]] = {}  # e-mail vote id -> (year, position, line)
        self.addresses: set[tuple[int, str]] = set()

    def vote(self, report: Any, year: int, level: str, verified: Any, agg: str, position: int | None,
             line_no: int) -> None:
        """A vote that is not plain: counted, and checked against the contest's level."""
        shown = verified if verified.__class__ is str else repr(verified)
        per_year = self.counted.setdefault(year, {})
        per_year[shown] = per_year.get(shown, 0) + 1
        if verified != level:
            report.mismatch(position, line_no, "a vote verified as its contest's vote_identity says (D15)", level,
                            verified)
        elif verified == "email":
            self.unclaimed[agg] = (year, position, line_no)

    def claim(self, report: Any, payload: dict[str, Any], position: int | None, line_no: int) -> None:
        year, vote, key = payload.get("year"), str(payload.get("vote")), payload.get("address_key")
        found = self.unclaimed.pop(vote, None)
        if found is None or found[0] != year:
            report.mismatch(position, line_no, "an address claim names an unclaimed vote verified by e-mail of its "
                            "contest (D15)", "such a vote", vote)
        if (year, key) in self.addresses:
            report.mismatch(position, line_no, "one vote per e-mail address per contest (D15)", "a first claim",
                            key)
        self.addresses.add((year, str(key)))

    def finish(self, report: Any, totals: dict[int, int]) -> None:
        """Votes by e-mail left without a claim; the votes of each contest by level (`totals`: all its votes)."""
        for vote, (_year, position, line_no) in self.unclaimed.items():
            report.mismatch(position, line_no, "an address claim for every vote verified by e-mail (D15)",
                            "a claim", vote)
        for year in sorted(set(self.counted) | {y for y, n in totals.items() if n}):
            levels = dict(self.counted.get(year, {}))
            plain = totals.get(year, 0) - sum(levels.values())
            if plain:
                levels[PLAIN] = levels.get(PLAIN, 0) + plain
            report.results[f"votes by identity level ({year})"] = dict(sorted(levels.items()))
