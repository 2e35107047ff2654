"""Password hashing with argon2id (OWASP parameters), re-hashed when the parameters change,
and the password policy: 12 to 128 characters, not a common password, no composition rules
(NIST SP 800-63B, OWASP ASVS 5.0 V6)."""

from __future__ import annotations

import gzip
from functools import lru_cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_babel import lazy_gettext

from storefront.errors import DomainError

MIN_LENGTH = 12
MAX_LENGTH = 128
# The 20,000 most common passwords (Royce Williams' list, as shipped by Django, BSD licence).
COMMON_PASSWORDS = Path(__file__).with_name("common-passwords.txt.gz")

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


class WeakPassword(DomainError):
    """The password breaks the policy; the message says how, fit to show next to the field."""


@lru_cache(maxsize=1)
def _common_passwords() -> frozenset[str]:
    with gzip.open(COMMON_PASSWORDS, "rt", encoding="utf-8") as handle:
        return frozenset(line.strip().casefold() for line in handle if line.strip())


def check_password_policy(password: str, *, email: str = "") -> None:
    """Refuse a password that is too short, too long, common, or the account's own e-mail."""
    if len(password) < MIN_LENGTH:
        raise WeakPassword(lazy_gettext("Use at least %(num)d characters.", num=MIN_LENGTH))
    if len(password) > MAX_LENGTH:
        raise WeakPassword(lazy_gettext("Use at most %(num)d characters.", num=MAX_LENGTH))
    folded = password.casefold()
    if folded in _common_passwords():
        raise WeakPassword(lazy_gettext("This password is too common. Please choose another."))
    if email and folded in {email.casefold(), email.split("@")[0].casefold()}:
        raise WeakPassword(lazy_gettext("The password must not be your e-mail address."))
