"""Password hashing with argon2id (OWASP parameters), re-hashed when the parameters change."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

# OWASP Password Storage Cheat Sheet: argon2id, m=19 MiB, t=2, p=1 is the minimum;
# argon2-cffi's RFC 9106 low-memory profile (m=64 MiB, t=3, p=4) is stronger.
_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def burn_verification_time(password: str) -> None:
    """Spend the time a real check takes, so unknown e-mails cannot be told apart by timing."""
    verify_password(_DUMMY_HASH, password)


_DUMMY_HASH = _hasher.hash("not a real password, only for timing")
