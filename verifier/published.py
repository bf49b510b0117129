"""What is compared with things published outside the file: the checkpoints file (D16), the approved digest
(`--expect-digest`, D14) and the public vote board (`--board`)."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from verifier.engine import Verifier


def load_checkpoints(path: str) -> list[dict[str, Any]]:
    """The JSON as downloaded ({"format": "contest-checkpoints-v1", "checkpoints": […]}) or a JSON list of them."""
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    items = data.get("checkpoints") if isinstance(data, dict) else data
    if not isinstance(items, list) or not all(isinstance(x, dict) for x in items):
        raise ValueError("a checkpoints file is a JSON object with a `checkpoints` list, or a JSON list")
    for x in items:
        if not isinstance(x.get("through"), int) or not isinstance(x.get("digest"), str):
            raise ValueError(f"a checkpoint needs an integer `through` and a `digest`: {x}")
    return items


def check(v: Verifier) -> None:
    _checkpoints(v)
    _expect_digest(v)
    if getattr(v, "board_path", None):
        _board(v)


def _checkpoints(v: Verifier) -> None:
    items: list[dict[str, Any]] = getattr(v, "checkpoints_in", None) or []
    if not items:
        return
    held = {(k, t, d) for c in v.by_year.values() for k, t, d, _ in c.checkpoints}
    last = v.chain.last_position
    good = 0
    for cp in items:
        kind, through, dig = cp.get("kind"), cp["through"], cp["digest"]
        if last is None or through > last:
            v.report.mismatch(through, None, f"checkpoint {kind} through {through}: within the file",
                              f"a position <= {last}", through)
            continue
        actual = v.chain.pinned_digests.get(through)
        if actual != dig:
            v.report.mismatch(through, None, f"checkpoint {kind} through {through}: the recomputed digest", dig,
                              actual)
        elif (kind, through, dig) not in held:
            v.report.mismatch(through, None, f"checkpoint {kind} through {through}: the event that published it",
                              {"kind": kind, "through": through, "digest": dig}, "no such event in the file")
        else:
            good += 1
    if good == len(items):
        v.report.match(f"{good} published checkpoints (D16)")


def _expect_digest(v: Verifier) -> None:
    expected = getattr(v, "expect_digest", None)
    if not expected:
        return
    approvals = [(c, c.approved) for c in v.by_year.values() if c.approved]
    for c, a in approvals:
        if a.get("digest") == expected and v.chain.digest_through(a.get("digest_through")) == expected:
            v.report.match(f"the approved digest {expected[:12]}… ({c.year}, D14)")
            return
    if not approvals:
        v.report.mismatch(None, None, "--expect-digest: an approval in the file (D14)", expected, "no approval")
        return
    c, a = approvals[-1]
    actual = v.chain.digest_through(a.get("digest_through"))
    found = a.get("digest") if a.get("digest") != expected else actual
    # reported at the approval's line: the digest it names (or the history it names) is not the one you hold
    v.report.mismatch(c.approved_position, None, f"--expect-digest: the approved digest ({c.year}, D14)", expected,
                      found)


def read_board(path: str) -> Iterator[tuple[str, str, int, int, int]]:
    """receipt,municipality,rating,quarantined rows (header first) as (receipt, municipality, rating, 0/1, line)."""
    with open(path, encoding="utf-8", newline="") as f:
        rows = csv.reader(f)
        header = next(rows, None)
        if header is None or [h.strip() for h in header[:4]] != ["receipt", "municipality", "rating", "quarantined"]:
            raise ValueError("a board CSV starts with the header receipt,municipality,rating,quarantined")
        for n, row in enumerate(rows, start=2):
            if not row:
                continue
            try:
                rating = int(row[2])
            except (IndexError, ValueError):
                rating = -1
            mark = 1 if len(row) > 3 and row[3].strip().lower() in ("1", "true", "yes") else 0
            yield row[0], row[1] if len(row) > 1 else "", rating, mark, n


def _board(v: Verifier) -> None:
    v.spill.load_board(read_board(v.board_path))
    quarantined = set().union(*(c.quarantined for c in v.by_year.values())) if v.by_year else set()
    bad = 0
    for kind, row, board_row in v.spill.board_differences(quarantined):
        bad += 1
        if kind == "missing":
            receipt, municipality, rating, mark, position, _line = row
            # the board, not the history, differs: no position (the vote's position is in `expected`)
            v.report.mismatch(None, None, "the board lists the vote as the history leaves it",
                              {"receipt": receipt, "municipality": municipality, "rating": rating,
                               "quarantined": mark, "position": position},
                              None if board_row is None else {"municipality": board_row[1], "rating": board_row[2],
                                                              "quarantined": board_row[3], "board line": board_row[4]})
        else:
            v.report.mismatch(None, None, "every board row is a vote of the history",
                              "no such row", {"receipt": row[0], "board line": row[4]})
    if not bad:
        v.report.match("the vote board lists exactly the votes of the history, marked as it leaves them")
