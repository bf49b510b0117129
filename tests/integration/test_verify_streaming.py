"""`contest audit verify` streams (contest/verify.py, contest/verify_stream.py; RULES.md "Audit", D14): the
structures that replace its in-memory sets and dicts find exactly what those found, at the same positions: a second
vote by one resident (§4.6.6), a repeated or a missing version of an aggregate, a quarantined vote's effect on the
tally (§4.6.7, D10, D11), the chain at a position; and the export and the verifier show progress only on a
terminal."""

from __future__ import annotations

import io
import json
import os
import pty
import random
import select
import subprocess
import sys
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.persistence import StoredEvent

from contest.audit import GENESIS, export_lines
from contest.clock import FrozenClock
from contest.progress import TerminalProgress, shows_progress
from contest.replay import Replay
from contest.service import ContestService
from contest.store import EventStore
from contest.verify import VOTE_LINE, Verifier, offline_mapper, verify_file
from contest.verify_stream import ChainPositions, ResidentSpill, VersionSpill, binary_source, scan
from domain.actors import system_actor
from projections.round2 import KeptVotesView
from projections.views import Views
from tests.conftest import SECRETS, START, STORES
from tests.support.helpers import play_round2
from tests.support.live import live_store
from tests.support.verifiers import rechain
from tests.support.votes import history as votes_history
from tests.support.votes import replayed, votes_state


@pytest.fixture
def lines(service: ContestService, clock: FrozenClock) -> list[str]:
    """A whole round 2: round 1 closed, six votes, every ballot, round 2 closed; exported."""
    play_round2(service, clock)
    return list(export_lines(service.store))


@pytest.fixture(scope="module", params=STORES)
def variants(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[str]]:
    """vote_variants of one round 2 played once per store for the module's variant tests: each variant is a copy
    of the export, never the store, so 22 variants x 2 verifiers need one history, not one each."""
    with live_store(request, tmp_path_factory.mktemp(f"variants-{request.param}")) as url:
        clock = FrozenClock(START)
        svc = ContestService(EventStore(url), clock, SECRETS)
        try:
            svc.init_from_preset("2024", actor=system_actor("test"))
            play_round2(svc, clock)
            return vote_variants(list(export_lines(svc.store)))
        finally:
            svc.close()


def verify(lines: list[str], **kw: Any) -> Any:
    return verify_file(iter(line + "\n" for line in lines), Views(), **kw)


def renumbered(records: list[dict[str, Any]]) -> list[str]:
    for n, r in enumerate(records, start=1):
        r["position"] = n
    return rechain(records)


def reference_versions(records: list[dict[str, Any]]) -> list[tuple[int, int, str, int, int]]:
    """What the verifier's dict of versions found, line by line: (line, position, aggregate, expected, found)."""
    versions: dict[str, int] = {}
    found = []
    for line, r in enumerate(records, start=1):
        expected = versions.get(r["aggregate_id"], 0) + 1
        if r["version"] != expected:
            found.append((line, r["position"], r["aggregate_id"], expected, r["version"]))
        versions[r["aggregate_id"]] = max(r["version"], versions.get(r["aggregate_id"], 0))
    return found


def version_findings(report: Any) -> list[tuple[int, int, str, int, int]]:
    return [(m.line, m.position, m.check.split()[3], m.expected, m.found) for m in report.mismatches
            if m.check.startswith("version of aggregate")]


def test_a_second_vote_by_the_same_resident_is_found_where_a_set_of_residents_finds_it(lines: list[str]) -> None:
    records = [json.loads(x) for x in lines]
    i = next(n for n, r in enumerate(records) if r["type"].endswith("Vote.Cast"))
    second = json.loads(json.dumps(records[i]))
    second["aggregate_id"] = "00000000-0000-4000-8000-0000000000aa"  # another aggregate, the same resident
    records.insert(i + 2, second)
    report = verify(renumbered(records))
    seen: set[tuple[int, str]] = set()
    expected = []
    for r in records:
        if r["type"].endswith("Vote.Cast"):
            key = (r["payload"]["year"], r["payload"]["resident_key"])
            if key in seen:
                expected.append(r["position"])
            seen.add(key)
    found = [m for m in report.mismatches if m.check.startswith("one vote per resident")]
    assert [m.position for m in found] == expected == [i + 3]
    assert (found[0].expected, found[0].found) == ("a first vote", "a second vote")
    assert not version_findings(report)  # a new aggregate: its version 1 is right
    assert verify(lines).ok  # and the genuine history has none


def test_a_repeated_and_a_missing_version_are_found_at_their_lines(lines: list[str]) -> None:
    records = [json.loads(x) for x in lines]
    vote = next(n for n, r in enumerate(records) if r["type"].endswith("Vote.Cast"))
    records.insert(vote + 1, json.loads(json.dumps(records[vote])))  # the same vote twice: version 1 repeated
    submission = next(r["aggregate_id"] for r in records if r["type"].endswith("Submission.AnswersSaved"))
    del records[next(n for n, r in enumerate(records) if r["aggregate_id"] == submission)]  # its first event gone
    report = verify(renumbered(records))
    expected = reference_versions(records)
    assert len(expected) >= 2
    assert version_findings(report) == expected
    kinds = {(e[3], e[4]) for e in expected}
    assert (2, 1) in kinds  # the repeated vote: version 1 again where 2 was due
    assert any(found == want + 1 for want, found in kinds)  # the missing event


def test_a_quarantined_votes_effect_is_the_full_votes_views(service: ContestService, clock: FrozenClock) -> None:
    votes_history(service, clock)  # a quarantined burst, a partial reinstatement, votes after both
    exported = list(export_lines(service.store))
    verifier = Verifier(Views())
    report = verifier.run(iter(line + "\n" for line in exported))
    assert report.ok, report.text()
    kept = verifier.views.votes
    assert isinstance(kept, KeptVotesView)
    full = replayed(service).votes
    state, reference = votes_state(kept), votes_state(full)
    for key in ("tallies", "held", "counted", "comments", "quarantined", "decisions"):
        assert state[key] == reference[key], key
    assert kept.quarantined and len(kept._kept) == len(kept.keep) < kept.total(2024)  # only the named votes
    assert kept.years_of(list(full.quarantined)) == full.years_of(list(full.quarantined))
    assert report.results["votes in quarantine (2024)"].startswith(f"{full.quarantined_total(2024)} ")
    # the old way, for the same events: every event through the mapper into a full VotesView
    mapper, views = offline_mapper(), Views()
    replay = Replay(views)
    for line in exported:
        r = json.loads(line)
        state_bytes = json.dumps(r["payload"], separators=(",", ":"), ensure_ascii=False).encode()
        replay.apply(mapper.to_domain_event(StoredEvent(UUID(r["aggregate_id"]), r["version"], r["type"],
                                                        state_bytes)), r["position"])
    assert views.votes.stats(2024) == kept.stats(2024) and views.votes.held == kept.held


# ----- the structures on their own, against the dict or set they replace -----

def test_the_spills_find_what_a_dict_and_a_set_find() -> None:
    rng = random.Random(9)
    ids = [f"{rng.getrandbits(128):032x}" for _ in range(3000)]
    ids = [f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}" for h in ids]
    rows: list[tuple[Any, int]] = []
    for aggregate in ids:
        for version in range(1, 1 + rng.choice((1, 1, 1, 1, 3))):
            rows.append((aggregate, version))
    rows += [(ids[5], 1), (ids[7], 9), (ids[11].upper(), 1), ("not-a-uuid", 1), ("not-a-uuid", 3), (42, 1),
             (ids[13], 2**70)]  # repeated, skipped, another text of one id, odd ids, a version beyond 64 bits
    rng.shuffle(rows)
    versions = VersionSpill()
    residents = ResidentSpill()
    expected_versions, expected_repeats = [], []
    last: dict[Any, int] = {}
    seen: set[Any] = set()
    keys = [f"{rng.getrandbits(256):064x}" for _ in range(2000)]
    for line, (aggregate, version) in enumerate(rows, start=1):
        previous = last.get(aggregate, 0)
        if version != previous + 1:
            expected_versions.append((line, line * 10, aggregate, previous + 1, version))
        last[aggregate] = max(version, previous)
        versions.add(aggregate, version, line, line * 10)
        year, key = 2024 + line % 2, keys[line % len(keys)] if line % 5 else keys[(line * 7) % 50].upper()
        if (year, key) in seen:
            expected_repeats.append((line, line * 10))
        seen.add((year, key))
        residents.add(year, key, line, line * 10)
    assert sorted(versions.findings()) == expected_versions
    assert sorted(residents.repeats()) == expected_repeats and expected_repeats
    versions.close()
    residents.close()


def test_the_chain_at_a_position_is_what_a_dict_over_every_line_gives() -> None:
    rng = random.Random(3)
    positions = sorted(rng.sample(range(1, 5000), 900))
    order = positions[:]
    for _ in range(30):  # some lines out of order and repeated, as in a tampered file
        i = rng.randrange(len(order))
        order.insert(rng.randrange(len(order)), order[i])
    wanted = rng.sample(range(-2, 5100), 60)
    chains = ChainPositions(ring=64)
    chains.want(wanted)
    chain_at = {0: GENESIS}
    for n, p in enumerate(order):
        chain = f"{n:064x}"
        chains.record(p, chain)
        chain_at[p] = chain

    def reference(t: int) -> str:
        return chain_at[max((p for p in chain_at if p <= t), default=0)]

    for t in wanted:
        assert chains.digest_at(t) == reference(t), t
    assert chains.digest_at(10_000) == reference(10_000)
    assert chains.digest_at(order[-1]) == reference(order[-1])
    answered = [t for t in range(0, 5000, 7) if chains.digest_at(t) is not None]
    assert all(chains.digest_at(t) == reference(t) for t in answered)  # what it knows is exact


def test_the_first_pass_finds_the_lines_of_a_pattern_across_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    import contest.verify_stream as vs

    monkeypatch.setattr(vs, "SCAN_BLOCK", 7)
    text = "".join(f'{{"n":{i},"type":"{"domain.contest:Contest.X" if i % 4 == 0 else "other"}"}}\n'
                   for i in range(40))
    with binary_source(iter(text.splitlines(keepends=True))) as f:
        found = [json.loads(line)["n"] for line in scan(f, b"domain.contest:Contest.")]
    assert found == list(range(0, 40, 4))


# ----- progress: only on a terminal -----

def test_progress_is_shown_only_on_a_terminal() -> None:
    assert not shows_progress(io.StringIO()) and not shows_progress(object())
    quiet = io.StringIO()
    bar = TerminalProgress("verifying", stream=quiet, every=0)
    bar.update(10)
    bar.close()
    assert quiet.getvalue() == "" and not bar.enabled
    master, slave = pty.openpty()
    try:
        with os.fdopen(slave, "w", closefd=False) as terminal:
            assert shows_progress(terminal)
            bar = TerminalProgress("verifying", stream=terminal, every=0)
            bar.update(5)
            bar.close()
        shown = os.read(master, 4096).decode()
        assert "verifying: 5 events" in shown and "/s" in shown
    finally:
        os.close(master)
        os.close(slave)


def read_all(fd: int) -> str:
    out = b""
    while select.select([fd], [], [], 0.2)[0]:
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    return out.decode(errors="replace")


def test_export_and_verify_print_progress_to_a_terminal_and_nothing_to_a_pipe(
        lines: list[str], store_url: str, tmp_path: Path) -> None:
    env = {"CONTEST_STORE": store_url, "PATH": "/usr/bin:/bin"}
    out = tmp_path / "export.jsonl"
    master, slave = pty.openpty()
    try:
        export = subprocess.run([sys.executable, "-m", "contest.cli", "audit", "export", "--out", str(out)],
                                env=env, stdout=subprocess.PIPE, stderr=slave)
        shown = read_all(master)
        assert export.returncode == 0 and f"exporting: {len(lines)} events" in shown, shown
        verified = subprocess.run([sys.executable, "-m", "contest.cli", "audit", "verify", str(out), "--json"],
                                  env=env, stdout=subprocess.PIPE, stderr=slave, text=True)
        shown = read_all(master)
        assert verified.returncode == 0 and json.loads(verified.stdout)["ok"] is True
        assert f"verifying: {len(lines)} events" in shown, shown
    finally:
        os.close(master)
        os.close(slave)
    piped = subprocess.run([sys.executable, "-m", "contest.cli", "audit", "verify", str(out)], env=env,
                           capture_output=True, text=True)
    assert piped.returncode == 0 and "verifying" not in piped.stderr and piped.stderr == ""
    exported = subprocess.run([sys.executable, "-m", "contest.cli", "audit", "export", "--out", str(out)], env=env,
                              capture_output=True, text=True)
    assert exported.stderr == f"exported {len(lines)} events\n"


class GeneralPathVerifier(Verifier):
    FAST_VOTES = False


def vote_variants(lines: list[str]) -> dict[str, list[str]]:
    """The export with one vote line written otherwise, each re-chained as a forger would: every way a vote line
    can leave the canonical form the fast path reads (contest/verify.py VOTE_LINE), and forged values in it."""
    records = [json.loads(line) for line in lines]
    at = next(i for i, r in enumerate(records) if r["type"] == "domain.vote:Vote.Cast")

    def variant(change: Any) -> list[str]:
        copy = [json.loads(json.dumps(r)) for r in records]
        change(copy[at]["payload"], copy)
        return rechain(copy)

    def raw(text_change: Any) -> list[str]:
        out = list(lines)
        out[at] = text_change(out[at])
        return out

    def duplicate(payload: dict[str, Any], rs: list[dict[str, Any]]) -> None:
        second = json.loads(json.dumps(rs[at]))
        second["aggregate_id"] = "0" * 8 + rs[at]["aggregate_id"][8:]
        rs.insert(at + 1, second)
        for n, r in enumerate(rs, start=1):
            r["position"] = n

    return {
        "genuine": list(lines),
        "rating off the scale": variant(lambda p, rs: p.update(rating=9)),
        "rating as a float": variant(lambda p, rs: p.update(rating=3.0)),
        "negative year": variant(lambda p, rs: p.update(year=-1)),
        "another year": variant(lambda p, rs: p.update(year=2031)),
        "comment with an escape": variant(lambda p, rs: p.update(comment='say "hi"\n')),
        "comment in Latvian": variant(lambda p, rs: p.update(comment="Ģimenei draudzīgākā")),
        "empty comment": variant(lambda p, rs: p.update(comment="")),
        "upper-case resident key": variant(lambda p, rs: p.update(resident_key=p["resident_key"].upper())),
        "resident key not hex": variant(lambda p, rs: p.update(resident_key="z" * 64)),
        "municipality not eligible": variant(lambda p, rs: p.update(municipality="LV-999")),
        "vote before the window": variant(lambda p, rs: p["at"].update(_data_="2024-01-01T00:00:00+00:00")),
        "instant not a date": variant(lambda p, rs: p["at"].update(_data_="2024-13-45T00:00:00+00:00")),
        "timestamp not a date": variant(lambda p, rs: p["timestamp"].update(_data_="yesterday")),
        "no network": variant(lambda p, rs: p.pop("network", None)),
        "a network": variant(lambda p, rs: p.update(network="1dc49fdc05ae3631")),
        "actor with a number": variant(lambda p, rs: p["actor"].update(n=1)),
        "a second vote by the resident": variant(duplicate),
        "chain edited": raw(lambda line: json.dumps({**json.loads(line), "chain": "0" * 64}, sort_keys=True,
                                                    separators=(",", ":"), ensure_ascii=False)),
        "spaces after commas": raw(lambda line: line.replace(',"payload"', ', "payload"', 1)),
        "members reordered": raw(lambda line: json.dumps(dict(reversed(list(json.loads(line).items()))),
                                                         separators=(",", ":"), ensure_ascii=False)),
        "not UTF-8": raw(lambda line: line.replace("LV-", "LV\udcff-", 1)),
    }


VARIANTS = ["genuine", "rating off the scale", "rating as a float", "negative year", "another year",
            "comment with an escape", "comment in Latvian", "empty comment", "upper-case resident key",
            "resident key not hex", "municipality not eligible", "vote before the window", "instant not a date",
            "timestamp not a date", "no network", "a network", "actor with a number",
            "a second vote by the resident", "chain edited", "spaces after commas", "members reordered", "not UTF-8"]


@pytest.mark.parametrize("name", VARIANTS)
def test_the_votes_fast_path_finds_what_the_general_path_finds(variants: dict[str, list[str]], name: str) -> None:
    genuine = variants["genuine"]
    assert VOTE_LINE.fullmatch(next(line for line in genuine if "Vote.Cast" in line))  # the path under test
    variant = variants[name]
    data = "".join(line + "\n" for line in variant).encode("utf-8", "surrogateescape")
    fast = Verifier(Views()).run(io.BytesIO(data))
    general = GeneralPathVerifier(Views()).run(io.BytesIO(data))
    assert fast.to_dict() == general.to_dict()
    # a re-chained line changes the digests recorded later; a line written otherwise is not canonical
    assert fast.ok == (name == "genuine"), fast.text()
    checks = " | ".join(m.check for m in fast.mismatches)
    assert EXPECTED_FINDING.get(name, "") in checks


EXPECTED_FINDING = {
    "rating off the scale": "a rating within the scale (D10)",
    "another year": "a vote for an existing contest",
    "municipality not eligible": "a vote for an eligible municipality (D10)",
    "vote before the window": "a vote inside the window in force when it was recorded (§4.6.6)",
    "instant not a date": "an event the domain code can rebuild",
    "timestamp not a date": "an event the domain code can rebuild",
    "a second vote by the resident": "one vote per resident (§4.6.6)",
    "chain edited": "chain hash",
    "spaces after commas": "canonical form",
    "members reordered": "canonical form",
    "not UTF-8": "a readable export line",
}



@pytest.mark.parametrize("name", VARIANTS)
def test_the_independent_verifiers_vote_pattern_finds_what_its_json_reading_finds(
        variants: dict[str, list[str]], name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """verifier/engine.py reads a canonical vote's line by a pattern; the same line decoded as JSON (the pattern
    matching nothing) gets the same report, and the project's verifier the same verdict."""
    import re

    import verifier.engine as independent

    genuine = variants["genuine"]
    assert independent._VOTE.fullmatch(next(line for line in genuine if "Vote.Cast" in line))  # the path under test
    path = tmp_path / "history.jsonl"
    path.write_bytes("".join(line + "\n" for line in variants[name]).encode("utf-8", "surrogateescape"))
    fast = independent.Verifier(str(path)).run().to_dict()
    monkeypatch.setattr(independent, "_VOTE", re.compile("(?!)"))
    general = independent.Verifier(str(path)).run().to_dict()
    assert fast == general
    with open(path, "rb") as f:
        assert fast["ok"] == Verifier(Views()).run(f).ok
