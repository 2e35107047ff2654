"""ISVs, their offers and plans, and the storefront listings that sell them."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storefront.dbtypes import enum_column
from storefront.extensions import Model
from storefront.tenants.scope import TenantOwned
from storefront.timeutil import utcnow


class ApplicationType(StrEnum):
    """How an offer runs (APS): decides how a paid item is fulfilled."""

    WEBSPACE = "webspace"
    DEDICATED = "dedicated"
    CONNECTOR = "connector"


class OfferStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    REJECTED = "rejected"
    RETIRED = "retired"


class OfferCategory(StrEnum):
    PRODUCTIVITY = "productivity"
    EMAIL = "email"
    SECURITY = "security"
    BACKUP = "backup"
    WEBSITES = "websites"
    ECOMMERCE = "ecommerce"
    COMMUNICATION = "communication"
    DEVELOPMENT = "development"


class BillingTerm(StrEnum):
    ONE_TIME = "one_time"
    MONTHLY = "monthly"
    YEARLY = "yearly"
    TWO_YEARS = "two_years"
    THREE_YEARS = "three_years"

    @property
    def months(self) -> int:
        """Length of one billing period; 0 for a one-time purchase."""
        return _TERM_MONTHS[self]

    @property
    def sort_key(self) -> int:
        return list(BillingTerm).index(self)


_TERM_MONTHS = {
    BillingTerm.ONE_TIME: 0,
    BillingTerm.MONTHLY: 1,
    BillingTerm.YEARLY: 12,
    BillingTerm.TWO_YEARS: 24,
    BillingTerm.THREE_YEARS: 36,
}


class Isv(Model):
    """An independent software vendor whose packaged applications are sold."""

    __tablename__ = "isvs"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(63), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    website: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    offers: Mapped[list[Offer]] = relationship(back_populates="isv")


class Offer(Model):
    """A packaged cloud application an ISV sells through the marketplace."""

    __tablename__ = "offers"

    id: Mapped[int] = mapped_column(primary_key=True)
    isv_id: Mapped[int] = mapped_column(ForeignKey("isvs.id", ondelete="RESTRICT"), index=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(120), index=True)
    summary: Mapped[str] = mapped_column(String(240), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    category: Mapped[OfferCategory] = mapped_column(enum_column(OfferCategory, "offer_category"))
    application_type: Mapped[ApplicationType] = mapped_column(
        enum_column(ApplicationType, "application_type")
    )
    status: Mapped[OfferStatus] = mapped_column(
        enum_column(OfferStatus, "offer_status"), default=OfferStatus.DRAFT, index=True
    )
    rejection_reason: Mapped[str] = mapped_column(Text, default="")
    logo_path: Mapped[str | None] = mapped_column(String(200))
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    approved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    isv: Mapped[Isv] = relationship(back_populates="offers")
    plans: Mapped[list[Plan]] = relationship(
        back_populates="offer", cascade="all, delete-orphan", order_by="Plan.position"
    )


class Plan(Model):
    """A way to buy an offer: a billing term with a price per currency."""

    __tablename__ = "plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("offers.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    term: Mapped[BillingTerm] = mapped_column(enum_column(BillingTerm, "billing_term"))
    position: Mapped[int] = mapped_column(default=0)

    offer: Mapped[Offer] = relationship(back_populates="plans")
    prices: Mapped[list[PlanPrice]] = relationship(
        back_populates="plan", cascade="all, delete-orphan"
    )


class PlanPrice(Model):
    """The ISV's wholesale and recommended retail price of a plan in one currency."""

    __tablename__ = "plan_prices"
    __table_args__ = (
        UniqueConstraint("plan_id", "currency"),
        CheckConstraint("wholesale_minor >= 0", name="wholesale_not_negative"),
        CheckConstraint(
            "2 * wholesale_minor <= recommended_retail_minor", name="recommended_passes_margin"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    currency: Mapped[str] = mapped_column(String(3))
    wholesale_minor: Mapped[int]
    recommended_retail_minor: Mapped[int]

    plan: Mapped[Plan] = relationship(back_populates="prices")


class Listing(TenantOwned, Model):
    """A reseller's pick: this offer is for sale on this storefront."""

    __tablename__ = "listings"
    __table_args__ = (UniqueConstraint("storefront_id", "offer_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("offers.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    offer: Mapped[Offer] = relationship()
    prices: Mapped[list[ListingPrice]] = relationship(
        back_populates="listing", cascade="all, delete-orphan"
    )


class ListingPrice(TenantOwned, Model):
    """A reseller's own retail price for one plan, in the storefront's currency."""

    __tablename__ = "listing_prices"
    __table_args__ = (
        UniqueConstraint("listing_id", "plan_id"),
        CheckConstraint("retail_minor > 0", name="retail_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    listing_id: Mapped[int] = mapped_column(
        ForeignKey("listings.id", ondelete="CASCADE"), index=True
    )
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    currency: Mapped[str] = mapped_column(String(3))
    retail_minor: Mapped[int]

    listing: Mapped[Listing] = relationship(back_populates="prices")


class RevisionStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"  # replaced by a newer proposal before anyone decided


class OfferRevision(Model):
    """A new version of a live offer's prices, proposed by its ISV. Storefronts keep selling
    the approved prices until the platform approves it; then its prices become the plans'."""

    __tablename__ = "offer_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("offers.id", ondelete="CASCADE"), index=True)
    status: Mapped[RevisionStatus] = mapped_column(
        enum_column(RevisionStatus, "revision_status"), default=RevisionStatus.PENDING, index=True
    )
    proposed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    proposed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    rejection_reason: Mapped[str] = mapped_column(Text, default="")

    offer: Mapped[Offer] = relationship()
    prices: Mapped[list[OfferRevisionPrice]] = relationship(
        back_populates="revision", cascade="all, delete-orphan", order_by="OfferRevisionPrice.id"
    )


class OfferRevisionPrice(Model):
    """One proposed plan price of a revision (checked against the margin rule when proposed)."""

    __tablename__ = "offer_revision_prices"
    __table_args__ = (
        UniqueConstraint("revision_id", "plan_id", "currency"),
        CheckConstraint("wholesale_minor >= 0", name="wholesale_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    revision_id: Mapped[int] = mapped_column(
        ForeignKey("offer_revisions.id", ondelete="CASCADE"), index=True
    )
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    currency: Mapped[str] = mapped_column(String(3))
    wholesale_minor: Mapped[int]
    recommended_retail_minor: Mapped[int]

    revision: Mapped[OfferRevision] = relationship(back_populates="prices")
    plan: Mapped[Plan] = relationship()
