"""What follows a paid order, in the transaction that marks it paid: a license key for every
line, a subscription for every recurring line, and for a renewal the next period."""

from __future__ import annotations

from sqlalchemy import select

from storefront import locks
from storefront.catalog.models import BillingTerm
from storefront.extensions import db
from storefront.orders.models import Order, OrderLine
from storefront.payments.models import Payment
from storefront.subscriptions.events import subscription_event
from storefront.subscriptions.licenses import issue_key, set_subscription_keys
from storefront.subscriptions.models import (
    LicenseStatus,
    SavedCard,
    Subscription,
    SubscriptionRenewal,
    SubscriptionStatus,
)
from storefront.subscriptions.periods import aware, period_end
from storefront.timeutil import utcnow


def order_paid(order: Order, payment: Payment) -> None:
    """Called once, when `order` is marked paid by `payment` (inside its tenant scope)."""
    renewal = _renewal_of(order)
    if renewal is not None:
        renewal_paid(renewal)
        return
    lines = order.lines
    card = None
    if any(line.term != BillingTerm.ONE_TIME for line in lines):  # only subscriptions need it
        card = db.session.scalar(
            select(SavedCard).where(
                SavedCard.payment_method == payment.payment_method,
                SavedCard.buyer_id == order.buyer_id,
            )
        )
    for line in lines:
        subscription = None
        if line.term != BillingTerm.ONE_TIME:
            subscription = _subscribe(order, line, card)
        issue_key(order, line, subscription.id if subscription else None)
        if subscription is not None:
            db.session.flush()
            subscription_event("created", subscription, order_id=order.id)


def _renewal_of(order: Order) -> SubscriptionRenewal | None:
    """The renewal the order pays, if it is one: as this transaction read it with the order
    locked (`locks.remember`), else read now."""
    known, renewal = locks.recall(SubscriptionRenewal, "order_id", order.id)
    if known:
        return renewal
    return db.session.scalar(
        select(SubscriptionRenewal).where(SubscriptionRenewal.order_id == order.id)
    )


def _subscribe(order: Order, line: OrderLine, card: SavedCard | None) -> Subscription:
    started = aware(order.paid_at or utcnow())
    subscription = Subscription(
        storefront_id=order.storefront_id,
        buyer_id=order.buyer_id,
        order_line_id=line.id,
        offer_id=line.offer_id,
        plan_id=line.plan_id,
        isv_id=line.isv_id,
        offer_name=line.offer_name,
        plan_name=line.plan_name,
        term=line.term,
        quantity=line.quantity,
        currency=order.currency,
        unit_retail_minor=line.unit_retail_minor,
        unit_wholesale_minor=line.unit_wholesale_minor,
        status=SubscriptionStatus.ACTIVE,
        started_at=started,
        period=1,
        current_period_start=started,
        current_period_end=period_end(started, line.term.months, 1),
        customer_reference=card.customer_reference if card else None,
        payment_method=card.payment_method if card else None,
        card_brand=card.brand if card else "",
        card_last4=card.last4 if card else "",
        billing_name=order.billing_name,
        billing_email=order.billing_email,
        billing_country=order.billing_country,
        locale=order.locale,
    )
    db.session.add(subscription)
    db.session.flush()
    return subscription


def renewal_paid(renewal: SubscriptionRenewal) -> None:
    """The renewal's period begins (once): the subscription is active again and its keys too."""
    subscription = locks.lock(Subscription, renewal.subscription_id)
    if subscription is None or renewal.period != subscription.period + 1:
        return
    restored = subscription.status != SubscriptionStatus.ACTIVE
    subscription.period = renewal.period
    subscription.current_period_start = subscription.current_period_end
    subscription.current_period_end = period_end(
        aware(subscription.started_at), subscription.term.months, subscription.period
    )
    subscription.status = SubscriptionStatus.ACTIVE
    subscription.past_due_since = None
    subscription.failed_attempts = 0
    subscription.next_attempt_at = None
    subscription.suspended_at = None
    if restored:
        set_subscription_keys(subscription.id, LicenseStatus.ACTIVE)
    subscription_event("renewed", subscription, order_id=renewal.order_id)
    if restored:
        subscription_event("restored", subscription, order_id=renewal.order_id)
