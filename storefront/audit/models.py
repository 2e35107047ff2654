"""Audit entries: append-only rows describing one administrative change each."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from storefront.dbtypes import enum_column
from storefront.extensions import Model
from storefront.timeutil import utcnow


class Surface(StrEnum):
    """Where the change was made."""

    CONSOLE = "console"
    RESELLER = "reseller"
    VENDOR = "vendor"
    API = "api"
    SYSTEM = "system"  # CLI commands and background jobs


class AuditEntry(Model):
    __tablename__ = "audit_entries"
    __table_args__ = (Index("ix_audit_entries_target", "target_type", "target_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, index=True
    )
    surface: Mapped[Surface] = mapped_column(enum_column(Surface, "audit_surface"))
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    actor_email: Mapped[str] = mapped_column(String(254), default="")  # kept if the user goes
    storefront_id: Mapped[int | None] = mapped_column(
        ForeignKey("storefronts.id", ondelete="SET NULL"), index=True
    )
    action: Mapped[str] = mapped_column(String(80), index=True)  # e.g. "storefront.opt_in"
    target_type: Mapped[str] = mapped_column(String(40))
    target_id: Mapped[int | None]
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
