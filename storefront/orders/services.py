"""Placing an order from a priced cart, with every figure that decides money snapshotted."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import select

from storefront.accounts.models import User
from storefront.errors import DomainError
from storefront.extensions import db
from storefront.orders.cart import PricedCart
from storefront.orders.models import Order, OrderLine, OrderStatus
from storefront.pricing.margin import check_margin
from storefront.tenants.models import Storefront
from storefront.tenants.scope import tenant_scope

_NUMBER_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read out on the phone


class EmptyCart(DomainError):
    pass


class StoreClosed(DomainError):
    pass


@dataclass(frozen=True, slots=True)
class BillingDetails:
    name: str
    email: str
    country: str  # ISO 3166-1 alpha-2


def place_order(
    storefront: Storefront, buyer: User, cart: PricedCart, billing: BillingDetails, locale: str
) -> Order:
    """The buyer's pending order for exactly this cart: an unpaid order for the same cart is
    reused (so a retry never makes a second order); otherwise a new one is created."""
    if not storefront.is_opted_in:
        raise StoreClosed("This store is not open.")
    if cart.is_empty:
        raise EmptyCart("Your cart is empty.")
    if buyer.storefront_id != storefront.id:
        raise DomainError("This account belongs to another store.")
    for line in cart.lines:  # the margin rule again, against what will be charged
        check_margin(line.plan.wholesale, line.plan.retail)

    with tenant_scope(storefront.id):
        order = db.session.scalar(
            select(Order).where(
                Order.storefront_id == storefront.id,
                Order.buyer_id == buyer.id,
                Order.status == OrderStatus.PENDING,
                Order.cart_fingerprint == cart.fingerprint,
            )
        )
        if order is None:
            order = _new_order(storefront, buyer, cart)
        order.billing_name = billing.name
        order.billing_email = billing.email
        order.billing_country = billing.country
        order.locale = locale
    return order


def _new_order(storefront: Storefront, buyer: User, cart: PricedCart) -> Order:
    operator = storefront.operator
    order = Order(
        storefront_id=storefront.id,
        number=f"{storefront.slug[:8].upper()}-{_random_code(8)}",
        buyer_id=buyer.id,
        currency=cart.currency,
        total_minor=cart.total.amount,
        cart_fingerprint=cart.fingerprint,
        commission_rate_bp=storefront.commission_rate_bp,
        operator_id=operator.id if operator else None,
        operator_override_bp=operator.override_rate_bp if operator else 0,
    )
    for line in cart.lines:
        order.lines.append(
            OrderLine(
                storefront_id=storefront.id,
                offer_id=line.offer.offer_id,
                plan_id=line.plan.plan_id,
                isv_id=line.offer.isv_id,
                offer_name=line.offer.name,
                plan_name=line.plan.name,
                term=line.plan.term,
                quantity=line.quantity,
                unit_retail_minor=line.plan.retail.amount,
                unit_wholesale_minor=line.plan.wholesale.amount,
            )
        )
    db.session.add(order)
    return order


def _random_code(length: int) -> str:
    return "".join(secrets.choice(_NUMBER_ALPHABET) for _ in range(length))


def order_by_number(storefront: Storefront, number: str) -> Order | None:
    with tenant_scope(storefront.id):
        return db.session.scalar(
            select(Order).where(Order.storefront_id == storefront.id, Order.number == number)
        )
