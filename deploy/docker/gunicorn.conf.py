"""gunicorn settings of the tradedash web container (`gunicorn -c this tradedash.wsgi:server`).

Dash callbacks mostly wait on PostgreSQL and Redis, so a few processes with several threads
each (gthread) serve more concurrent users than many single-threaded processes for the same
memory. Each process builds its own SQLAlchemy pool (5 + 10 overflow), so keep
workers x threads within the pool and the database's max_connections.

Tunable by environment: TRADEDASH_WEB_WORKERS (default 2), TRADEDASH_WEB_THREADS (default 4),
TRADEDASH_WEB_TIMEOUT (seconds, default 120: PDF export through Kaleido/Chromium is slow),
TRADEDASH_WEB_PORT (default 8050); gunicorn's own FORWARDED_ALLOW_IPS when behind a proxy.
"""

from __future__ import annotations

import os


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


bind = f"0.0.0.0:{_int('TRADEDASH_WEB_PORT', 8050)}"
worker_class = "gthread"
workers = _int("TRADEDASH_WEB_WORKERS", 2)
threads = _int("TRADEDASH_WEB_THREADS", 4)
timeout = _int("TRADEDASH_WEB_TIMEOUT", 120)
graceful_timeout = 30
keepalive = 5

# Recycle workers now and then: long-lived pandas/plotly processes fragment memory.
max_requests = 2000
max_requests_jitter = 200

# Heartbeat files on tmpfs, not on the container's overlay filesystem.
worker_tmp_dir = "/dev/shm"

accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("TRADEDASH_WEB_LOG_LEVEL", "info")
