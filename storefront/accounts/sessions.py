"""Server-side session records behind the signed cookie: a fresh id at every sign-in, revoked
at sign-out, expired after inactivity and at an absolute lifetime (OWASP ASVS V7)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import and_, select, update

from storefront.accounts.models import User, UserSession
from storefront.extensions import db
from storefront.timeutil import utcnow

# Refresh last_seen_at at most this often, so most requests write nothing.
TOUCH_INTERVAL = timedelta(seconds=60)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(user: User, *, client_address: str = "") -> str:
    """Record a new session for the user; returns the id to keep in the cookie."""
    token = secrets.token_urlsafe(32)
    db.session.add(
        UserSession(user_id=user.id, token_hash=_hash(token), client_address=client_address[:45])
    )
    return token


def user_and_session(user_id: int, token: str | None) -> tuple[User | None, UserSession | None]:
    """The user and the cookie's session record when it is theirs (None where there is
    none), read in one statement: what a signed-in request needs before anything else."""
    if not token:
        return db.session.get(User, user_id), None
    found = db.session.execute(
        select(User, UserSession)
        .outerjoin(
            UserSession,
            and_(UserSession.user_id == User.id, UserSession.token_hash == _hash(token)),
        )
        .where(User.id == user_id)
    ).first()
    return (found[0], found[1]) if found is not None else (None, None)


def record_is_current(
    record: UserSession | None, *, idle: timedelta, lifetime: timedelta
) -> bool:
    """True when the cookie's session record (None: it is not the user's) is not revoked and
    neither idle nor too old; refreshes its last_seen_at now and then."""
    if record is None or record.revoked_at is not None:
        return False
    now = utcnow()
    if now - _aware(record.created_at) > lifetime or now - _aware(record.last_seen_at) > idle:
        return False
    if now - _aware(record.last_seen_at) > TOUCH_INTERVAL:
        record.last_seen_at = now
        db.session.commit()  # the request's own work has not started yet: nothing else to lose
    return True


def close_session(token: str | None) -> None:
    """Revoke one session (sign-out): the cookie is worthless from now on, even if copied."""
    if token:
        db.session.execute(
            update(UserSession)
            .where(UserSession.token_hash == _hash(token), UserSession.revoked_at.is_(None))
            .values(revoked_at=utcnow())
        )


def close_all_sessions(user_id: int) -> None:
    """Revoke every session of a user (after a password reset)."""
    db.session.execute(
        update(UserSession)
        .where(UserSession.user_id == user_id, UserSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


def _aware(moment: datetime) -> datetime:
    """SQLite returns naive datetimes for timezone-aware columns: they are UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
