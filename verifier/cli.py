"""`python3 -I -m verifier FILE [--checkpoints CP.json] [--expect-digest D] [--board board.csv] [--json]`:
exit 0 when every check matches, 1 otherwise, 2 on a usage error."""

from __future__ import annotations

import argparse
import os
import sys

from verifier.engine import Verifier
from verifier.published import load_checkpoints
from verifier.report import Report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="verifier", description="Verify an exported contest history "
                                     "(docs/AUDIT.md) independently of the service.")
    parser.add_argument("files", nargs="+", metavar="FILE")
    parser.add_argument("--checkpoints", metavar="CP.json", help="the published checkpoints (D16)")
    parser.add_argument("--expect-digest", metavar="D", help="the digest the council approved (D14)")
    parser.add_argument("--board", metavar="board.csv", help="the published vote board")
    parser.add_argument("--json", action="store_true", help="the report as JSON")
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:
        return 2 if e.code else 0
    try:
        checkpoints = load_checkpoints(args.checkpoints) if args.checkpoints else []
    except (OSError, ValueError) as e:
        print(f"verifier: {args.checkpoints}: {e}", file=sys.stderr)
        return 2
    for path in [*args.files, *([args.board] if args.board else [])]:
        if not os.path.isfile(path):
            print(f"verifier: no such file: {path}", file=sys.stderr)
            return 2
    status = 0
    for path in args.files:
        try:
            report = verify(path, checkpoints, args.expect_digest, args.board)
        except ValueError as e:
            print(f"verifier: {e}", file=sys.stderr)
            return 2
        print(report.json() if args.json else report.text())
        status = max(status, 0 if report.ok else 1)
    return status


def verify(path: str, checkpoints: list[dict] | None = None, expect_digest: str | None = None,
           board: str | None = None) -> Report:
    v = Verifier(path, {cp["through"] for cp in checkpoints or []}, board)
    v.checkpoints_in = checkpoints or []
    v.expect_digest = expect_digest
    v.board_path = board
    return v.run()
