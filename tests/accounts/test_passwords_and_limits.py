"""Password policy and sign-in rate limits that never lock the real user out."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from storefront.accounts.models import Role
from storefront.accounts.passwords import WeakPassword, check_password_policy
from storefront.extensions import db, limiter
from tests import factories
from tests.factories import PASSWORD


@pytest.mark.parametrize(
    "password",
    ["short", "x" * 11, "y" * 129, "q1w2e3r4t5y6", "1QAZ2WSX3EDC", "buyer@example.com"],
)
def test_weak_passwords_are_refused(password: str) -> None:
    with pytest.raises(WeakPassword):
        check_password_policy(password, email="buyer@example.com")


@pytest.mark.parametrize("password", ["x" * 12 + "!", "z" * 128, "correct horse battery staple"])
def test_long_uncommon_passwords_need_no_composition_rules(password: str) -> None:
    check_password_policy(password, email="buyer@example.com")


@pytest.fixture
def limited(app: Flask) -> Iterator[None]:
    saved = {key: app.config[key] for key in ("RATELIMIT_LOGIN", "RATELIMIT_LOGIN_ACCOUNT")}
    app.config.update(RATELIMIT_LOGIN="20 per minute", RATELIMIT_LOGIN_ACCOUNT="3 per minute")
    limiter.reset()
    yield
    app.config.update(saved)
    limiter.reset()


def _token(client: FlaskClient, host: str) -> str:
    html = client.get("/account/login", headers={"Host": host}).text
    match = re.search(r'name="csrf_token"[^>]*?value="([^"]+)"', html)
    assert match
    return match.group(1)


def _attempt(client: FlaskClient, password: str, token: str) -> int:
    response = client.post(
        "/account/login",
        data={"email": "buyer@example.com", "password": password, "csrf_token": token},
        headers={"Host": "shop.localhost"},
    )
    if response.status_code == 429:
        assert int(response.headers["Retry-After"]) > 0
        assert "Too many attempts" in response.text
    return response.status_code


@pytest.mark.usefixtures("app_context", "limited")
def test_brute_force_gets_429_but_the_real_user_signs_in_from_elsewhere(app: Flask) -> None:
    store = factories.storefront(slug="shop")
    factories.user(Role.BUYER, email="buyer@example.com", storefront_id=store.id)
    db.session.commit()
    attacker = app.test_client()
    attacker.environ_base["REMOTE_ADDR"] = "203.0.113.9"
    token = _token(attacker, "shop.localhost")
    statuses = [_attempt(attacker, f"guess number {n:04d}", token) for n in range(5)]
    assert statuses[:3] == [400, 400, 400] and statuses[3:] == [429, 429]  # wrong, then blocked
    assert _attempt(attacker, PASSWORD, token) == 429  # even the right password, from there

    owner = app.test_client()
    owner.environ_base["REMOTE_ADDR"] = "198.51.100.7"
    assert _attempt(owner, PASSWORD, _token(owner, "shop.localhost")) == 302
