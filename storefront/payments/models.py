"""One Payment per PaymentIntent (a purchase now, renewals later), refunds, and the provider
events already processed."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storefront.dbtypes import enum_column
from storefront.extensions import Model
from storefront.money import Money
from storefront.orders.models import Order
from storefront.tenants.scope import TenantOwned
from storefront.timeutil import utcnow


class PaymentStatus(StrEnum):
    CREATED = "created"  # recorded, provider not (yet) answered: outcome unknown
    REQUIRES_ACTION = "requires_action"  # 3-D Secure in progress
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class Payment(TenantOwned, Model):
    __tablename__ = "payments"
    __table_args__ = (CheckConstraint("amount_minor > 0", name="amount_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="RESTRICT"), index=True)
    idempotency_key: Mapped[str] = mapped_column(String(80), unique=True)
    provider_reference: Mapped[str | None] = mapped_column(String(80), unique=True)
    payment_method: Mapped[str] = mapped_column(String(80))
    status: Mapped[PaymentStatus] = mapped_column(
        enum_column(PaymentStatus, "payment_status"), default=PaymentStatus.CREATED, index=True
    )
    amount_minor: Mapped[int]
    currency: Mapped[str] = mapped_column(String(3))
    failure_message: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )

    order: Mapped[Order] = relationship()


class Refund(TenantOwned, Model):
    __tablename__ = "refunds"
    __table_args__ = (CheckConstraint("amount_minor > 0", name="amount_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="RESTRICT"), index=True)
    payment_id: Mapped[int] = mapped_column(
        ForeignKey("payments.id", ondelete="RESTRICT"), index=True
    )
    provider_reference: Mapped[str | None] = mapped_column(String(80), unique=True)
    idempotency_key: Mapped[str] = mapped_column(String(80), unique=True)
    amount_minor: Mapped[int]
    currency: Mapped[str] = mapped_column(String(3))
    reason: Mapped[str] = mapped_column(String(200), default="")
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    payment: Mapped[Payment] = relationship()

    @property
    def amount(self) -> Money:
        return Money(self.amount_minor, self.currency)


class ProviderEvent(Model):
    """A webhook event processed once: the unique id is inserted in the same transaction as
    the work it caused."""

    __tablename__ = "provider_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[str] = mapped_column(String(80), unique=True)
    event_type: Mapped[str] = mapped_column(String(80))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
