"""The `contest` command: set up a store, issue tokens, run the service."""

from __future__ import annotations

import os
import sys
from typing import Any

import click

from contest.presets import available_presets
from contest.service import ContestService
from contest.settings import Settings
from domain.actors import SECRETARIAT, TOKEN_ROLES, Actor, system_actor
from domain.errors import DomainError, InvalidInput, NotFound, RuleViolation

CLI_ACTOR = Actor(role=SECRETARIAT, principal="cli")


def _service(ctx: click.Context) -> ContestService:
    if "service" not in ctx.obj:
        ctx.obj["service"] = ContestService.from_settings(ctx.obj["settings"])
    return ctx.obj["service"]


def _fail(e: DomainError) -> None:
    if isinstance(e, InvalidInput):
        lines = [f"  {k}: {'; '.join(v)}" for k, v in e.errors.items()]
        raise click.ClickException("invalid input:\n" + "\n".join(lines))
    if isinstance(e, RuleViolation):
        raise click.ClickException(f"{e.message} ({e.clause})")
    if isinstance(e, NotFound):
        raise click.ClickException(str(e))
    raise click.ClickException(str(e))


@click.group()
@click.option("--store", envvar="CONTEST_STORE", default=None,
              help="sqlite:///path or postgresql://… (default: CONTEST_STORE or sqlite:///var/contest.sqlite3)")
@click.pass_context
def main(ctx: click.Context, store: str | None) -> None:
    """Run and administer the contest service."""
    settings = Settings.from_env()
    if store:
        settings = Settings(store_url=store, year=settings.year, preset=settings.preset)
    ctx.ensure_object(dict)
    ctx.obj["settings"] = settings


@main.command()
@click.option("--preset", default="2024", type=click.Choice(available_presets()), show_default=True)
@click.pass_context
def init(ctx: click.Context, preset: str) -> None:
    """Create a contest from a preset (municipalities, jury, theme, prizes, window, rules) as events."""
    svc = _service(ctx)
    try:
        contest = svc.init_from_preset(preset, actor=CLI_ACTOR)
    except DomainError as e:
        _fail(e)
        return
    click.echo(f"contest {contest.year} created: {len(contest.municipalities)} municipalities, "
               f"{len(contest.jury)} jury seats; {svc.event_count()} events in the store")


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


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=2, show_default=True, type=int)
@click.pass_context
def serve(ctx: click.Context, host: str, port: int, workers: int) -> None:
    """Start the web service (gunicorn). Loads the preset into an empty store and prints a secretariat token."""
    settings: Settings = ctx.obj["settings"]
    svc = _service(ctx)
    contest, created = svc.ensure_contest(settings.preset, settings.year, actor=system_actor("preset-loader"))
    tok, cred = svc.issue_token(SECRETARIAT, actor=system_actor("serve"), name="secretariat (serve)")
    svc.close()
    url = f"http://{host}:{port}"
    click.echo(f"contest {contest.year} {'loaded from the preset' if created else 'found in the store'} "
               f"({settings.store_kind}: {settings.store_url})")
    click.echo(f"service:      {url}/   (API docs {url}/docs, OpenAPI {url}/openapi.json)")
    click.echo(f"secretariat token (shown once, id {cred.token_id}):\n  {tok}")
    sys.stdout.flush()
    env: dict[str, Any] = dict(os.environ, CONTEST_STORE=settings.store_url, CONTEST_YEAR=str(settings.year))
    os.execvpe(sys.executable, [sys.executable, "-m", "gunicorn", "--config", "python:contest.gunicorn_conf",
                                "--bind", f"{host}:{port}", "--workers", str(workers), "api.wsgi:app"], env)


if __name__ == "__main__":
    main()
