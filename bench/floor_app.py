"""The floor of vote ingestion: the same web stack (Flask 3 under gunicorn with contest/gunicorn_conf.py) whose vote
handler parses the same JSON and does ONE raw INSERT into a table with a unique key, and nothing else: no
validation, no hashing, no event, no framework beyond Flask. What this machine can do at all for a vote over HTTP.

    BENCH_FLOOR_DB=sqlite:///abs/path.sqlite3      sqlite3, WAL mode, the library's defaults otherwise (the same
                                                    pragmas as the store's), one commit per request
    BENCH_FLOOR_DB=postgresql://…?schema=name       psycopg 3, autocommit (one commit per request), a prepared
                                                    statement

One connection per thread of the worker (gunicorn's gthread workers run several requests at once, as the service's
do: contest/gunicorn_conf.py).

Run by bench/votes_http.py (gunicorn --pythonpath bench floor_app:app); the table is made there beforehand.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from typing import Any
from urllib.parse import parse_qs, urlparse

from flask import Flask, request

app = Flask(__name__)
_url = os.environ["BENCH_FLOOR_DB"]
_parsed = urlparse(_url)

_local = threading.local()

if _parsed.scheme == "sqlite":
    _duplicate: type[Exception] = sqlite3.IntegrityError
    _sql = "INSERT INTO votes (personal_code, municipality, rating) VALUES (?, ?, ?)"

    def _sqlite() -> sqlite3.Connection:
        conn = getattr(_local, "conn", None)
        if conn is None:
            conn = _local.conn = sqlite3.connect(_parsed.path[1:], isolation_level=None, check_same_thread=False,
                                                 timeout=10)
            conn.execute("PRAGMA journal_mode=WAL")
        return conn

    def insert(code: str, municipality: str, rating: Any) -> None:
        _sqlite().execute(_sql, (code, municipality, rating))

else:
    import psycopg

    _schema = parse_qs(_parsed.query)["schema"][0]
    _duplicate = psycopg.errors.UniqueViolation
    _pg_sql = f'INSERT INTO "{_schema}".votes (personal_code, municipality, rating) VALUES (%s, %s, %s)'

    def insert(code: str, municipality: str, rating: Any) -> None:
        conn = getattr(_local, "conn", None)
        if conn is None:
            conn = _local.conn = psycopg.connect(_url.split("?", 1)[0], autocommit=True)
        conn.execute(_pg_sql, (code, municipality, rating), prepare=True)


@app.post("/api/contests/<int:year>/votes")
def vote(year: int) -> tuple[dict[str, Any], int]:
    body = request.get_json()
    try:
        insert(body["personal_code"], body["municipality"], body["rating"])
    except _duplicate:
        return {"code": "conflict"}, 409
    return {"municipality": body["municipality"], "rating": body["rating"]}, 201


@app.get("/health")
def health() -> dict[str, str]:
    return {"status": "ok"}
