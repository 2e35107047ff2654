"""An RQ worker for bench/renewals.py: the app's own queue and jobs, in burst mode (it stops
when the queue is empty), with each renewal job's wall time, its CPU time in this process and
the part of the wall time spent in the Stripe client's HTTP calls to the payment provider
(localstripe) added up in Redis under BENCH_RENEWAL_KEY.

Before it takes jobs, the worker renews BENCH_WARM_UP_IDS (subscriptions of its own, untimed)
and waits until all BENCH_WORKERS of its phase have: a worker in service has renewed
thousands before, and its first renewals (statements compiled and prepared, modules
imported, connections opened) would otherwise weigh on a phase's few hundred."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any

from redis import Redis
from rq import SimpleWorker

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.renewals import BATCH
from storefront import create_app
from storefront.jobs import job_queue
from storefront.payments.http_client import Urllib3Client
from storefront.subscriptions import services

KEY = os.environ["BENCH_RENEWAL_KEY"]
provider_seconds = 0.0
_request = Urllib3Client.request


def _timed_request(client: Urllib3Client, *args: Any, **kwargs: Any) -> Any:
    global provider_seconds
    began = time.perf_counter()
    try:
        return _request(client, *args, **kwargs)
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
    """What a worker in service has done long before: connected to the database, imported
    what its jobs import (a receipt's mail and templates) and renewed subscriptions; then
    wait for the phase's other workers to be as far."""
    from sqlalchemy import text

    from storefront.extensions import db
    from storefront.orders import receipts  # noqa: F401

    db.session.execute(text("SELECT 1"))
    db.session.rollback()
    ids = [int(n) for n in os.environ.get("BENCH_WARM_UP_IDS", "").split(",") if n]
    at = os.environ.get("BENCH_AT", "")
    for start in range(0, len(ids), BATCH):
        _renew_job(ids[start : start + BATCH], at)
    redis = Redis.from_url(os.environ["REDIS_URL"])
    redis.incr(f"{KEY}:ready")
    workers = int(os.environ.get("BENCH_WORKERS", "1"))
    while int(redis.get(f"{KEY}:ready") or 0) < workers:
        time.sleep(0.005)


def main() -> None:
    Urllib3Client.request = _timed_request  # type: ignore[method-assign]
    services.renew_job = _timed_renew_job  # the queue names the job by this attribute
    app = create_app()
    with app.app_context():
        _warm_up()
        queue = job_queue(app)
        SimpleWorker([queue], connection=queue.connection).work(burst=True)


if __name__ == "__main__":
    main()
