"""Operator console sign-in: roles, realms, CSRF, hashed passwords, scoped overview."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from storefront.accounts.models import Role, User
from storefront.extensions import db
from tests import factories
from tests.factories import PASSWORD

pytestmark = pytest.mark.usefixtures("app_context")
CONSOLE = {"Host": "localhost"}


def csrf_token(client: FlaskClient, path: str = "/operator/login", host: str = "localhost") -> str:
    html = client.get(path, headers={"Host": host}).text
    match = re.search(r'name="csrf_token"[^>]*?value="([^"]+)"', html)
    assert match, html
    return match.group(1)


def sign_in(client: FlaskClient, email: str, password: str = PASSWORD):  # type: ignore[no-untyped-def]
    """Sign in to the console; with two-factor sign-in on, answer the code step too."""
    response = client.post(
        "/operator/login",
        data={"email": email, "password": password, "csrf_token": csrf_token(client)},
        headers=CONSOLE,
    )
    if response.status_code == 302 and response.headers["Location"].endswith("/security/verify"):
        token = csrf_token(client, "/security/verify")
        response = client.post(
            "/security/verify",
            data={"code": factories.totp_code(), "csrf_token": token},
            headers=CONSOLE,
        )
    return response


def test_platform_admin_signs_in_and_sees_every_storefront(client: FlaskClient) -> None:
    factories.user(Role.PLATFORM_ADMIN, email="admin@platform.test")
    factories.storefront(name="Acme Hosting")
    factories.storefront(name="Sakura Cloud", operator=factories.operator())
    db.session.commit()
    response = sign_in(client, "Admin@Platform.test")
    assert response.status_code == 302 and response.headers["Location"].endswith("/operator/")
    page = client.get("/operator/", headers=CONSOLE).text
    assert "Acme Hosting" in page and "Sakura Cloud" in page
    assert "Offers waiting for approval" in page


def test_operator_admin_sees_only_its_own_storefronts(client: FlaskClient) -> None:
    mine = factories.operator(name="CloudWave")
    factories.user(Role.OPERATOR_ADMIN, email="ops@cloudwave.test", operator_id=mine.id)
    factories.storefront(name="Hosted Here", operator=mine)
    factories.storefront(name="Someone Else", operator=factories.operator())
    factories.storefront(name="Direct Reseller")
    db.session.commit()
    assert sign_in(client, "ops@cloudwave.test").status_code == 302
    page = client.get("/operator/", headers=CONSOLE).text
    assert "Hosted Here" in page
    assert "Someone Else" not in page and "Direct Reseller" not in page
    assert "Offers waiting for approval" not in page


def test_wrong_password_shows_an_error_next_to_the_field(client: FlaskClient) -> None:
    factories.user(Role.PLATFORM_ADMIN, email="admin@platform.test")
    db.session.commit()
    response = sign_in(client, "admin@platform.test", "not the password")
    assert response.status_code == 400
    assert 'id="password-error"' in response.text
    assert client.get("/operator/", headers=CONSOLE).status_code == 302  # still signed out


def test_storefront_accounts_cannot_sign_in_to_the_console(client: FlaskClient) -> None:
    store = factories.storefront()
    factories.user(Role.BUYER, email="buyer@example.com", storefront_id=store.id)
    factories.user(Role.RESELLER_ADMIN, email="owner@example.com", storefront_id=store.id)
    factories.user(Role.ISV_MEMBER, email="dev@isv.test", isv_id=factories.isv().id)
    db.session.commit()
    for email in ("buyer@example.com", "owner@example.com", "dev@isv.test"):
        assert sign_in(client, email).status_code == 400


def test_login_without_csrf_token_is_refused(client: FlaskClient) -> None:
    factories.user(Role.PLATFORM_ADMIN, email="admin@platform.test")
    db.session.commit()
    response = client.post(
        "/operator/login",
        data={"email": "admin@platform.test", "password": PASSWORD},
        headers=CONSOLE,
    )
    assert response.status_code == 400
    assert client.get("/operator/", headers=CONSOLE).status_code == 302


def test_console_is_not_served_on_a_storefront_host(client: FlaskClient) -> None:
    factories.storefront(slug="acme")
    db.session.commit()
    assert client.get("/operator/login", headers={"Host": "acme.localhost"}).status_code == 404


def test_console_session_is_not_valid_on_a_storefront_host(app: Flask, client: FlaskClient) -> None:
    admin = factories.user(Role.PLATFORM_ADMIN, email="admin@platform.test")
    factories.storefront(slug="acme")
    db.session.commit()
    with app.test_request_context(headers={"Host": "acme.localhost"}):
        from flask import g, session

        from storefront.accounts import _load_user
        from storefront.accounts.sessions import open_session
        from storefront.tenants.resolve import resolve_host

        session["sid"] = open_session(admin)  # a valid server-side session of the admin
        db.session.commit()
        g.storefront = resolve_host("acme.localhost", "localhost").storefront
        assert _load_user(str(admin.id)) is None
        g.storefront = None
        assert _load_user(str(admin.id)) is not None


def test_sign_out_needs_a_post_with_csrf(client: FlaskClient) -> None:
    factories.user(Role.PLATFORM_ADMIN, email="admin@platform.test")
    db.session.commit()
    sign_in(client, "admin@platform.test")
    assert client.get("/operator/logout", headers=CONSOLE).status_code == 405
    token = csrf_token(client, "/operator/")
    assert (
        client.post("/operator/logout", data={"csrf_token": token}, headers=CONSOLE).status_code
        == 302
    )
    assert client.get("/operator/", headers=CONSOLE).status_code == 302


def test_next_parameter_cannot_redirect_off_site(client: FlaskClient) -> None:
    factories.user(
        Role.OPERATOR_ADMIN, email="admin@platform.test", operator_id=factories.operator().id
    )
    db.session.commit()
    response = client.post(
        "/operator/login?next=//evil.test/x",
        data={
            "email": "admin@platform.test",
            "password": PASSWORD,
            "csrf_token": csrf_token(client),
        },
        headers=CONSOLE,
    )
    assert response.headers["Location"].endswith("/operator/")


def test_passwords_are_stored_as_argon2id_hashes() -> None:
    user = factories.user(Role.PLATFORM_ADMIN, email="admin@platform.test")
    stored = db.session.scalar(select(User.password_hash).where(User.id == user.id))
    assert stored is not None and stored.startswith("$argon2id$")
    assert PASSWORD not in stored


def test_platform_admin_needs_the_second_factor(client: FlaskClient) -> None:
    factories.user(Role.PLATFORM_ADMIN, email="admin@platform.test")
    db.session.commit()
    response = client.post(
        "/operator/login",
        data={
            "email": "admin@platform.test",
            "password": PASSWORD,
            "csrf_token": csrf_token(client),
        },
        headers=CONSOLE,
    )
    assert response.headers["Location"].endswith("/security/verify")
    assert client.get("/operator/", headers=CONSOLE).status_code == 302  # not signed in yet
    token = csrf_token(client, "/security/verify")
    wrong = client.post(
        "/security/verify", data={"code": "000000", "csrf_token": token}, headers=CONSOLE
    )
    assert wrong.status_code == 400 and 'id="code-error"' in wrong.text
    code = factories.totp_code()
    right = client.post(
        "/security/verify", data={"code": code, "csrf_token": token}, headers=CONSOLE
    )
    assert right.status_code == 302 and right.headers["Location"].endswith("/operator/")
    assert client.get("/operator/", headers=CONSOLE).status_code == 200


def test_a_platform_admin_without_a_second_factor_must_set_one_up(client: FlaskClient) -> None:
    from storefront.accounts.totp import code_at, current_step

    admin = factories.user(Role.PLATFORM_ADMIN, email="admin@platform.test")
    admin.totp_secret, admin.mfa_enabled_at = None, None
    db.session.commit()
    sign_in(client, "admin@platform.test")
    gate = client.get("/operator/", headers=CONSOLE)
    assert gate.status_code == 302 and gate.headers["Location"].endswith("/security/two-factor")
    page = client.get("/security/two-factor", headers=CONSOLE).text
    secret = re.search(r'data-testid="mfa-secret">([A-Z2-7]+)<', page)
    assert secret
    token = csrf_token(client, "/security/two-factor")
    done = client.post(
        "/security/two-factor",
        data={"code": code_at(secret.group(1), current_step()), "csrf_token": token},
        headers=CONSOLE,
    )
    assert done.status_code == 200 and done.text.count("<code>") >= 10  # recovery codes
    assert client.get("/operator/", headers=CONSOLE).status_code == 200
