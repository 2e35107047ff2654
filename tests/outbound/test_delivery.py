"""Delivery mechanics: timeouts and refused connections retry, the schedule ends in a
permanent failure, `flask deliver` sends what is due and two runners never send the same
attempt twice, and the RQ path with a real Redis and worker."""

from __future__ import annotations

import threading
import time
import uuid
from datetime import timedelta

import pytest
from flask import Flask
from rq import SimpleWorker
from sqlalchemy import select, update

from storefront.audit.models import Surface
from storefront.extensions import db
from storefront.jobs import job_queue
from storefront.outbound import emit
from storefront.outbound.models import DeliveryStatus, IsvWebhookDelivery
from storefront.outbound.sender import deliver_due
from storefront.outbound.services import Owner, create_endpoint
from storefront.timeutil import utcnow
from tests import factories
from tests.conftest import REDIS_URL, free_port, require_redis
from tests.outbound.receiver import receiver


def _deliveries() -> list[IsvWebhookDelivery]:
    db.session.expire_all()
    return list(db.session.scalars(select(IsvWebhookDelivery).order_by(IsvWebhookDelivery.id)))


def _make_due() -> None:
    db.session.execute(
        update(IsvWebhookDelivery).values(next_attempt_at=utcnow() - timedelta(seconds=1))
    )
    db.session.commit()


def _endpoint(url: str, vendor_id: int) -> str:
    row = create_endpoint(
        Owner.isv(vendor_id),
        url=url,
        events=["provisioning.*"],
        actor=None,
        surface=Surface.SYSTEM,
    )
    db.session.commit()
    return row.secret


def test_a_receiver_that_does_not_answer_in_time_is_retried(
    app: Flask, app_context: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "OUTBOUND_INLINE_TIMEOUT", 1)
    monkeypatch.setitem(app.config, "OUTBOUND_TIMEOUT", 1)
    vendor = factories.isv()
    with receiver() as hook:
        hook.script = [("hang", 3.0), 200]
        hook.secret = _endpoint(hook.url, vendor.id)
        emit("provisioning.renewed", {"subscription": 1}, storefront_id=None, isv_id=vendor.id)
        db.session.commit()  # outside a request: sent at once, inline, with the short timeout
        (delivery,) = _deliveries()
        assert delivery.status == DeliveryStatus.RETRYING
        assert (
            delivery.last_status_code is None and "No answer within 1 s" in delivery.last_response
        )
        _make_due()
        result = app.test_cli_runner().invoke(args=["deliver"])
        assert result.exit_code == 0 and "1 webhook attempt(s) made" in result.output
        received = hook.wait_for(2)
    assert all(request.signature_ok for request in received)
    (delivery,) = _deliveries()
    assert delivery.status == DeliveryStatus.SUCCEEDED and delivery.attempts == 2


def test_refused_connections_retry_until_the_schedule_ends(
    app: Flask, app_context: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "OUTBOUND_RETRY_SCHEDULE", (60, 300))
    vendor = factories.isv()
    _endpoint(f"http://127.0.0.1:{free_port()}/nobody-listens", vendor.id)
    emit("provisioning.created", {"subscription": 2}, storefront_id=None, isv_id=vendor.id)
    db.session.commit()
    (delivery,) = _deliveries()
    assert (
        delivery.status == DeliveryStatus.RETRYING and "Could not connect" in delivery.last_response
    )
    _make_due()
    assert deliver_due() == 1
    (delivery,) = _deliveries()
    waited = delivery.next_attempt_at.replace(tzinfo=None) - delivery.last_attempt_at.replace(
        tzinfo=None
    )  # type: ignore[union-attr]
    assert timedelta(seconds=295) < waited <= timedelta(seconds=301)
    _make_due()
    assert deliver_due() == 1
    (delivery,) = _deliveries()
    assert delivery.status == DeliveryStatus.FAILED and delivery.attempts == 3
    assert delivery.next_attempt_at is None
    _make_due()
    assert deliver_due() == 0


def test_408_and_429_are_retried_but_a_redirect_is_not_followed(
    app: Flask, app_context: None
) -> None:
    vendor = factories.isv()
    with receiver() as hook:
        hook.script = [429, 408, 302]
        _endpoint(hook.url, vendor.id)
        emit("provisioning.suspended", {"subscription": 3}, storefront_id=None, isv_id=vendor.id)
        db.session.commit()
        for _ in range(2):
            _make_due()
            deliver_due()
        hook.wait_for(3)
    (delivery,) = _deliveries()
    assert delivery.status == DeliveryStatus.FAILED and delivery.last_status_code == 302
    assert "Redirects are not followed" in delivery.last_response


def test_two_runners_never_send_the_same_attempt_twice(app: Flask, app_context: None) -> None:
    vendor = factories.isv()
    with receiver() as hook:
        hook.script = [("hang", 0.05)]
        _endpoint(hook.url, vendor.id)
        for number in range(12):
            emit("provisioning.created", {"n": number}, storefront_id=None, isv_id=vendor.id)
        # Recorded but not sent yet: as if the process died after its commit.
        db.session.flush()
        db.session.info.pop("outbound_deliveries", None)
        db.session.commit()
        made: list[int] = []

        def run() -> None:
            with app.app_context():
                made.append(deliver_due())

        runners = [threading.Thread(target=run) for _ in range(2)]
        for runner in runners:
            runner.start()
        for runner in runners:
            runner.join(timeout=60)
        received = hook.wait_for(12)
    assert sum(made) == 12
    ids = [request.headers["Storefront-Delivery"] for request in received]
    assert len(ids) == len(set(ids)) == 12
    assert {d.status for d in _deliveries()} == {DeliveryStatus.SUCCEEDED}
    assert {d.attempts for d in _deliveries()} == {1}


def test_with_redis_a_delivery_waits_for_the_worker(
    app: Flask, app_context: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    require_redis(REDIS_URL)
    monkeypatch.setitem(app.config, "REDIS_URL", REDIS_URL)
    monkeypatch.setitem(app.config, "JOBS_QUEUE", f"test-outbound-{uuid.uuid4().hex}")
    vendor = factories.isv()
    queue = job_queue(app)
    try:
        with receiver() as hook:
            hook.secret = _endpoint(hook.url, vendor.id)
            emit(
                "provisioning.cancelled", {"subscription": 4}, storefront_id=None, isv_id=vendor.id
            )
            db.session.commit()
            assert queue.count == 1 and hook.requests == []
            (delivery,) = _deliveries()
            assert delivery.status == DeliveryStatus.PENDING and delivery.attempts == 0
            SimpleWorker([queue], connection=queue.connection).work(burst=True)
            (request,) = hook.wait_for(1)
        assert (
            request.signature_ok and request.headers["Storefront-Event"] == "provisioning.cancelled"
        )
        (delivery,) = _deliveries()
        assert delivery.status == DeliveryStatus.SUCCEEDED
        # The job is idempotent: run again (a retried job), it sends nothing more.
        from storefront.outbound.sender import send_delivery

        send_delivery("isv", delivery.id)
        assert len(hook.requests) == 1
    finally:
        queue.delete(delete_jobs=True)


def test_deliver_forgets_finished_deliveries_after_the_keep_days(
    app: Flask, app_context: None
) -> None:
    vendor = factories.isv()
    _endpoint(f"http://127.0.0.1:{free_port()}/nobody-listens", vendor.id)
    for number in range(3):
        emit("provisioning.created", {"n": number}, storefront_id=None, isv_id=vendor.id)
    db.session.commit()
    old, recent, retrying = _deliveries()
    long_ago = utcnow() - timedelta(days=app.config["OUTBOUND_KEEP_DAYS"] + 1)
    for row, status in ((old, DeliveryStatus.FAILED), (recent, DeliveryStatus.SUCCEEDED)):
        row.status = status
    old.created_at = retrying.created_at = long_ago
    retrying.next_attempt_at = utcnow() + timedelta(hours=1)
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["deliver"])
    assert result.exit_code == 0 and "1 finished delivery(ies)" in result.output
    assert [row.id for row in _deliveries()] == [recent.id, retrying.id]


def test_a_dead_receiver_costs_one_inline_timeout_not_one_per_event(
    app: Flask, app_context: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "OUTBOUND_INLINE_TIMEOUT", 1)
    vendor = factories.isv()
    with receiver() as hook:
        hook.script = [("hang", 3.0)]
        _endpoint(hook.url, vendor.id)
        started = time.monotonic()
        for number in range(4):  # e.g. a batch of renewals, one commit each
            emit("provisioning.renewed", {"n": number}, storefront_id=None, isv_id=vendor.id)
            db.session.commit()
        elapsed = time.monotonic() - started
        assert len(hook.requests) == 1
    assert elapsed < 2.5, elapsed
    statuses = [row.status for row in _deliveries()]
    assert statuses == [DeliveryStatus.RETRYING] + [DeliveryStatus.PENDING] * 3
    assert all(row.next_attempt_at is not None for row in _deliveries())  # due for the cron
