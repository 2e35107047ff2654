"""An RQ worker for bench/renewals.py: the app's own queue and jobs, in burst mode (it stops
when the queue is empty), with each renewal job's wall time, its CPU time in this process and
the part of the wall time spent in HTTP calls to the payment provider (localstripe) added up
in Redis under BENCH_RENEWAL_KEY."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any

import requests
from redis import Redis
from rq import SimpleWorker

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from storefront import create_app
from storefront.jobs import job_queue
from storefront.subscriptions import services

KEY = os.environ["BENCH_RENEWAL_KEY"]
provider_seconds = 0.0
_request = requests.Session.request


def _timed_request(session: requests.Session, *args: Any, **kwargs: Any) -> Any:
    global provider_seconds
    began = time.perf_counter()
    try:
        return _request(session, *args, **kwargs)
    finally:
        provider_seconds += time.perf_counter() - began


_renew_job = services.renew_job


def _timed_renew_job(subscription_ids: list[int], at: str) -> str:
    provider_before = provider_seconds
    began_wall = time.time()
    began_cpu = time.process_time()
    began = time.perf_counter()
    try:
        return _renew_job(subscription_ids, at)
    finally:
        took = time.perf_counter() - began
        redis = Redis.from_url(os.environ["REDIS_URL"])
        pipeline = redis.pipeline()
        pipeline.hincrbyfloat(KEY, "job_seconds", took)
        pipeline.hincrbyfloat(KEY, "cpu_seconds", time.process_time() - began_cpu)
        pipeline.hincrbyfloat(KEY, "provider_seconds", provider_seconds - provider_before)
        pipeline.hincrby(KEY, "renewals", len(subscription_ids))
        pipeline.zadd(f"{KEY}:starts", {f"{os.getpid()}:{began_wall}": began_wall})
        pipeline.zadd(f"{KEY}:ends", {f"{os.getpid()}:{began_wall}": began_wall + took})
        pipeline.execute()


def _warm_up() -> None:
    """What a worker in service has done long before: connected to the database and
    imported what its jobs import (a receipt's mail and templates)."""
    from sqlalchemy import text

    from storefront.extensions import db
    from storefront.orders import receipts  # noqa: F401

    db.session.execute(text("SELECT 1"))
    db.session.rollback()


def main() -> None:
    requests.Session.request = _timed_request  # type: ignore[method-assign]
    services.renew_job = _timed_renew_job  # the queue names the job by this attribute
    app = create_app()
    with app.app_context():
        _warm_up()
        queue = job_queue(app)
        SimpleWorker([queue], connection=queue.connection).work(burst=True)


if __name__ == "__main__":
    main()
