"""Paid orders and refunds written as plain rows, the way checkout leaves them, so the ledger
can be posted against them without going through a payment provider."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pytest

from storefront.accounts.models import Role
from storefront.catalog.models import Offer
from storefront.extensions import db
from storefront.orders.models import Order, OrderLine, OrderStatus
from storefront.payments.models import Payment, PaymentStatus, Refund
from storefront.tenants.models import Storefront
from tests import factories

_sequence = itertools.count(1)


@dataclass(frozen=True)
class Sale:
    store: Storefront
    order: Order
    payment: Payment


def _sell(
    store: Storefront,
    items: Sequence[tuple[Offer, int]],
    *,
    paid_minor: int | None = None,
    paid_currency: str | None = None,
) -> Sale:
    """A paid order of `(offer, quantity)` items at each plan's recommended retail price in
    the store's currency, with the store's commission and its operator's override."""
    number = next(_sequence)
    buyer = factories.user(Role.BUYER, storefront_id=store.id)
    operator = store.operator
    order = Order(
        storefront_id=store.id,
        number=f"L-{number:06d}",
        buyer_id=buyer.id,
        status=OrderStatus.PAID,
        currency=store.currency,
        total_minor=0,
        cart_fingerprint=f"cart-{number}",
        commission_rate_bp=store.commission_rate_bp,
        operator_id=operator.id if operator else None,
        operator_override_bp=operator.override_rate_bp if operator else 0,
        billing_name="Ada Buyer",
        billing_email=buyer.email,
        billing_country="JP" if store.currency == "JPY" else "US",
        locale=store.locale,
    )
    for offer, quantity in items:
        plan = offer.plans[0]
        price = next(price for price in plan.prices if price.currency == store.currency)
        order.lines.append(
            OrderLine(
                storefront_id=store.id,
                offer_id=offer.id,
                plan_id=plan.id,
                isv_id=offer.isv_id,
                offer_name=offer.name,
                plan_name=plan.name,
                term=plan.term,
                quantity=quantity,
                unit_retail_minor=price.recommended_retail_minor,
                unit_wholesale_minor=price.wholesale_minor,
            )
        )
    order.total_minor = sum(line.total_minor for line in order.lines)
    db.session.add(order)
    db.session.flush()
    payment = Payment(
        storefront_id=store.id,
        order_id=order.id,
        idempotency_key=f"pay-{number}",
        provider_reference=f"pi_{number}",
        payment_method="card",
        status=PaymentStatus.SUCCEEDED,
        amount_minor=order.total_minor if paid_minor is None else paid_minor,
        currency=paid_currency or order.currency,
    )
    db.session.add(payment)
    db.session.flush()
    return Sale(store=store, order=order, payment=payment)


def _refund(sale: Sale, amount_minor: int) -> Refund:
    """A refund row of part of a sale's payment, as the provider confirmed it."""
    number = next(_sequence)
    refund = Refund(
        storefront_id=sale.store.id,
        order_id=sale.order.id,
        payment_id=sale.payment.id,
        provider_reference=f"re_{number}",
        idempotency_key=f"refund-{number}",
        amount_minor=amount_minor,
        currency=sale.order.currency,
    )
    db.session.add(refund)
    db.session.flush()
    return refund


@pytest.fixture
def sell() -> Callable[..., Sale]:
    return _sell


@pytest.fixture
def refund_of() -> Callable[[Sale, int], Refund]:
    return _refund
