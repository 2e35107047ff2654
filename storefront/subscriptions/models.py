"""Subscriptions (a recurring order line that renews on our own engine), their renewals, the
buyers' saved cards, and the license keys of every paid item.

A subscription snapshots what it renews at: names, term, quantity and the unit retail and
wholesale prices of the purchase (or of the last price change the buyer was notified of), so
later catalogue changes reach a subscriber only after notice.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storefront.catalog.models import BillingTerm
from storefront.dbtypes import enum_column
from storefront.extensions import Model
from storefront.money import Money
from storefront.orders.models import Order
from storefront.tenants.scope import TenantOwned
from storefront.timeutil import utcnow


class SubscriptionStatus(StrEnum):
    ACTIVE = "active"
    PAST_DUE = "past_due"  # a renewal failed; retried on the schedule, the buyer may pay
    SUSPENDED = "suspended"  # every retry failed; cancelled after the grace period
    CANCELLED = "cancelled"  # by the buyer (at period end) or after the grace period
    ENDED = "ended"  # the store opted out or the offer was retired: never charged again

    @property
    def is_open(self) -> bool:
        """Still renewing or recoverable by paying."""
        return self in (
            SubscriptionStatus.ACTIVE,
            SubscriptionStatus.PAST_DUE,
            SubscriptionStatus.SUSPENDED,
        )


class SavedCard(TenantOwned, Model):
    """A card saved to the buyer's customer at the payment provider. Only the provider's ids,
    the brand and the last four digits, as the provider reported them."""

    __tablename__ = "saved_cards"

    id: Mapped[int] = mapped_column(primary_key=True)
    buyer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    customer_reference: Mapped[str] = mapped_column(String(80), index=True)
    payment_method: Mapped[str] = mapped_column(String(80), unique=True)
    brand: Mapped[str] = mapped_column(String(20))
    last4: Mapped[str] = mapped_column(String(4))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Subscription(TenantOwned, Model):
    __tablename__ = "subscriptions"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("period >= 1", name="period_positive"),
        CheckConstraint("2 * unit_wholesale_minor <= unit_retail_minor", name="margin_floor"),
        CheckConstraint(
            "pending_retail_minor IS NULL OR 2 * pending_wholesale_minor <= pending_retail_minor",
            name="pending_margin_floor",
        ),
        Index("ix_subscriptions_status_period_end", "status", "current_period_end"),
        Index("ix_subscriptions_status_next_attempt", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    buyer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    order_line_id: Mapped[int] = mapped_column(
        ForeignKey("order_lines.id", ondelete="RESTRICT"), unique=True
    )
    offer_id: Mapped[int] = mapped_column(ForeignKey("offers.id", ondelete="RESTRICT"), index=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="RESTRICT"), index=True)
    isv_id: Mapped[int] = mapped_column(ForeignKey("isvs.id", ondelete="RESTRICT"), index=True)
    offer_name: Mapped[str] = mapped_column(String(120))
    plan_name: Mapped[str] = mapped_column(String(80))
    term: Mapped[BillingTerm] = mapped_column(enum_column(BillingTerm, "subscription_term"))
    quantity: Mapped[int]
    currency: Mapped[str] = mapped_column(String(3))
    unit_retail_minor: Mapped[int]
    unit_wholesale_minor: Mapped[int]
    # A price change the buyer was told of: it applies from the first renewal at least
    # PRICE_NOTICE_DAYS after `price_notified_at`.
    pending_retail_minor: Mapped[int | None]
    pending_wholesale_minor: Mapped[int | None]
    price_notified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    status: Mapped[SubscriptionStatus] = mapped_column(
        enum_column(SubscriptionStatus, "subscription_status"),
        default=SubscriptionStatus.ACTIVE,
        index=True,
    )
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    period: Mapped[int] = mapped_column(default=1)  # 1 is the purchase, 2 the first renewal
    current_period_start: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    current_period_end: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    cancel_at_period_end: Mapped[bool] = mapped_column(default=False)
    past_due_since: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    failed_attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    suspended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    end_reason: Mapped[str] = mapped_column(String(40), default="")

    customer_reference: Mapped[str | None] = mapped_column(String(80))
    payment_method: Mapped[str | None] = mapped_column(String(80))
    card_brand: Mapped[str] = mapped_column(String(20), default="")
    card_last4: Mapped[str] = mapped_column(String(4), default="")

    billing_name: Mapped[str] = mapped_column(String(120))
    billing_email: Mapped[str] = mapped_column(String(254))
    billing_country: Mapped[str] = mapped_column(String(2))
    locale: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )

    @property
    def unit_price(self) -> Money:
        return Money(self.unit_retail_minor, self.currency)

    @property
    def renewal_amount(self) -> Money:
        """What the next renewal charges, at the snapshotted price."""
        return Money(self.unit_retail_minor * self.quantity, self.currency)

    @property
    def pending_amount(self) -> Money | None:
        if self.pending_retail_minor is None:
            return None
        return Money(self.pending_retail_minor * self.quantity, self.currency)


class SubscriptionRenewal(TenantOwned, Model):
    """The order that charges one period of a subscription: at most one per period, so a
    period is charged and split exactly once however often the engine runs."""

    __tablename__ = "subscription_renewals"
    __table_args__ = (UniqueConstraint("subscription_id", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("subscriptions.id", ondelete="CASCADE"), index=True
    )
    period: Mapped[int]
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="RESTRICT"), unique=True)
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    order: Mapped[Order] = relationship()
    subscription: Mapped[Subscription] = relationship()


class LicenseStatus(StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"  # its subscription is past due, suspended or cancelled
    REVOKED = "revoked"


class LicenseKey(TenantOwned, Model):
    """The key of one paid order line (its quantity is the number of seats)."""

    __tablename__ = "license_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(40), unique=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="RESTRICT"), index=True)
    order_line_id: Mapped[int] = mapped_column(
        ForeignKey("order_lines.id", ondelete="RESTRICT"), unique=True
    )
    subscription_id: Mapped[int | None] = mapped_column(
        ForeignKey("subscriptions.id", ondelete="SET NULL"), index=True
    )
    offer_id: Mapped[int] = mapped_column(ForeignKey("offers.id", ondelete="RESTRICT"), index=True)
    offer_name: Mapped[str] = mapped_column(String(120))
    plan_name: Mapped[str] = mapped_column(String(80))
    seats: Mapped[int]
    status: Mapped[LicenseStatus] = mapped_column(
        enum_column(LicenseStatus, "license_status"), default=LicenseStatus.ACTIVE
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )
