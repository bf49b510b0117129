"""gunicorn settings for production (`web:` in the Procfile); override with GUNICORN_CMD_ARGS or WEB_CONCURRENCY."""

import os

bind = os.environ.get("CONTEST_BIND", f"0.0.0.0:{os.environ.get('PORT', '8000')}")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("CONTEST_THREADS", "1"))
worker_class = "sync"
timeout = 30
graceful_timeout = 20
keepalive = 5
accesslog = "-"
# The access log must not carry query strings or bodies that could hold personal data: path only.
access_log_format = '"%(m)s %(U)s" %(s)s %(b)s %(L)ss'
