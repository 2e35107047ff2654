"""The payment lifecycle in named stages (prepare moves no money, execute moves it, refund
reverses it), each recording what the provider said. Callers own the transactions: a view
commits after `prepare` so the idempotency key is durable before any money moves."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TypeVar

from sqlalchemy import and_, func, inspect, or_, select
from sqlalchemy.orm import joinedload

from storefront import locks
from storefront.errors import DomainError
from storefront.extensions import db
from storefront.ledger.services import post_charge, post_refund
from storefront.money import Money
from storefront.orders.models import Order, OrderStatus
from storefront.outbound import notifications as webhooks
from storefront.payments.models import Payment, PaymentStatus, Refund
from storefront.payments.provider import (
    IntentResult,
    IntentStatus,
    PaymentProvider,
    RefundResult,
)
from storefront.subscriptions.fulfilment import order_paid
from storefront.subscriptions.models import SubscriptionRenewal
from storefront.tenants.scope import all_tenants, tenant_scope
from storefront.timeutil import utcnow

log = logging.getLogger(__name__)


class OrderAlreadyPaid(DomainError):
    pass


class RefundRefused(DomainError):
    pass


def prepare(order: Order, *, payment_method: str, attempt: str) -> Payment:
    """Record the payment attempt (no money moves); see `_prepare`."""
    with tenant_scope(order.storefront_id):
        return _prepare(order, payment_method=payment_method, attempt=attempt)


def _prepare(order: Order, *, payment_method: str, attempt: str) -> Payment:
    """Record the payment attempt (no money moves). The same attempt twice (a double click,
    a retried request) is the same Payment; an attempt whose outcome is still unknown after
    a provider outage is retried as itself, never as a second charge."""
    new_order = inspect(order).pending  # made by this transaction: it has no payment yet
    if new_order:
        db.session.flush()
    if order.status != OrderStatus.PENDING:
        raise OrderAlreadyPaid("This order is already paid.")
    key = f"order-{order.id}-{attempt}"
    same_attempt = Payment.idempotency_key == key
    existing = None if new_order else db.session.scalar(  # this attempt's, else one unknown
        select(Payment)
        .where(
            or_(
                same_attempt,
                and_(
                    Payment.order_id == order.id,
                    Payment.status == PaymentStatus.CREATED,
                    Payment.provider_reference.is_(None),
                ),
            )
        )
        .order_by(same_attempt.desc(), Payment.id)
        .limit(1)
    )
    if existing is not None:
        return existing
    payment = Payment(
        storefront_id=order.storefront_id,
        order_id=order.id,
        idempotency_key=key,
        payment_method=payment_method,
        amount_minor=order.total_minor,
        currency=order.currency,
    )
    db.session.add(payment)
    db.session.flush()
    return payment


def execute(payment: Payment, provider: PaymentProvider, *, customer: str | None = None) -> bool:
    """Charge the card (saved to `customer`, when given) for a prepared payment; True when
    this call marked the order paid. The payment and its order stay locked from before the
    charge to the caller's commit, so a second request for the same attempt waits and then
    finds it decided. Raises ProviderUnavailable (outcome unknown, payment stays CREATED for
    a safe retry)."""
    identity = inspect(payment).identity  # read without a refresh, the caller may have committed
    with all_tenants():  # a row the caller holds, as its own refresh would read it
        payment, order = lock_payment(identity[0] if identity else payment.id)
    if payment.status != PaymentStatus.CREATED:
        return False
    result = provider.charge(
        amount=Money(payment.amount_minor, payment.currency),
        payment_method=payment.payment_method,
        idempotency_key=payment.idempotency_key,
        metadata={
            "payment_id": str(payment.id),
            "order_id": str(order.id),
            "order_number": order.number,
            "storefront_id": str(order.storefront_id),
        },
        customer=customer,
    )
    return apply_result(payment, result)


def refresh(payment: Payment, provider: PaymentProvider) -> bool:
    """Re-read the PaymentIntent from the provider (after 3-D Secure, on the result page, from
    a webhook or reconciliation) and apply it; True when this call marked the order paid."""
    if payment.provider_reference is None or payment.status == PaymentStatus.SUCCEEDED:
        return False
    return apply_result(payment, provider.retrieve(payment.provider_reference))


def apply_result(payment: Payment, result: IntentResult) -> bool:
    """Apply what the provider reports to the payment and its order; see `_apply_result`."""
    with tenant_scope(payment.storefront_id):
        return _apply_result(payment, result)


def _apply_result(payment: Payment, result: IntentResult) -> bool:
    """Move the payment (and its order) to what the provider reports, exactly once: the row is
    locked, and an already-succeeded payment is never applied again."""
    locked, order = lock_payment(payment.id)  # both, before either changes: each written once
    if locked.status == PaymentStatus.SUCCEEDED:
        return False
    expected = Money(locked.amount_minor, locked.currency)
    paid = result.status == IntentStatus.SUCCEEDED and result.amount == expected
    if result.reference and locked.provider_reference is None:
        locked.provider_reference = result.reference
    if result.status == IntentStatus.SUCCEEDED:
        if not paid:
            log.error(
                "payment %s: provider charged %s but the order is %s; not marking paid",
                locked.id,
                result.amount,
                expected,
            )
            locked.status = PaymentStatus.FAILED
            locked.failure_message = "The amount charged does not match the order."
            return False
        locked.status = PaymentStatus.SUCCEEDED
        locked.failure_message = ""
        if order.status == OrderStatus.PENDING:
            order.status = OrderStatus.PAID
            order.paid_at = utcnow()
            order_paid(order, locked)  # license keys, subscriptions, renewals
            webhooks.order_paid(order)  # sent to the reseller and ISVs after commit
        post_charge(order, locked, unposted=True)  # it was not SUCCEEDED under this lock
        return True
    if result.status == IntentStatus.REQUIRES_ACTION:
        locked.status = PaymentStatus.REQUIRES_ACTION
    elif result.status == IntentStatus.FAILED:
        locked.status = PaymentStatus.FAILED
        locked.failure_message = result.failure_message or "The payment did not go through."
    return False


def refund_order(
    order: Order,
    amount: Money,
    provider: PaymentProvider,
    *,
    reason: str = "",
    requested_by_id: int | None = None,
) -> Refund:
    """Refund part or all of a paid order; see `_refund_order`."""
    with tenant_scope(order.storefront_id):
        return _refund_order(
            order, amount, provider, reason=reason, requested_by_id=requested_by_id
        )


def _refund_order(
    order: Order,
    amount: Money,
    provider: PaymentProvider,
    *,
    reason: str = "",
    requested_by_id: int | None = None,
) -> Refund:
    """Refund part or all of a paid order through the provider and reverse the split. The order
    row is locked, so concurrent refunds can never exceed what was paid."""
    locked = _lock(Order, order.id)
    if amount.currency != locked.currency:
        raise RefundRefused(f"Refunds of this order are in {locked.currency}.")
    if amount.amount <= 0:
        raise RefundRefused("The refund amount must be above zero.")
    if amount > locked.refundable:
        raise RefundRefused(
            f"At most {locked.refundable.format('en')} can still be refunded on this order."
        )
    payment = _succeeded_payment(locked)
    number = 1 + (
        db.session.scalar(select(func.count(Refund.id)).where(Refund.order_id == locked.id)) or 0
    )
    refund = Refund(
        storefront_id=locked.storefront_id,
        order_id=locked.id,
        payment_id=payment.id,
        idempotency_key=f"refund-{locked.id}-{number}",
        amount_minor=amount.amount,
        currency=amount.currency,
        reason=reason[:200],
        requested_by_id=requested_by_id,
    )
    result = provider.refund(
        reference=payment.provider_reference or "",
        amount=amount,
        idempotency_key=refund.idempotency_key,
    )
    if not result.succeeded:
        raise RefundRefused("The payment service refused the refund.")
    refund.provider_reference = result.reference
    _record_refund(locked, refund)
    return refund


def record_provider_refunds(payment: Payment, refunds: list[RefundResult]) -> list[Refund]:
    """Record refunds made at the provider; see `_record_provider_refunds`."""
    with tenant_scope(payment.storefront_id):
        return _record_provider_refunds(payment, refunds)


def _record_provider_refunds(payment: Payment, refunds: list[RefundResult]) -> list[Refund]:
    """Record refunds made at the provider that we have no record of (e.g. issued in Stripe's
    dashboard, or our commit was lost after the provider refunded)."""
    order = _lock(Order, payment.order_id)
    known = set(
        db.session.scalars(select(Refund.provider_reference).where(Refund.payment_id == payment.id))
    )
    recorded = []
    for result in refunds:
        if not result.succeeded or result.reference in known:
            continue
        if result.amount > order.refundable:
            log.error("refund %s exceeds what order %s has left", result.reference, order.number)
            continue
        refund = Refund(
            storefront_id=order.storefront_id,
            order_id=order.id,
            payment_id=payment.id,
            provider_reference=result.reference,
            idempotency_key=f"provider-{result.reference}",
            amount_minor=result.amount.amount,
            currency=result.amount.currency,
            reason="Refunded at the payment service",
        )
        _record_refund(order, refund)
        recorded.append(refund)
    return recorded


def _record_refund(order: Order, refund: Refund) -> None:
    db.session.add(refund)
    db.session.flush()
    order.refunded_minor += refund.amount_minor
    order.status = (
        OrderStatus.REFUNDED
        if order.refunded_minor == order.total_minor
        else OrderStatus.PARTIALLY_REFUNDED
    )
    webhooks.order_refunded(order, refund, post_refund(refund))


def _succeeded_payment(order: Order) -> Payment:
    payment = db.session.scalar(
        select(Payment).where(
            Payment.order_id == order.id, Payment.status == PaymentStatus.SUCCEEDED
        )
    )
    if payment is None or payment.provider_reference is None:
        raise RefundRefused("This order has no completed payment to refund.")
    return payment


def stale_payments(older_than: timedelta, now: Callable[[], datetime] = utcnow) -> list[Payment]:
    """Payments left unfinished (the process died between the provider and our commit, or the
    buyer left during 3-D Secure), oldest first."""
    return list(
        db.session.scalars(
            select(Payment)
            .where(
                Payment.status.in_((PaymentStatus.CREATED, PaymentStatus.REQUIRES_ACTION)),
                Payment.created_at < now() - older_than,
            )
            .order_by(Payment.id)
        )
    )


@dataclass
class Reconciliation:
    paid: list[Payment] = field(default_factory=list)
    failed: int = 0
    unchanged: int = 0

    def summary(self) -> str:
        return f"{len(self.paid)} paid, {self.failed} failed, {self.unchanged} unchanged"


def reconcile(provider: PaymentProvider, older_than: timedelta) -> Reconciliation:
    """Complete or fail every stale payment from the provider's state. A payment that never
    got a provider reference cannot be looked up: it is failed, and should the provider have
    charged it after all, its webhook (which names our payment id) completes it."""
    outcome = Reconciliation()
    for payment in stale_payments(older_than):
        if payment.provider_reference is None:
            payment.status = PaymentStatus.FAILED
            payment.failure_message = "The payment service never confirmed this attempt."
            outcome.failed += 1
        elif refresh(payment, provider):
            outcome.paid.append(payment)
        elif payment.status == PaymentStatus.FAILED:
            outcome.failed += 1
        else:
            outcome.unchanged += 1
    return outcome


_Row = TypeVar("_Row", Order, Payment)


def _lock(model: type[_Row], row_id: int) -> _Row:
    """The row, locked for this transaction (FOR UPDATE on PostgreSQL; SQLite serialises
    writers), with its attributes re-read from the database once (`storefront.locks`)."""
    row = locks.lock(model, row_id)
    if row is None:
        raise LookupError(f"{model.__name__} {row_id} is gone")
    return row


def lock_payment(payment_id: int) -> tuple[Payment, Order]:
    """The payment and its order, locked for this transaction: in one statement, unless
    this transaction holds them already. The same statement reads the subscription renewal
    the order pays, if any, for `order_paid` (`locks.remember`)."""
    if locks.is_held(Payment, payment_id):
        payment = _lock(Payment, payment_id)
        return payment, _lock(Order, payment.order_id)
    found = (
        db.session.execute(
            select(Payment, Order, SubscriptionRenewal)
            .join(Order, Order.id == Payment.order_id)
            .outerjoin(SubscriptionRenewal, SubscriptionRenewal.order_id == Order.id)
            .options(joinedload(Order.lines, innerjoin=True))  # what paying it reads
            .where(Payment.id == payment_id)
            .with_for_update(of=(Payment, Order))
            .execution_options(populate_existing=True)
        )
        .unique()
        .one_or_none()
    )
    if found is None:
        raise LookupError(f"Payment {payment_id} is gone")
    payment, order, renewal = found
    locks.held_rows(payment, order)
    locks.remember(SubscriptionRenewal, "order_id", order.id, renewal)
    return payment, order
