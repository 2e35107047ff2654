"""Accounts belong to a realm: one storefront, or the marketplace's staff."""

from __future__ import annotations

import pytest

from storefront.accounts.models import Role
from storefront.accounts.services import AccountExists, authenticate, create_user
from storefront.errors import DomainError
from tests import factories
from tests.factories import PASSWORD

pytestmark = pytest.mark.usefixtures("app_context")


def test_same_email_on_two_storefronts_is_two_accounts() -> None:
    first, second = factories.storefront(), factories.storefront()
    a = create_user("buyer@example.com", PASSWORD, Role.BUYER, storefront_id=first.id)
    b = create_user(
        "buyer@example.com", "another password 123", Role.BUYER, storefront_id=second.id
    )
    assert a.id != b.id
    assert authenticate("buyer@example.com", PASSWORD, first.id) == a
    assert authenticate("buyer@example.com", PASSWORD, second.id) is None
    assert authenticate("buyer@example.com", PASSWORD, None) is None


def test_same_email_twice_in_one_realm_is_refused() -> None:
    store = factories.storefront()
    create_user("buyer@example.com", PASSWORD, Role.BUYER, storefront_id=store.id)
    with pytest.raises(AccountExists):
        create_user("BUYER@example.com", PASSWORD, Role.BUYER, storefront_id=store.id)
    create_user("staff@example.com", PASSWORD, Role.PLATFORM_ADMIN)
    with pytest.raises(AccountExists):
        create_user("staff@example.com", PASSWORD, Role.PLATFORM_ADMIN)


def test_roles_need_their_realm() -> None:
    store = factories.storefront()
    with pytest.raises(DomainError):
        create_user("b@example.com", PASSWORD, Role.BUYER)
    with pytest.raises(DomainError):
        create_user("a@example.com", PASSWORD, Role.PLATFORM_ADMIN, storefront_id=store.id)
    with pytest.raises(DomainError):
        create_user("o@example.com", PASSWORD, Role.OPERATOR_ADMIN)
    with pytest.raises(DomainError):
        create_user("i@example.com", PASSWORD, Role.ISV_MEMBER)


def test_disabled_accounts_cannot_sign_in() -> None:
    user = create_user("staff@example.com", PASSWORD, Role.PLATFORM_ADMIN)
    user.is_enabled = False
    assert authenticate("staff@example.com", PASSWORD, None) is None
