"""The configured payment provider, and what follows a payment once it is committed."""

from __future__ import annotations

import logging

from flask import current_app

from storefront.extensions import db
from storefront.payments.models import Payment
from storefront.payments.provider import PaymentProvider
from storefront.payments.stripe_provider import StripeProvider
from storefront.tenants.models import Storefront
from storefront.tenants.scope import all_tenants, tenant_scope

log = logging.getLogger(__name__)


def provider() -> PaymentProvider:
    """The provider for this app's configuration (one client per configuration)."""
    config = current_app.config
    key = (
        config["STRIPE_SECRET_KEY"],
        config.get("STRIPE_API_BASE"),
        config["STRIPE_WEBHOOK_SECRET"],
    )
    cache: dict[tuple[object, ...], PaymentProvider] = current_app.extensions.setdefault(
        "payment_providers", {}
    )
    if key not in cache:
        cache[key] = StripeProvider.from_config(current_app)
    return cache[key]


def after_paid(payment: Payment) -> None:
    """Runs after the commit that marked the order paid (exactly once per order): the receipt,
    as a background job (an RQ worker with REDIS_URL; right away, in this process, without),
    so the buyer's payment request never waits for mail."""
    after_order_paid(payment.order_id)


def after_order_paid(order_id: int) -> None:
    """`after_paid`, for a caller that holds only the order's id."""
    after_orders_paid([order_id])


def after_orders_paid(order_ids: list[int]) -> None:
    """`after_paid` for many orders paid by one commit (their receipts queued at once)."""
    from storefront.jobs import enqueue_each

    enqueue_each(send_receipt_job, [(order_id,) for order_id in order_ids])


def send_receipt_job(order_id: int) -> None:
    """Send the receipt of a paid order. A mail failure is logged, never undoes the payment."""
    from storefront.orders.models import Order
    from storefront.orders.receipts import send_receipt

    with all_tenants():
        order = db.session.get(Order, order_id)
        storefront = db.session.get(Storefront, order.storefront_id) if order else None
    if order is None or storefront is None:
        return
    try:
        with tenant_scope(storefront.id):
            send_receipt(order, storefront)
    except Exception:
        log.exception("receipt for order %s could not be sent", order.number)
