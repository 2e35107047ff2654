"""Events for the reseller's webhooks and the connector ISV's provisioning URL, recorded in
the transaction of the change (delivery is the outbound package's)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from storefront.extensions import db
from storefront.outbound.models import (
    IsvWebhookDelivery,
    IsvWebhookEndpoint,
    StorefrontWebhookDelivery,
    StorefrontWebhookEndpoint,
)
from storefront.payments import gateway
from storefront.subscriptions.services import renew_due
from storefront.tenants.scope import all_tenants
from tests.shopping import CARD_DECLINED, CARD_OK, Shop
from tests.subscriptions.buying import buy, only_subscription, period_end, replace_card

HOOK = "http://127.0.0.1:9/hook"  # nothing listens: deliveries are recorded, sending fails


def test_subscription_and_provisioning_events_through_the_dunning_cycle(
    shop: Shop, localstripe_url: str
) -> None:
    db.session.add(
        StorefrontWebhookEndpoint(
            storefront_id=shop.storefront.id, url=HOOK, secret="s" * 32, events=["subscription.*"]
        )
    )
    db.session.add(
        IsvWebhookEndpoint(
            isv_id=shop.mail.isv_id, url=HOOK, secret="s" * 32, events=["provisioning.*"]
        )
    )
    db.session.commit()
    buy(shop, localstripe_url, CARD_OK, mail_seats=1, backup_seats=0)
    due = period_end(only_subscription())
    renew_due(due, gateway.provider())
    replace_card(shop, localstripe_url, only_subscription(), CARD_DECLINED)
    second = period_end(only_subscription())
    for days in (0, 1, 3, 7, 21):
        renew_due(second + timedelta(days=days), gateway.provider())

    with all_tenants():
        reseller = db.session.scalars(
            select(StorefrontWebhookDelivery).order_by(StorefrontWebhookDelivery.id)
        ).all()
        isv = db.session.scalars(select(IsvWebhookDelivery).order_by(IsvWebhookDelivery.id)).all()
    assert [d.event_type for d in reseller] == [
        "subscription.created",
        "subscription.renewed",
        "subscription.past_due",
        "subscription.suspended",
        "subscription.cancelled",
    ]
    assert [d.event_type for d in isv] == [
        "provisioning.created",
        "provisioning.renewed",
        "provisioning.suspended",
        "provisioning.cancelled",
    ]
    created = isv[0].payload["data"]
    subscription = only_subscription()
    assert created["subscription_id"] == subscription.id
    assert created["offer_id"] == shop.mail.id and created["storefront"] == "yen"
    assert created["buyer_email"] == "buyer@example.com"
    assert len(created["license_keys"]) == 1
