"""Orders and order lines. Prices, rates and names are copied at the time of sale so that later
changes to offers, plans, listings or commission rates never rewrite history."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storefront.catalog.models import BillingTerm
from storefront.dbtypes import enum_column
from storefront.extensions import Model
from storefront.money import Money
from storefront.tenants.scope import TenantOwned
from storefront.timeutil import utcnow


class OrderStatus(StrEnum):
    PENDING = "pending"  # created at checkout, not paid (yet)
    PAID = "paid"
    PARTIALLY_REFUNDED = "partially_refunded"
    REFUNDED = "refunded"
    CANCELLED = "cancelled"  # abandoned before payment


class Order(TenantOwned, Model):
    __tablename__ = "orders"
    __table_args__ = (
        CheckConstraint("total_minor > 0", name="total_positive"),
        CheckConstraint(
            "refunded_minor >= 0 AND refunded_minor <= total_minor", name="refund_within_total"
        ),
        CheckConstraint(
            "commission_rate_bp >= 0 AND operator_override_bp >= 0"
            " AND commission_rate_bp + operator_override_bp <= 10000",
            name="rates_within_margin",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(24), unique=True)
    buyer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    status: Mapped[OrderStatus] = mapped_column(
        enum_column(OrderStatus, "order_status"), default=OrderStatus.PENDING, index=True
    )
    currency: Mapped[str] = mapped_column(String(3))
    total_minor: Mapped[int]
    refunded_minor: Mapped[int] = mapped_column(default=0)
    cart_fingerprint: Mapped[str] = mapped_column(String(64), index=True)
    commission_rate_bp: Mapped[int]
    operator_id: Mapped[int | None] = mapped_column(
        ForeignKey("operators.id", ondelete="RESTRICT"), index=True
    )
    operator_override_bp: Mapped[int] = mapped_column(default=0)
    billing_name: Mapped[str] = mapped_column(String(120))
    billing_email: Mapped[str] = mapped_column(String(254))
    billing_country: Mapped[str] = mapped_column(String(2))
    locale: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    paid_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    lines: Mapped[list[OrderLine]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="OrderLine.id"
    )

    @property
    def total(self) -> Money:
        return Money(self.total_minor, self.currency)

    @property
    def refunded(self) -> Money:
        return Money(self.refunded_minor, self.currency)

    @property
    def refundable(self) -> Money:
        if self.status not in (OrderStatus.PAID, OrderStatus.PARTIALLY_REFUNDED):
            return Money.zero(self.currency)
        return self.total - self.refunded


class OrderLine(TenantOwned, Model):
    __tablename__ = "order_lines"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("unit_wholesale_minor >= 0", name="wholesale_not_negative"),
        CheckConstraint("2 * unit_wholesale_minor <= unit_retail_minor", name="margin_floor"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("offers.id", ondelete="RESTRICT"), index=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="RESTRICT"), index=True)
    isv_id: Mapped[int] = mapped_column(ForeignKey("isvs.id", ondelete="RESTRICT"), index=True)
    offer_name: Mapped[str] = mapped_column(String(120))
    plan_name: Mapped[str] = mapped_column(String(80))
    term: Mapped[BillingTerm] = mapped_column(enum_column(BillingTerm, "line_billing_term"))
    quantity: Mapped[int]
    unit_retail_minor: Mapped[int]
    unit_wholesale_minor: Mapped[int]

    order: Mapped[Order] = relationship(back_populates="lines")

    @property
    def unit_retail(self) -> Money:
        return Money(self.unit_retail_minor, self.order.currency)

    @property
    def unit_wholesale(self) -> Money:
        return Money(self.unit_wholesale_minor, self.order.currency)

    @property
    def total_minor(self) -> int:
        return self.unit_retail_minor * self.quantity

    @property
    def wholesale_total_minor(self) -> int:
        return self.unit_wholesale_minor * self.quantity
