"""The table of docs/BENCHMARKS.md from the latest figures (bench/.data/results/*.json, written by each script).

    .venv/bin/python bench/report.py                       # print the table
    .venv/bin/python bench/report.py --write docs/BENCHMARKS.md   # replace the part between the bench markers
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import benchlib as bl

BEGIN = "<!-- bench:begin (bench/report.py writes this part) -->"
END = "<!-- bench:end -->"


def load(name: str) -> dict[str, Any] | None:
    path = bl.RESULTS / f"{name}.json"
    return json.loads(path.read_text()) if path.exists() else None


def merged(script: str) -> dict[str, Any] | None:
    """The latest figures of `script` per store: from its runs on both stores and on one, the newest for each
    store (a store re-run alone replaces its figures, with its own command and time)."""
    found = [f for f in (load(f"{script}-both"), load(f"{script}-sqlite"), load(f"{script}-postgresql")) if f]
    if not found:
        return None
    found.sort(key=lambda f: f["recorded_at"])
    out = dict(found[-1])
    results: dict[str, Any] = {}
    for f in found:
        for kind, r in f["results"].items():
            results[kind] = {**r, "_command": f["command"], "_recorded_at": f["recorded_at"]}
    out["results"] = {k: results[k] for k in ("sqlite", "postgresql") if k in results}
    out["commands"] = sorted({r["_command"] for r in results.values()})
    return out


def n(x: float) -> str:
    return f"{x:,.0f}"


def span(s: dict[str, float], digits: int) -> str:
    """median [min-max]"""
    return f"{s['median']:,.{digits}f} [{s['min']:,.{digits}f}-{s['max']:,.{digits}f}]"


def met(ok: bool) -> str:
    return "yes" if ok else "**no**"


def rows() -> tuple[list[list[str]], dict[str, Any] | None, list[str]]:
    table: list[list[str]] = []
    machine: dict[str, Any] | None = None
    notes: list[str] = []

    votes = merged("votes_http")
    if votes:
        machine = votes["machine"]
        pairs = votes["args"]["pairs"]
        for kind, r in votes["results"].items():
            o, f, q = r["ours"], r["floor"], r["ratio"]
            table.append([
                f"1. votes over HTTP, {kind}: accepted votes/s (web workers' CPU ms per vote); median [min-max] of "
                f"{pairs} pairs", f"{span(o['accepted_per_s'], 0)}/s ({span(o['cpu_ms_per_vote'], 2)} ms)",
                f"{span(f['accepted_per_s'], 0)}/s ({span(f['cpu_ms_per_vote'], 2)} ms)",
                f"{span(q, 2)} (CPU x{r['cpu_ratio']['median']:.2f})", ">= 0.8", met(q["median"] >= 0.8),
                r["_command"]])
            table.append([f"5. web worker peak RSS under the vote load, {kind}", f"{o['peak_rss_mib']} MiB",
                          f"{f['peak_rss_mib']} MiB", "", "", "", r["_command"]])
        notes.append("votes: " + "; ".join(f"{k} {r['_recorded_at']}, loadavg before each run: floor "
                                           f"{', '.join(r['floor']['load_before'])} / ours "
                                           f"{', '.join(r['ours']['load_before'])}"
                                           for k, r in votes["results"].items()))

    for ceiling in (merged("store_ceiling"), load("store_ceiling-both-processes1")):
        if not ceiling:
            continue
        for r in ceiling["results"].values():
            r.setdefault("_command", ceiling["command"])
            r.setdefault("_recorded_at", ceiling["recorded_at"])
        machine = machine or ceiling["machine"]
        a = ceiling["args"]
        for kind, r in ceiling["results"].items():
            table.append([
                f"4. the store's write ceiling, {kind}: votes/s through the save path, {a['writers']} writers "
                f"({a['processes']} process{'es' if a['processes'] > 1 else ''}); grouped against the lone path "
                f"of before; median [min-max] of {a['pairs']} rounds",
                f"{span(r['grouped'], 0)}/s (CPU {span(r['grouped_cpu_ms'], 3)} ms)",
                f"{span(r['lone'], 0)}/s (CPU {span(r['lone_cpu_ms'], 3)} ms), lone", span(r["over_lone"], 2),
                ">= 5", met(r["over_lone"]["median"] >= 5), r["_command"]])
            how = (f"pgbench, {a['clients']} clients" if kind == "postgresql" else "one connection") + \
                f", {a['rows']} rows a transaction" + (
                    f", {a['writers'] * a['votes_each']:,} rows (a writers' run's) into a new table {a['repeats']} "
                    "times, random keys" if "repeats" in a else f", for {a['seconds']:g} s")
            table.append([
                f"4. the same against the batched-insert ceiling of the database, {kind} ({how})",
                f"{span(r['grouped'], 0)}/s", f"{span(r['ceiling'], 0)}/s", span(r["of_ceiling"], 2), ">= 0.5",
                met(r["of_ceiling"]["median"] >= 0.5), r["_command"]])
        notes.append("store ceiling: " + "; ".join(
            f"{k} {r['_recorded_at']}, loadavg before each run "
            + ", ".join(x["load_before"] for runs in r["runs"].values() for x in runs)
            for k, r in ceiling["results"].items()))

    results = merged("results_http")
    if results:
        machine = machine or results["machine"]
        votes_stored = results["args"]["votes"]
        for kind, r in results["results"].items():
            health = r["p95_ms"]["health (floor)"]
            for name, q in r["p95_over_health"].items():
                page = name == "results page (public HTML)"
                table.append([f"2. {name}, p95 with {n(votes_stored)} votes under the vote load "
                              f"({span(r['vote_load_per_s'], 0)} votes/s), {kind}; median [min-max] of "
                              f"{results['args']['pairs']} runs", f"{span(r['p95_ms'][name], 1)} ms",
                              f"{span(health, 1)} ms (GET /health)", span(q, 2), "<= 1.3" if page else "",
                              met(q["median"] <= 1.3) if page else "", r["_command"]])
            table.append([f"5. web worker peak RSS with {n(votes_stored)} votes in its read models, {kind}",
                          f"{r['worker_peak_rss_mib']} MiB", "", "", "", "", r["_command"]])
        notes.append("results: " + "; ".join(f"{k} {r['_recorded_at']}, loadavg before each run "
                                             f"{', '.join(x['load_before'] for x in r['runs'])}"
                                             for k, r in results["results"].items()))

    replay = merged("replay")
    if replay:
        machine = machine or replay["machine"]
        for kind, r in replay["results"].items():
            events = r["runs"]["rebuild"][0]["events"]
            q = r["ratio"]
            table.append([f"3. projections rebuild from {n(events)} events, {kind} (events/s); median [min-max] of "
                          f"{len(r['runs']['rebuild'])} pairs", f"{span(r['rebuild']['per_s'], 0)}/s",
                          f"{span(r['floor']['per_s'], 0)}/s (driver + json.loads)", span(q, 2), ">= 0.7",
                          met(q["median"] >= 0.7), r["_command"]])
            if "export" in r:
                table.append([f"3. `contest audit export` of {n(r['export']['events'])} events (events/s)",
                              f"{n(r['export']['per_s'])}/s ({r['export']['seconds']:.0f} s)", "", "", "", "",
                              replay["command"]])
        for m in replay.get("memory", []):
            table.append([f"5. peak RSS at {n(m['events'])} events: rebuild / export / verify",
                          f"{n(m['rebuild_peak_rss_mib'])} / {n(m['export_peak_rss_mib'])} / "
                          f"{n(m['verify_peak_rss_mib'])} MiB", "", "", "", "", replay["command"]])
        memory = replay.get("memory", [])
        if len(memory) >= 2:
            a, b = memory[0], memory[-1]
            growth = {k: b[f"{k}_peak_rss_mib"] / a[f"{k}_peak_rss_mib"] for k in ("rebuild", "export", "verify")}
            table.append([f"5. peak RSS growth from {n(a['events'])} to {n(b['events'])} events "
                          "(rebuild / export / verify)", " / ".join(f"x{g:.2f}" for g in growth.values()), "", "",
                          "no growth (x1.0) for the streaming parts",
                          f"export {met(growth['export'] < 1.2)}, rebuild {met(growth['rebuild'] < 1.2)}",
                          replay["command"]])
        notes.append(f"replay: {replay['recorded_at']}, loadavg before each run " + "; ".join(
            f"{k} " + ", ".join(x.get("load_before", "?") for runs in r.get("runs", {}).values() for x in runs)
            for k, r in replay["results"].items()))

    verifiers = load("replay-verifiers")
    if replay and replay.get("verifiers") and (not verifiers or replay["recorded_at"] > verifiers["recorded_at"]):
        verifiers = replay
    if verifiers:
        machine = machine or verifiers["machine"]
        table += verifier_rows(verifiers)
        notes.append(f"verifiers: {verifiers['recorded_at']}, load before / after each size "
                     + "; ".join(f"{n(v['events'])} events {v['load_before']} / {v['load_after']}"
                                 for v in verifiers["verifiers"]))

    scoring = load("scoring")
    if scoring:
        machine = machine or scoring["machine"]
        for r in scoring["rows"]:
            table.append([f"4. scoring round 1, {r['case']}: {n(r['municipalities'])} municipalities x "
                          f"{r['questions']} questions", f"{r['score_ms']} ms (+ {r['to_dict_ms']} ms to_dict)",
                          "", "", "", "", scoring["command"]])
        if scoring.get("growth_1000_to_10000"):
            table.append(["4. scoring growth from 1,000 to 10,000 municipalities",
                          f"x{scoring['growth_1000_to_10000']}", "", "", "~x13 (n log n)", "", scoring["command"]])
        notes.append(f"scoring: {scoring['recorded_at']}")
    return table, machine, notes


def verifier_rows(source: dict[str, Any]) -> list[list[str]]:
    """The verifiers against their floor (bench/replay.py --verifiers): median [min-max] over the pairs."""
    table = []
    labels = {"ours": "`contest audit verify FILE --json`", "independent": "`python3 -I verifier FILE --json`"}
    rows = source["verifiers"]
    for v in rows:
        floor = v["floor"]
        for name, label in labels.items():
            m = v.get(name)
            what = (f"3. {label} on the export of {n(v['events'])} events (events/s; median [min-max], "
                    f"{v['pairs']} pairs)")
            if m is None:
                table.append([what, "not present (no verifier/ directory)", "", "", "", "", source["command"]])
                continue
            ratio = m["ratio"]
            table.append([what, f"{n(m['per_s']['median'])}/s [{n(m['per_s']['min'])}-{n(m['per_s']['max'])}]; "
                          f"peak RSS {n(m['peak_rss_mib']['median'])} MiB",
                          f"{n(floor['per_s']['median'])}/s (read + json.loads); "
                          f"{n(floor['peak_rss_mib']['median'])} MiB",
                          f"{ratio['median']:.2f} [{ratio['min']:.2f}-{ratio['max']:.2f}]",
                          ">= 0.5" if name == "ours" else "(reported)",
                          met(ratio["median"] >= 0.5 and m["ok"]) if name == "ours" else "", source["command"]])
    if len(rows) >= 2:
        a, b = rows[0], rows[-1]
        for name, label in labels.items():
            if a.get(name) and b.get(name):
                growth = b[name]["peak_rss_mib"]["median"] / a[name]["peak_rss_mib"]["median"]
                table.append([f"5. peak RSS of {label} from {n(a['events'])} to {n(b['events'])} events",
                              f"{n(a[name]['peak_rss_mib']['median'])} -> {n(b[name]['peak_rss_mib']['median'])} MiB "
                              f"(x{growth:.2f})", "", "", "<= x1.5" if name == "ours" else "",
                              met(growth <= 1.5) if name == "ours" else "", source["command"]])
    return table


def render() -> str:
    table, machine, notes = rows()
    out = ["| figure | ours | floor | ours/floor | target | met? | command |",
           "| --- | --- | --- | --- | --- | --- | --- |"]
    for r in table:
        out.append("| " + " | ".join(c.replace("|", "\\|") if i < 6 else f"`{c}`" for i, c in enumerate(r)) + " |")
    if machine:
        out += ["", "Machine: " + ", ".join(f"{k} {v}" for k, v in machine.items()) + "."]
    if notes:
        out += ["", "Recorded (UTC): " + "; ".join(notes) + "."]
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--write", type=Path, default=None)
    args = parser.parse_args()
    text = render()
    if args.write is None:
        print(text)
        return
    doc = args.write.read_text()
    if BEGIN not in doc or END not in doc:
        raise SystemExit(f"{args.write} has no {BEGIN} ... {END} markers")
    head, rest = doc.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    args.write.write_text(f"{head}{BEGIN}\n{text}\n{END}{tail}")
    print(f"wrote the table into {args.write}")


if __name__ == "__main__":
    main()
