"""Two-factor sign-in for operator, reseller and ISV accounts (required for platform admins):
turning it on with a confirmed code, checking codes once each, and recovery codes."""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import select, update

from storefront.accounts.models import RecoveryCode, Role, User
from storefront.accounts.totp import matching_step, new_secret
from storefront.errors import DomainError
from storefront.extensions import db
from storefront.timeutil import utcnow

RECOVERY_CODES = 10
MFA_ROLES = (Role.PLATFORM_ADMIN, Role.OPERATOR_ADMIN, Role.RESELLER_ADMIN, Role.ISV_MEMBER)


class WrongCode(DomainError):
    pass


def mfa_available(user: User) -> bool:
    return user.role in MFA_ROLES


def mfa_required(user: User) -> bool:
    """Platform admins may not work without a second factor."""
    return user.role == Role.PLATFORM_ADMIN and user.mfa_enabled_at is None


def start_enrolment() -> str:
    """A new secret for the user to add to an authenticator (kept in the session until a code
    confirms it: the account changes only then)."""
    return new_secret()


def confirm_enrolment(user: User, secret: str, code: str) -> list[str]:
    """Turn two-factor sign-in on with a code from the new authenticator; returns fresh
    recovery codes (shown once; only their hashes are kept)."""
    if matching_step(secret, code) is None:
        raise WrongCode("That code is not right.")
    user.totp_secret = secret
    user.totp_last_step = None
    _accept_code(user, code)
    user.mfa_enabled_at = utcnow()
    db.session.execute(
        update(RecoveryCode).where(RecoveryCode.user_id == user.id).values(used_at=utcnow())
    )
    codes = [secrets.token_hex(5) for _ in range(RECOVERY_CODES)]
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=_hash(c)) for c in codes)
    return codes


def verify_second_factor(user: User, code: str) -> None:
    """Accept a current authenticator code (each only once) or an unused recovery code."""
    if user.totp_secret is None or user.mfa_enabled_at is None:
        raise WrongCode("Two-factor sign-in is not set up for this account.")
    compact = "".join(code.split()).lower()
    if len(compact) == 10:  # a recovery code
        row = db.session.scalar(
            select(RecoveryCode)
            .where(RecoveryCode.user_id == user.id, RecoveryCode.code_hash == _hash(compact))
            .with_for_update()
        )
        if row is None or row.used_at is not None:
            raise WrongCode("That code is not right.")
        row.used_at = utcnow()
        return
    _accept_code(user, compact)


def _accept_code(user: User, code: str) -> None:
    step = matching_step(user.totp_secret or "", code)
    if step is None or (user.totp_last_step is not None and step <= user.totp_last_step):
        raise WrongCode("That code is not right.")
    user.totp_last_step = step


def _hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()
