"""Creating accounts and checking credentials."""

from __future__ import annotations

from sqlalchemy import select

from storefront.accounts.models import Role, User
from storefront.accounts.passwords import (
    burn_verification_time,
    check_password_policy,
    hash_password,
    needs_rehash,
    verify_password,
)
from storefront.errors import DomainError
from storefront.extensions import db
from storefront.timeutil import utcnow


class AccountExists(DomainError):
    pass


def normalise_email(email: str) -> str:
    return email.strip().lower()


def create_user(
    email: str,
    password: str,
    role: Role,
    *,
    name: str = "",
    storefront_id: int | None = None,
    operator_id: int | None = None,
    isv_id: int | None = None,
) -> User:
    """Create an account; storefront roles need a storefront, the others must not have one."""
    if role.belongs_to_storefront != (storefront_id is not None):
        need = "needs" if role.belongs_to_storefront else "cannot have"
        raise DomainError(f"A {role.value} account {need} a storefront.")
    if role == Role.OPERATOR_ADMIN and operator_id is None:
        raise DomainError("An operator admin account needs an operator.")
    if role == Role.ISV_MEMBER and isv_id is None:
        raise DomainError("An ISV member account needs an ISV.")
    email = normalise_email(email)
    check_password_policy(password, email=email)
    if _find(email, storefront_id) is not None:
        raise AccountExists("An account with this e-mail already exists.")
    user = User(
        email=email,
        name=name,
        password_hash=hash_password(password),
        role=role,
        storefront_id=storefront_id,
        operator_id=operator_id,
        isv_id=isv_id,
    )
    db.session.add(user)
    db.session.flush()
    return user


def authenticate(email: str, password: str, storefront_id: int | None) -> User | None:
    """The enabled account with these credentials in this realm (a storefront, or the
    marketplace's staff when `storefront_id` is None), else None."""
    user = _find(normalise_email(email), storefront_id)
    if user is None:
        burn_verification_time(password)
        return None
    if not verify_password(user.password_hash, password) or not user.is_enabled:
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    return user


def _find(email: str, storefront_id: int | None) -> User | None:
    realm = (
        User.storefront_id.is_(None)
        if storefront_id is None
        else User.storefront_id == storefront_id
    )
    return db.session.scalar(select(User).where(User.email == email, realm))
