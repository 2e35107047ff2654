"""Platform settings, white-label operators, reseller storefronts and their domains."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storefront.extensions import Model
from storefront.tenants.scope import TenantOwned
from storefront.timeutil import utcnow


class PlatformSettings(Model):
    """The one row of marketplace-wide settings (the platform as a business)."""

    __tablename__ = "platform_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    support_email: Mapped[str] = mapped_column(String(254))
    default_commission_rate_bp: Mapped[int] = mapped_column(default=2500)


class WhiteLabelOperator(Model):
    """A partner hosting many reseller storefronts under its own brand."""

    __tablename__ = "operators"
    __table_args__ = (
        CheckConstraint("override_rate_bp BETWEEN 0 AND 10000", name="override_rate_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(63), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    override_rate_bp: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    storefronts: Mapped[list[Storefront]] = relationship(back_populates="operator")


class Storefront(Model):
    """A reseller's branded store: the tenant every buyer-facing request belongs to."""

    __tablename__ = "storefronts"
    __table_args__ = (
        CheckConstraint("commission_rate_bp BETWEEN 0 AND 10000", name="commission_rate_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(63), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    tagline: Mapped[str] = mapped_column(String(200), default="")
    is_opted_in: Mapped[bool] = mapped_column(default=False)
    commission_rate_bp: Mapped[int] = mapped_column(default=2500)
    operator_id: Mapped[int | None] = mapped_column(
        ForeignKey("operators.id", ondelete="SET NULL"), index=True
    )
    theme: Mapped[str] = mapped_column(String(40), default="default")
    locale: Mapped[str] = mapped_column(String(16), default="en")
    languages: Mapped[list[str]] = mapped_column(JSON, default=lambda: ["en"])
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    primary_color: Mapped[str] = mapped_column(String(7), default="#1f4fd1")
    accent_color: Mapped[str] = mapped_column(String(7), default="#f59e0b")
    logo_path: Mapped[str | None] = mapped_column(String(200))
    support_email: Mapped[str] = mapped_column(String(254), default="")
    # [{"label": ..., "url": ...}], validated by `storefront.tenants.branding.clean_footer_links`
    footer_links: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    # Offers approved after this moment are "new" on the reseller dashboard.
    offers_reviewed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    operator: Mapped[WhiteLabelOperator | None] = relationship(back_populates="storefronts")
    domains: Mapped[list[StorefrontDomain]] = relationship(
        back_populates="storefront", cascade="all, delete-orphan"
    )


class StorefrontDomain(TenantOwned, Model):
    """A custom domain; it serves the store only once verified."""

    __tablename__ = "storefront_domains"

    id: Mapped[int] = mapped_column(primary_key=True)
    hostname: Mapped[str] = mapped_column(String(253), unique=True)
    verification_token: Mapped[str] = mapped_column(String(64))
    verified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=utcnow)

    storefront: Mapped[Storefront] = relationship(back_populates="domains")
