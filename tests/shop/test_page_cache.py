"""Buyer pages come from the storefront cache: a handful of SQL statements at most whatever the
number of offers and storefronts, none on a warm cache, and every committed change shows at
once, on the storefront it belongs to only."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from storefront.catalog.models import BillingTerm, OfferStatus, PlanPrice
from storefront.catalog.services import set_listing_price
from storefront.extensions import db
from storefront.operator.models import StorefrontSuspension
from storefront.tenants.cache import storefront_cache
from storefront.tenants.models import Storefront, StorefrontDomain
from storefront.timeutil import utcnow
from tests import factories

pytestmark = pytest.mark.usefixtures("app_context")


def slugs(html: str) -> list[str]:
    return re.findall(r'data-offer="([^"]+)"', html)


def _fill(slug: str, offers: int, storefronts: int) -> str:
    """A storefront listing `offers` offers among `storefronts` that list them too; returns
    the slug of one of its offers."""
    store = factories.storefront(slug=slug)
    vendor = factories.isv()
    others = [factories.storefront() for _ in range(storefronts - 1)]
    first = ""
    for number in range(offers):
        offer = factories.offer(
            vendor=vendor,
            name=f"App {number:03d}",
            prices=[
                (BillingTerm.MONTHLY, "USD", 100, 300),
                (BillingTerm.YEARLY, "USD", 1000, 3000),
            ],
        )
        first = first or offer.slug
        factories.listing(store, offer, retail={offer.plans[0].id: 250} if number % 2 else None)
        for other in others:
            factories.listing(other, offer)
    db.session.commit()
    return first


def test_pages_issue_at_most_four_statements_whatever_the_size(
    app: Flask, client: FlaskClient, query_counter: list[str]
) -> None:
    small_offer = _fill("small", offers=3, storefronts=1)
    large_offer = _fill("large", offers=120, storefronts=12)
    counts: dict[tuple[str, str, str], int] = {}
    for store, offer_slug in (("small", small_offer), ("large", large_offer)):
        for page, path in (
            ("home", "/"),
            ("search", "/?q=app&category=productivity"),
            ("offer", f"/offers/{offer_slug}"),
        ):
            for cache in ("cold", "warm"):
                if cache == "cold":
                    storefront_cache(app).clear()
                query_counter.clear()
                response = client.get(path, headers={"Host": f"{store}.localhost"})
                assert response.status_code == 200
                counts[store, page, cache] = len(query_counter)
                assert len(query_counter) <= 4, query_counter
    for page in ("home", "search", "offer"):
        assert counts["small", page, "cold"] == counts["large", page, "cold"]
        assert counts["small", page, "warm"] == counts["large", page, "warm"] == 0


def test_catalog_of_the_large_store_lists_every_offer(client: FlaskClient) -> None:
    _fill("large", offers=120, storefronts=2)
    assert len(slugs(client.get("/", headers={"Host": "large.localhost"}).text)) == 120


def _store_with_offer():  # type: ignore[no-untyped-def]
    store = factories.storefront(slug="shop", name="First Name")
    offer = factories.offer(name="Nimbus Mail", prices=[(BillingTerm.MONTHLY, "USD", 400, 1000)])
    listing = factories.listing(store, offer)
    db.session.commit()
    return store, offer, listing


def _page(client: FlaskClient, path: str = "/", host: str = "shop.localhost") -> tuple[int, str]:
    response = client.get(path, headers={"Host": host})
    return response.status_code, response.text


def test_a_new_retail_price_shows_at_once(client: FlaskClient) -> None:
    store, offer, listing = _store_with_offer()
    assert "$10.00" in _page(client, f"/offers/{offer.slug}")[1]
    set_listing_price(store, listing, offer.plans[0], 1234)
    db.session.commit()
    assert "$12.34" in _page(client, f"/offers/{offer.slug}")[1]
    assert "$12.34" in _page(client)[1]


def test_a_price_change_rolled_back_never_shows(client: FlaskClient) -> None:
    store, offer, listing = _store_with_offer()
    assert "$10.00" in _page(client)[1]
    set_listing_price(store, listing, offer.plans[0], 1234)
    db.session.flush()
    db.session.rollback()
    assert "$10.00" in _page(client)[1]


def test_branding_and_opt_out_show_at_once(client: FlaskClient) -> None:
    store, _offer, _listing = _store_with_offer()
    assert "First Name" in _page(client)[1]
    store.name = "Second Name"
    db.session.commit()
    assert "Second Name" in _page(client)[1]
    store.primary_color = "#123456"
    store.footer_links = [{"label": "Imprint", "url": "https://example.com/imprint"}]
    db.session.commit()
    page = _page(client)[1]
    assert "--brand-primary:#123456;" in page
    assert 'href="https://example.com/imprint"' in page and ">Imprint<" in page
    store.footer_links = []
    db.session.commit()
    assert "Imprint" not in _page(client)[1]
    store.is_opted_in = False
    db.session.commit()
    assert _page(client)[0] == 404


def test_a_suspension_closes_the_store_at_once(client: FlaskClient) -> None:
    store, _offer, _listing = _store_with_offer()
    assert _page(client)[0] == 200
    suspension = StorefrontSuspension(storefront_id=store.id, reason="fraud review")
    db.session.add(suspension)
    db.session.commit()
    assert _page(client)[0] == 404
    suspension.lifted_at = utcnow()
    db.session.commit()
    assert _page(client)[0] == 200


def test_offer_and_plan_price_changes_reach_every_store_that_lists_the_offer(
    client: FlaskClient,
) -> None:
    _store, offer, _listing = _store_with_offer()
    other = factories.storefront(slug="other")
    factories.listing(other, offer)
    db.session.commit()
    for host in ("shop.localhost", "other.localhost"):
        assert slugs(_page(client, host=host)[1]) == [offer.slug]
    price = db.session.scalar(select(PlanPrice).where(PlanPrice.plan_id == offer.plans[0].id))
    assert price is not None
    price.recommended_retail_minor = 2000
    db.session.commit()
    for host in ("shop.localhost", "other.localhost"):
        assert "$20.00" in _page(client, host=host)[1]
    offer.status = OfferStatus.RETIRED
    db.session.commit()
    for host in ("shop.localhost", "other.localhost"):
        assert slugs(_page(client, host=host)[1]) == []


def test_each_host_gets_its_own_storefront_and_prices(client: FlaskClient) -> None:
    store, offer, listing = _store_with_offer()
    other = factories.storefront(slug="other", name="Other Store")
    factories.listing(other, offer)
    set_listing_price(store, listing, offer.plans[0], 1500)
    db.session.commit()
    for _round in range(2):  # cold, then warm
        mine, theirs = _page(client)[1], _page(client, host="other.localhost")[1]
        assert "$15.00" in mine and "First Name" in mine and "Other Store" not in mine
        assert "$10.00" in theirs and "Other Store" in theirs and "First Name" not in theirs


def test_hosts_follow_new_storefronts_domains_and_slugs(client: FlaskClient) -> None:
    assert _page(client, host="later.localhost")[0] == 404  # remembered as unknown ...
    store = factories.storefront(slug="later", name="Later Store")
    db.session.commit()
    assert "Later Store" in _page(client, host="later.localhost")[1]  # ... until it exists
    domain = StorefrontDomain(
        storefront_id=store.id, hostname="shop.example", verification_token="t"
    )
    db.session.add(domain)
    db.session.commit()
    assert _page(client, host="shop.example")[0] == 404  # not verified yet
    domain.verified_at = utcnow()
    db.session.commit()
    assert "Later Store" in _page(client, host="shop.example")[1]
    renamed = db.session.get(Storefront, store.id)
    assert renamed is not None
    renamed.slug = "renamed"
    db.session.commit()
    assert _page(client, host="later.localhost")[0] == 404
    assert "Later Store" in _page(client, host="renamed.localhost")[1]


def test_the_least_recently_used_storefront_leaves_a_full_cache(app: Flask) -> None:
    from storefront.tenants.cache import StorefrontCache, storefront_id_for_host

    stores = [factories.storefront(slug=f"lru{number}") for number in range(3)]
    db.session.commit()
    cache = StorefrontCache(app)
    cache.size = 2

    def visit(number: int) -> None:
        found = cache.lookup(
            f"lru{number}.localhost", lambda host: storefront_id_for_host(host, "localhost")
        )
        assert found is not None and found.id == stores[number].id

    visit(0)
    visit(1)
    visit(0)  # 1 is now the least recently used
    visit(2)
    assert list(cache.storefronts) == [stores[0].id, stores[2].id]
