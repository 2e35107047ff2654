"""API tokens (only their hash is stored) and the stored responses of idempotent POSTs."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storefront.dbtypes import enum_column
from storefront.extensions import Model
from storefront.timeutil import utcnow


class PrincipalKind(StrEnum):
    """Whom a token acts for: it sees exactly what that principal sees in its own UI."""

    STOREFRONT = "storefront"
    ISV = "isv"
    OPERATOR = "operator"
    PLATFORM = "platform"


class TokenScope(StrEnum):
    READ = "read"
    READ_WRITE = "read_write"


class ApiToken(Model):
    """A named bearer token of one principal; shown once at creation, then only its sha256."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    principal: Mapped[PrincipalKind] = mapped_column(enum_column(PrincipalKind, "api_principal"))
    # The principal's row (storefronts.id, isvs.id or operators.id); None for the platform.
    principal_id: Mapped[int | None]
    scope: Mapped[TokenScope] = mapped_column(enum_column(TokenScope, "api_token_scope"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class IdempotentResponse(Model):
    """The response to a POST sent with an `Idempotency-Key`, replayed for the same key and
    body, refused (409) for the same key with another body."""

    __tablename__ = "api_idempotent_responses"
    __table_args__ = (UniqueConstraint("token_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    token_id: Mapped[int] = mapped_column(ForeignKey("api_tokens.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(200))
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int]
    body: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
