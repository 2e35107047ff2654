"""Invitations: e-mailed links on the store's host, hashed, expiring, single use."""

from __future__ import annotations

import re
from datetime import timedelta
from email import message_from_bytes
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from storefront.accounts.models import Role, User
from storefront.extensions import db
from storefront.reseller.models import ResellerInvitation
from storefront.reseller.team import hash_token
from storefront.tenants.scope import all_tenants
from storefront.timeutil import utcnow
from tests.reseller.dashboard import Tenant, host, token_of

NEW_PASSWORD = "a long new password 42"


def invitation_link(app: Flask, email: str) -> str:
    outbox = Path(app.instance_path) / "outbox"
    for path in sorted(outbox.glob("*.eml"), key=lambda p: p.stat().st_mtime, reverse=True):
        message = message_from_bytes(path.read_bytes())
        if message["To"] == email:
            body = message.get_payload(decode=True)
            assert isinstance(body, bytes)
            match = re.search(r"http://\S+/reseller/invitations/\S+", body.decode())
            assert match
            return match.group(0)
    raise AssertionError(f"no mail to {email}")


def test_an_invited_admin_joins_and_is_signed_in(
    app: Flask, client: FlaskClient, tenant_a: Tenant, signed_in_a: str
) -> None:
    response = client.post(
        "/reseller/team",
        data={"email": "new@alpha.test", "csrf_token": signed_in_a},
        headers=host(tenant_a.store),
    )
    assert response.status_code == 302
    link = invitation_link(app, "new@alpha.test")
    assert link.startswith("http://alpha.localhost/reseller/invitations/")
    token = link.rsplit("/", 1)[1]
    with all_tenants():
        stored = db.session.scalar(select(ResellerInvitation))
    assert (
        stored is not None
        and stored.token_hash == hash_token(token)
        and token not in stored.token_hash
    )

    client.post("/reseller/logout", data={"csrf_token": signed_in_a}, headers=host(tenant_a.store))
    path = f"/reseller/invitations/{token}"
    form = token_of(client.get(path, headers=host(tenant_a.store)).text)
    short = client.post(
        path,
        data={"name": "New", "password": "short", "confirm_password": "short", "csrf_token": form},
        headers=host(tenant_a.store),
    )
    assert short.status_code == 400
    joined = client.post(
        path,
        data={
            "name": "New",
            "password": NEW_PASSWORD,
            "confirm_password": NEW_PASSWORD,
            "csrf_token": form,
        },
        headers=host(tenant_a.store),
    )
    assert joined.status_code == 302
    assert client.get("/reseller/", headers=host(tenant_a.store)).status_code == 200
    db.session.expire_all()
    user = db.session.scalar(select(User).where(User.email == "new@alpha.test"))
    assert user is not None and user.role == Role.RESELLER_ADMIN
    assert user.storefront_id == tenant_a.store.id
    again = client.get(path, headers=host(tenant_a.store))  # single use
    assert again.status_code == 404 and 'data-testid="invitation-invalid"' in again.text


def test_expired_and_other_stores_invitations_are_not_valid(
    app: Flask, client: FlaskClient, tenant_a: Tenant, tenant_b: Tenant
) -> None:
    expired = ResellerInvitation(
        storefront_id=tenant_a.store.id,
        email="late@alpha.test",
        token_hash=hash_token("expired-token"),
        expires_at=utcnow() - timedelta(minutes=1),
    )
    valid = ResellerInvitation(
        storefront_id=tenant_a.store.id,
        email="on-time@alpha.test",
        token_hash=hash_token("valid-token"),
        expires_at=utcnow() + timedelta(hours=1),
    )
    db.session.add_all([expired, valid])
    db.session.commit()
    assert (
        client.get("/reseller/invitations/expired-token", headers=host(tenant_a.store)).status_code
        == 404
    )
    assert (
        client.get("/reseller/invitations/valid-token", headers=host(tenant_b.store)).status_code
        == 404
    )
    assert (
        client.get("/reseller/invitations/valid-token", headers=host(tenant_a.store)).status_code
        == 200
    )


def test_an_address_with_an_account_here_is_not_invited(
    client: FlaskClient, tenant_a: Tenant, signed_in_a: str
) -> None:
    response = client.post(
        "/reseller/team",
        data={"email": tenant_a.admin.email, "csrf_token": signed_in_a},
        headers=host(tenant_a.store),
    )
    assert response.status_code == 400
    assert "already has an account" in response.text
