"""The events other contexts emit: an order paid through localstripe reaches the reseller's
endpoint (while the buyer's payment never waits on a dead receiver) and each ISV with only
its own lines at wholesale; refunds and offer decisions too."""

from __future__ import annotations

import json
import time

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from storefront.accounts.models import Role
from storefront.audit.models import Surface
from storefront.catalog.models import OfferStatus
from storefront.catalog.services import approve_offer, reject_offer
from storefront.extensions import db
from storefront.money import Money
from storefront.orders.models import Order, OrderStatus
from storefront.outbound.models import DeliveryStatus, StorefrontWebhookDelivery
from storefront.outbound.services import Owner, create_endpoint
from storefront.payments import gateway
from storefront.payments.services import execute, prepare, refund_order
from storefront.tenants.scope import all_tenants
from tests import factories
from tests.outbound.receiver import receiver
from tests.payments.test_checkout_views import add, pay
from tests.payments.test_checkout_views import sign_in as buyer_sign_in
from tests.shopping import CARD_OK, Shop, card, order_for


def test_a_paid_order_reaches_the_reseller_without_the_buyer_waiting_on_its_receiver(
    app: Flask,
    client: FlaskClient,
    shop: Shop,
    localstripe_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(app.config, "OUTBOUND_INLINE_TIMEOUT", 1)
    hang = 8.0
    with receiver() as dead, receiver() as mail_isv, receiver() as backup_isv:
        dead.script = [("hang", hang)]
        reseller = create_endpoint(
            Owner.storefront(shop.storefront.id),
            url=dead.url,
            events=["order.paid"],
            actor=None,
            surface=Surface.SYSTEM,
        )
        for hook, offer in ((mail_isv, shop.mail), (backup_isv, shop.backup)):
            row = create_endpoint(
                Owner.isv(offer.isv_id),
                url=hook.url,
                events=["order.*"],
                actor=None,
                surface=Surface.SYSTEM,
            )
            hook.secret = row.secret
        reseller_id = reseller.id
        db.session.commit()

        token = buyer_sign_in(client)
        assert add(client, shop.mail.plans[0].id, 2).status_code == 302
        assert add(client, shop.backup.plans[0].id, 1).status_code == 302
        started = time.monotonic()
        response = pay(client, token, card(localstripe_url, CARD_OK))
        answered = time.monotonic() - started
        assert response.status_code == 200 and response.json["status"] == "succeeded"
        assert answered < hang / 2, answered  # nothing was sent while the buyer waited
        assert dead.requests == [] and mail_isv.requests == []
        response.close()  # the server finished the response: now the sends run
        received_mail = mail_isv.wait_for(1)
        received_backup = backup_isv.wait_for(1)
        dead.wait_for(1)

    with all_tenants():
        order = db.session.scalars(select(Order)).one()
        assert order.status == OrderStatus.PAID
        (delivery,) = db.session.scalars(select(StorefrontWebhookDelivery)).all()
    assert delivery.endpoint_id == reseller_id and delivery.event_type == "order.paid"
    assert delivery.status == DeliveryStatus.RETRYING and delivery.next_attempt_at is not None
    assert "No answer within 1 s" in delivery.last_response
    sent = delivery.payload["data"]["order"]
    assert sent["number"] == order.number and sent["total"] == {
        "amount": 2000 + 12345,
        "currency": "JPY",
    }
    assert {line["offer_name"] for line in sent["lines"]} == {"Mail", "Backup"}

    for received, offer, wholesale in (
        (received_mail, shop.mail, 333),
        (received_backup, shop.backup, 4999),
    ):
        (request,) = received
        assert request.signature_ok and request.headers["Storefront-Event"] == "order.paid"
        data = json.loads(request.body)["data"]["order"]
        (line,) = data["lines"]  # its own line only
        assert line["offer_id"] == offer.id
        assert line["unit_wholesale"] == {"amount": wholesale, "currency": "JPY"}
        text = request.body.decode()
        assert "unit_price" not in text and "buyer" not in text and "12345" not in text


def test_a_refund_tells_the_reseller_and_the_isv_what_was_reversed(
    app: Flask, shop: Shop, localstripe_url: str
) -> None:
    with receiver() as panel, receiver() as vendor:
        create_endpoint(
            Owner.storefront(shop.storefront.id),
            url=panel.url,
            events=["order.refunded"],
            actor=None,
            surface=Surface.SYSTEM,
        )
        create_endpoint(
            Owner.isv(shop.mail.isv_id),
            url=vendor.url,
            events=["order.refunded"],
            actor=None,
            surface=Surface.SYSTEM,
        )
        db.session.commit()
        order = order_for(shop, mail_seats=3, backup_seats=0)
        payment = prepare(order, payment_method=card(localstripe_url, CARD_OK), attempt="a-1")
        db.session.commit()
        assert execute(payment, gateway.provider()) is True
        db.session.commit()
        assert panel.requests == []  # order.paid is not subscribed to
        refund_order(order, Money(3000, "JPY"), gateway.provider(), reason="cancelled")  # type: ignore[arg-type]
        db.session.commit()
        (to_panel,) = panel.wait_for(1)
        (to_vendor,) = vendor.wait_for(1)
    panel_data = json.loads(to_panel.body)["data"]
    assert panel_data["order"]["status"] == "refunded"
    assert panel_data["refund"]["amount"] == {"amount": 3000, "currency": "JPY"}
    # 30 % of the margin (3000 - 3 x 333) comes back out of the reseller's commission
    assert panel_data["refund"]["commission_reversed"] == {"amount": 600, "currency": "JPY"}
    vendor_data = json.loads(to_vendor.body)["data"]
    assert vendor_data["refund"]["wholesale_reversed"] == {"amount": 999, "currency": "JPY"}
    assert "amount" not in vendor_data["refund"] and "commission" not in to_vendor.body.decode()


def test_offer_decisions_reach_the_isv_only(app: Flask, app_context: None) -> None:
    vendor, other = factories.isv(), factories.isv()
    submitted = factories.offer(vendor=vendor, status=OfferStatus.SUBMITTED)
    second = factories.offer(vendor=vendor, status=OfferStatus.SUBMITTED)
    admin = factories.user(Role.PLATFORM_ADMIN)
    with receiver() as mine, receiver() as theirs:
        create_endpoint(
            Owner.isv(vendor.id),
            url=mine.url,
            events=["offer.*"],
            actor=None,
            surface=Surface.SYSTEM,
        )
        create_endpoint(
            Owner.isv(other.id),
            url=theirs.url,
            events=["offer.*"],
            actor=None,
            surface=Surface.SYSTEM,
        )
        db.session.commit()
        approve_offer(admin, submitted.id)
        reject_offer(admin, second.id, "Screenshots missing")
        db.session.commit()
        received = mine.wait_for(2)
        assert theirs.requests == []
    events = {r.headers["Storefront-Event"]: json.loads(r.body)["data"]["offer"] for r in received}
    assert events["offer.approved"]["id"] == submitted.id
    assert events["offer.rejected"]["rejection_reason"] == "Screenshots missing"
