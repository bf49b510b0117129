"""Who acts (§3, RULES.md "Who"): every event records its actor as a role and a principal id, never a token."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

SECRETARIAT = "secretariat"  # the Fund as organiser and secretariat (§3, §3.2.5)
JUROR = "juror"  # a jury seat (§3.2.1); bound to one seat
MUNICIPALITY = "municipality"  # a participant (§3.3); bound to one municipality
AUDITOR = "auditor"  # reads and verifies the history (RULES.md "Audit")
COUNCIL = "council"  # the Fund council approving the result (§7.4)
PUBLIC = "public"  # anonymous residents and readers (§4.6.6)
SYSTEM = "system"  # the service itself: preset loader, scheduler

TOKEN_ROLES = (SECRETARIAT, JUROR, MUNICIPALITY, AUDITOR, COUNCIL)
ROLES = (*TOKEN_ROLES, PUBLIC, SYSTEM)


@dataclass(frozen=True)
class Actor:
    role: str
    principal: str
    seat: str | None = None
    municipality: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """The form recorded in events: role and principal id only."""
        return {"role": self.role, "principal": self.principal}


def system_actor(principal: str) -> Actor:
    return Actor(role=SYSTEM, principal=principal)


ANONYMOUS = Actor(role=PUBLIC, principal="anonymous")
