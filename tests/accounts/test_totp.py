"""TOTP codes as authenticator apps compute them (RFC 6238 test vectors), used once each."""

from __future__ import annotations

import base64

import pytest

from storefront.accounts.mfa import WrongCode, confirm_enrolment, verify_second_factor
from storefront.accounts.models import Role
from storefront.accounts.totp import code_at, current_step, matching_step
from storefront.extensions import db
from tests import factories

RFC_SECRET = base64.b32encode(b"12345678901234567890").decode()


@pytest.mark.parametrize(
    ("unix_time", "expected"),
    [(59, "287082"), (1111111109, "081804"), (1234567890, "005924"), (2000000000, "279037")],
)
def test_rfc_6238_vectors(unix_time: int, expected: str) -> None:
    assert code_at(RFC_SECRET, unix_time // 30) == expected
    assert matching_step(RFC_SECRET, expected, now=unix_time) == unix_time // 30


@pytest.mark.usefixtures("app_context")
def test_a_code_is_accepted_once_and_recovery_codes_once_each() -> None:
    user = factories.user(Role.ISV_MEMBER, isv_id=factories.isv().id)
    secret = RFC_SECRET
    codes = confirm_enrolment(user, secret, code_at(secret, current_step()))
    db.session.commit()
    with pytest.raises(WrongCode):  # the same code again: replay
        verify_second_factor(user, code_at(secret, current_step()))
    verify_second_factor(user, code_at(secret, current_step() + 1))
    verify_second_factor(user, codes[0])
    with pytest.raises(WrongCode):
        verify_second_factor(user, codes[0])
    with pytest.raises(WrongCode):
        verify_second_factor(user, "123456")
