"""`contest demo`: a whole 2024 contest played on a real gunicorn over an empty SQLite store, through the HTTP API
(`--via api`, the default) or through the pages' forms (`--via pages`).

The service runs like `./dev serve` (api.demo_wsgi: the same app) with one difference: its clock is the demo's
(contest/demo_clock.py), which the demo moves through the 2024 calendar, because the rules tie steps to dates that
a real clock cannot give in a minute: votes only inside the window (§4.6.6), the jury's briefing no earlier than
round 2's closing and a week before the first visit (§4.6.8), notices five working days before each visit
(§4.7.2), attendance once a visit has taken place (§4.7.3). The steps and their seeded data are
contest/demo_script.py's: 43 seeded submissions (contest.seeding), tens of thousands of residents' votes with fake
but valid personal codes (contest.residents), sent concurrently from many client networks (the demo forwards each
fake resident's address, demo_script.client_addresses, as a reverse proxy would), nine jury ballots, the briefing,
visits, notices, attendance, scores, the council's approval. Through the API each is a request with the role's
bearer token (contest/demo_play.py); through the pages each person signs in and fills in the pages' forms as in a
browser without JavaScript (contest/demo_pages.py, contest/demo_forms.py); the same --seed and --votes give the
same contest either way. Then the history is exported and verified with `contest audit` and the independent
verifier, the winners are printed, and the pages stay up until Ctrl-C (unless --no-serve).
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Any

import click

from contest.demo_clock import set_time
from contest.demo_play import Http, Play
from contest.demo_script import API, YEAR, DemoError, Progress, Script, riga, steps_for
from contest.settings import store_kind
from contest.store import EventStore

# ----- the server -----

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def server(store_url: str, clock_file: Path, workdir: Path, port: int, workers: int) -> Iterator[str]:
    """gunicorn on loopback with the demo's clock, like tests/support/live.py; yields the base URL."""
    # The demo stands as the one reverse proxy in front of its own service: it forwards each fake resident's vote
    # with the resident's address in X-Forwarded-For (demo_script.client_addresses), which the service trusts for
    # one hop (CONTEST_PROXY_FIX=1, as behind a real proxy), so the votes come from many client networks, as real
    # residents' do, and the desk flags none of them as a cluster. The vote's rate limit stays off, as before: with
    # an address per resident it would not bite, and the demo plays the contest, not the limiter's counter file.
    env = dict(os.environ, CONTEST_STORE=store_url, CONTEST_YEAR=str(YEAR), CONTEST_PRESET=str(YEAR),
               CONTEST_DEMO_CLOCK=str(clock_file), CONTEST_VOTE_RATE_LIMIT="off", CONTEST_PROXY_FIX="1",
               CONTEST_VOTER_SECRET=secrets.token_urlsafe(32),
               CONTEST_RECEIPT_SECRET=secrets.token_urlsafe(32))
    log = workdir / "gunicorn.log"
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--config", "python:contest.gunicorn_conf", "--bind",
             f"127.0.0.1:{port}", "--workers", str(workers), "api.demo_wsgi:make_app()"],
            env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if Http(base).raw("GET", "/health")[0] == 200:
                    break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise DemoError("the service did not start:\n" + log.read_text()[-3000:])
            time.sleep(0.1)
        yield base
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


# ----- the command -----

VIA = {"api": "the HTTP JSON API with each role's bearer token",
       "pages": "the pages' forms, each person in a browser session of their own"}

def prepare_store(store_url: str) -> None:
    if store_kind(store_url) != "sqlite":
        raise DemoError("the demo runs on a SQLite store (sqlite:///path)")
    store = EventStore(store_url)
    try:
        if store.event_count():
            raise DemoError(f"the store {store_url} is not empty: the demo needs an empty one "
                            "(leave out --store for a new one under var/)")
    finally:
        store.close()


def run_cli(store_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "contest.cli", "--store", store_url, *args], capture_output=True,
                          text=True, check=False)


# The independent verifier (standard library only, docs/AUDIT.md "Two verifiers"), in a source checkout.
INDEPENDENT_VERIFIER = Path(__file__).resolve().parents[1] / "verifier"


def audit(store_url: str, workdir: Path, checkpoints: Path, approved: str) -> tuple[bool, str, dict[str, str]]:
    """`contest audit export`, then `contest audit verify` with the checkpoints published during the play (D16) and
    the digest the council approved (D14), then the same with the independent verifier: (ok, the reports, the
    result lines of the first)."""
    out = workdir / "audit.jsonl"
    export = run_cli(store_url, "audit", "export", "--out", str(out))
    if export.returncode != 0:
        raise DemoError("contest audit export failed:\n" + export.stderr[-2000:])
    held = ("--checkpoints", str(checkpoints), "--expect-digest", approved)
    verify = run_cli(store_url, "audit", "verify", str(out), *held)
    results = {}
    for line in verify.stdout.splitlines():
        key, sep, value = line.partition(": ")
        if sep and "(" in key and not line.startswith(" "):
            results[key] = value
    ok, report = verify.returncode == 0, verify.stdout
    if INDEPENDENT_VERIFIER.is_dir():
        second = subprocess.run([sys.executable, "-I", str(INDEPENDENT_VERIFIER), str(out), *held],
                                capture_output=True, text=True, check=False)
        ok = ok and second.returncode == 0
        report += "\nindependent verifier:\n" + second.stdout + second.stderr[-2000:]
        results["independent verifier"] = "VERIFIED" if second.returncode == 0 else "FAILED"
    return ok, report, results


def first_token(store_url: str, clock_file: Path) -> str:
    """The contest (the 2024 preset) and the secretariat's token, as `contest serve` makes them."""
    from contest.demo_clock import FileClock
    from contest.service import ContestService
    from domain.actors import SECRETARIAT, system_actor

    svc = ContestService(EventStore(store_url), FileClock(clock_file))
    try:
        svc.ensure_contest(str(YEAR), YEAR, actor=system_actor("preset-loader"))
        return svc.issue_token(SECRETARIAT, actor=system_actor("demo"), name="secretariat (demo)")[0]
    finally:
        svc.close()


def check_pages(base: str, winner: str) -> list[str]:
    """The public pages and the desk's sign-in answer on the played contest."""
    paths = ["/", "/balsot", "/rezultati", "/rezultati/balsojums", f"/rezultati/{winner}", "/sekretariats",
             "/rezultati?lang=en"]
    for path in paths:
        status, _ = Http(base).raw("GET", path)
        if status != 200:
            raise DemoError(f"the page {path} answered {status}")
    return paths


def player(via: str) -> type[Script]:
    """The hands of the play: the JSON API with the roles' tokens, or the pages' forms as each person uses them."""
    if via == "pages":
        from contest.demo_pages import PagesPlay

        return PagesPlay
    return Play


def run_demo(store_url: str | None, votes: int, serve: bool, port: int, workers: int, concurrency: int,
             seed: int, via: str = "api") -> None:
    started = time.monotonic()
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    workdir = Path("var") / f"demo-{stamp}"
    workdir.mkdir(parents=True, exist_ok=True)
    store_url = store_url or f"sqlite:///{workdir}/events.sqlite3"
    prepare_store(store_url)
    clock_file = (workdir / "clock").resolve()
    set_time(clock_file, riga("2024-06-07 12:00"))  # the Fund council approved the 2024 rules on 7 June
    sec = first_token(store_url, clock_file)
    with server(store_url, clock_file, workdir, port or free_port(), workers) as base:
        click.echo(f"contest demo: 2024 on {store_url}, service {base}, {votes} residents' votes, through "
                   f"{VIA[via]}")
        with click.progressbar(length=steps_for(votes), label="starting", show_pos=True, width=30) as bar:
            play = player(via)(base, sec, clock_file, votes, seed, concurrency, Progress(bar))
            ten = play.round1()
            play.vote()
            finalists = play.round2(ten)
            play.round3(finalists)
        result = play.read(f"{API}/result")
        pages = check_pages(base, result["winner"]["municipality"])
        checkpoints = workdir / f"checkpoints-{YEAR}.json"  # as anyone could have saved them (D16)
        checkpoints.write_text(json.dumps(play.read(f"{API}/checkpoints"), indent=1), encoding="utf-8")
        ok, report, verified = audit(store_url, workdir, checkpoints, result["approval"]["digest"])
        report_summary(play, result, finalists, ok, verified, workdir, time.monotonic() - started)
        click.echo(f"pages checked: {', '.join(pages)}")
        if not ok:
            click.echo(report, err=True)
            raise DemoError("contest audit verify found mismatches")
        if serve:
            click.echo(f"\nThe result is on {base}/rezultati (vote {base}/balsot, desk {base}/sekretariats, "
                       f"API {base}/docs).\nSecretariat token for the desk: {sec}\nPress Ctrl-C to stop.")
            try:
                while True:
                    time.sleep(3600)
            except KeyboardInterrupt:
                signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not leave gunicorn behind
                click.echo("stopping the service")


def report_summary(play: Script, result: dict[str, Any], finalists: list[str], ok: bool, verified: dict[str, str],
                   workdir: Path, seconds: float) -> None:
    names, facts = play.names, play.facts
    winner, theme = result["winner"], result["theme_winner"]
    click.echo(f"round 1: {facts['submissions']} submissions; round 2: {', '.join(facts['round2'])}")
    click.echo(f"residents' votes: {play.votes} counted; refused as they should be: "
               f"{facts['refused']['already voted']} second vote, {facts['refused']['bad code']} mistyped code; "
               f"suspicious vote clusters on the desk: {facts['clusters']}")
    if "forms" in facts:
        click.echo(f"through the pages: {facts['forms']} forms sent by {facts['staff']} staff, each signed in "
                   f"with a session of their own, and {facts['residents']} residents' browsers; nothing written "
                   f"through the API")
    click.echo(f"finalists ({YEAR}): {', '.join(finalists)}")
    click.echo(f"winner ({YEAR}): {winner['municipality']}")
    click.echo(f"theme prize ({YEAR}): {theme['municipality']}")
    click.echo(f"  {names[winner['municipality']]} wins \"{winner['prize']['name']}\" "
               f"({winner['prize']['amount_eur']} EUR), average score {winner['average']}")
    click.echo(f"  {names[theme['municipality']]} wins \"{theme['prize']['name']}\" "
               f"({theme['prize']['amount_eur']} EUR), {theme['theme_points']} theme points")
    click.echo(f"approved: {result['approval']['decision_number']} of {result['approval']['decision_date']}, "
               f"digest {result['approval']['digest'][:16]}…")
    same = all(verified.get(k) == v for k, v in (
        (f"finalists ({YEAR})", ", ".join(finalists)), (f"winner ({YEAR})", winner["municipality"]),
        (f"theme prize ({YEAR})", theme["municipality"])) if k in verified)
    second = verified.get("independent verifier")
    both = f" (independent verifier: {second})" if second else ""
    click.echo(f"audit: {workdir / 'audit.jsonl'} {'VERIFIED' if ok else 'FAILED'} against the published checkpoints "
               f"and the approved digest{both}; the recomputed results "
               f"{'equal' if same else 'DIFFER FROM'} the service's: "
               + "; ".join(f"{k}: {v}" for k, v in verified.items() if k.split(' (')[0] in (
                   "finalists", "winner", "theme prize")))
    click.echo(f"done in {seconds:.0f} s ({date.today().isoformat()}; contest time ran from 7 June to "
               f"10 December 2024)")
    if not same:
        raise DemoError("the audit's recomputed results differ from the service's")

