"""Ordering with the recorded tie-breaks: a key first (points, then the chair's), then a recorded jury decision
(§3.2.4, D11–D13) for what is still tied; an unresolved tie across a cut is reported as open."""

from __future__ import annotations

from typing import Any


def order(items: list[str], key: dict[str, Any], decisions: list[dict[str, Any]], cut: int,
          kinds: tuple[str, ...] = (), *, keep_order: bool = False) -> tuple[list[str], list[list[str]]]:
    """`items` best first by `key` (larger better, then code for a stable listing; with `keep_order`, equal keys
    stay in the order of `items`). A group still tied across place `cut` (1-based: between the cut-th and the
    next) is reordered by a decision naming exactly that group (`tied`) with its `chosen` first; without one it is
    returned as an open tie."""
    ranked = sorted(items, key=lambda m: _neg(key[m]) if keep_order else (_neg(key[m]), m))
    open_ties: list[list[str]] = []
    if cut <= 0 or cut >= len(ranked):
        return ranked, open_ties
    boundary = key[ranked[cut - 1]]
    group = [m for m in ranked if key[m] == boundary]
    start = ranked.index(group[0])
    if start + len(group) <= cut:
        return ranked, open_ties
    decision = find_decision(decisions, group, kinds)
    if decision is None:
        open_ties.append(group)
        return ranked, open_ties
    chosen = [m for m in decision.get("chosen") or [] if m in group]
    rest = [m for m in group if m not in chosen]
    ranked[start:start + len(group)] = chosen + rest
    return ranked, open_ties


def find_decision(decisions: list[dict[str, Any]], group: list[str], kinds: tuple[str, ...] = ()
                  ) -> dict[str, Any] | None:
    found = None
    for d in decisions:
        if set(d.get("tied") or []) == set(group) and _kind_fits(d.get("kind"), kinds):
            found = d  # the last one recorded counts
    return found


def _kind_fits(kind: Any, kinds: tuple[str, ...]) -> bool:
    """No kinds: any; ("!x", …): any kind but those; else one of them."""
    if not kinds:
        return True
    if kinds[0].startswith("!"):
        return kind not in {k[1:] for k in kinds}
    return kind in kinds


def _neg(value: Any) -> Any:
    if isinstance(value, tuple):
        return tuple(-v for v in value)
    return -value
