"""Signed deliveries to a real receiver on loopback: signature, retries, give-up, timeouts."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import select, update

from storefront.audit.models import Surface
from storefront.extensions import db
from storefront.outbound import emit, verify_signature
from storefront.outbound.models import (
    DeliveryStatus,
    IsvWebhookDelivery,
    StorefrontWebhookDelivery,
    StorefrontWebhookEndpoint,
)
from storefront.outbound.sender import deliver_due
from storefront.outbound.services import Owner, create_endpoint
from storefront.outbound.signing import signature_header
from storefront.tenants.scope import all_tenants, tenant_scope
from storefront.timeutil import utcnow
from tests import factories
from tests.outbound.receiver import receiver


def _make_due(model: type[StorefrontWebhookDelivery] | type[IsvWebhookDelivery]) -> None:
    """Skip the back-off wait: every open delivery is due now."""
    with all_tenants():
        db.session.execute(update(model).values(next_attempt_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()


def _deliveries(model: type[StorefrontWebhookDelivery] | type[IsvWebhookDelivery]) -> list:  # type: ignore[type-arg]
    with all_tenants():
        db.session.expire_all()
        return list(db.session.scalars(select(model).order_by(model.id)))


def test_the_signature_scheme_round_trips_and_refuses_tampering() -> None:
    body = b'{"id":"evt_1"}'
    header = signature_header("whsec_x", body, 1_700_000_000)
    assert verify_signature("whsec_x", header, body, now=1_700_000_010)
    assert not verify_signature("whsec_y", header, body, now=1_700_000_010)
    assert not verify_signature("whsec_x", header, body + b" ", now=1_700_000_010)
    assert not verify_signature("whsec_x", header, body, tolerance=300, now=1_700_000_301)
    assert not verify_signature("whsec_x", "garbage", body)


def test_an_emitted_event_reaches_the_storefronts_endpoint_signed(
    app: Flask, app_context: None
) -> None:
    store = factories.storefront()
    with receiver() as hook:
        endpoint = create_endpoint(
            Owner.storefront(store.id),
            url=hook.url,
            events=["order.paid"],
            actor=None,
            surface=Surface.SYSTEM,
        )
        hook.secret = endpoint.secret
        db.session.commit()
        emit("order.paid", {"order": {"number": "A-1"}}, storefront_id=store.id)
        emit("order.refunded", {"order": {"number": "A-1"}}, storefront_id=store.id)  # unwanted
        db.session.commit()
        (received,) = hook.wait_for(1)
    assert received.signature_ok
    assert received.headers["Storefront-Event"] == "order.paid"
    body = json.loads(received.body)
    assert body["type"] == "order.paid" and body["id"].startswith("evt_")
    assert body["data"] == {"order": {"number": "A-1"}}
    (delivery,) = _deliveries(StorefrontWebhookDelivery)
    assert received.headers["Storefront-Delivery"] == delivery.public_id
    assert delivery.status == DeliveryStatus.SUCCEEDED
    assert delivery.attempts == 1 and delivery.last_status_code == 200
    assert delivery.event_id == body["id"]


def test_nothing_is_recorded_or_sent_when_the_caller_rolls_back(
    app: Flask, app_context: None
) -> None:
    store = factories.storefront()
    with receiver() as hook:
        create_endpoint(
            Owner.storefront(store.id),
            url=hook.url,
            events=["order.*"],
            actor=None,
            surface=Surface.SYSTEM,
        )
        db.session.commit()
        emit("order.paid", {"n": 1}, storefront_id=store.id)
        db.session.rollback()
        assert _deliveries(StorefrontWebhookDelivery) == []
        assert hook.requests == []


def test_a_5xx_is_retried_with_back_off_until_the_receiver_accepts(
    app: Flask, app_context: None
) -> None:
    vendor = factories.isv()
    with receiver() as hook:
        hook.script = [500, 503, 200]
        endpoint = create_endpoint(
            Owner.isv(vendor.id),
            url=hook.url,
            events=["provisioning.*"],
            actor=None,
            surface=Surface.SYSTEM,
        )
        hook.secret = endpoint.secret
        db.session.commit()
        emit("provisioning.created", {"subscription": 7}, storefront_id=None, isv_id=vendor.id)
        db.session.commit()
        hook.wait_for(1)
        (delivery,) = _deliveries(IsvWebhookDelivery)
        assert delivery.status == DeliveryStatus.RETRYING
        assert delivery.last_status_code == 500
        waited = delivery.next_attempt_at.replace(tzinfo=None) - delivery.last_attempt_at.replace(
            tzinfo=None
        )
        assert timedelta(seconds=55) < waited <= timedelta(seconds=61)
        assert deliver_due() == 0  # not due yet
        _make_due(IsvWebhookDelivery)
        assert deliver_due() == 1
        (delivery,) = _deliveries(IsvWebhookDelivery)
        assert delivery.status == DeliveryStatus.RETRYING and delivery.attempts == 2
        _make_due(IsvWebhookDelivery)
        assert deliver_due() == 1
        received = hook.wait_for(3)
    assert all(request.signature_ok for request in received)
    assert len({request.headers["Storefront-Delivery"] for request in received}) == 1
    assert len({json.loads(request.body)["id"] for request in received}) == 1
    (delivery,) = _deliveries(IsvWebhookDelivery)
    assert delivery.status == DeliveryStatus.SUCCEEDED and delivery.attempts == 3


@pytest.mark.parametrize("status", [400, 404, 410])
def test_a_4xx_stops_at_once(app: Flask, app_context: None, status: int) -> None:
    vendor = factories.isv()
    with receiver() as hook:
        hook.script = [status]
        create_endpoint(
            Owner.isv(vendor.id),
            url=hook.url,
            events=["provisioning.*"],
            actor=None,
            surface=Surface.SYSTEM,
        )
        db.session.commit()
        emit("provisioning.cancelled", {"subscription": 7}, storefront_id=None, isv_id=vendor.id)
        db.session.commit()
        hook.wait_for(1)
        _make_due(IsvWebhookDelivery)
        assert deliver_due() == 0
    (delivery,) = _deliveries(IsvWebhookDelivery)
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.last_status_code == status
    assert f'"answer": {status}' in delivery.last_response


def test_the_readme_snippet_verifies_what_we_send() -> None:
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    section = readme.split("## Outgoing webhooks", 1)[1].split("\n## ", 1)[0]
    snippet = section.split("```python\n", 1)[1].split("```", 1)[0]
    namespace: dict[str, object] = {}
    exec(snippet, namespace)  # noqa: S102 - our own documentation
    documented = namespace["verify_signature"]
    body = b'{"id":"evt_1","type":"webhook.test"}'
    import time

    header = signature_header("whsec_doc", body, int(time.time()))
    assert documented("whsec_doc", header, body)  # type: ignore[operator]
    assert not documented("whsec_doc", header, body + b"x")  # type: ignore[operator]
    assert not documented("whsec_other", header, body)  # type: ignore[operator]
    old = signature_header("whsec_doc", body, int(time.time()) - 3600)
    assert not documented("whsec_doc", old, body)  # type: ignore[operator]


def test_the_endpoints_read_for_a_transaction_follow_changes_made_in_it(
    app: Flask, app_context: None
) -> None:
    store = factories.storefront()
    db.session.commit()

    def emitted(number: int) -> None:
        emit("order.paid", {"n": number}, storefront_id=store.id)

    with tenant_scope(store.id):
        emitted(1)  # no endpoint yet: the transaction now knows the store has none
        first = StorefrontWebhookEndpoint(
            storefront_id=store.id,
            url="https://hooks.example/one",
            events=["order.paid"],
            active=True,
            secret="whsec_one",
            description="",
        )
        db.session.add(first)  # added, not flushed
        emitted(2)
        emit("order.refunded", {"n": 0}, storefront_id=store.id)  # read again; nobody wants it
        first.active = False  # changed, not flushed
        emitted(3)
        first.active = True
        emitted(4)
        db.session.commit()
        emitted(5)  # a new transaction: read again
        db.session.commit()
        assert sent() == [2, 4, 5]
        emitted(7)  # the transaction reads the endpoints...
        db.session.delete(first)  # ...then one is deleted, not flushed
        emitted(6)
        db.session.commit()
    assert 6 not in sent()  # (PostgreSQL deletes the endpoint's deliveries with it)


def sent() -> list[int]:
    return [delivery.payload["data"]["n"] for delivery in _deliveries(StorefrontWebhookDelivery)]
