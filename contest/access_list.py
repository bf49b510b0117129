"""The access tokens issued, for the secretariat (README "Roles"): each token's id, role, principal (its name, seat
or municipality), contest, when and by whom it was issued, and whether, when, why and by whom it was revoked.

Read from the recorded events (`Credential.Issued`, `Credential.Revoked`), which hold only the token's SHA-256 and
its id, never the token; the digest is not listed. The commands that issue and revoke are ContestService's
(contest/service.py).
"""

from __future__ import annotations

from typing import Any

from eventsourcing.utils import get_topic

from contest.service import ContestService
from domain.access import Credential

ISSUED, REVOKED = get_topic(Credential.Issued), get_topic(Credential.Revoked)


def issued_tokens(service: ContestService) -> list[dict[str, Any]]:
    """Every token ever issued, the newest first."""
    to_event = service.store.mapper.to_domain_event
    tokens: dict[str, dict[str, Any]] = {}
    by_aggregate: dict[str, str] = {}
    for n in service.store.notifications(topics=[ISSUED, REVOKED]):
        event = to_event(n)
        if n.topic == ISSUED:
            by_aggregate[str(event.originator_id)] = event.token_id
            tokens[event.token_id] = {
                "token_id": event.token_id, "role": event.role, "principal": event.principal, "seat": event.seat,
                "municipality": event.municipality, "contest_year": event.contest_year, "issued_at": event.at,
                "issued_by": dict(event.actor), "revoked": False, "revoked_at": None, "revoked_by": None,
                "reason": None, "position": n.id}
        else:
            token = tokens.get(by_aggregate.get(str(event.originator_id), ""))
            if token is not None:
                token.update(revoked=True, revoked_at=event.at, revoked_by=dict(event.actor), reason=event.reason)
    return sorted(tokens.values(), key=lambda t: -t["position"])
