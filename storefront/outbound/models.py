"""Webhook endpoints and their deliveries, one pair of tables per kind of owner.

A reseller's endpoints and deliveries are tenant-owned (scoped by the data layer and by
PostgreSQL row-level security); an ISV's belong to the ISV and are always queried by
`isv_id`. Two tables rather than one with two nullable owners, so a reseller's query can
never reach an ISV's rows (or another storefront's) by forgetting a filter.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from storefront.dbtypes import enum_column
from storefront.extensions import Model
from storefront.tenants.scope import TenantOwned
from storefront.timeutil import utcnow


class OwnerKind(StrEnum):
    STOREFRONT = "storefront"
    ISV = "isv"


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    RETRYING = "failed-retrying"
    FAILED = "failed-permanently"


class EndpointColumns:
    """What every endpoint has, whoever owns it."""

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(2000))
    description: Mapped[str] = mapped_column(String(200), default="")
    # Shown to the owner (it verifies our signatures with it), so stored as is.
    secret: Mapped[str] = mapped_column(String(80))
    # Event types ("order.paid") and prefix wildcards ("provisioning.*").
    events: Mapped[list[str]] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )

    @property
    def receives_provisioning(self) -> bool:
        """An ISV's provisioning URL: subscribed to some `provisioning.*` event."""
        return any(pattern.startswith("provisioning.") for pattern in self.events)

    def wants(self, event_type: str) -> bool:
        return any(
            pattern == event_type
            or (pattern.endswith(".*") and event_type.startswith(pattern[:-1]))
            for pattern in self.events
        )


class DeliveryColumns:
    """One event on its way to one endpoint: its body, and how its attempts went."""

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(40), unique=True)  # dlv_...
    event_id: Mapped[str] = mapped_column(String(40), index=True)  # evt_..., the receiver's key
    event_type: Mapped[str] = mapped_column(String(60))
    # The whole JSON body: {"id", "type", "created", "data"}.
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[DeliveryStatus] = mapped_column(
        enum_column(DeliveryStatus, "webhook_delivery_status"), default=DeliveryStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_status_code: Mapped[int | None]
    # The start of the receiver's answer, or why there was none (timeout, refused, ...).
    last_response: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    @declared_attr.directive
    @classmethod
    def __table_args__(cls) -> tuple[Any, ...]:
        return (Index(f"ix_{cls.__tablename__}_due", "status", "next_attempt_at"),)  # type: ignore[attr-defined]


class StorefrontWebhookEndpoint(TenantOwned, EndpointColumns, Model):
    """A reseller's webhook URL (its hosting panel learns of orders through it)."""

    __tablename__ = "storefront_webhook_endpoints"


class IsvWebhookEndpoint(EndpointColumns, Model):
    """An ISV's webhook URL; one subscribed to `provisioning.*` is its provisioning URL."""

    __tablename__ = "isv_webhook_endpoints"

    isv_id: Mapped[int] = mapped_column(ForeignKey("isvs.id", ondelete="CASCADE"), index=True)


class StorefrontWebhookDelivery(TenantOwned, DeliveryColumns, Model):
    __tablename__ = "storefront_webhook_deliveries"

    endpoint_id: Mapped[int] = mapped_column(
        ForeignKey("storefront_webhook_endpoints.id", ondelete="CASCADE"), index=True
    )


class IsvWebhookDelivery(DeliveryColumns, Model):
    __tablename__ = "isv_webhook_deliveries"

    isv_id: Mapped[int] = mapped_column(ForeignKey("isvs.id", ondelete="CASCADE"), index=True)
    endpoint_id: Mapped[int] = mapped_column(
        ForeignKey("isv_webhook_endpoints.id", ondelete="CASCADE"), index=True
    )


Endpoint = StorefrontWebhookEndpoint | IsvWebhookEndpoint
Delivery = StorefrontWebhookDelivery | IsvWebhookDelivery
