"""The closings (round 1, 2, 3), the council's approval (D14) and the published checkpoints (D16): each recorded
result is recomputed from the data through the closing's `included_through` and compared."""

from __future__ import annotations

from fractions import Fraction
from typing import TYPE_CHECKING, Any

from verifier import round1, round2, round3
from verifier.state import Contest

if TYPE_CHECKING:
    from verifier.engine import Verifier

PRECISION = Fraction(5, 10 ** 7)  # the export records its rounded numbers to at most six decimals
KINDS = {"Round1Closed": "round1_closed", "InterimResultPublished": "interim_result",
         "VotingWindowClosed": "window_closed", "Round2Closed": "round2_closed", "Round3Closed": "round3_closed",
         "ResultApproved": "approval"}


def close_to(recorded: Any, exact: Fraction, precision: Fraction = PRECISION) -> bool:
    if isinstance(recorded, bool) or not isinstance(recorded, (int, float)):
        return False
    return abs(round1.frac(recorded) - exact) <= precision


def digest(v: Verifier, label: str, through: Any, recorded: Any, pos: int, line_no: int) -> bool:
    if not isinstance(through, int):
        v.report.mismatch(pos, line_no, f"{label}: a recorded position", "an integer", through)
        return False
    actual = v.chain.digest_through(through)
    if actual != recorded:
        v.report.mismatch(pos, line_no, f"{label}: the digest recorded through position {through}", actual, recorded)
        return False
    v.report.match(f"{label}: digest through position {through}")
    return True


def contest_event(v: Verifier, c: Contest, event: str, p: dict[str, Any], pos: int, line_no: int) -> None:
    kind = KINDS.get(event)
    if kind is None:
        return
    through = p.get("digest_through") if event == "ResultApproved" else p.get("included_through")
    if through is not None or p.get("digest") is not None:
        c.checkpoints.append((kind, through, p.get("digest"), pos))
        digest(v, f"{event} ({c.year})", through, p.get("digest"), pos, line_no)
    if event == "Round1Closed":
        _round1(v, c, p, pos, line_no)
    elif event == "Round2Closed":
        _round2(v, c, p, pos, line_no)
    elif event == "Round3Closed":
        _round3(v, c, p, pos, line_no)
    elif event == "ResultApproved":
        _approval(v, c, p, pos, line_no)


def _round1(v: Verifier, c: Contest, p: dict[str, Any], pos: int, line_no: int) -> None:
    through = p.get("included_through") if isinstance(p.get("included_through"), int) else pos
    setup, r = c.setup, v.report
    rows = round1.rank(setup.get("questionnaire") or {"questions": []}, setup.get("scoring") or {}, c.codes,
                       c.answers_through(through))
    recorded = [x for x in p.get("ranking") or [] if isinstance(x, dict)]
    mine = {row.municipality: row for row in rows}
    problems = []
    if sorted(x.get("municipality") for x in recorded) != sorted(mine):
        problems.append(("the ranked municipalities", sorted(mine), [x.get("municipality") for x in recorded]))
    places = [x.get("place") for x in recorded]
    if places != sorted(places, key=lambda q: q if isinstance(q, int) else 10 ** 9):
        problems.append(("the ranking in order of place", "non-decreasing places", places))
    for x in recorded:
        row = mine.get(x.get("municipality"))
        if row is None:
            continue
        found = {"place": x.get("place"), "overall": x.get("overall"), "raw_points": x.get("raw_points"),
                 "indices": x.get("indices"), "eur_totals": x.get("eur_totals")}
        ok = x.get("place") == row.place and close_to(x.get("overall"), row.overall) \
            and close_to(x.get("raw_points"), row.raw_points) \
            and all(close_to((x.get("indices") or {}).get(b), i) for b, i in row.indices.items()) \
            and all(close_to((x.get("eur_totals") or {}).get(b), e) for b, e in row.eur_totals.items())
        if not ok:
            problems.append((f"{row.municipality}'s place and scores", {
                "place": row.place, "overall": float(row.overall), "raw_points": float(row.raw_points),
                "indices": {b: float(i) for b, i in row.indices.items()},
                "eur_totals": {b: float(e) for b, e in row.eur_totals.items()}}, found))
    for what, expected, found in problems:
        r.mismatch(pos, line_no, f"round 1 ranking ({c.year}, D2–D6): {what}", expected, found)
    if not problems:
        r.match(f"round 1 ranking of {len(rows)} municipalities ({c.year})")
    size = int((setup.get("scoring") or {}).get("cut_size") or c.rules.get("cut_size") or 10)
    cut = round1.cut(rows, size)
    rc = p.get("cut") if isinstance(p.get("cut"), dict) else {}
    if p.get("advancing") != cut.advancing or (rc and rc.get("advancing") != cut.advancing):
        r.mismatch(pos, line_no, f"round 1: the advancing municipalities ({c.year}, D7)", cut.advancing,
                   p.get("advancing"))
    elif rc and (bool(rc.get("tie_break_used")) != cut.tie_break_used
                 or bool(rc.get("all_tied_advance")) != cut.all_tied_advance):
        r.mismatch(pos, line_no, f"round 1: the cut's tie-break ({c.year}, D7)",
                   {"tie_break_used": cut.tie_break_used, "all_tied_advance": cut.all_tied_advance},
                   {"tie_break_used": rc.get("tie_break_used"), "all_tied_advance": rc.get("all_tied_advance")})
    else:
        r.match(f"round 1: {len(cut.advancing)} advancing to round 2 ({c.year})")
    r.results[f"round 1 advancing ({c.year})"] = ", ".join(cut.advancing)
    c.round1_closed = p
    c.stage = "round2"


def _round2(v: Verifier, c: Contest, p: dict[str, Any], pos: int, line_no: int) -> None:
    through = p.get("included_through") if isinstance(p.get("included_through"), int) else pos
    r = v.report
    ballots: dict[str, dict[str, int]] = {}
    for bpos, seat, points in c.ballots:
        if bpos <= through:
            ballots[seat] = points  # the last ballot per seat counts (D8)
    if p.get("ballots") != ballots:
        r.mismatch(pos, line_no, f"round 2: the counted ballots ({c.year}, §4.6.4, D8)", ballots, p.get("ballots"))
    quorum = int(c.rules.get("quorum", 5))
    if len(ballots) < quorum:
        r.mismatch(pos, line_no, f"round 2: the quorum of ballots ({c.year}, D9)", f">= {quorum}", len(ballots))
    tally = c.counted_tally(through)
    held = c.quarantined_through(through)
    left_out = 0
    for vote in held:
        info = v.watched_votes.get(vote)
        if info and info[0] == c.year and info[3] is not None and info[3] <= through:
            tally[info[1]][0] -= 1
            tally[info[1]][1] -= info[2]
            left_out += 1
    counted = {m: t for m, t in tally.items() if t[0] > 0}
    total = sum(t[0] for t in counted.values())
    if p.get("tallies") != counted:
        r.mismatch(pos, line_no, f"round 2: the vote tally recorded ({c.year}, without the votes in quarantine)",
                   counted, p.get("tallies"))
    else:
        r.match(f"round 2: the vote tally ({total} votes counted, {left_out} in quarantine left out) ({c.year})")
    decisions = [d for dpos, d in c.decisions if dpos <= through]
    ten = c.round2_ten()
    outcome = round2.finalists(ten, ballots, c.chair(), counted,
                               round2.eligible_municipalities(c.rules, c.codes, ten), c.rules, decisions)
    mine = [m for m, _ in outcome.finalists]
    found = [f.get("municipality") for f in p.get("finalists") or [] if isinstance(f, dict)]
    recorded_choice = (p.get("outcome") or {}).get("residents_choice") if isinstance(p.get("outcome"), dict) \
        else None
    if outcome.open_ties:
        r.mismatch(pos, line_no, f"round 2: ties resolved by a recorded jury decision ({c.year}, D11)",
                   "a decision for each tie", outcome.open_ties)
    if found != mine:
        r.mismatch(pos, line_no, f"round 2 finalists ({c.year}, §4.6.7, D9–D11)", mine, found)
    elif isinstance(p.get("outcome"), dict) and recorded_choice != outcome.residents_choice:
        r.mismatch(pos, line_no, f"round 2: the residents' choice ({c.year}, §4.6.7, D10)",
                   outcome.residents_choice, recorded_choice)
    else:
        r.match(f"round 2 finalists ({c.year})")
    r.results[f"finalists ({c.year})"] = ", ".join(mine)
    r.results[f"votes in quarantine ({c.year})"] = f"{left_out} of {total + left_out}"
    c.round2_closed = p
    c.stage = "round3"


def _round3(v: Verifier, c: Contest, p: dict[str, Any], pos: int, line_no: int) -> None:
    through = p.get("included_through") if isinstance(p.get("included_through"), int) else pos
    r = v.report
    finalists = [f.get("municipality") for f in (c.round2_closed or {}).get("finalists") or []
                 if isinstance(f, dict)]
    visits: dict[str, dict[str, Any]] = {}
    for apos, municipality, present in c.attendance:
        if apos <= through:
            visits[municipality] = present
    sheets: dict[str, dict[str, Any]] = {}
    for spos, seat, sheet in c.scorecards:
        if spos <= through:
            sheets[seat] = sheet
    decisions = [d for dpos, d in c.decisions if dpos <= through]
    res = round3.recompute(finalists, visits, sheets, c.voting_seats(), c.chair(), c.rules, decisions)
    result = p.get("result") if isinstance(p.get("result"), dict) else {}
    table = {x.get("municipality"): x for x in (result.get("explanation") or {}).get("municipalities") or []
             if isinstance(x, dict)}
    bad = []
    for m in finalists:
        x = table.get(m, {})
        avg = res.averages[m]
        if x.get("score_sum") != res.score_sums[m] or x.get("score_count") != res.score_counts[m] \
                or x.get("theme_sum") != res.theme_sums[m] \
                or (avg is not None and not close_to(x.get("average"), avg, Fraction(5, 10 ** 5))):
            bad.append((m, {"score_sum": res.score_sums[m], "score_count": res.score_counts[m],
                            "theme_sum": res.theme_sums[m], "average": None if avg is None else float(avg)},
                        {k: x.get(k) for k in ("score_sum", "score_count", "theme_sum", "average")}))
    for m, expected, found in bad:
        r.mismatch(pos, line_no, f"round 3: {m}'s counted scores ({c.year}, §4.7.3, §4.7.4, §4.7.9)", expected, found)
    if res.open_ties:
        r.mismatch(pos, line_no, f"round 3: ties resolved by a recorded jury decision ({c.year}, D12, D13)",
                   "a decision for each tie", res.open_ties)
    if (result.get("winner"), result.get("theme_winner")) != (res.winner, res.theme_winner):
        r.mismatch(pos, line_no, f"round 3: the winner and the theme-prize winner ({c.year}, §4.7.9–§4.7.11, D12, "
                   "D13)", {"winner": res.winner, "theme_winner": res.theme_winner},
                   {"winner": result.get("winner"), "theme_winner": result.get("theme_winner")})
    elif not bad:
        r.match(f"round 3: the winner and the theme-prize winner ({c.year})")
    r.results[f"winner ({c.year})"] = res.winner
    r.results[f"theme prize ({c.year})"] = res.theme_winner
    c.round3_closed = p
    c.round3_position = pos


def _approval(v: Verifier, c: Contest, p: dict[str, Any], pos: int, line_no: int) -> None:
    r = v.report
    through = p.get("digest_through")
    closed_at = c.round3_position or 0
    if not isinstance(through, int) or not closed_at <= through < pos:
        # D14: the last position before the approval as the service saw it when deciding; an event of another
        # aggregate (a token issued, say) may fall between it and the approval's own line
        r.mismatch(pos, line_no, f"the approval ({c.year}, D14) names a position after round 3's close and before "
                   "its own line", f"{closed_at} <= digest_through < {pos}", through)
    if c.round3_closed is None:
        r.mismatch(pos, line_no, f"the approval ({c.year}, §7.4) after round 3 closed", "Round3Closed first", None)
    elif p.get("round3_digest") != c.round3_closed.get("digest"):
        r.mismatch(pos, line_no, f"the approval ({c.year}, D14) names round 3's digest",
                   c.round3_closed.get("digest"), p.get("round3_digest"))
    r.results["approved"] = f"decision {p.get('decision_number')} of {(p.get('decision_date') or {}).get('_data_')}"
    r.results["approved digest"] = p.get("digest")
    c.approved = p
    c.approved_position = pos
    c.stage = "sealed"


def finish(v: Verifier) -> None:
    from verifier import published
    published.check(v)
    for c in v.by_year.values():
        v.report.results[f"stage ({c.year})"] = c.stage
