"""`contest demo` plays a whole 2024 contest through the HTTP API (`--via api`, the default) or through the pages'
forms as each person would use them (`--via pages`); the finalists and winners it prints equal what `contest audit
verify` recomputes from the exported history alone, and the same seed and votes give the same contest either way.
It refuses a store that is not empty.

The two plays (module fixtures, one each) share the work of the tests: the API's play is the one the first test
checks in depth and the second compares the pages' play with."""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.slow

KEYS = ("finalists (2024)", "winner (2024)", "theme prize (2024)")
VOTES, SEED = "200", "2024"  # small: the pages' play sends three requests per vote
BOTH = ("VERIFIED against the published checkpoints and the approved digest (independent verifier: VERIFIED)")


def contest(cwd: Path, *args: str, timeout: int = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "contest.cli", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, check=False)


def results(output: str) -> dict[str, str]:
    found = {}
    for line in output.splitlines():
        match = re.match(r"^(finalists|winner|theme prize) \(2024\): (.+)$", line)
        if match:
            found[f"{match.group(1)} (2024)"] = match.group(2).strip()
    return found


@dataclass
class Played:
    cwd: Path
    store: str
    run: subprocess.CompletedProcess[str]

    def history(self) -> list[dict[str, Any]]:
        """The history the demo exported and verified (var/demo-*/audit.jsonl under its working directory)."""
        (export,) = self.cwd.glob("var/demo-*/audit.jsonl")
        return [json.loads(line) for line in export.read_text(encoding="utf-8").splitlines()]


def play(tmp_path_factory: pytest.TempPathFactory, via: str) -> Played:
    cwd = tmp_path_factory.mktemp(f"demo-{via}")
    store = f"sqlite:///{cwd}/demo.sqlite3"
    run = contest(cwd, "--store", store, "demo", "--via", via, "--votes", VOTES, "--seed", SEED, "--no-serve",
                  timeout=600)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    return Played(cwd, store, run)


@pytest.fixture(scope="module")
def by_api(tmp_path_factory: pytest.TempPathFactory) -> Played:
    return play(tmp_path_factory, "api")


@pytest.fixture(scope="module")
def by_pages(tmp_path_factory: pytest.TempPathFactory) -> Played:
    return play(tmp_path_factory, "pages")


def test_the_demo_plays_a_contest_whose_winners_the_audit_recomputes(by_api: Played) -> None:
    run, tmp_path = by_api.run, by_api.cwd
    printed = results(run.stdout)
    assert set(printed) == set(KEYS), run.stdout
    assert len(printed["finalists (2024)"].split(", ")) == 5
    assert f"residents' votes: {VOTES} counted" in run.stdout and "VERIFIED" in run.stdout
    # the fake residents vote from many client networks (the demo forwards their addresses), so the desk's report
    # of suspicious clusters (§4.6.6, D10: 20 votes from one network within 10 minutes; each tenth of the votes
    # comes within seconds) flags none of them
    assert "suspicious vote clusters on the desk: 0" in run.stdout, run.stdout[-3000:]
    # both verifiers, against the checkpoints the play published (D16) and the digest the council approved (D14)
    assert BOTH in run.stdout, run.stdout[-3000:]

    export = contest(tmp_path, "--store", by_api.store, "audit", "export", "--out", str(tmp_path / "history.jsonl"))
    assert export.returncode == 0, export.stderr
    verify = contest(tmp_path, "audit", "verify", str(tmp_path / "history.jsonl"))
    assert verify.returncode == 0 and "VERIFIED" in verify.stdout, verify.stdout[-3000:]
    records = [json.loads(line) for line in (tmp_path / "history.jsonl").read_text(encoding="utf-8").splitlines()]
    casts = [r["payload"] for r in records if r["type"].endswith("Vote.Cast")]
    networks = Counter(c["network"] for c in casts)
    assert len(casts) == int(VOTES) and None not in networks and len(networks) > 0.95 * int(VOTES), \
        networks.most_common(3)
    recomputed = results(verify.stdout)
    assert "finalists (2024)" in recomputed, verify.stdout
    for key, value in recomputed.items():
        assert printed[key] == value, (key, printed[key], value)

    again = contest(tmp_path, "--store", by_api.store, "demo", "--votes", "10", "--no-serve")
    assert again.returncode != 0 and "is not empty" in again.stderr


# What differs between two plays of one seed whatever the hands: the times, the positions and digests of the
# history, the keyed hashes (each play's service has vote secrets of its own).
PLAY_BOUND = {"at", "timestamp", "digest", "digest_through", "round3_digest", "included_through", "resident_key",
              "network", "receipt", "key", "receipt_fingerprint", "voter_fingerprint"}
SECTION = re.compile(r"^s(\d+)\.")


def same_for_any_play(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: same_for_any_play(v) for k, v in value.items() if k not in PLAY_BOUND}
    if isinstance(value, list):
        return [same_for_any_play(v) for v in value]
    return value


def by_kind(history: list[dict[str, Any]]) -> dict[str, list[str]]:
    """Each kind of event's payloads (without what is bound to the play), in a canonical order."""
    kinds: dict[str, list[str]] = defaultdict(list)
    for r in history:
        kinds[r["type"]].append(json.dumps(same_for_any_play(r["payload"]), sort_keys=True, ensure_ascii=False))
    return {kind: sorted(payloads) for kind, payloads in kinds.items()}


def test_the_pages_play_the_same_contest_as_the_api_every_step_through_a_form(by_api: Played,
                                                                              by_pages: Played) -> None:
    api, pages = by_api.run.stdout, by_pages.run.stdout
    assert "through the pages' forms" in pages.splitlines()[0]
    round2 = re.compile(r"^round 1: 43 submissions; round 2: (.+)$", re.M)
    assert round2.findall(pages) == round2.findall(api) and len(round2.findall(api)[0].split(", ")) == 10
    assert results(pages) == results(api) and set(results(api)) == set(KEYS)
    assert f"residents' votes: {VOTES} counted; refused as they should be: 1 second vote, 1 mistyped code; " \
           "suspicious vote clusters on the desk: 0" in pages
    assert BOTH in pages, pages[-3000:]
    forms = re.search(r"^through the pages: (\d+) forms sent by 54 staff, each signed in with a session of their "
                      r"own, and (\d+) residents' browsers; nothing written through the API$", pages, re.M)
    assert forms and int(forms.group(2)) == int(VOTES) + 2 and int(forms.group(1)) > 400 + int(VOTES), pages

    # the histories hold the same events but for the hands: each municipality's answers were typed into the
    # questionnaire's sections one page after another (a save each, of one section), the same answers in the end
    # as the API's one save; and one token per person (the API's play issues the replying municipality a second)
    pages_history, api_history = by_pages.history(), by_api.history()
    hands = ("domain.submission:Submission.AnswersSaved", "domain.access:Credential.Issued")
    assert {k: v for k, v in by_kind(pages_history).items() if k not in hands} == \
        {k: v for k, v in by_kind(api_history).items() if k not in hands}
    saves = [r for r in pages_history if r["type"] == hands[0]]
    assert len(saves) > 5 * 43
    typed: dict[str, dict[str, Any]] = defaultdict(dict)
    for save in saves:
        actor = save["payload"]["actor"]
        assert actor["role"] == "municipality" and save["payload"]["source"] == "municipality"
        assert len({SECTION.match(q).group(1) for q in save["payload"]["answers"]}) == 1  # type: ignore[union-attr]
        typed[actor["principal"]].update(save["payload"]["answers"])
    assert typed == {r["payload"]["actor"]["principal"]: r["payload"]["answers"]
                     for r in api_history if r["type"] == hands[0]}
    issued = [r["payload"] for r in pages_history if r["type"] == hands[1]]
    assert len(issued) == 1 + 43 + 9 + 1 and all(i["actor"]["role"] == "secretariat" for i in issued[1:])
    # the people signed in on the pages, each with a server-side session (contest/sessions.py); the API's play none
    with sqlite3.connect(by_pages.store.removeprefix("sqlite:///")) as db:
        assert db.execute("SELECT count(*) FROM contest_staff_sessions").fetchone()[0] > 0
