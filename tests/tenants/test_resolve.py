"""Host → storefront: subdomains of the marketplace domain and verified custom domains."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from storefront.extensions import db
from storefront.tenants.models import StorefrontDomain
from storefront.tenants.resolve import UnknownHost, normalise_host, resolve_host
from storefront.timeutil import utcnow
from tests import factories

pytestmark = pytest.mark.usefixtures("app_context")


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("Acme.LocalHost:5000", "acme.localhost"),
        ("acme.localhost.", "acme.localhost"),
        ("shop.example.com", "shop.example.com"),
        ("[::1]:5000", "[::1]"),
    ],
)
def test_normalise_host(host: str, expected: str) -> None:
    assert normalise_host(host) == expected


def test_marketplace_domain_is_not_a_storefront() -> None:
    assert resolve_host("localhost:5000", "localhost").is_marketplace


def test_subdomain_names_the_storefront_by_slug() -> None:
    store = factories.storefront(slug="acme")
    match = resolve_host("ACME.localhost:5000", "localhost")
    assert match.storefront is not None and match.storefront.id == store.id


@pytest.mark.parametrize(
    "host", ["nope.localhost", "a.b.localhost", "-x.localhost", "localhost.evil.test", "evil.test"]
)
def test_unknown_hosts_are_refused(host: str) -> None:
    factories.storefront(slug="acme")
    with pytest.raises(UnknownHost):
        resolve_host(host, "localhost")


def test_custom_domain_serves_only_once_verified(client: FlaskClient) -> None:
    store = factories.storefront(slug="acme", name="Acme Hosting")
    domain = StorefrontDomain(
        storefront_id=store.id, hostname="shop.acme.test", verification_token="t0ken"
    )
    db.session.add(domain)
    db.session.commit()
    with pytest.raises(UnknownHost):
        resolve_host("shop.acme.test", "localhost")
    assert client.get("/", headers={"Host": "shop.acme.test"}).status_code == 404

    domain.verified_at = utcnow()
    db.session.commit()
    assert resolve_host("shop.acme.test:443", "localhost").storefront.id == store.id  # type: ignore[union-attr]
    response = client.get("/", headers={"Host": "shop.acme.test"})
    assert response.status_code == 200
    assert "Acme Hosting" in response.text


def test_unknown_host_answers_404_without_any_storefront_data(client: FlaskClient) -> None:
    factories.storefront(slug="acme", name="Acme Hosting")
    db.session.commit()
    response = client.get("/", headers={"Host": "unknown.localhost"})
    assert response.status_code == 404
    assert "Acme" not in response.text


def test_marketplace_domain_is_configurable(app, client: FlaskClient) -> None:  # type: ignore[no-untyped-def]
    factories.storefront(slug="acme", name="Acme Hosting")
    db.session.commit()
    app.config["MARKETPLACE_DOMAIN"] = "market.test"
    try:
        assert "Acme Hosting" in client.get("/", headers={"Host": "acme.market.test"}).text
        assert client.get("/", headers={"Host": "acme.localhost"}).status_code == 404
    finally:
        app.config["MARKETPLACE_DOMAIN"] = "localhost"
