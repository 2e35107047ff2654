"""Orders built as plain rows (as checkout would leave them), for the pages and mails that
show them."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from storefront.accounts.models import User
from storefront.catalog.models import BillingTerm, Offer
from storefront.extensions import db
from storefront.orders.models import Order, OrderLine, OrderStatus
from storefront.payments.models import Payment, PaymentStatus, Refund
from storefront.tenants.models import Storefront

_sequence = itertools.count(1)


@dataclass(frozen=True)
class Line:
    offer: Offer
    term: BillingTerm
    quantity: int
    unit_retail_minor: int
    unit_wholesale_minor: int


def order(
    store: Storefront,
    buyer: User,
    lines: Sequence[Line],
    *,
    number: str | None = None,
    status: OrderStatus = OrderStatus.PAID,
    created_at: datetime | None = None,
    locale: str | None = None,
    billing_name: str = "Hanna Buyer",
    billing_email: str | None = None,
) -> Order:
    total = sum(line.unit_retail_minor * line.quantity for line in lines)
    row = Order(
        storefront_id=store.id,
        number=number or f"T-{next(_sequence):06d}",
        buyer_id=buyer.id,
        status=status,
        currency=store.currency,
        total_minor=total,
        cart_fingerprint="f" * 64,
        commission_rate_bp=store.commission_rate_bp,
        billing_name=billing_name,
        billing_email=billing_email or buyer.email,
        billing_country="US",
        locale=locale or store.locale,
        **({"created_at": created_at} if created_at else {}),
    )
    for line in lines:
        plan = next(plan for plan in line.offer.plans if plan.term == line.term)
        row.lines.append(
            OrderLine(
                storefront_id=store.id,
                offer_id=line.offer.id,
                plan_id=plan.id,
                isv_id=line.offer.isv_id,
                offer_name=line.offer.name,
                plan_name=plan.name,
                term=line.term,
                quantity=line.quantity,
                unit_retail_minor=line.unit_retail_minor,
                unit_wholesale_minor=line.unit_wholesale_minor,
            )
        )
    db.session.add(row)
    db.session.flush()
    return row


def refund(paid: Order, amount_minor: int, *, refunded_at: datetime | None = None) -> Refund:
    """A refund on the order's card payment (recorded on the order as well)."""
    payment = Payment(
        storefront_id=paid.storefront_id,
        order_id=paid.id,
        idempotency_key=f"pay-{paid.number}-{next(_sequence)}",
        payment_method="pm_card_visa",
        status=PaymentStatus.SUCCEEDED,
        amount_minor=paid.total_minor,
        currency=paid.currency,
    )
    db.session.add(payment)
    db.session.flush()
    row = Refund(
        storefront_id=paid.storefront_id,
        order_id=paid.id,
        payment_id=payment.id,
        idempotency_key=f"refund-{paid.number}-{next(_sequence)}",
        amount_minor=amount_minor,
        currency=paid.currency,
        **({"created_at": refunded_at} if refunded_at else {}),
    )
    db.session.add(row)
    paid.refunded_minor += amount_minor
    paid.status = (
        OrderStatus.REFUNDED
        if paid.refunded_minor == paid.total_minor
        else OrderStatus.PARTIALLY_REFUNDED
    )
    db.session.flush()
    return row
