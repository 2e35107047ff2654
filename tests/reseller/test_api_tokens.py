"""The reseller dashboard's API tokens: created with a name and scope, the secret shown once
on the creating response, listed, revoked (401 at once); another store's tokens are 404."""

from __future__ import annotations

import hashlib

from flask.testing import FlaskClient
from sqlalchemy import select

from storefront.api.models import ApiToken, PrincipalKind, TokenScope
from storefront.api.tokens import issue_token
from storefront.audit.models import AuditEntry, Surface
from storefront.extensions import db
from storefront.tenants.scope import all_tenants
from tests.api.token_pages import bearer, secret_on
from tests.reseller.dashboard import Tenant, host

PAGE = "/reseller/api-tokens"


def test_a_token_is_shown_once_works_and_revoking_it_locks_it_out_at_once(
    client: FlaskClient, tenant_a: Tenant, signed_in_a: str
) -> None:
    listing = client.get(PAGE, headers=host(tenant_a.store))
    assert listing.status_code == 200 and "No API tokens yet." in listing.text
    assert 'href="/reseller/api-tokens"' in listing.text  # in the dashboard's navigation

    created = client.post(
        PAGE,
        data={"name": "Hosting panel", "scope": "read_write", "csrf_token": signed_in_a},
        headers=host(tenant_a.store),
    )
    assert created.status_code == 200
    assert created.headers["Cache-Control"] == "no-store"
    secret = secret_on(created)

    token = db.session.scalars(select(ApiToken)).one()
    assert (token.name, token.principal, token.principal_id, token.scope) == (
        "Hosting panel",
        PrincipalKind.STOREFRONT,
        tenant_a.store.id,
        TokenScope.READ_WRITE,
    )
    assert token.token_hash == hashlib.sha256(secret.encode()).hexdigest()

    store = client.get("/api/v1/storefront", headers=bearer(secret))
    assert store.status_code == 200 and store.get_json()["slug"] == tenant_a.store.slug

    again = client.get(PAGE, headers=host(tenant_a.store))
    assert secret not in again.text and "Hosting panel" in again.text
    assert "token-secret" not in again.text

    revoked = client.post(
        f"{PAGE}/{token.id}/revoke",
        data={"csrf_token": signed_in_a},
        headers=host(tenant_a.store),
    )
    assert revoked.status_code == 303
    assert client.get("/api/v1/storefront", headers=bearer(secret)).status_code == 401
    after = client.get(PAGE, headers=host(tenant_a.store)).text
    assert "Hosting panel" in after and f"{PAGE}/{token.id}/revoke" not in after

    with all_tenants():
        entries = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action.startswith("api_token."))
        ).all()
    assert sorted((e.action, e.surface, e.storefront_id) for e in entries) == [
        ("api_token.create", Surface.RESELLER, tenant_a.store.id),
        ("api_token.revoke", Surface.RESELLER, tenant_a.store.id),
    ]
    assert {e.actor_id for e in entries} == {tenant_a.admin.id}


def test_a_read_token_cannot_change_anything(
    client: FlaskClient, tenant_a: Tenant, signed_in_a: str
) -> None:
    created = client.post(
        PAGE,
        data={"name": "Reporting", "scope": "read", "csrf_token": signed_in_a},
        headers=host(tenant_a.store),
    )
    secret = secret_on(created)
    assert client.get("/api/v1/storefront/listings", headers=bearer(secret)).status_code == 200
    refused = client.patch(
        "/api/v1/storefront", json={"is_opted_in": False}, headers=bearer(secret)
    )
    assert refused.status_code == 403
    assert refused.get_json()["error"]["code"] == "insufficient_scope"


def test_revoking_and_creating_need_the_csrf_token(
    client: FlaskClient, tenant_a: Tenant, signed_in_a: str
) -> None:
    token, secret = issue_token(
        name="Billing sync",
        principal=PrincipalKind.STOREFRONT,
        principal_id=tenant_a.store.id,
        scope=TokenScope.READ,
        created_by=None,
        surface=Surface.SYSTEM,
    )
    db.session.commit()
    forged = client.post(f"{PAGE}/{token.id}/revoke", headers=host(tenant_a.store))
    assert forged.status_code == 400
    assert client.get("/api/v1/storefront", headers=bearer(secret)).status_code == 200
    no_csrf = client.post(
        PAGE, data={"name": "Forged", "scope": "read"}, headers=host(tenant_a.store)
    )
    assert no_csrf.status_code == 400
    assert db.session.scalars(select(ApiToken.name)).all() == ["Billing sync"]


def test_a_name_is_required_and_nothing_is_made_without_one(
    client: FlaskClient, tenant_a: Tenant, signed_in_a: str
) -> None:
    for data in ({"name": "   ", "scope": "read"}, {"name": "x", "scope": "admin"}):
        response = client.post(
            PAGE, data={**data, "csrf_token": signed_in_a}, headers=host(tenant_a.store)
        )
        assert response.status_code == 400
        assert "token-secret" not in response.text
    assert db.session.scalars(select(ApiToken)).all() == []


def test_another_stores_tokens_are_neither_listed_nor_revocable(
    client: FlaskClient, tenant_a: Tenant, tenant_b: Tenant, signed_in_a: str
) -> None:
    theirs, secret = issue_token(
        name="Beta integration",
        principal=PrincipalKind.STOREFRONT,
        principal_id=tenant_b.store.id,
        scope=TokenScope.READ_WRITE,
        created_by=None,
        surface=Surface.SYSTEM,
    )
    db.session.commit()
    assert "Beta integration" not in client.get(PAGE, headers=host(tenant_a.store)).text
    response = client.post(
        f"{PAGE}/{theirs.id}/revoke",
        data={"csrf_token": signed_in_a},
        headers=host(tenant_a.store),
    )
    assert response.status_code == 404
    assert client.get("/api/v1/storefront", headers=bearer(secret)).status_code == 200


def test_signed_out_visitors_are_sent_to_sign_in(client: FlaskClient, tenant_a: Tenant) -> None:
    response = client.get(PAGE, headers=host(tenant_a.store))
    assert response.status_code == 302 and "/reseller/login" in response.headers["Location"]
