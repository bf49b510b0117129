"""Benchmark 4: round-1 scoring (domain.scoring.score_round1, D2-D7) at the contest's size and far beyond it.

  2024      43 municipalities x the 2024 questionnaire (contest/presets/2024/questionnaire.json), answers from
            contest.seeding.generate_answers, through Contest.score_round1 as the service calls it
  synthetic 1,000 and 10,000 municipalities x 250 questions: the 2024 questionnaire's questions cloned (whole
            exclusive groups at a time, D5) up to 250, seeded answers for each municipality

Answers are generated and validated (validate_answers, as the service does on saving) before the clock starts;
the time is the median of several runs of score_round1 alone, then of to_dict() with every explanation (what the
results page serialises). The growth from 1,000 to 10,000 municipalities is the ratio of the two medians
(n log n per question predicts about 13x, a quadratic step 100x).

    .venv/bin/python bench/scoring.py
"""

from __future__ import annotations

import argparse
import copy
import statistics
import time
from collections.abc import Callable
from typing import Any

import benchlib as bl

SCRIPT = "scoring.py"
QUESTIONS = 250


def timed(fn: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    """Median wall time in ms over `repeats` runs, and the last result."""
    times = []
    result = None
    for _ in range(repeats):
        t0 = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times), result


def synthetic_questionnaire(questions: int = QUESTIONS) -> dict[str, Any]:
    """The 2024 questionnaire with its scored questions cloned until there are `questions` in all."""
    from contest.presets import load_preset

    base = load_preset("2024")["questionnaire"]
    data = copy.deepcopy(base)
    data["id"], data["version"] = "synthetic-250", "bench"
    scored = {s["number"] for s in data["sections"] if s.get("scored", True)}
    units: list[list[dict[str, Any]]] = []
    groups: dict[str, list[dict[str, Any]]] = {}
    for q in base["questions"]:
        if q["section"] not in scored:
            continue
        group = q.get("exclusive_group")
        if group is None:
            units.append([q])
        elif group not in groups:
            groups[group] = [q]
            units.append(groups[group])
        else:
            groups[group].append(q)
    copy_no = 0
    while len(data["questions"]) < questions:
        copy_no += 1
        for unit in units:
            if len(data["questions"]) + len(unit) > questions:
                continue
            for q in unit:
                clone = copy.deepcopy(q)
                clone["id"] = f"{q['id']}.c{copy_no}"
                if clone.get("exclusive_group"):
                    clone["exclusive_group"] = f"{clone['exclusive_group']}.c{copy_no}"
                data["questions"].append(clone)
    return data


def prepared(questionnaire: Any, codes: list[str]) -> dict[str, dict[str, object]]:
    from contest.seeding import generate_answers
    from domain.questionnaire import validate_answers

    raw = generate_answers(questionnaire, codes, seed=2024)
    return {code: validate_answers(questionnaire, answers) for code, answers in raw.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000,10000", help="synthetic municipality counts")
    parser.add_argument("--questions", type=int, default=QUESTIONS)
    args = parser.parse_args()
    from dataclasses import replace
    from datetime import datetime, timezone

    from contest.presets import load_preset
    from domain.actors import Actor
    from domain.contest import Contest
    from domain.questionnaire import load_questionnaire
    from domain.scoring import ScoringParams, score_round1

    bl.print_header("round-1 scoring", SCRIPT)
    rows: list[dict[str, Any]] = []

    contest = Contest.create(load_preset("2024"), actor=Actor(**bl.SECRETARIAT), at=datetime.now(timezone.utc))
    codes = [m.code for m in contest.municipalities]
    answers = prepared(contest.questionnaire, codes)
    bl.wait_until_quiet()
    load = bl.uptime()
    ms, result = timed(lambda: contest.score_round1(answers), 30)
    ms_dict, _ = timed(lambda: result.to_dict(explanations=True), 10)
    rows.append({"case": "2024 preset", "municipalities": len(codes),
                 "questions": len(contest.questionnaire.questions),
                 "scored_questions": len(contest.questionnaire.scored_questions), "score_ms": round(ms, 2),
                 "to_dict_ms": round(ms_dict, 2), "load": load})
    print(f"  {rows[-1]}", flush=True)

    questionnaire = load_questionnaire(synthetic_questionnaire(args.questions))
    params = replace(ScoringParams(), cut_size=10)
    for n in [int(x) for x in args.sizes.split(",")]:
        codes = [f"M{i:05d}" for i in range(n)]
        answers = prepared(questionnaire, codes)
        bl.wait_until_quiet()
        load = bl.uptime()
        repeats = 5 if n <= 2000 else 3

        def score(codes: list[str] = codes, answers: dict[str, dict[str, object]] = answers) -> Any:
            return score_round1(questionnaire, codes, answers, params)

        ms, result = timed(score, repeats)
        ms_dict, _ = timed(lambda result=result: result.to_dict(explanations=True), 2)
        rows.append({"case": "synthetic", "municipalities": n, "questions": len(questionnaire.questions),
                     "scored_questions": len(questionnaire.scored_questions), "score_ms": round(ms, 1),
                     "to_dict_ms": round(ms_dict, 1), "load": load})
        print(f"  {rows[-1]}", flush=True)

    synthetic = {r["municipalities"]: r for r in rows if r["case"] == "synthetic"}
    growth = None
    if 1000 in synthetic and 10000 in synthetic:
        growth = round(synthetic[10000]["score_ms"] / synthetic[1000]["score_ms"], 1)
    print("\n== summary")
    print(f"  {'case':<12} {'municipalities':>14} {'questions':>9} {'score_round1 ms':>16} {'to_dict ms':>11}  load")
    for r in rows:
        print(f"  {r['case']:<12} {r['municipalities']:>14,} {r['questions']:>9} {r['score_ms']:>16,} "
              f"{r['to_dict_ms']:>11,}  {r['load']}")
    if growth is not None:
        print(f"  growth 1,000 -> 10,000 municipalities: x{growth} (n log n: ~13, quadratic: 100)")
    print(f"   reproduce: {bl.command(SCRIPT)}")
    path = bl.save_result("scoring", {"command": bl.command(SCRIPT), "machine": bl.machine(), "rows": rows,
                                      "growth_1000_to_10000": growth})
    print(f"   figures: {path.relative_to(bl.REPO)}")


if __name__ == "__main__":
    main()
