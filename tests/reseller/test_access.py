"""Who gets into the dashboard: reseller admins of this storefront, on its own host."""

from __future__ import annotations

from flask.testing import FlaskClient

from storefront.accounts.models import Role
from storefront.extensions import db
from tests.factories import PASSWORD
from tests.reseller.dashboard import Tenant, account, host, sign_in, token_of


def test_dashboard_asks_for_sign_in_and_works_while_the_store_is_closed(
    client: FlaskClient, tenant_a: Tenant
) -> None:
    tenant_a.store.is_opted_in = False
    db.session.commit()
    response = client.get("/reseller/offers", headers=host(tenant_a.store))
    assert response.status_code == 302
    assert "/reseller/login?next=/reseller/offers" in response.headers["Location"]
    sign_in(client, tenant_a.store, tenant_a.admin.email)
    page = client.get("/reseller/", headers=host(tenant_a.store))
    assert page.status_code == 200
    assert 'data-testid="store-status"' in page.text
    assert client.get("/", headers=host(tenant_a.store)).status_code == 404  # buyers: closed


def test_no_dashboard_on_the_marketplace_host(client: FlaskClient) -> None:
    assert client.get("/reseller/login", headers={"Host": "localhost"}).status_code == 404


def test_buyers_and_other_stores_admins_cannot_sign_in(
    client: FlaskClient, tenant_a: Tenant, tenant_b: Tenant
) -> None:
    buyer = account(tenant_a.store, Role.BUYER)
    db.session.commit()
    for email in (buyer.email, tenant_b.admin.email, "nobody@alpha.test"):
        token = token_of(client.get("/reseller/login", headers=host(tenant_a.store)).text)
        response = client.post(
            "/reseller/login",
            data={"email": email, "password": PASSWORD, "csrf_token": token},
            headers=host(tenant_a.store),
        )
        assert response.status_code == 400
        assert "E-mail or password is not right." in response.text


def test_a_signed_in_buyer_is_not_a_reseller_admin(client: FlaskClient, tenant_a: Tenant) -> None:
    tenant_a.store.is_opted_in = True
    buyer = account(tenant_a.store, Role.BUYER)
    db.session.commit()
    token = token_of(client.get("/account/login", headers=host(tenant_a.store)).text)
    signed = client.post(
        "/account/login",
        data={"email": buyer.email, "password": PASSWORD, "csrf_token": token},
        headers=host(tenant_a.store),
    )
    assert signed.status_code == 302
    response = client.get("/reseller/", headers=host(tenant_a.store))
    assert response.status_code == 302 and "/reseller/login" in response.headers["Location"]


def test_sign_in_refuses_an_open_redirect(client: FlaskClient, tenant_a: Tenant) -> None:
    token = token_of(client.get("/reseller/login", headers=host(tenant_a.store)).text)
    response = client.post(
        "/reseller/login?next=//evil.example/",
        data={"email": tenant_a.admin.email, "password": PASSWORD, "csrf_token": token},
        headers=host(tenant_a.store),
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/reseller/"


def test_a_session_of_store_a_is_nothing_on_store_b(
    client: FlaskClient, tenant_a: Tenant, tenant_b: Tenant, signed_in_a: str
) -> None:
    # The test client sends cookies by domain; force A's cookie to B's host anyway.
    cookie = client.get_cookie("session", domain="alpha.localhost")
    assert cookie is not None
    client.set_cookie("session", cookie.value, domain="beta.localhost")
    response = client.get("/reseller/", headers=host(tenant_b.store))
    assert response.status_code == 302 and "/reseller/login" in response.headers["Location"]
