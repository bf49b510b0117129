"""The `contest` command: set up a store, issue tokens, run the service."""

from __future__ import annotations

import dataclasses
import os
import secrets
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import click

from contest.cli_audit import audit
from contest.cli_notifications import notifications
from contest.cli_support import CLI_ACTOR
from contest.cli_support import fail as _fail
from contest.cli_support import service_of as _service
from contest.presets import available_presets
from contest.settings import Settings
from domain.actors import SECRETARIAT, TOKEN_ROLES, system_actor
from domain.errors import DomainError


@click.group()
@click.option("--store", envvar="CONTEST_STORE", default=None,
              help="sqlite:///path or postgresql://… (default: CONTEST_STORE or sqlite:///var/contest.sqlite3)")
@click.pass_context
def main(ctx: click.Context, store: str | None) -> None:
    """Run and administer the contest service."""
    settings = Settings.from_env()
    if store:  # only the store changes: the vote secrets set in the environment stay (D10)
        settings = dataclasses.replace(settings, store_url=store)
    ctx.ensure_object(dict)
    ctx.obj["settings"] = settings


@main.command()
@click.option("--preset", default=None, type=click.Choice(available_presets()),
              help="create the contest of a preset  [default: 2024, unless --from]")
@click.option("--year", default=None, type=int, help="with --from: the new contest's year, e.g. 2027")
@click.option("--from", "source", default=None, type=int,
              help="carry forward the configuration of this contest in the store (e.g. 2024)")
@click.pass_context
def init(ctx: click.Context, preset: str | None, year: int | None, source: int | None) -> None:
    """Create a contest as events: from a preset (municipalities, jury, theme, prizes, window, rules), or with
    --year and --from carried forward from an earlier contest in the store (its jury, rules, scoring and
    questionnaire; the vote window by the same calendar rule; the municipalities of the new year; the theme and
    prizes to be confirmed; a new working-day calendar)."""
    if source is not None and preset is not None:
        raise click.UsageError("give --preset, or --year with --from, not both")
    if (source is None) != (year is None):
        raise click.UsageError("--year and --from go together: contest init --year 2027 --from 2024")
    svc = _service(ctx)
    try:
        if source is not None and year is not None:
            contest = svc.carry_forward(year, source, actor=CLI_ACTOR)
        else:
            contest = svc.init_from_preset(preset or "2024", actor=CLI_ACTOR)
    except DomainError as e:
        _fail(e)
        return
    origin = f" from {source}" if source is not None else ""
    click.echo(f"contest {contest.year} created{origin}: {len(contest.municipalities)} municipalities, "
               f"{len(contest.jury)} jury seats; {svc.event_count()} events in the store")
    if contest.origin:
        click.echo(f"vote window: {contest.origin['window_rule']}; municipalities as of {contest.origin['roster_day']}")
    if contest.unconfirmed:
        click.echo(f"to be confirmed before round 1 opens: {', '.join(contest.unconfirmed)} "
                   f"(PUT /api/contests/{contest.year}/theme, …/prizes)")


@main.group()
def token() -> None:
    """Issue and revoke bearer tokens."""


@token.command("issue")
@click.option("--role", required=True, type=click.Choice(TOKEN_ROLES))
@click.option("--seat", default=None, help="the juror's seat id (juror only)")
@click.option("--municipality", default=None, help="ISO 3166-2 code, e.g. LV-RIX (municipality only)")
@click.option("--name", default=None, help="a name for the holder (recorded as the principal)")
@click.option("--year", default=None, type=int, help="the contest (default: CONTEST_YEAR)")
@click.pass_context
def token_issue(ctx: click.Context, role: str, seat: str | None, municipality: str | None, name: str | None,
                year: int | None) -> None:
    """Print a new token once; only its hash is stored."""
    svc = _service(ctx)
    try:
        tok, cred = svc.issue_token(role, actor=CLI_ACTOR, name=name, seat=seat, municipality=municipality,
                                    year=year or ctx.obj["settings"].year)
    except DomainError as e:
        _fail(e)
        return
    click.echo(f"# token {cred.token_id} for {cred.role} {cred.principal} (shown once)", err=True)
    click.echo(tok)


@token.command("revoke")
@click.argument("token_id")
@click.option("--reason", required=True)
@click.pass_context
def token_revoke(ctx: click.Context, token_id: str, reason: str) -> None:
    """Revoke a token by its id (tok-…)."""
    try:
        _service(ctx).revoke_token(token_id, reason=reason, actor=CLI_ACTOR)
    except DomainError as e:
        _fail(e)
    click.echo(f"revoked {token_id}")


@main.command()
@click.pass_context
def info(ctx: click.Context) -> None:
    """Show the store and the contests in it."""
    svc = _service(ctx)
    click.echo(f"store: {svc.store_kind} ({ctx.obj['settings'].store_url.split('@')[-1]})")
    click.echo(f"events: {svc.event_count()}")
    for year in svc.years():
        c = svc.contest(year)
        click.echo(f"contest {year}: {c.stage}, {len(c.municipalities)} municipalities, {len(c.jury)} seats")


main.add_command(audit)
main.add_command(notifications)


@main.command()
@click.argument("what", type=click.Choice(["round1", "votes", "standings", "finalists", "stage"]))
@click.option("--as-of", "as_of", default=None, help="a position in the history or an ISO 8601 time")
@click.option("--year", default=None, type=int)
@click.pass_context
def results(ctx: click.Context, what: str, as_of: str | None, year: int | None) -> None:
    """Print a result as JSON, now or as the contest stood at --as-of."""
    import json

    svc = _service(ctx)
    year = year or ctx.obj["settings"].year
    try:
        state = svc.history.state(as_of)
        if what == "round1":
            contest, result, final = svc.round1.results(year, state)
            data: Any = {"final": final, **result.to_dict(explanations=False)}
        elif what == "votes":
            data = svc.round2.vote_results(year, state)
        elif what == "standings":
            data = svc.round2.standings(year, state)
        elif what == "finalists":
            contest = state.contest(year)
            data = contest.round2["finalists"] if contest.round2 else None
        else:
            contest = state.contest(year)
            data = {"stage": contest.stage, "position": state.catch_up()}
    except DomainError as e:
        _fail(e)
        return
    click.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


@main.command()
@click.option("--year", default=None, type=int, help="the contest (default: CONTEST_YEAR)")
@click.option("--json", "as_json", is_flag=True, help="print it as JSON (as GET /api/contests/<year>/transitions)")
@click.pass_context
def status(ctx: click.Context, year: int | None, as_json: bool) -> None:
    """The contest's stage, what blocks its next transition (each blocker with its clause and code, the list the
    desk shows and the close commands refuse by) and the secretariat's actions."""
    import json

    from contest.transitions import transitions

    year = year or ctx.obj["settings"].year
    try:
        data = transitions(_service(ctx), year)
    except DomainError as e:
        _fail(e)
        return
    if as_json:
        click.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))
        return
    click.echo(f"contest {year}: {data['stage']}; the vote is {data['window_now']}")
    click.echo(f"next transition: {data['next'] or 'none (sealed, D14)'}")
    if data["blockers"]:
        click.echo("blocked by:")
        for b in data["blockers"]:
            hint = " (may be confirmed with a reason)" if b["confirmable"] else ""
            click.echo(f"  [{b['clause']}] {b['code']}: {b['message']}{hint}")
    elif data["next"]:
        click.echo("blocked by: nothing")
    click.echo(f"actions: {', '.join(data['actions']) or 'none'}")


@main.command("close")
@click.argument("what", type=click.Choice(["round1", "round2", "round3"]))
@click.option("--confirm-empty", is_flag=True,
              help="round 1 only: close it although no municipality has submitted any answers (§4.2, §4.5; "
                   "needs --reason; recorded in the event)")
@click.option("--reason", default=None, help="why (required with --confirm-empty; recorded in the event)")
@click.option("--year", default=None, type=int, help="the contest (default: CONTEST_YEAR)")
@click.pass_context
def close(ctx: click.Context, what: str, confirm_empty: bool, reason: str | None, year: int | None) -> None:
    """Close a round as the secretariat: refused (with the clause) while anything `contest status` lists blocks it."""
    svc = _service(ctx)
    year = year or ctx.obj["settings"].year
    if confirm_empty and what != "round1":
        raise click.BadParameter("only closing round 1 with no submissions is confirmed", param_hint="--confirm-empty")
    try:
        if what == "round1":
            contest = svc.round1.close(year, actor=CLI_ACTOR, confirm_empty=confirm_empty, reason=reason)
            assert contest.round1 is not None
            click.echo(f"round 1 closed: {len(contest.round1['advancing'])} advance to round 2"
                       + (" (closed with no submissions, as confirmed)" if contest.round1["confirmed_empty"] else ""))
        elif what == "round2":
            outcome = svc.round2.close(year, actor=CLI_ACTOR)
            click.echo(f"round 2 closed: finalists {', '.join(outcome.codes)}")
        else:
            closed = svc.round3.close(year, actor=CLI_ACTOR)
            assert closed.round3 is not None
            click.echo(f"round 3 closed: winner {closed.round3['winner']}, theme prize {closed.round3['theme_winner']}")
    except DomainError as e:
        _fail(e)


@main.group()
def projections() -> None:
    """Rebuild and run the persisted read models."""


@projections.command("rebuild")
@click.pass_context
def projections_rebuild(ctx: click.Context) -> None:
    """Drop the persisted read models and rebuild them from every event (with a progress bar)."""
    from contest.projection_store import ProjectionStore
    from contest.readmodels import ReadModels
    from projections.views import Views

    svc = _service(ctx)
    store = ProjectionStore(svc.store)
    store.reset()
    models = ReadModels(svc.store, Views())
    head = svc.event_count()
    step = max(1, head // 100)
    with click.progressbar(length=head, label="rebuilding read models", file=sys.stderr) as bar:
        done = 0
        while models.position < head:
            target = min(head, models.position + step * 10)
            models.catch_up(up_to=target)
            bar.update(target - done)
            done = target
    models.snapshots = store
    models.save_snapshot()
    click.echo(f"rebuilt from {head} events ({models.applied} applied to the views); snapshot at {head}")


@projections.command("run")
@click.option("--every", default=2.0, show_default=True, help="seconds between catch-ups")
@click.option("--save-every", default=10_000, show_default=True, help="events between snapshots")
@click.option("--batch", default=1_000, show_default=True, type=click.IntRange(1), help="events per catch-up step")
@click.pass_context
def projections_run(ctx: click.Context, every: float, save_every: int, batch: int) -> None:
    """Keep the persisted read models current (the `projector:` process); SIGTERM saves and exits 0."""
    import logging
    import signal
    import threading

    from contest.projection_store import run_projector

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    svc = _service(ctx)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    try:
        position = run_projector(svc.readmodels, stop, every=every, save_every=save_every, batch=batch)
    finally:
        svc.close()
    click.echo(f"projector stopped at position {position}", err=True)


@main.command()
@click.option("--interval", default=60, show_default=True, type=int, help="seconds between reconciliations")
@click.pass_context
def clock(ctx: click.Context, interval: int) -> None:
    """Run the scheduler that opens and closes the vote window on time (one process only)."""
    import logging

    from contest.scheduler import run_clock

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    svc = _service(ctx)
    try:
        run_clock(svc, ctx.obj["settings"].year, interval_seconds=interval)
    finally:
        svc.close()


def local_vote_secrets(path: Path) -> dict[str, str]:
    """A developer's pair of vote secrets, made once and kept (0600) so that restarts keep one vote per person."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(f"CONTEST_VOTER_SECRET={secrets.token_urlsafe(32)}\n")
            f.write(f"CONTEST_RECEIPT_SECRET={secrets.token_urlsafe(32)}\n")
    pairs = (line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)
    return {k.strip(): v.strip() for k, v in pairs}


def serve_environment(settings: Settings, environ: Mapping[str, str], secrets_file: Path) -> dict[str, str]:
    """The environment `contest serve` starts its processes with (web, clock, projector and mailer alike): the
    operator's own, with the store and year chosen.
    The vote secrets are the operator's whenever they are set (whatever the store, D10); only when none are set
    is a developer's pair made once in `secrets_file` and kept there, so that restarts keep one vote per person."""
    env = dict(environ, CONTEST_STORE=settings.store_url, CONTEST_YEAR=str(settings.year))
    if settings.secrets is None:
        env.update(local_vote_secrets(secrets_file))
    return env


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=2, show_default=True, type=int)
@click.pass_context
def serve(ctx: click.Context, host: str, port: int, workers: int) -> None:
    """Run the whole service: the Procfile's web (gunicorn), clock, projector and mailer, stopped together by Ctrl-C.
    Loads the preset into an empty store and prints a secretariat token first."""
    from contest.processes import service_programs
    from contest.supervisor import Supervisor

    settings: Settings = ctx.obj["settings"]
    env = serve_environment(settings, os.environ, Path("var") / "secrets.env")
    if settings.secrets is None:
        click.echo("vote secrets: var/secrets.env (kept for the contest's life; set CONTEST_VOTER_SECRET and "
                   "CONTEST_RECEIPT_SECRET in production)")
    else:
        click.echo("vote secrets: CONTEST_VOTER_SECRET and CONTEST_RECEIPT_SECRET from the environment")
    svc = _service(ctx)
    contest, created = svc.ensure_contest(settings.preset, settings.year, actor=system_actor("preset-loader"))
    tok, cred = svc.issue_token(SECRETARIAT, actor=system_actor("serve"), name="secretariat (serve)")
    svc.close()
    url = f"http://{host}:{port}"
    click.echo(f"contest {contest.year} {'loaded from the preset' if created else 'found in the store'} "
               f"({settings.store_kind}: {settings.store_url})")
    click.echo(f"service:      {url}/   (API docs {url}/docs, OpenAPI {url}/openapi.json)")
    click.echo(f"secretariat token (shown once, id {cred.token_id}):\n  {tok}")
    click.echo("running web (gunicorn), clock (opens and closes the vote window on time, §4.6.6), projector "
               "(the read models) and mailer (the notifications); Ctrl-C stops them all")
    sys.stdout.flush()
    # gunicorn's settings (contest/gunicorn_conf.py) read the address and the workers from the environment, so the
    # three command lines are the Procfile's own (contest/processes.py); the children's lines come unbuffered.
    env.update(CONTEST_BIND=f"{host}:{port}", WEB_CONCURRENCY=str(workers), PYTHONUNBUFFERED="1")
    ctx.exit(Supervisor(service_programs(), env).run())


@main.command()
@click.option("--votes", default=20_000, show_default=True, type=click.IntRange(0, 2_000_000),
              help="how many residents vote (fake but valid personal codes)")
@click.option("--serve/--no-serve", default=True, show_default=True,
              help="keep the service running with the result until Ctrl-C")
@click.option("--port", default=0, type=int, help="the service's port on 127.0.0.1 (default: a free one)")
@click.option("--workers", default=3, show_default=True, type=click.IntRange(1, 32))
@click.option("--concurrency", default=8, show_default=True, type=click.IntRange(1, 64),
              help="requests in flight at once")
@click.option("--seed", default=2024, show_default=True, type=int, help="seeds the answers, votes and scores")
@click.option("--via", type=click.Choice(["api", "pages"]), default="api", show_default=True,
              help="api: every step a request to the JSON API with the role's bearer token; pages: every step a "
                   "person does through the pages' forms, as in a browser without JavaScript (each person signs "
                   "in with a session of their own); the same --seed and --votes give the same contest either way")
@click.pass_context
def demo(ctx: click.Context, votes: int, serve: bool, port: int, workers: int, concurrency: int, seed: int,
         via: str) -> None:
    """Play a whole 2024 contest on an empty SQLite store (a new one under var/ unless --store or CONTEST_STORE
    names one), through the HTTP API or (--via pages) the pages' forms; verify its audit export, print the
    winners, show the pages."""
    from click.core import ParameterSource

    from contest.demo import run_demo

    parent = ctx.parent
    explicit = parent is not None and parent.get_parameter_source("store") not in (None, ParameterSource.DEFAULT)
    run_demo(ctx.obj["settings"].store_url if explicit else None, votes=votes, serve=serve, port=port,
             workers=workers, concurrency=concurrency, seed=seed, via=via)


if __name__ == "__main__":
    main()
