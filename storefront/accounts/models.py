"""People who sign in, with one role each."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from flask_login import UserMixin
from sqlalchemy import DateTime, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from storefront.dbtypes import enum_column
from storefront.extensions import Model
from storefront.timeutil import utcnow


class Role(StrEnum):
    PLATFORM_ADMIN = "platform_admin"
    OPERATOR_ADMIN = "operator_admin"
    RESELLER_ADMIN = "reseller_admin"
    ISV_MEMBER = "isv_member"
    BUYER = "buyer"

    @property
    def belongs_to_storefront(self) -> bool:
        """Reseller admins and buyers sign in on their storefront's host, everyone else on
        the marketplace domain."""
        return self in (Role.RESELLER_ADMIN, Role.BUYER)


class User(UserMixin, Model):
    """An account. Storefront accounts (buyers, reseller admins) are per storefront: the same
    e-mail on another storefront is another account."""

    __tablename__ = "users"
    __table_args__ = (
        Index(
            "uq_users_storefront_email",
            "storefront_id",
            "email",
            unique=True,
            postgresql_where=text("storefront_id IS NOT NULL"),
            sqlite_where=text("storefront_id IS NOT NULL"),
        ),
        Index(
            "uq_users_staff_email",
            "email",
            unique=True,
            postgresql_where=text("storefront_id IS NULL"),
            sqlite_where=text("storefront_id IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    name: Mapped[str] = mapped_column(String(120), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(enum_column(Role, "user_role"))
    storefront_id: Mapped[int | None] = mapped_column(
        ForeignKey("storefronts.id", ondelete="CASCADE"), index=True
    )
    operator_id: Mapped[int | None] = mapped_column(
        ForeignKey("operators.id", ondelete="CASCADE"), index=True
    )
    isv_id: Mapped[int | None] = mapped_column(
        ForeignKey("isvs.id", ondelete="CASCADE"), index=True
    )
    is_enabled: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Two-factor sign-in (TOTP, RFC 6238): the shared secret, when it was turned on, and the
    # last time step accepted (a code is never accepted twice).
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    mfa_enabled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    totp_last_step: Mapped[int | None]

    @property
    def is_active(self) -> bool:  # Flask-Login: disabled accounts cannot sign in
        return self.is_enabled


class UserSession(Model):
    """A signed-in session, known to the server: logout revokes it, and it ends after a
    period of inactivity or at its absolute lifetime, whatever the cookie says."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 of the cookie's id
    client_address: Mapped[str] = mapped_column(String(45), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class PasswordReset(Model):
    """A single-use, expiring password reset link (only its hash is stored)."""

    __tablename__ = "password_resets"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class RecoveryCode(Model):
    """A single-use code that signs in when the authenticator is lost (only its hash)."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
