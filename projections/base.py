"""What a read model is: a fold over domain events in their global order.

A view names the event classes it reads (`handles`) and applies them one at a time with the event's position in
the store's global order. Views hold plain data and never read the store or the clock: the same code runs in the
service (caught up from the notification log), for `as_of` answers (replayed up to a position) and in an
auditor's offline verification of an exported history.
"""

from __future__ import annotations

from typing import Any, Protocol


class View(Protocol):
    handles: tuple[type, ...]

    def apply(self, event: Any, position: int) -> None: ...
