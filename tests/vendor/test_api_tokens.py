"""The vendor portal's API tokens: the ISV's own, shown once, revocable; another ISV's token
is 404 and console staff cannot use the page."""

from __future__ import annotations

import re

from flask.testing import FlaskClient
from sqlalchemy import select

from storefront.api.models import ApiToken, PrincipalKind, TokenScope
from storefront.api.tokens import issue_token
from storefront.audit.models import AuditEntry, Surface
from storefront.extensions import db
from tests.api.token_pages import bearer, secret_on
from tests.operator.people import CONSOLE, People, post, sign_in, token

PAGE = "/vendor/api-tokens"
NEW_OFFER = {"name": "Nimbus Mail", "category": "email", "application_type": "connector"}


def test_isv_creates_a_token_shown_once_and_revokes_it(client: FlaskClient, people: People) -> None:
    sign_in(client, "dev@nimbus.test", "vendor")
    assert 'href="/vendor/api-tokens"' in client.get(PAGE, headers=CONSOLE).text
    created = post(client, PAGE, {"name": "ERP sync", "scope": "read_write"})
    assert created.status_code == 200 and created.headers["Cache-Control"] == "no-store"
    secret = secret_on(created)
    stored = db.session.scalars(select(ApiToken)).one()
    assert (stored.principal, stored.principal_id, stored.created_by_id) == (
        PrincipalKind.ISV,
        people.isv.id,
        people.isv_member.id,
    )
    offers = client.get("/api/v1/offers", headers=bearer(secret)).get_json()["items"]
    assert [offer["id"] for offer in offers] == [people.own_offer.id]  # its own only
    made = client.post("/api/v1/offers", json=NEW_OFFER, headers=bearer(secret))
    assert made.status_code == 201

    page = client.get(PAGE, headers=CONSOLE).text
    assert secret not in page
    [row] = re.findall(r'data-testid="api-token">(.*?)</tr>', page, re.S)
    assert "ERP sync" in row and "Read and write" in row and "dev@nimbus.test" in row

    revoked = post(client, f"{PAGE}/{stored.id}/revoke", {}, page=PAGE)
    assert revoked.status_code == 303
    assert client.get("/api/v1/offers", headers=bearer(secret)).status_code == 401
    actions = db.session.scalars(
        select(AuditEntry.action).where(AuditEntry.surface == Surface.VENDOR)
    ).all()
    assert {"api_token.create", "api_token.revoke"} <= set(actions)


def test_a_read_token_gets_403_on_a_write(client: FlaskClient, people: People) -> None:
    sign_in(client, "dev@nimbus.test", "vendor")
    secret = secret_on(post(client, PAGE, {"name": "Dashboards", "scope": "read"}))
    assert client.get("/api/v1/offers", headers=bearer(secret)).status_code == 200
    refused = client.post("/api/v1/offers", json=NEW_OFFER, headers=bearer(secret))
    assert refused.status_code == 403
    assert refused.get_json()["error"]["code"] == "insufficient_scope"


def test_another_isvs_token_is_not_listed_and_not_revocable(
    client: FlaskClient, people: People
) -> None:
    theirs, secret = issue_token(
        name="Fortress CI",
        principal=PrincipalKind.ISV,
        principal_id=people.other_isv.id,
        scope=TokenScope.READ,
        created_by=None,
        surface=Surface.SYSTEM,
    )
    db.session.commit()
    sign_in(client, "dev@nimbus.test", "vendor")
    assert "Fortress CI" not in client.get(PAGE, headers=CONSOLE).text
    response = post(client, f"{PAGE}/{theirs.id}/revoke", {}, page=PAGE)
    assert response.status_code == 404
    assert client.get("/api/v1/offers", headers=bearer(secret)).status_code == 200


def test_revoking_needs_the_csrf_token(client: FlaskClient, people: People) -> None:
    sign_in(client, "dev@nimbus.test", "vendor")
    secret = secret_on(post(client, PAGE, {"name": "ERP sync", "scope": "read"}))
    stored = db.session.scalars(select(ApiToken)).one()
    forged = client.post(f"{PAGE}/{stored.id}/revoke", headers=CONSOLE)
    assert forged.status_code == 400
    assert client.get("/api/v1/offers", headers=bearer(secret)).status_code == 200


def test_console_staff_cannot_use_the_vendor_token_page(
    client: FlaskClient, people: People
) -> None:
    sign_in(client, "ops@cloudwave.test")
    assert client.get(PAGE, headers=CONSOLE).status_code == 403
    data = {"name": "x", "scope": "read", "csrf_token": token(client, "/operator/")}
    assert client.post(PAGE, data=data, headers=CONSOLE).status_code == 403
    assert db.session.scalars(select(ApiToken)).all() == []
