"""The Stripe webhook: signed, processed once per event, matched to our own records."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from storefront.extensions import db
from storefront.ledger.models import LedgerTransaction, TransactionKind
from storefront.money import Money
from storefront.orders.models import Order, OrderStatus
from storefront.payments import gateway
from storefront.payments.models import Payment, ProviderEvent, Refund
from storefront.payments.services import execute, prepare, refund_order
from storefront.tenants.scope import all_tenants
from tests.shopping import CARD_OK, Shop, card, order_for

SECRET = "whsec_test_secret"
MARKETPLACE = {"Host": "localhost"}


def signed(
    event: dict[str, Any], *, secret: str = SECRET, age: int = 0
) -> tuple[bytes, dict[str, str]]:
    payload = json.dumps(event).encode()
    timestamp = int(time.time()) - age
    signature = hmac.new(secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256)
    header = f"t={timestamp},v1={signature.hexdigest()}"
    return payload, {**MARKETPLACE, "Stripe-Signature": header, "Content-Type": "application/json"}


def event(event_id: str, event_type: str, obj: dict[str, Any]) -> dict[str, Any]:
    return {"id": event_id, "object": "event", "type": event_type, "data": {"object": obj}}


def charged_behind_our_back(shop: Shop, localstripe_url: str) -> tuple[Order, Payment, str]:
    """The provider charged, but our process died before recording the PaymentIntent."""
    order = order_for(shop)
    payment = prepare(order, payment_method=card(localstripe_url, CARD_OK), attempt="a-1")
    db.session.commit()
    intent = gateway.provider().charge(
        amount=order.total,
        payment_method=payment.payment_method,
        idempotency_key=payment.idempotency_key,
        metadata={
            "payment_id": str(payment.id),
            "order_id": str(order.id),
            "storefront_id": str(order.storefront_id),
        },
    )
    return order, payment, intent.reference or ""


def counts() -> tuple[int, int]:
    with all_tenants():
        return (
            db.session.scalar(select(func.count(LedgerTransaction.id))) or 0,
            db.session.scalar(select(func.count(ProviderEvent.id))) or 0,
        )


def post(client: FlaskClient, body: dict[str, Any], **kwargs: Any) -> Any:
    payload, headers = signed(body, **kwargs)
    return client.post("/stripe/webhook", data=payload, headers=headers)


def test_succeeded_event_completes_the_order_exactly_once(
    client: FlaskClient, shop: Shop, localstripe_url: str
) -> None:
    order, _payment, reference = charged_behind_our_back(shop, localstripe_url)
    body = event("evt_1", "payment_intent.succeeded", {"id": reference, "object": "payment_intent"})
    response = post(client, body)
    assert response.status_code == 200 and response.json["outcome"] == "paid"
    assert post(client, body).json["outcome"] == "duplicate"
    other = event(
        "evt_2", "payment_intent.succeeded", {"id": reference, "object": "payment_intent"}
    )
    assert post(client, other).status_code == 200
    db.session.expire_all()
    with all_tenants():
        assert db.session.get(Order, order.id).status == OrderStatus.PAID  # type: ignore[union-attr]
    assert counts() == (1, 2)


def test_payload_figures_and_tenant_are_never_trusted(
    client: FlaskClient, shop: Shop, localstripe_url: str
) -> None:
    order, _payment, reference = charged_behind_our_back(shop, localstripe_url)
    # the payload lies about the amount and the store: we re-read the intent and ignore it
    body = event(
        "evt_lie",
        "payment_intent.succeeded",
        {
            "id": reference,
            "object": "payment_intent",
            "amount": 1,
            "metadata": {"order_id": "999", "storefront_id": "999"},
        },
    )
    assert post(client, body).json["outcome"] == "paid"
    db.session.expire_all()
    with all_tenants():
        assert db.session.get(Order, order.id).status == OrderStatus.PAID  # type: ignore[union-attr]


def test_intent_of_another_order_is_ignored(
    client: FlaskClient, shop: Shop, localstripe_url: str
) -> None:
    _order, payment, _reference = charged_behind_our_back(shop, localstripe_url)
    stranger = gateway.provider().charge(
        amount=Money(500, "JPY"),
        payment_method=card(localstripe_url, CARD_OK),
        idempotency_key="stranger",
        metadata={"payment_id": str(payment.id), "order_id": "424242", "storefront_id": "1"},
    )
    body = event("evt_x", "payment_intent.succeeded", {"id": stranger.reference})
    assert post(client, body).json["outcome"] == "mismatch"
    assert counts()[0] == 0


def test_intent_for_another_amount_changes_nothing(
    client: FlaskClient, shop: Shop, localstripe_url: str
) -> None:
    """An intent that names our order and store but was made for another amount (another
    installation's payment of the same ids, say) neither fails our payment nor takes its
    place: the payment's own intent still completes the order."""
    order, payment, reference = charged_behind_our_back(shop, localstripe_url)
    stranger = gateway.provider().charge(
        amount=Money(order.total.amount + 100, order.currency),
        payment_method=card(localstripe_url, CARD_OK),
        idempotency_key="stranger-amount",
        metadata={
            "payment_id": str(payment.id),
            "order_id": str(order.id),
            "storefront_id": str(order.storefront_id),
        },
    )
    body = event("evt_amount", "payment_intent.succeeded", {"id": stranger.reference})
    assert post(client, body).json["outcome"] == "mismatch"
    db.session.expire_all()
    with all_tenants():
        untouched = db.session.get(Payment, payment.id)
        assert untouched is not None
        assert (untouched.status, untouched.provider_reference) == ("created", None)
    own = event("evt_own", "payment_intent.succeeded", {"id": reference})
    assert post(client, own).json["outcome"] == "paid"
    assert counts()[0] == 1


@pytest.mark.parametrize("variant", [{"secret": "whsec_wrong"}, {"age": 3600}])
def test_bad_signature_or_old_timestamp_is_refused(
    client: FlaskClient, shop: Shop, localstripe_url: str, variant: dict[str, Any]
) -> None:
    _order, _payment, reference = charged_behind_our_back(shop, localstripe_url)
    body = event("evt_bad", "payment_intent.succeeded", {"id": reference})
    response = post(client, body, **variant)
    assert response.status_code == 400
    assert response.json["error"]["code"] == "invalid_webhook"
    assert counts() == (0, 0)


def test_unsigned_and_malformed_requests_are_refused(client: FlaskClient) -> None:
    assert client.post("/stripe/webhook", data=b"{}", headers=MARKETPLACE).status_code == 400
    _payload, headers = signed({"id": "x"})
    assert client.post("/stripe/webhook", data=b"not json", headers=headers).status_code == 400


def test_webhook_is_not_served_on_a_storefront_host(client: FlaskClient, shop: Shop) -> None:
    payload, headers = signed(event("evt", "payment_intent.succeeded", {"id": "pi_x"}))
    headers["Host"] = "yen.localhost"
    assert client.post("/stripe/webhook", data=payload, headers=headers).status_code == 404


def test_refund_made_at_the_provider_is_recorded_once(
    client: FlaskClient, shop: Shop, localstripe_url: str
) -> None:
    order = order_for(shop)
    payment = prepare(order, payment_method=card(localstripe_url, CARD_OK), attempt="a-1")
    execute(payment, gateway.provider())
    db.session.commit()
    refund_order(order, Money(1000, "JPY"), gateway.provider())  # through us
    db.session.commit()
    gateway.provider().refund(  # and one in the provider's dashboard
        reference=payment.provider_reference or "",
        amount=Money(2000, "JPY"),
        idempotency_key="dashboard",
    )
    charge = {"id": "ch_1", "object": "charge", "payment_intent": payment.provider_reference}
    assert post(client, event("evt_r1", "charge.refunded", charge)).json["outcome"] == (
        "1 refunds recorded"
    )
    assert post(client, event("evt_r2", "charge.refunded", charge)).json["outcome"] == (
        "0 refunds recorded"
    )
    db.session.expire_all()
    with all_tenants():
        assert db.session.scalar(select(func.count(Refund.id))) == 2
        refreshed = db.session.get(Order, order.id)
        assert refreshed is not None and refreshed.refunded_minor == 3000
        kinds = db.session.scalars(select(LedgerTransaction.kind)).all()
    assert sorted(kinds) == [TransactionKind.CHARGE, TransactionKind.REFUND, TransactionKind.REFUND]


def test_concurrent_duplicate_webhooks_post_one_ledger_transaction(
    app: Flask, shop: Shop, localstripe_url: str
) -> None:
    if db.engine.dialect.name != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL (SQLite serialises them)")
    _order, _payment, reference = charged_behind_our_back(shop, localstripe_url)
    bodies = [
        event("evt_same", "payment_intent.succeeded", {"id": reference}),
        event("evt_same", "payment_intent.succeeded", {"id": reference}),
        event("evt_other", "payment_intent.succeeded", {"id": reference}),
        event("evt_third", "payment_intent.succeeded", {"id": reference}),
    ]
    barrier = threading.Barrier(len(bodies))
    statuses: list[int] = []

    def deliver(body: dict[str, Any]) -> None:
        client = app.test_client()
        payload, headers = signed(body)
        barrier.wait()
        statuses.append(client.post("/stripe/webhook", data=payload, headers=headers).status_code)

    threads = [threading.Thread(target=deliver, args=(body,)) for body in bodies]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert statuses == [200] * len(bodies)
    assert counts() == (1, 3)


def test_localstripe_delivers_signed_webhooks_that_complete_the_order(
    app: Flask, shop: Shop, localstripe_url: str
) -> None:
    """End to end: the provider itself signs and posts the event to our endpoint, for a charge
    our process never recorded."""
    import urllib.parse
    import urllib.request

    from tests.live import serve

    with serve(app) as port:
        registration = urllib.parse.urlencode(
            {"url": f"http://localhost:{port}/stripe/webhook", "secret": SECRET}
        ).encode()
        request = urllib.request.Request(  # noqa: S310 - loopback localstripe
            f"{localstripe_url}/_config/webhooks/test-{port}", data=registration, method="POST"
        )
        with urllib.request.urlopen(request, timeout=10):  # noqa: S310
            pass
        order, _payment, _reference = charged_behind_our_back(shop, localstripe_url)
        # deliveries arrive asynchronously, about a second later: poll, never sleep blindly
        deadline = time.monotonic() + 20
        status = order.status
        while status != OrderStatus.PAID and time.monotonic() < deadline:
            time.sleep(0.2)
            db.session.expire_all()
            with all_tenants():
                status = db.session.scalar(select(Order.status).where(Order.id == order.id))
    assert status == OrderStatus.PAID
    assert counts()[0] == 1  # one ledger transaction, however many events arrived
