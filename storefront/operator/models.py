"""Console-owned records about storefronts: suspensions (who, when, why, and when lifted)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from storefront.extensions import Model
from storefront.timeutil import utcnow


class StorefrontSuspension(Model):
    """A storefront closed by the platform or its operator; in force until `lifted_at` is set.
    Suspensions are kept after they are lifted: the history of who closed a store and why."""

    __tablename__ = "storefront_suspensions"
    # "Is this storefront suspended now?" runs whenever a storefront is loaded into the cache.
    __table_args__ = (Index("ix_storefront_suspensions_in_force", "storefront_id", "lifted_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    storefront_id: Mapped[int] = mapped_column(
        ForeignKey("storefronts.id", ondelete="CASCADE"), index=True
    )
    reason: Mapped[str] = mapped_column(String(200), default="")
    suspended_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    suspended_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    lifted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    lifted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
