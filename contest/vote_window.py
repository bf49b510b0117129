"""The residents' vote window (§4.6.6): opened and closed by the clock or the secretariat, extended, and the
interim results published while it is open (D10), each with its checkpoint (D16)."""

from __future__ import annotations

from datetime import datetime

from contest.unit_of_work import UnitOfWork
from domain.actors import Actor
from domain.contest import Contest, contest_id


class VoteWindow:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow

    def _command(self, year: int, command: str, *, actor: Actor, reason: str, manual: bool,
                 closes_at: datetime | None = None) -> tuple[Contest, bool]:
        uow = self.uow

        def decide(contest: Contest, at: datetime) -> bool:
            if command == "open":
                return contest.open_window(actor=actor, at=at, reason=reason, manual=manual)
            if command == "close":
                contest.require_not_sealed()  # D14 before anything, as the domain's close_window itself
                if not contest.window_closes_now(at=at, manual=manual):
                    return False
                through, digest = uow.checkpoint()
                return contest.close_window(included_through=through, digest=digest, actor=actor, at=at,
                                            reason=reason, manual=manual)
            assert closes_at is not None
            contest.extend_window(closes_at, reason=reason, actor=actor, at=at)
            return True

        # another clock or the secretariat changing the contest first: decided again on the fresh state
        saved = uow.update(contest_id(year), decide, what="contest", key=year)
        return saved.aggregate, saved.result

    def open_window(self, year: int, *, actor: Actor, reason: str) -> tuple[Contest, bool]:
        return self._command(year, "open", actor=actor, reason=reason, manual=True)

    def close_window(self, year: int, *, actor: Actor, reason: str) -> tuple[Contest, bool]:
        return self._command(year, "close", actor=actor, reason=reason, manual=True)

    def extend_window(self, year: int, closes_at: datetime, *, actor: Actor, reason: str) -> Contest:
        return self._command(year, "extend", actor=actor, reason=reason, manual=True, closes_at=closes_at)[0]

    def reconcile(self, year: int, *, actor: Actor) -> list[str]:
        """What the clock does every minute and at start-up: open the window if now is inside it and it is not
        open, close it if now is past it. Idempotent, so two clocks, a restart or a late run change nothing
        twice; a clock that was down catches up. Returns what it did."""
        done: list[str] = []
        if not self.uow.gate.contest(year).window_due(at=self.uow.clock.now()):
            return done  # read from the process's copy: nothing is loaded or written while nothing is due
        _, opened = self._command(year, "open", actor=actor, reason="scheduled opening", manual=False)
        if opened:
            done.append("opened")
        _, closed = self._command(year, "close", actor=actor, reason="scheduled closing", manual=False)
        if closed:
            done.append("closed")
        return done

    def checkpoint(self) -> tuple[int, str]:
        """The position of the last recorded event and the audit digest through it: what a closing of the window
        or an interim result publishes (D16), computed as round 1's and round 2's closes compute theirs."""
        return self.uow.checkpoint()

    def publish_interim(self, year: int, *, actor: Actor, reason: str) -> Contest:
        """Publish an interim result of the vote (D10), with its checkpoint (D16)."""
        uow = self.uow

        def decide(contest: Contest, at: datetime) -> None:
            contest.require_interim_publishable()  # refused before the digest is computed
            through, digest = uow.checkpoint()
            contest.publish_interim(included_through=through, digest=digest, reason=reason, actor=actor, at=at)

        return uow.update(contest_id(year), decide, what="contest", key=year).aggregate
