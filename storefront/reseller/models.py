"""Models of the reseller package (imported by storefront.models so Alembic sees them)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from storefront.extensions import Model
from storefront.tenants.scope import TenantOwned
from storefront.timeutil import utcnow


class ResellerInvitation(TenantOwned, Model):
    """An invitation to become a reseller admin of one storefront. Only the token's SHA-256
    is stored; the link in the e-mail carries the token itself. Single use, expiring."""

    __tablename__ = "reseller_invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    accepted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
