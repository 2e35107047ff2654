"""Security headers on every kind of response, with a fresh CSP nonce each time."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from storefront.extensions import db
from tests import factories

pytestmark = pytest.mark.usefixtures("app_context")


def assert_hardened(response) -> str:  # type: ignore[no-untyped-def]
    headers = response.headers
    policy = headers["Content-Security-Policy"]
    for directive in ("object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"):
        assert directive in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "Strict-Transport-Security" not in headers  # plain HTTP here
    return str(policy)


def test_storefront_console_json_and_error_responses_are_hardened(
    app: Flask, client: FlaskClient
) -> None:
    factories.storefront(slug="shop")
    db.session.commit()
    store = client.get("/", headers={"Host": "shop.localhost"})
    policy = assert_hardened(store)
    nonce = re.search(r"'nonce-([^']+)'", policy)
    assert nonce and f'nonce="{nonce.group(1)}"' in store.text  # the brand colours block
    assert app.config["STRIPE_JS_URL"].split("/js.stripe.com")[0] in policy
    assert_hardened(client.get("/operator/login", headers={"Host": "localhost"}))
    assert_hardened(client.post("/stripe/webhook", data=b"{}", headers={"Host": "localhost"}))
    assert_hardened(client.get("/nope", headers={"Host": "unknown.localhost"}))


def test_each_response_gets_its_own_nonce(client: FlaskClient) -> None:
    factories.storefront(slug="shop")
    db.session.commit()
    first = client.get("/", headers={"Host": "shop.localhost"}).headers["Content-Security-Policy"]
    second = client.get("/", headers={"Host": "shop.localhost"}).headers["Content-Security-Policy"]
    assert first != second


def test_hsts_over_https(client: FlaskClient) -> None:
    response = client.get(
        "/operator/login", headers={"Host": "localhost"}, base_url="https://localhost"
    )
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_forwarded_headers_count_only_behind_a_configured_proxy(
    app: Flask, database_url: str
) -> None:
    from storefront import create_app

    forwarded = {"Host": "localhost", "X-Forwarded-Proto": "https", "X-Forwarded-Host": "evil.test"}
    direct = app.test_client().get("/operator/login", headers=forwarded)
    assert direct.status_code == 200 and "Strict-Transport-Security" not in direct.headers

    behind_proxy = create_app(
        {"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": database_url, "PROXY_COUNT": 1}
    )
    try:
        proxied = behind_proxy.test_client().get(
            "/operator/login", headers={**forwarded, "X-Forwarded-Host": "localhost"}
        )
    finally:
        with behind_proxy.app_context():
            db.engine.dispose()
    assert proxied.headers["Strict-Transport-Security"].startswith("max-age=")
