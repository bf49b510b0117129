"""What the `contest` command's modules share (contest/cli.py, contest/cli_audit.py): the service, made only by
the commands that use it, and a domain error as a command-line error."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from domain.actors import SECRETARIAT, Actor
from domain.errors import DomainError, InvalidInput, NotFound, RuleViolation

if TYPE_CHECKING:  # the service (and the store's drivers) is imported only by the commands that use it: `audit
    from contest.service import ContestService  # verify` reads a file and starts in a fraction of the time

CLI_ACTOR = Actor(role=SECRETARIAT, principal="cli")


def service_of(ctx: click.Context) -> ContestService:
    if "service" not in ctx.obj:
        from contest.service import ContestService

        ctx.obj["service"] = ContestService.from_settings(ctx.obj["settings"])
    return ctx.obj["service"]


def fail(e: DomainError) -> None:
    if isinstance(e, InvalidInput):
        lines = [f"  {k}: {'; '.join(v)}" for k, v in e.errors.items()]
        raise click.ClickException("invalid input:\n" + "\n".join(lines))
    if isinstance(e, RuleViolation):
        raise click.ClickException(f"{e.message} ({e.clause})")
    if isinstance(e, NotFound):
        raise click.ClickException(str(e))
    raise click.ClickException(str(e))
