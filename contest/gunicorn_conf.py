"""gunicorn settings for production (`web:` in the Procfile); override with GUNICORN_CMD_ARGS or WEB_CONCURRENCY."""

import os

bind = os.environ.get("CONTEST_BIND", f"0.0.0.0:{os.environ.get('PORT', '8000')}")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
# Threads per worker (gunicorn's gthread workers): votes arriving together in a worker meet in its group commit
# and are written in one transaction (contest/group_commit.py), so a worker takes as many votes at once as it has
# threads. Eight: with 32 requests in flight, PostgreSQL's votes/s were 2,218 against 1,852 with four, 2,065 with
# sixteen (docs/BENCHMARKS.md). CONTEST_THREADS=1 gives the sync worker of before (one request at a time).
threads = int(os.environ.get("CONTEST_THREADS", "8"))
worker_class = "gthread" if threads > 1 else "sync"
timeout = 30
graceful_timeout = 20
keepalive = 5
# The service writes its own JSON access log (api/operations.py: path only, never query strings or bodies, with a
# request id); gunicorn's own access log stays off so nothing personal leaks through it.
accesslog = None

