"""`contest audit`: export the history as canonical JSON Lines with its hash chain, and verify an export
(docs/AUDIT.md). `verify` reads only the file: it starts without the service or the store's drivers."""

from __future__ import annotations

import sys

import click

from contest.cli_support import service_of as _service


@click.group()
def audit() -> None:
    """Export the history and verify it independently."""


@audit.command("export")
@click.option("--out", "out", type=click.Path(dir_okay=False, writable=True), default="-",
              help="file to write (default: standard output)")
@click.option("--through", type=int, default=None, help="stop at this position (default: everything)")
@click.pass_context
def audit_export(ctx: click.Context, out: str, through: int | None) -> None:
    """Write the whole history as canonical JSON Lines with the hash chain (docs/AUDIT.md). On a terminal, standard
    error shows the events written and the rate as it goes."""
    from contest.audit import export_lines
    from contest.progress import TerminalProgress

    svc = _service(ctx)
    count = 0
    progress = TerminalProgress("exporting")
    with click.open_file(out, "w", encoding="utf-8") as f:
        for line in export_lines(svc.store, stop=through):
            f.write(line + "\n")
            count += 1
            if not count & 0x3FFF:
                progress.update(count)
    progress.update(count)
    progress.close()
    click.echo(f"exported {count} events", err=True)


@audit.command("verify")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="print the report as JSON")
@click.option("--expect-digest", default=None,
              help="the digest the council approved (D14): the file must hold the approval naming it, and the "
                   "chain through the approval's digest_through must equal it")
@click.option("--checkpoints", "checkpoints_file", type=click.Path(exists=True, dir_okay=False), default=None,
              help="the published checkpoints (D16), as downloaded from /api/contests/<year>/checkpoints: the "
                   "file's chain through each must equal its digest, and the file must hold the event publishing it")
@click.option("--board", "board_file", type=click.Path(exists=True, dir_okay=False), default=None,
              help="the published vote board (CSV) to check against the history's votes")
def audit_verify(file: str, as_json: bool, expect_digest: str | None, checkpoints_file: str | None,
                 board_file: str | None) -> None:
    """Recompute the chain and every result from FILE alone; exit 1 on any mismatch. On a terminal, standard error
    shows the events verified and the rate as it goes."""
    import json

    from contest.progress import TerminalProgress
    from contest.verify import read_board, read_checkpoints, verify_file
    from projections.views import Views

    board = None
    if board_file:
        with open(board_file, encoding="utf-8", newline="") as b:
            board = read_board(b)
    checkpoints = None
    if checkpoints_file:
        try:
            with open(checkpoints_file, encoding="utf-8") as c:
                checkpoints = read_checkpoints(json.load(c))
        except ValueError as e:  # also json.JSONDecodeError
            raise click.BadParameter(str(e), param_hint="--checkpoints") from None
    progress = TerminalProgress("verifying")
    with open(file, "rb") as f:
        report = verify_file(f, Views(), board, checkpoints=checkpoints, expect_digest=expect_digest,
                             progress=progress if progress.enabled else None)
    progress.close()
    click.echo(json.dumps(report.to_dict(), indent=2, ensure_ascii=False, default=str) if as_json
               else report.text())
    sys.exit(0 if report.ok else 1)
