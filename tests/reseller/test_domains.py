"""Custom domains: unique, never the marketplace's, serving only once verified."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy import select

from storefront.accounts.models import Role
from storefront.extensions import db
from storefront.tenants.domains import verification_name
from storefront.tenants.models import StorefrontDomain
from storefront.tenants.scope import all_tenants
from tests import factories
from tests.factories import PASSWORD
from tests.reseller.conftest import InMemoryTxtResolver
from tests.reseller.dashboard import Tenant, host, token_of
from tests.signin import answer_second_factor


def add(client: FlaskClient, tenant: Tenant, token: str, hostname: str) -> object:
    return client.post(
        "/reseller/domains",
        data={"hostname": hostname, "csrf_token": token},
        headers=host(tenant.store),
    )


def domain(hostname: str) -> StorefrontDomain:
    db.session.expire_all()
    with all_tenants():
        found = db.session.scalar(
            select(StorefrontDomain).where(StorefrontDomain.hostname == hostname)
        )
    assert found is not None
    return found


def test_a_domain_serves_the_store_only_after_dns_verification(
    client: FlaskClient, tenant_a: Tenant, signed_in_a: str, dns: InMemoryTxtResolver
) -> None:
    assert add(client, tenant_a, signed_in_a, "Shop.Alpha.Example").status_code == 302  # type: ignore[attr-defined]
    added = domain("shop.alpha.example")
    assert client.get("/", headers={"Host": "shop.alpha.example"}).status_code == 404

    verify = f"/reseller/domains/{added.id}/verify"
    missing = client.post(verify, data={"csrf_token": signed_in_a}, headers=host(tenant_a.store))
    assert missing.status_code == 302
    assert domain("shop.alpha.example").verified_at is None

    dns.records[verification_name("shop.alpha.example")] = [added.verification_token]
    client.post(verify, data={"csrf_token": signed_in_a}, headers=host(tenant_a.store))
    assert domain("shop.alpha.example").verified_at is not None
    page = client.get("/", headers={"Host": "shop.alpha.example"})
    assert page.status_code == 200 and tenant_a.mail.name in page.text


def test_taken_and_marketplace_domains_are_refused(
    client: FlaskClient, tenant_a: Tenant, tenant_b: Tenant, signed_in_a: str
) -> None:
    db.session.add(
        StorefrontDomain(
            storefront_id=tenant_b.store.id, hostname="shop.beta.example", verification_token="x"
        )
    )
    db.session.commit()
    for hostname, message in (
        ("shop.beta.example", "already in use"),
        ("localhost", "marketplace"),
        ("beta.localhost", "marketplace"),
        ("127.0.0.1", "IP address"),
        ("https://shop.example/", "host name only"),
        ("no_underscores.example", "not a valid host name"),
    ):
        response = add(client, tenant_a, signed_in_a, hostname)
        assert response.status_code == 400, hostname  # type: ignore[attr-defined]
        assert 'data-testid="hostname-error"' in response.text  # type: ignore[attr-defined]
        assert message in response.text, hostname  # type: ignore[attr-defined]


def test_a_platform_admin_approves_a_domain_by_hand(client: FlaskClient, tenant_a: Tenant) -> None:
    db.session.add(
        StorefrontDomain(
            storefront_id=tenant_a.store.id, hostname="shop.alpha.example", verification_token="t"
        )
    )
    admin = factories.user(Role.PLATFORM_ADMIN, email="root@platform.test")
    db.session.commit()
    marketplace = {"Host": "localhost"}
    token = token_of(client.get("/operator/login", headers=marketplace).text)
    signed = client.post(
        "/operator/login",
        data={"email": admin.email, "password": PASSWORD, "csrf_token": token},
        headers=marketplace,
    )
    signed = answer_second_factor(client, signed)
    assert signed.status_code == 302
    listing = client.get("/operator/domains", headers=marketplace)
    assert "shop.alpha.example" in listing.text
    pending = domain("shop.alpha.example")
    client.post(
        f"/operator/domains/{pending.id}/approve",
        data={"csrf_token": token_of(listing.text)},
        headers=marketplace,
    )
    assert domain("shop.alpha.example").verified_at is not None
    assert client.get("/", headers={"Host": "shop.alpha.example"}).status_code == 200
