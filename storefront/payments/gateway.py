"""The configured payment provider, and what follows a payment once it is committed."""

from __future__ import annotations

from flask import current_app

from storefront.payments.models import Payment
from storefront.payments.provider import PaymentProvider
from storefront.payments.stripe_provider import StripeProvider

RECEIPTS_PER_JOB = 50  # a renewal commit's lot: one job, its orders and stores read once


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
    """`after_paid` for many orders paid by one commit: their receipts queued at once, up to
    RECEIPTS_PER_JOB to a job (a job's own cost at the queue outweighs a receipt's)."""
    from storefront.jobs import enqueue_each

    lots = [
        order_ids[start : start + RECEIPTS_PER_JOB]
        for start in range(0, len(order_ids), RECEIPTS_PER_JOB)
    ]
    enqueue_each(send_receipts_job, [(lot,) for lot in lots])


def send_receipts_job(order_ids: list[int]) -> None:
    """The receipts of paid orders (`send_receipts`: a mail failure never undoes a payment)."""
    from storefront.orders.receipts import send_receipts

    send_receipts(order_ids)


def send_receipt_job(order_id: int) -> None:
    """One order's receipt (what jobs queued before receipts went in lots still call)."""
    send_receipts_job([order_id])
