"""gunicorn settings for running the marketplace: `gunicorn -c gunicorn.conf.py wsgi:app`.

Every value can be overridden from the environment (names below) or the command line. Several
worker processes (here or on other machines) need `REDIS_URL`: the storefront cache, rate
limits and the job queue must be shared, so more than one worker without it is refused.
"""

from __future__ import annotations

import os
from typing import Any

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Sync workers: a page is CPU work plus a few fast queries; run about 1-2 per core.
workers = int(os.environ.get("WEB_CONCURRENCY", str(os.cpu_count() or 1)))
worker_class = "sync"
# The app is built once in the master and forked: less memory, faster restarts.
preload_app = True
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 20
keepalive = 5  # behind a load balancer that keeps connections open
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "0"))  # 0: never recycle
max_requests_jitter = max_requests // 10
# Access logs cost time on every request: off unless GUNICORN_ACCESS_LOG names a file or "-".
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# gunicorn 27 opens a control socket in ~/.gunicorn unless told not to.
control_socket_disable = True
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


def on_starting(server: Any) -> None:
    config = server.app.wsgi().config  # preloaded: the app's own settings, instance file included
    if server.cfg.workers > 1 and not config.get("REDIS_URL"):
        raise SystemExit(
            "storefront: configuration error: more than one worker needs REDIS_URL "
            "(the storefront cache and rate limits must be shared); set it or WEB_CONCURRENCY=1"
        )


def post_fork(server: Any, worker: Any) -> None:
    """Each worker opens its own database connections (none inherited from the master)."""
    from storefront.extensions import db

    app = server.app.wsgi()
    if "sqlalchemy" not in getattr(app, "extensions", {}):
        return
    with app.app_context():
        db.engine.dispose(close=False)
