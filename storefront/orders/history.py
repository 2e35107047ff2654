"""A buyer's own orders, as the account pages show them: always one storefront's and one
buyer's, whatever the caller's scope."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext
from sqlalchemy import select

from storefront.catalog.models import BillingTerm
from storefront.errors import DomainError
from storefront.extensions import db
from storefront.money import Money
from storefront.orders.models import Order, OrderStatus
from storefront.payments.models import Refund
from storefront.tenants.scope import tenant_scope

ORDER_STATUS_LABELS = {
    OrderStatus.PENDING: lazy_gettext("Awaiting payment"),
    OrderStatus.PAID: lazy_gettext("Paid"),
    OrderStatus.PARTIALLY_REFUNDED: lazy_gettext("Partially refunded"),
    OrderStatus.REFUNDED: lazy_gettext("Refunded"),
    OrderStatus.CANCELLED: lazy_gettext("Cancelled"),
}


@dataclass(frozen=True, slots=True)
class LineSummary:
    """An order line as the buyer sees it (account page, receipt): names and prices as sold."""

    offer_name: str
    plan_name: str
    term: BillingTerm
    quantity: int
    unit_price: Money
    total: Money


@dataclass(frozen=True, slots=True)
class RefundSummary:
    refunded_at: datetime
    amount: Money


class OrderNotFound(DomainError):
    """No such order for this buyer in this storefront (another buyer's looks the same)."""


def buyer_orders(storefront_id: int, buyer_id: int) -> list[Order]:
    """The buyer's orders in this storefront, newest first."""
    with tenant_scope(storefront_id):
        return list(
            db.session.scalars(
                select(Order)
                .where(Order.buyer_id == buyer_id)
                .order_by(Order.created_at.desc(), Order.id.desc())
            )
        )


def buyer_order(storefront_id: int, buyer_id: int, number: str) -> Order:
    """One of the buyer's orders by its number, or OrderNotFound."""
    with tenant_scope(storefront_id):
        order = db.session.scalar(
            select(Order).where(Order.number == number, Order.buyer_id == buyer_id)
        )
    if order is None:
        raise OrderNotFound(number)
    return order


def order_lines(order: Order) -> list[LineSummary]:
    return [
        LineSummary(
            offer_name=line.offer_name,
            plan_name=line.plan_name,
            term=line.term,
            quantity=line.quantity,
            unit_price=Money(line.unit_retail_minor, order.currency),
            total=Money(line.total_minor, order.currency),
        )
        for line in order.lines
    ]


def order_refunds(order: Order) -> list[RefundSummary]:
    """The refunds paid back on the order, oldest first."""
    with tenant_scope(order.storefront_id):
        refunds = db.session.scalars(
            select(Refund).where(Refund.order_id == order.id).order_by(Refund.created_at, Refund.id)
        )
        return [
            RefundSummary(refund.created_at, Money(refund.amount_minor, refund.currency))
            for refund in refunds
        ]
