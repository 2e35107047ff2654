"""Security checks across surfaces: staff password reset, open redirects, and headers on the
checkout page and the dashboards."""

from __future__ import annotations

import email
import re
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from storefront.accounts.models import Role
from storefront.extensions import db
from tests import factories
from tests.factories import PASSWORD
from tests.signin import MARKETPLACE, csrf_token, sign_in

pytestmark = pytest.mark.usefixtures("app_context")


def last_mail(app: Flask) -> email.message.Message:
    latest = sorted((Path(app.instance_path) / "outbox").glob("*.eml"))[-1]
    return email.message_from_bytes(latest.read_bytes())


def test_console_account_resets_its_password_with_a_link_on_the_marketplace_domain(
    app: Flask, client: FlaskClient
) -> None:
    factories.user(Role.OPERATOR_ADMIN, email="ops@op.test", operator_id=factories.operator().id)
    db.session.commit()
    headers = {"Host": "localhost:8443", "X-Forwarded-Host": "evil.example"}
    token = csrf_token(client, "/security/password-reset", headers)
    client.post(
        "/security/password-reset",
        data={"email": "ops@op.test", "csrf_token": token},
        headers=headers,
    )
    body = last_mail(app).get_payload(decode=True).decode()  # type: ignore[union-attr]
    link = re.search(r"http://localhost(/security/password-reset/\S+)", body)
    assert link and "evil" not in body and "8443" not in body
    path = link.group(1)
    new = "an entirely new passphrase"
    data = {"password": new, "confirm_password": new, "csrf_token": csrf_token(client, path)}
    assert client.post(path, data=data, headers=MARKETPLACE).status_code == 302
    assert client.post(path, data=data, headers=MARKETPLACE).status_code == 400  # used
    assert sign_in(client, "ops@op.test", password=PASSWORD).status_code == 400
    assert sign_in(client, "ops@op.test", password=new).status_code == 302


@pytest.mark.parametrize(
    "target", ["//evil.example/x", "https://evil.example/x", "/\\evil.example", "javascript:x"]
)
def test_next_never_leaves_the_site(client: FlaskClient, target: str) -> None:
    factories.user(Role.OPERATOR_ADMIN, email="ops@op.test", operator_id=factories.operator().id)
    db.session.commit()
    token = csrf_token(client, "/operator/login")
    response = client.post(
        "/operator/login",
        query_string={"next": target},
        data={"email": "ops@op.test", "password": PASSWORD, "csrf_token": token},
        headers=MARKETPLACE,
    )
    assert response.status_code == 302
    assert response.headers["Location"] in ("/operator/", "http://localhost/operator/")


def _hardened(response) -> None:  # type: ignore[no-untyped-def]
    policy = response.headers["Content-Security-Policy"]
    assert "'unsafe-inline'" not in policy and "frame-ancestors" in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_dashboards_and_console_pages_are_hardened(client: FlaskClient) -> None:
    store = factories.storefront(slug="dash")
    factories.user(Role.RESELLER_ADMIN, email="owner@dash.test", storefront_id=store.id)
    factories.user(Role.PLATFORM_ADMIN, email="admin@platform.test")
    db.session.commit()
    sign_in(client, "admin@platform.test")
    for path in ("/operator/", "/operator/orders", "/operator/audit"):
        _hardened(client.get(path, headers=MARKETPLACE))
    reseller = {"Host": "dash.localhost"}
    token = csrf_token(client, "/reseller/login", reseller)
    client.post(
        "/reseller/login",
        data={"email": "owner@dash.test", "password": PASSWORD, "csrf_token": token},
        headers=reseller,
    )
    dashboard = client.get("/reseller/", headers=reseller)
    assert dashboard.status_code == 200
    _hardened(dashboard)


def test_nul_bytes_are_refused_before_any_query(client: FlaskClient) -> None:
    """PostgreSQL cannot store NUL in text: such input is a 400, never a 500."""
    factories.storefront(slug="nul")
    db.session.commit()
    host = {"Host": "nul.localhost"}
    token = csrf_token(client, "/account/login", host)
    form = client.post(
        "/account/login",
        data={"email": "a\x00b", "password": "x" * 12, "csrf_token": token},
        headers=host,
    )
    assert form.status_code == 400
    assert client.get("/offers/bad%00slug", headers=host).status_code == 400
    assert client.get("/?q=%00", headers=host).status_code == 400
    assert client.get("/?q=a&lang=en%00x", headers=host).status_code == 400
    assert client.get("/?q=%2500", headers=host).status_code == 200  # "%00" as text is fine
    api = client.post("/stripe/webhook", json={"id": "evt\x00"}, headers=MARKETPLACE)
    assert api.status_code == 400
