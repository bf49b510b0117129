"""`contest notifications`: the sender process (`send`, the Procfile's `mailer`), the outbox's list, and a jury
seat's sign-in link (domain/notification.py, contest/outbox.py, contest/mail_sender.py)."""

from __future__ import annotations

import click

from contest.cli_support import CLI_ACTOR
from contest.cli_support import fail as _fail
from contest.cli_support import service_of as _service
from contest.settings_errors import SettingsError
from domain.errors import DomainError


@click.group()
def notifications() -> None:
    """Send the outbox's mail and look at it."""


@notifications.command("send")
@click.option("--every", default=5.0, show_default=True, help="seconds between passes")
@click.option("--once", is_flag=True, help="one pass, then exit")
@click.option("--name", default="mailer", show_default=True,
              help="this sender's name: each sender process has its own (a sender takes back at once the "
                   "unfinished attempts recorded under its name, its crashed predecessor's)")
@click.option("--lease", default=600, show_default=True, type=click.IntRange(1),
              help="seconds another sender waits before taking over an attempt of this one that has no outcome")
@click.pass_context
def send(ctx: click.Context, every: float, once: bool, name: str, lease: int) -> None:
    """Deliver the queued mail over SMTP and record each delivery or failure (the `mailer:` process); SIGTERM
    finishes the mail in hand and exits 0."""
    import logging
    import signal
    import threading
    from datetime import timedelta

    from contest.mail_sender import Sender, run_sender

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    svc = _service(ctx)
    if ctx.obj["settings"].secrets is None:
        raise click.ClickException("CONTEST_VOTER_SECRET and CONTEST_RECEIPT_SECRET must be set: the addresses are "
                                   "kept sealed under the voter secret")
    sender = Sender(svc.notifications, name=name, lease=timedelta(seconds=lease))
    try:
        if once:
            done = sender.run_once()
            click.echo(f"{done.queued} queued, {done.sent} sent, {done.failed} failed, {done.skipped} taken by "
                       "another sender", err=True)
            return
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        signal.signal(signal.SIGINT, lambda *_: stop.set())
        run_sender(sender, stop, every=every)
    finally:
        svc.close()


@notifications.command("list")
@click.option("--year", default=None, type=int, help="the contest (default: CONTEST_YEAR)")
@click.pass_context
def listing(ctx: click.Context, year: int | None) -> None:
    """The contest's notifications, newest first: kind, recipient's role, status, attempts, last error."""
    svc = _service(ctx)
    for row in svc.notifications.listing(year or ctx.obj["settings"].year):
        who = row["role"] + (f" {row['municipality']}" if row["municipality"] else "")
        click.echo(f"{row['id']}  {row['kind']:<15} {who:<25} {row['status']:<8} attempts {row['attempts']}"
                   + (f"  {row['error']}" if row["error"] else ""))


@notifications.command("sign-in-link")
@click.option("--seat", required=True, help="the jury seat's id, e.g. lm")
@click.option("--email", required=True, help="the address to send it to (kept sealed, never in the history)")
@click.option("--year", default=None, type=int, help="the contest (default: CONTEST_YEAR)")
@click.pass_context
def sign_in_link(ctx: click.Context, seat: str, email: str, year: int | None) -> None:
    """Queue a one-time sign-in link to the jury's pages for a seat; the mailer sends it."""
    svc = _service(ctx)
    try:
        n = svc.notifications.send_sign_in_link(year or ctx.obj["settings"].year, seat, email, actor=CLI_ACTOR)
    except DomainError as e:
        _fail(e)
        return
    except SettingsError as e:
        raise click.ClickException(str(e)) from None
    click.echo(f"queued {n.id} for seat {seat}")
