"""Round 1 recomputed from the recorded questionnaire, answers and scoring parameters (RULES.md Annex, D2–D7).

Exact rational arithmetic (fractions.Fraction) throughout, so ties are exact; the recorded (rounded) numbers are
compared to the precision they are recorded with.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

WORST = None  # the comparable value of "not provided" (D3): worse than every provided value


def frac(x: Any) -> Fraction:
    return Fraction(str(x)) if isinstance(x, float) else Fraction(x)


def comparable(q: dict[str, Any], answer: Any) -> Fraction | None:
    """A value where larger is better, or WORST when the support is not provided (D3)."""
    kind = q["kind"]
    if answer is None:
        return WORST
    if kind == "amount":
        if isinstance(answer, bool) or not isinstance(answer, (int, float)):
            return WORST
        v = frac(answer)
        if q.get("direction") == "lower_better":
            return -v
        return v if v != 0 else WORST
    if kind == "choice":
        options = q.get("options") or []
        for i, option in enumerate(options):  # best first
            if option.get("id") == answer:
                return WORST if option.get("none") else Fraction(len(options) - i)
        return WORST
    if kind == "text":
        return Fraction(1) if isinstance(answer, str) and answer.strip() else WORST
    return WORST


def competition_places(values: dict[str, Any]) -> dict[str, int]:
    """D2, "1224": equal values share the better place; larger is better; WORST (None) is the worst value."""
    def key(v: Any) -> tuple[int, Any]:
        return (0, 0) if v is None else (1, v)
    ordered = sorted(values.values(), key=key, reverse=True)
    first: dict[Any, int] = {}
    for i, v in enumerate(ordered):
        first.setdefault(key(v), i + 1)
    return {m: first[key(v)] for m, v in values.items()}


def median(values: list[Fraction | None]) -> Fraction | None:
    """D4: the median of all values, not-provided as the worst; for an even count the mean of the two middle."""
    ordered = sorted(values, key=lambda v: (0, 0) if v is None else (1, v))
    n = len(ordered)
    if n == 0:
        return None
    if n % 2:
        return ordered[n // 2]
    a, b = ordered[n // 2 - 1], ordered[n // 2]
    if a is None or b is None:
        return None
    return (a + b) / 2


def question_points(q: dict[str, Any], answers: dict[str, dict[str, Any]], scoring: dict[str, Any],
                    codes: list[str]) -> dict[str, Fraction]:
    """Annex "Punktu aprēķins" with D2–D4: points per municipality before the question's weight."""
    values = {m: comparable(q, answers.get(m, {}).get(q["id"])) for m in codes}
    places = competition_places(values)
    med = median(list(values.values()))
    ladder = [frac(x) for x in scoring.get("ladder", [1.0, 0.9, 0.8])]
    above = frac(scoring.get("above_median_points", 0.5))
    provided = [v for v in values.values() if v is not None]
    all_same = len(provided) == len(values) and len(set(provided)) == 1
    lowest = max(places.values()) if places else 0
    out: dict[str, Fraction] = {}
    for m, v in values.items():
        p = places[m]
        if v is None:
            out[m] = Fraction(0)
        elif all_same or p == 1:
            out[m] = ladder[0] if ladder else Fraction(0)
        elif p == lowest:
            out[m] = Fraction(0)
        elif p <= len(ladder):
            out[m] = ladder[p - 1]
        elif med is None or v > med:
            out[m] = above
        else:
            out[m] = Fraction(0)
    return out


@dataclass
class Row:
    municipality: str
    overall: Fraction
    place: int = 0
    raw_points: Fraction = Fraction(0)
    indices: dict[str, Fraction] = field(default_factory=dict)
    eur_totals: dict[str, Fraction] = field(default_factory=dict)


def rank(questionnaire: dict[str, Any], scoring: dict[str, Any], codes: list[str],
         answers: dict[str, dict[str, Any]]) -> list[Row]:
    """D5 (weights, exclusive groups), D6 (sections, blocks, overall), D2 (places). Sorted by place, then code."""
    sections = {s["number"]: s for s in questionnaire.get("sections", [])}
    section_w = {int(k): frac(v) for k, v in (scoring.get("section_weights") or {}).items()}
    block_w = {k: frac(v) for k, v in (scoring.get("block_weights") or {}).items()}
    scored = [q for q in questionnaire["questions"]
              if q.get("block") and sections.get(q["section"], {}).get("scored", True)]
    # S(b, s) per municipality, exclusive groups counting once: the highest weighted points among them
    sums: dict[tuple[str, int], dict[str, Fraction]] = {}
    raw = dict.fromkeys(codes, Fraction(0))
    groups: dict[str, list[tuple[dict[str, Any], dict[str, Fraction]]]] = {}
    for q in scored:
        pts = question_points(q, answers, scoring, codes)
        w = frac(q.get("weight", 1.0))
        weighted = {m: p * w for m, p in pts.items()}
        if q.get("exclusive_group"):
            groups.setdefault(q["exclusive_group"], []).append((q, weighted))
            continue
        cell = sums.setdefault((q["block"], q["section"]), dict.fromkeys(codes, Fraction(0)))
        for m in codes:
            cell[m] += weighted[m]
            raw[m] += weighted[m]
    for members in groups.values():
        for (b, s) in {(q["block"], q["section"]) for q, _ in members}:
            sums.setdefault((b, s), dict.fromkeys(codes, Fraction(0)))
        for m in codes:
            best_q, best = max(members, key=lambda qw: qw[1][m])
            sums[(best_q["block"], best_q["section"])][m] += best[m]
            raw[m] += best[m]
    n = len(codes)
    blocks = sorted({b for b, _ in sums})
    indices: dict[str, dict[str, Fraction]] = {m: {} for m in codes}
    for b in blocks:
        cells = [(s, sums[(b, s)]) for (bb, s) in sorted(sums) if bb == b]
        total_w = Fraction(0)
        acc = dict.fromkeys(codes, Fraction(0))
        for s, cell in cells:
            w = section_w.get(s, frac(sections.get(s, {}).get("weight", 1.0)))
            places = competition_places(cell)
            total_w += w
            for m in codes:
                r = Fraction(n - places[m], n - 1) if n > 1 else Fraction(1)
                acc[m] += w * r
        for m in codes:
            indices[m][b] = 100 * acc[m] / total_w if total_w else Fraction(0)
    rows = []
    for m in codes:
        wsum = sum((block_w.get(b, Fraction(1)) for b in blocks), Fraction(0))
        overall = sum((block_w.get(b, Fraction(1)) * indices[m][b] for b in blocks), Fraction(0))
        rows.append(Row(m, overall / wsum if wsum else Fraction(0), raw_points=raw[m], indices=indices[m],
                        eur_totals=eur_totals(scored, answers.get(m, {}))))
    places = competition_places({r.municipality: r.overall for r in rows})
    for r in rows:
        r.place = places[r.municipality]
    rows.sort(key=lambda r: (r.place, -r.raw_points, r.municipality))
    return rows


def eur_totals(questions: list[dict[str, Any]], given: dict[str, Any]) -> dict[str, Fraction]:
    """The total EUR of benefits in the `regular` and `one_off` blocks: the amounts marked `counts_toward_total`."""
    out = {"regular": Fraction(0), "one_off": Fraction(0)}
    for q in questions:
        if q["kind"] == "amount" and q.get("counts_toward_total") and q["block"] in out:
            v = given.get(q["id"])
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                out[q["block"]] += frac(v)
    return out


@dataclass
class Cut:
    advancing: list[str]
    tied_at_cut: list[str]
    tie_break_used: bool
    all_tied_advance: bool


def cut(rows: list[Row], size: int) -> Cut:
    """D7: the `size` best; a tie at the last place is broken by raw points; if still tied, all tied advance."""
    if len(rows) <= size:
        return Cut([r.municipality for r in rows], [], False, False)
    boundary = rows[size - 1].place
    above = [r for r in rows if r.place < boundary]
    tied = [r for r in rows if r.place == boundary]
    if len(above) + len(tied) <= size:
        return Cut([r.municipality for r in above + tied], [], False, False)
    room = size - len(above)
    tied.sort(key=lambda r: -r.raw_points)
    last_raw = tied[room - 1].raw_points
    better = [r for r in tied if r.raw_points > last_raw]
    still = [r for r in tied if r.raw_points == last_raw]
    chosen = better + still if len(better) + len(still) > room else better + still[:room]
    all_tied = len(better) + len(still) > room
    names = {r.municipality for r in above + chosen}
    return Cut([r.municipality for r in rows if r.municipality in names], [r.municipality for r in tied], True,
               all_tied)
