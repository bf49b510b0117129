"""gunicorn settings for production (`web:` in the Procfile); override with GUNICORN_CMD_ARGS or WEB_CONCURRENCY."""

import os

bind = os.environ.get("CONTEST_BIND", f"0.0.0.0:{os.environ.get('PORT', '8000')}")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("CONTEST_THREADS", "1"))
worker_class = "sync"
timeout = 30
graceful_timeout = 20
keepalive = 5
# The service writes its own JSON access log (api/operations.py: path only, never query strings or bodies, with a
# request id); gunicorn's own access log stays off so nothing personal leaks through it.
accesslog = None
