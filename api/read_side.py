"""Which requests read the replica, when one is configured (CONTEST_READ_STORE; contest/replica.py says what reading
it means and why a read there stays right).

* A GET or HEAD reads the replica: the public pages and results (/, /rezultati…, /kontrolpunkti), the API's reads
  with or without a bearer token (results, standings, finalists, the board, the audit export…). These are the
  many; they never load the primary, and they keep answering while the primary is down.
* Except, on the primary:
  - the vote's own pages (/balsot…, the receipt after the vote and its check too): they lead into a vote or come
    right after one, so they show the window, the resident's state and the vote as the primary has them, and with
    the primary down they say at once that no vote can be taken;
  - a page of a signed-in staff session (the desk, the jury's, the municipality's and the council's pages, the
    progress page): after a form's POST and its redirect the staff read their own command at once
    (read-your-writes), and the session itself is a row on the primary;
  - an API request with a bearer token that asks for it with `X-Contest-Read: primary` (read-your-writes for an
    insider's client, e.g. a juror's ballot read back after its PUT). The anonymous public is not offered this:
    its reads must not reach the primary in bulk.
* A resident's own vote by its receipt (GET …/votes/receipts/<receipt>) reads the replica, and a receipt not found
  there the primary (contest/receipt_index.py): the vote may have been cast moments ago.
* Every other method is a command and reads the primary, as every command does wherever it runs
  (UnitOfWork.update).

A bearer token is looked up where the request reads: on a GET from the replica, so a token issued or revoked in the
last moments (the replica's lag, /health) may be refused or still accepted for reading; every command checks it on
the primary.
"""

from __future__ import annotations

from flask import Flask, g, request, session

from api.staff_login import SESSION_KEY
from contest.replica import read_replica, restore

READS = frozenset({"GET", "HEAD"})
PRIMARY_PAGES = ("/balsot",)
READ_HEADER = "X-Contest-Read"


def reads_replica() -> bool:
    """Whether this request reads the replica (the rules above)."""
    if request.method not in READS or request.path.startswith(PRIMARY_PAGES):
        return False
    if request.path.startswith("/api/"):
        asked = request.headers.get(READ_HEADER, "").strip().lower() == "primary"
        return not (asked and "Authorization" in request.headers)
    return not (request.cookies and session.get(SESSION_KEY))


def init_app(app: Flask) -> None:
    if app.extensions["contest.service"].replica is None:
        return

    @app.before_request
    def route_reads() -> None:
        if reads_replica():
            g.contest_read_token = read_replica(True)

    @app.teardown_request
    def end_reads(_: BaseException | None) -> None:
        token = g.pop("contest_read_token", None)
        if token is not None:
            restore(token)
