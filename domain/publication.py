"""Who sees the residents' vote tallies, and when (D10).

D10: "Live tallies are the secretariat's; the public sees them after the window closes, or earlier only when the
secretariat publishes an interim result (an event). An interim result is a snapshot: the counted tally at the
moment of publication, shown as such until the next interim result or the window's close; the live count stays
the secretariat's." So the live tally is the secretariat's alone: the jury weighs the residents' comments and,
once the window has closed, their choice (§4.6.3, §4.6.7), and sees the vote as the public does until then; an
auditor reads the whole history through its export (README "Roles"), and of the tallies what the public reads.

So a reader sees, at an instant:

* the secretariat: the live counted tally, always;
* anyone, once the window has closed: the final tally;
* anyone else while the window is not closed: the latest interim result published by then, as the snapshot of
  the history through its checkpoint's position (D16) (an interim result recorded before checkpoints existed
  names no position: the tally is then shown as it stands), or nothing (a refusal naming D10 and the window).

Pure: :func:`vote_tallies_access` reads the contest's recorded window state and checkpoints, the reader's role
and the instant; the API and the pages only carry out what it says.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from domain.actors import SECRETARIAT
from domain.errors import RuleViolation
from domain.vote_window import WINDOW_CLOSED

#: The roles that read the live tally (D10: "Live tallies are the secretariat's"; the jury and auditors see the
#: public's view, the last interim result or nothing, until the window closes).
LIVE_READERS = (SECRETARIAT,)

LIVE, FINAL, INTERIM, REFUSED = "live", "final", "interim", "refused"


class PublicationContest(Protocol):
    """What the decision reads of a contest (:class:`domain.contest.Contest` is one)."""

    @property
    def window_status(self) -> str: ...

    @property
    def interim_published_at(self) -> datetime | None: ...

    @property
    def checkpoints(self) -> Sequence[dict[str, Any]]: ...

    def window_times(self) -> dict[str, str]: ...


@dataclass(frozen=True)
class TallyAccess:
    """What a reader sees of the vote's tallies: ``kind`` ``live``, ``final``, ``interim`` (the snapshot through
    position ``through``; ``None`` for an interim result recorded without a checkpoint) or ``refused``."""

    kind: str
    through: int | None = None
    published_at: datetime | None = None
    window: dict[str, str] | None = None

    @property
    def visible(self) -> bool:
        return self.kind != REFUSED

    @property
    def final(self) -> bool:
        """The final tally, the same for every reader (the window has closed)."""
        return self.kind == FINAL

    @property
    def snapshot(self) -> bool:
        """Whether the reader sees the history through ``through`` rather than the tally as it stands."""
        return self.kind == INTERIM and self.through is not None

    def require(self) -> None:
        """Raise D10's refusal (409, with the window's times) when the tallies are not the reader's to see."""
        if not self.visible:
            raise RuleViolation("the vote's tallies are published when the window closes (D10)", clause="D10",
                                **(self.window or {}))


def vote_tallies_access(contest: PublicationContest, role: str | None, at: datetime) -> TallyAccess:
    """What a reader with `role` (``None``: the public, no token) sees of the vote's tallies at `at` (D10)."""
    if contest.window_status == WINDOW_CLOSED:
        return TallyAccess(FINAL)
    if role in LIVE_READERS:
        return TallyAccess(LIVE)
    latest = contest.interim_published_at  # the last interim result's time (each one records it)
    if latest is None or latest > at:
        return TallyAccess(REFUSED, window=contest.window_times())
    snapshots = [c for c in contest.checkpoints if c["kind"] == "interim_result" and c["at"] == latest]
    if snapshots:
        return TallyAccess(INTERIM, through=snapshots[-1]["through"], published_at=latest)
    return TallyAccess(INTERIM, published_at=latest)  # recorded before checkpoints: no position to show
