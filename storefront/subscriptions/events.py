"""Events for resellers' and ISVs' webhooks (delivered by `storefront.outbound`): recorded in
the caller's transaction, sent after it commits."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import cache
from typing import Any

from storefront.catalog.models import ApplicationType, Offer
from storefront.extensions import db
from storefront.outbound import emit
from storefront.subscriptions.licenses import subscription_keys
from storefront.subscriptions.models import Subscription
from storefront.subscriptions.periods import aware
from storefront.tenants.models import Storefront

# subscription.<kind> for the reseller; for connector offers, provisioning.<what the ISV
# does> for its provisioning URL. Licenses are suspended as soon as a renewal fails.
PROVISIONING = {
    "created": "created",
    "renewed": "renewed",
    "past_due": "suspended",
    "cancelled": "cancelled",
    "restored": "restored",
}


def subscription_event(
    kind: str, subscription: Subscription, *, order_id: int | None = None
) -> None:
    """Emit `subscription.<kind>` and, for connector offers, the provisioning event."""
    offer = db.session.get(Offer, subscription.offer_id)

    @cache
    def data() -> dict[str, Any]:  # built only when some endpoint wants the event
        storefront = db.session.get(Storefront, subscription.storefront_id)
        return {
            "subscription_id": subscription.id,
            "order_id": order_id,
            "status": subscription.status.value,
            "offer_id": subscription.offer_id,
            "offer_name": subscription.offer_name,
            "plan_id": subscription.plan_id,
            "plan_name": subscription.plan_name,
            "term": subscription.term.value,
            "quantity": subscription.quantity,
            "storefront": storefront.slug if storefront else None,
            "buyer_email": subscription.billing_email,
            "license_keys": [key.key for key in subscription_keys(subscription.id)],
            "period": subscription.period,
            "period_end": _iso(subscription.current_period_end),
        }

    _emit(f"subscription.{kind}", data, storefront_id=subscription.storefront_id)
    connector = offer is not None and offer.application_type == ApplicationType.CONNECTOR
    if connector and kind in PROVISIONING:
        _emit(
            f"provisioning.{PROVISIONING[kind]}",
            data,
            storefront_id=subscription.storefront_id,
            isv_id=subscription.isv_id,
        )


def _iso(moment: datetime) -> str:
    return aware(moment).isoformat()


def _emit(
    event_type: str,
    data: Callable[[], dict[str, Any]],
    *,
    storefront_id: int,
    isv_id: int | None = None,
) -> None:
    if isv_id is None:
        emit(event_type, data, storefront_id=storefront_id)
    else:  # to the ISV only: its provisioning URL
        emit(event_type, data, storefront_id=None, isv_id=isv_id)
