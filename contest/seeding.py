"""Seeded, plausible round-1 answers for demos, tests and load checks (RULES.md "Round 1", Annex).

``generate_answers(questionnaire, codes, seed)`` gives every municipality a profile (how generous it is, how
complete its submission is; a few send little, §3.3: they still take part) and answers each question within a
realistic range: e.g. one-off birth allowances of 50-1,500 EUR (shared/data/README.md: Rīga 150, Jūrmala 500,
Liepāja 300, Rēzekne 720), catering fees of a few EUR a day, co-payments that are sometimes free (0 is the best
value for a ``lower_better`` amount). Some answers are deliberately "not provided" (D3): left out, 0 where
higher is better, or an option marked ``none``.

Deterministic: each municipality's answers depend only on (seed, code, questionnaire), never on the clock, the
other codes or their order. Every answer passes ``validate_answers``.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from domain.questionnaire import Question, Questionnaire

# question id -> (low, high, step): realistic ranges for the 2024 questionnaire (EUR unless the unit says otherwise)
RANGES: dict[str, tuple[float, float, float]] = {
    "s1.m1.q2": (2_500, 60_000, 1), "s1.m1.q3": (400, 12_000, 1), "s1.m1.q4": (20, 600, 1),
    "s1.m1.q5": (50_000, 8_000_000, 1000),
    "s2.m1.q1": (50, 1_500, 10), "s2.m1.q2": (0, 24, 1), "s2.m2.q1": (50, 1_500, 10),
    "s2.m3.q1": (100, 2_000, 10), "s2.m3.q2": (100, 2_500, 10), "s2.m4.q1": (100, 1_500, 10),
    "s2.m4.q2": (200, 3_000, 50), "s2.m4.q3": (300, 4_500, 50),
    "s3.m1.q1": (0, 3.5, 0.05), "s3.m1.q2": (0.3, 3.0, 0.05), "s3.m2.q2": (0, 3.2, 0.05),
    "s3.m2.q3": (0, 3.5, 0.05), "s3.m2.q4": (0.2, 2.5, 0.05), "s3.m5.q3": (100, 900, 10),
    "s4.m1.q1": (0, 30, 1), "s4.m1.q2": (0, 40, 1), "s4.m2.q1": (150, 450, 5), "s4.m2.q2": (200, 600, 5),
    "s4.m3.q1": (100, 400, 5), "s4.m4.q1": (30, 200, 5), "s4.m6.q2": (0, 30, 1), "s4.m8.q1": (30, 300, 5),
    "s4.m8.q2": (20, 150, 5), "s4.m9.q1": (20, 150, 5), "s4.m10.q1": (50, 300, 10), "s4.m10.q2": (20, 100, 5),
    "s4.m10.q3": (50, 1_000, 10),
    "s5.m1.q2": (25, 100, 5), "s5.m2.q2": (10, 60, 1), "s5.m2.q3": (50, 100, 5), "s5.m2.q4": (0.5, 5, 0.5),
    "s5.m3.q2": (10, 50, 1), "s5.m5.q1": (0, 25, 1), "s5.m5.q2": (0, 25, 1),
    "s6.m1.q1": (10, 400, 1), "s6.m2.q1": (0, 40, 1), "s6.m2.q3": (50, 300, 10),
    "s7.m2.q1": (2, 60, 1), "s7.m2.q2": (5, 40, 1), "s7.m3.q1": (0, 35, 1), "s7.m3.q2": (0, 25, 1),
    "s7.m3.q3": (0, 120, 5),
    "s8.m1.q1": (20, 300, 5), "s8.m1.q2": (50, 500, 10), "s8.m1.q3": (100, 500, 10),
    "s8.m1.q4": (200, 1_500, 10), "s8.m2.q1": (10, 90, 5), "s8.m2.q2": (30, 300, 10),
    "s8.m3.q1": (10, 80, 5), "s8.m4.q2": (0, 24, 1), "s8.m5.q1": (20, 150, 5), "s8.m5.q2": (50, 300, 10),
    "s8.m5.q4": (5, 40, 1), "s8.m6.q1": (400, 900, 10), "s8.m6.q2": (20, 150, 5), "s8.m6.q3": (50, 300, 10),
    "s8.m7.q1": (100, 1_500, 10),
    "s9.m1.q2": (0, 6, 0.5), "s9.m2.q2": (0, 60, 1), "s9.m2.q3": (0, 80, 1), "s9.m3.q1": (30, 250, 5),
    "s9.m3.q2": (20, 90, 5), "s9.m3.q3": (10, 90, 5), "s9.m4.q2": (200, 3_000, 50), "s9.m7.q1": (30, 250, 5),
    "s9.m7.q2": (0, 80, 5), "s9.m8.q2": (5, 300, 1), "s9.m10.q1": (2, 12, 1), "s9.m10.q2": (0, 40, 1),
    "s9.m10.q3": (50, 500, 10), "s9.m11.q1": (1_000, 150_000, 500),
    "s10.m1.q1": (1, 15, 0.5), "s10.m2.q1": (3, 80, 1), "s10.m3.q1": (2, 60, 1), "s10.m3.q3": (2, 150, 1),
    "s10.m4.q1": (50, 3_000, 10), "s10.m4.q2": (0, 600, 10),
}

# fallback ranges by unit, for questionnaires other than 2024
UNIT_RANGES: dict[str, tuple[float, float, float]] = {
    "EUR": (30, 800, 10), "EUR/month": (10, 250, 5), "EUR/day": (0.3, 3.0, 0.05), "EUR/year": (50, 500, 10),
    "%": (10, 100, 5), "months": (0, 24, 1), "days": (0, 60, 1), "km": (1, 50, 1),
}

TEXTS = (
    "Pašvaldība sadarbojas ar sociālo dienestu, izglītības iestādēm un bāriņtiesu; notiek regulāras starpinstitūciju "
    "sanāksmes.",
    "Skolās darbojas atbalsta komandas (psihologs, sociālais pedagogs), vecākiem tiek rīkotas lekcijas.",
    "Informācija pieejama pašvaldības tīmekļvietnes sadaļā “Ģimenēm”.",
    "Īstenoti projekti: jauns rotaļu laukums, atjaunota pirmsskolas izglītības iestāde, veloceliņš.",
    "Sadarbība ar biedrībām “Latvijas Daudzbērnu ģimeņu apvienība” un vietējām jauniešu organizācijām.",
    "Atbalsts Ukrainas civiliedzīvotāju ģimenēm: mājoklis, latviešu valodas kursi, bērnu pieskatīšana.",
)


def _round_to(x: float, lo: float, hi: float, step: float) -> int | float:
    v = round(round(x / step) * step, 2)
    v = min(max(v, lo), hi)
    return int(v) if float(v).is_integer() else v


def _amount(q: Question, rng: random.Random, generosity: float) -> int | float | None:
    lo, hi, step = RANGES.get(q.id) or UNIT_RANGES.get(q.unit or "", (0.0, q.max or 100.0, 1.0))
    lo, hi = max(lo, q.min or 0.0), min(hi, q.max or hi)
    if q.direction == "lower_better":
        if rng.random() < 0.15 * generosity:
            return 0  # free of charge: the best a co-payment can be
        share = rng.betavariate(2, 2 * generosity)  # generous municipalities charge less
    else:
        if rng.random() < 0.08:
            return 0  # D3: an amount of 0 where higher is better = not provided
        share = rng.betavariate(2 * generosity, 2)
    return _round_to(lo + share * (hi - lo), lo, hi, step)


def _choice(q: Question, rng: random.Random, generosity: float) -> str:
    n = len(q.options)
    # a triangular pick skewed to the better options for generous municipalities
    pos = int(min(n - 1, max(0, rng.triangular(0, n, n * (1.2 - generosity) / 1.2))))
    return q.options[pos].id


def generate_answers(questionnaire: Questionnaire, municipality_codes: Sequence[str],
                     seed: int = 2024) -> dict[str, dict[str, object]]:
    """Plausible answers for each code (deterministic for a seed; see the module docstring)."""
    result: dict[str, dict[str, object]] = {}
    for code in municipality_codes:
        rng = random.Random(f"{seed}:{questionnaire.id}:{questionnaire.version}:{code}")
        generosity = rng.uniform(0.35, 1.0)
        completeness = rng.uniform(0.05, 0.3) if rng.random() < 0.08 else rng.uniform(0.75, 0.98)
        # D5: of an exclusive group (two ways of paying the same benefit) a municipality answers one
        chosen = {g: rng.choice(qs).id for g, qs in sorted(questionnaire.exclusive_groups().items())}
        answers: dict[str, object] = {}
        for q in questionnaire.questions:
            if q.exclusive_group is not None and chosen[q.exclusive_group] != q.id:
                continue
            if rng.random() > completeness:
                continue  # unanswered: not provided (D3)
            if q.kind == "amount":
                value = _amount(q, rng, generosity)
                if value is not None:
                    answers[q.id] = value
            elif q.kind == "choice":
                answers[q.id] = _choice(q, rng, generosity)
            elif rng.random() < 0.85:
                answers[q.id] = rng.choice(TEXTS)
        result[code] = answers
    return result
