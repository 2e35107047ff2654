"""Background work. With `REDIS_URL` set, jobs go to an RQ queue served by
`flask --app storefront worker` on any number of machines; without it (the embedded default)
they run inline, at once, in the caller's process.

A job is a plain module-level function named by its import path, so the worker imports it
and needs no state from the process that queued it. Queue a job only after the transaction
that produced its work has committed: the worker reads that work from the database.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from functools import cache
from typing import Any

import click
from flask import Flask, current_app, has_app_context
from redis import Redis
from rq import Queue, Worker


def enqueue(func: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
    """Run `func(*args, **kwargs)` in the background (RQ) or, without Redis, right now."""
    url = current_app.config.get("REDIS_URL")
    if not url:
        func(*args, **kwargs)
        return
    job_queue(current_app).enqueue(run_in_app, _target(func), args, kwargs)


def enqueue_each(func: Callable[..., Any], calls: Iterable[tuple[Any, ...]]) -> None:
    """`enqueue(func, *args)` for each of `calls`, queued in one round trip to Redis."""
    url = current_app.config.get("REDIS_URL")
    if not url:
        for args in calls:
            func(*args)
        return
    target = _target(func)
    data = [Queue.prepare_data(run_in_app, (target, args, {})) for args in calls]
    if data:
        job_queue(current_app).enqueue_many(data)


def job_queue(app: Flask) -> Queue:
    """The queue named by `JOBS_QUEUE` on the Redis of `REDIS_URL`."""
    return Queue(app.config["JOBS_QUEUE"], connection=_redis(app.config["REDIS_URL"]))


@cache
def _redis(url: str) -> Redis:
    return Redis.from_url(url)


def _target(func: Callable[..., Any]) -> str:
    name = f"{func.__module__}:{func.__qualname__}"
    if "<" in name or resolve(name) is not func:
        raise ValueError(f"{name} is not a module-level function and cannot be queued")
    return name


def resolve(target: str) -> Callable[..., Any]:
    module, _, qualname = target.partition(":")
    found: Any = importlib.import_module(module)
    for part in qualname.split("."):
        found = getattr(found, part)
    if not callable(found):
        raise TypeError(f"{target} is not callable")
    return found  # type: ignore[no-any-return]


def run_in_app(target: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """What the worker runs: the named function inside an application context (the worker's
    own when it has one, else one made once per worker process from the environment)."""
    func = resolve(target)
    if has_app_context():
        return func(*args, **kwargs)
    with _worker_app().app_context():
        return func(*args, **kwargs)


@cache
def _worker_app() -> Flask:
    from storefront import create_app

    return create_app()


@click.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
@click.option(
    "--fork/--no-fork",
    default=True,
    help="Run each job in a forked child (RQ's default) or in the worker process itself.",
)
def worker_command(burst: bool, fork: bool) -> None:
    """Serve the background job queue (needs REDIS_URL)."""
    url = current_app.config.get("REDIS_URL")
    if not url:
        raise click.ClickException("REDIS_URL is not set: jobs run inline, no worker is needed")
    from rq import SimpleWorker

    worker_class = Worker if fork else SimpleWorker
    worker = worker_class([job_queue(current_app)], connection=_redis(url))
    worker.work(burst=burst)


def init_app(app: Flask) -> None:
    app.cli.add_command(worker_command)
