"""Suspicious clusters of votes and their quarantine (§4.6.6, §4.6.7, D10, D11): the report that decides nothing,
the secretariat's recorded decisions to quarantine or reinstate votes, and their log. Nothing is deleted."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from contest.unit_of_work import UnitOfWork
from domain.actors import Actor
from domain.config import instant_str
from domain.contest import Contest, contest_id
from domain.errors import InvalidInput

# The report of suspicious clusters: at least this many votes from one network key within this many
# seconds. Query parameters override them; a report decides nothing, so these are not contest rules.
CLUSTER_WINDOW_SECONDS = 600
CLUSTER_MIN_VOTES = 20


class Quarantine:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow

    def vote_clusters(self, year: int, *, window_seconds: int = CLUSTER_WINDOW_SECONDS,
                      min_votes: int = CLUSTER_MIN_VOTES) -> dict[str, Any]:
        """Bursts of at least `min_votes` votes from one network key within `window_seconds` (the secretariat's
        and auditors' report; it decides nothing: a quarantine is the secretariat's recorded decision)."""
        uow = self.uow
        uow.contest(year)
        position = uow.readmodels.catch_up()
        clusters = uow.views.votes.clusters(year, window_seconds, min_votes)
        return {"year": year, "position": position, "window_seconds": window_seconds, "min_votes": min_votes,
                "clusters": clusters}

    def quarantine_log(self, year: int) -> dict[str, Any]:
        """The secretariat's decisions on votes in quarantine, in the store's order: every VotesQuarantined and
        VotesReinstated event with its votes, reason, selection, actor and time, and how many of its votes are
        in quarantine now; plus the size of the current set (§4.6.6, §4.6.7, D10, D11). Folded by the read model,
        not replayed per request."""
        uow = self.uow
        contest = uow.contest(year)
        position = uow.readmodels.catch_up()
        view = uow.views.votes
        held = view.quarantined
        decisions = [{"kind": d.kind, "count": len(d.votes), "votes": list(d.votes), "reason": d.reason,
                      "selection": {"cluster": d.selection.get("cluster"), "from": d.selection.get("from"),
                                    "to": d.selection.get("to")} if d.selection else None,
                      "actor": d.actor, "at": d.at, "position": d.position,
                      "held_now": sum(1 for v in d.votes if v in held)}
                     for d in view.quarantine_log(year)]
        return {"year": year, "position": position, "quarantined": view.quarantined_total(year),
                "reviewable": contest.votes_reviewable,
                "decisions": decisions}

    def quarantine_votes(self, year: int, *, reason: str, actor: Actor, votes: Sequence[str] | None = None,
                         cluster: str | None = None, start: datetime | None = None,
                         end: datetime | None = None) -> dict[str, Any]:
        """Quarantine the named votes, or every vote of a reported cluster's network key (from `start` to `end`):
        one event on the contest. Refused (409) once round 2 has closed (§4.6.7, D11) or the contest is sealed
        (D14); 422 without a reason or for votes that are not this contest's."""
        return self._review(year, "quarantine", reason=reason, actor=actor, votes=votes, cluster=cluster,
                            start=start, end=end)

    def reinstate_votes(self, year: int, *, reason: str, actor: Actor, votes: Sequence[str] | None = None,
                        cluster: str | None = None, start: datetime | None = None,
                        end: datetime | None = None) -> dict[str, Any]:
        """Reinstate votes in quarantine (named, or by network key): one event on the contest, as above."""
        return self._review(year, "reinstate", reason=reason, actor=actor, votes=votes, cluster=cluster,
                            start=start, end=end)

    def _review(self, year: int, command: str, *, reason: str, actor: Actor, votes: Sequence[str] | None,
                cluster: str | None, start: datetime | None, end: datetime | None) -> dict[str, Any]:
        uow = self.uow
        if (votes is None) == (cluster is None):
            raise InvalidInput({"votes": ["name the votes, or a cluster's network key, not both"]})

        def decide(contest: Contest, at: datetime) -> tuple[list[str], list[str]]:  # (named, changed)
            # The contest's version guards the decision: a close of round 2 or another quarantine recorded
            # meanwhile makes the save fail, and the command decides again on the fresh state.
            uow.readmodels.catch_up()
            view = uow.views.votes
            if cluster is not None:
                ids = view.from_network(year, cluster, start, end)
                if not ids:
                    raise InvalidInput({"cluster": ["no vote came from this network key in that period"]})
                selection = {"cluster": cluster, "from": instant_str(start) if start else None,
                             "to": instant_str(end) if end else None}
            else:
                ids, selection = list(votes or []), {}
            known = {v for v, y in view.years_of(ids).items() if y == year}
            if command == "quarantine":
                return ids, contest.quarantine_votes(ids, known=known, reason=reason, selection=selection,
                                                     actor=actor, at=at)
            return ids, contest.reinstate_votes(ids, known=known, reason=reason, selection=selection, actor=actor,
                                                at=at)

        saved = uow.update(contest_id(year), decide, what="contest", key=year)
        named, changed = saved.result
        return {"year": year, "recorded": bool(changed), "changed": changed,
                "unchanged": sorted(set(named) - set(changed)), "quarantined": len(saved.aggregate.quarantined)}
