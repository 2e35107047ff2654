"""Password reset by a single-use link that expires. The link is built by the caller from the
storefront's own stored host (or the marketplace domain), never from the request's Host."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, timedelta

from sqlalchemy import select

from storefront.accounts.models import PasswordReset, User
from storefront.accounts.passwords import check_password_policy, hash_password
from storefront.accounts.services import normalise_email
from storefront.accounts.sessions import close_all_sessions
from storefront.errors import DomainError
from storefront.extensions import db
from storefront.timeutil import utcnow


class InvalidResetLink(DomainError):
    """Unknown, used or expired."""


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_reset(
    email: str, storefront_id: int | None, valid_for: timedelta
) -> tuple[User, str] | None:
    """A reset token for the account with this e-mail in this realm, or None when there is
    none (the caller says the same thing either way, so accounts cannot be discovered)."""
    realm = (
        User.storefront_id.is_(None)
        if storefront_id is None
        else User.storefront_id == storefront_id
    )
    user = db.session.scalar(select(User).where(User.email == normalise_email(email), realm))
    if user is None or not user.is_enabled:
        return None
    token = secrets.token_urlsafe(32)
    db.session.add(
        PasswordReset(user_id=user.id, token_hash=_hash(token), expires_at=utcnow() + valid_for)
    )
    return user, token


def reset_password(token: str, new_password: str, storefront_id: int | None) -> User:
    """Set a new password with a valid link, once; every session of the account ends."""
    reset = db.session.scalar(
        select(PasswordReset).where(PasswordReset.token_hash == _hash(token)).with_for_update()
    )
    user = db.session.get(User, reset.user_id) if reset is not None else None
    if reset is None or user is None or user.storefront_id != storefront_id:
        raise InvalidResetLink("This link is not valid. Please ask for a new one.")
    expires_at = (
        reset.expires_at if reset.expires_at.tzinfo else reset.expires_at.replace(tzinfo=UTC)
    )
    if reset.used_at is not None or expires_at < utcnow():
        raise InvalidResetLink(
            "This link has expired or was already used. Please ask for a new one."
        )
    check_password_policy(new_password, email=user.email)
    user.password_hash = hash_password(new_password)
    reset.used_at = utcnow()
    close_all_sessions(user.id)
    return user
