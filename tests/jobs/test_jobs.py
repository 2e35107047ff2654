"""Background jobs: inline without Redis, through a real Redis queue and an RQ worker with it."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from flask import Flask
from rq import SimpleWorker

from storefront.jobs import enqueue, enqueue_each, job_queue
from tests.conftest import REDIS_URL, require_redis


def write_marker(path: str, text: str) -> None:
    """A job: leaves a file behind, so the test sees it ran (and where its app config was)."""
    from flask import current_app

    Path(path).write_text(f"{text} {current_app.config['JOBS_QUEUE']}")


def test_without_redis_a_job_runs_inline_at_once(app: Flask, tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    with app.app_context():
        assert not app.config["REDIS_URL"]
        enqueue(write_marker, str(marker), "inline")
    assert marker.read_text() == "inline storefront"


def test_with_redis_a_job_waits_for_a_worker_and_runs_in_its_app(
    app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    require_redis(REDIS_URL)
    queue_name = f"test-{uuid.uuid4().hex}"
    monkeypatch.setitem(app.config, "REDIS_URL", REDIS_URL)
    monkeypatch.setitem(app.config, "JOBS_QUEUE", queue_name)
    marker = tmp_path / "ran"
    with app.app_context():
        queue = job_queue(app)
        try:
            enqueue(write_marker, str(marker), "queued")
            assert not marker.exists()  # queued, not run
            assert queue.count == 1
            SimpleWorker([queue], connection=queue.connection).work(burst=True)
            assert queue.count == 0
        finally:
            queue.delete(delete_jobs=True)
    assert marker.read_text() == f"queued {queue_name}"


def test_many_jobs_are_queued_at_once_and_each_runs(
    app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    markers = [tmp_path / f"ran-{n}" for n in range(3)]
    with app.app_context():  # inline without Redis
        enqueue_each(write_marker, [(str(marker), "inline") for marker in markers])
    assert [marker.read_text() for marker in markers] == ["inline storefront"] * 3
    queue_name = f"test-{uuid.uuid4().hex}"
    monkeypatch.setitem(app.config, "REDIS_URL", REDIS_URL)
    monkeypatch.setitem(app.config, "JOBS_QUEUE", queue_name)
    with app.app_context():
        queue = job_queue(app)
        try:
            enqueue_each(write_marker, [(str(marker), "queued") for marker in markers])
            enqueue_each(write_marker, [])  # nothing to queue
            assert queue.count == 3
            SimpleWorker([queue], connection=queue.connection).work(burst=True)
            assert queue.count == 0
        finally:
            queue.delete(delete_jobs=True)
    assert [marker.read_text() for marker in markers] == [f"queued {queue_name}"] * 3


def test_only_module_level_functions_can_be_queued(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "REDIS_URL", REDIS_URL)

    def local_job() -> None:  # pragma: no cover - never queued
        pass

    with app.app_context(), pytest.raises(ValueError, match="module-level"):
        enqueue(local_job)
