"""The catalog page: search, filters, formatting, and a constant number of SQL statements."""

from __future__ import annotations

import re

import pytest
from flask.testing import FlaskClient

from storefront.catalog.models import ApplicationType, BillingTerm, OfferCategory
from storefront.extensions import db
from tests import factories

pytestmark = pytest.mark.usefixtures("app_context")


def slugs(html: str) -> list[str]:
    return re.findall(r'data-offer="([^"]+)"', html)


@pytest.fixture
def store_with_three(client: FlaskClient):  # type: ignore[no-untyped-def]
    store = factories.storefront(slug="shop")
    mail = factories.offer(
        name="Nimbus Mail", category=OfferCategory.EMAIL, application_type=ApplicationType.CONNECTOR
    )
    press = factories.offer(
        name="QuillPress",
        category=OfferCategory.WEBSITES,
        application_type=ApplicationType.WEBSPACE,
    )
    git = factories.offer(
        name="Quill Git",
        category=OfferCategory.DEVELOPMENT,
        application_type=ApplicationType.DEDICATED,
    )
    for offer in (mail, press, git):
        factories.listing(store, offer)
    db.session.commit()
    return mail, press, git


def test_search_by_name_is_case_insensitive(client: FlaskClient, store_with_three) -> None:  # type: ignore[no-untyped-def]
    _mail, press, git = store_with_three
    html = client.get("/?q=quill", headers={"Host": "shop.localhost"}).text
    assert slugs(html) == [git.slug, press.slug]
    html = client.get("/?q=zzz", headers={"Host": "shop.localhost"}).text
    assert slugs(html) == []
    assert "No application matches your search." in html


def test_filter_by_category_and_application_type(client: FlaskClient, store_with_three) -> None:  # type: ignore[no-untyped-def]
    mail, _press, git = store_with_three
    assert slugs(client.get("/?category=email", headers={"Host": "shop.localhost"}).text) == [
        mail.slug
    ]
    assert slugs(client.get("/?type=dedicated", headers={"Host": "shop.localhost"}).text) == [
        git.slug
    ]
    both = client.get("/?category=email&type=dedicated", headers={"Host": "shop.localhost"}).text
    assert slugs(both) == []


def test_unknown_filter_values_are_ignored(client: FlaskClient, store_with_three) -> None:  # type: ignore[no-untyped-def]
    html = client.get("/?category=nope&type=<script>", headers={"Host": "shop.localhost"}).text
    assert len(slugs(html)) == 3
    assert "<script>" not in html


def test_search_text_is_escaped(client: FlaskClient, store_with_three) -> None:  # type: ignore[no-untyped-def]
    html = client.get('/?q="><script>alert(1)</script>', headers={"Host": "shop.localhost"}).text
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html


def test_prices_are_formatted_for_the_store_locale_and_currency(client: FlaskClient) -> None:
    yen = factories.storefront(slug="yen", currency="JPY", locale="ja", languages=["ja", "en"])
    euro = factories.storefront(slug="euro", currency="EUR", locale="de", languages=["de"])
    offer = factories.offer(
        prices=[
            (BillingTerm.YEARLY, "JPY", 60000, 123456),
            (BillingTerm.YEARLY, "EUR", 40000, 123450),
        ]
    )
    factories.listing(yen, offer)
    factories.listing(euro, offer)
    db.session.commit()
    assert (
        "￥123,456" in client.get(f"/offers/{offer.slug}", headers={"Host": "yen.localhost"}).text
    )
    assert (
        "1.234,50\xa0€"
        in client.get(f"/offers/{offer.slug}", headers={"Host": "euro.localhost"}).text
    )


def test_buyer_can_switch_to_an_offered_language(client: FlaskClient) -> None:
    store = factories.storefront(slug="bi", currency="USD", locale="en", languages=["en", "de"])
    offer = factories.offer(prices=[(BillingTerm.MONTHLY, "USD", 40000, 123450)])
    factories.listing(store, offer)
    db.session.commit()
    page = f"/offers/{offer.slug}"
    assert "$1,234.50" in client.get(page, headers={"Host": "bi.localhost"}).text
    assert "1.234,50\xa0$" in client.get(page + "?lang=de", headers={"Host": "bi.localhost"}).text
    # the choice is remembered; a language the store does not offer is ignored
    assert "1.234,50\xa0$" in client.get(page + "?lang=ja", headers={"Host": "bi.localhost"}).text


def _fill(store_slug: str, count: int) -> None:
    store = factories.storefront(slug=store_slug)
    vendor = factories.isv()
    for number in range(count):
        offer = factories.offer(
            vendor=vendor,
            name=f"App {number:03d}",
            prices=[
                (BillingTerm.MONTHLY, "USD", 100, 300),
                (BillingTerm.YEARLY, "USD", 1000, 3000),
            ],
        )
        factories.listing(store, offer, retail={offer.plans[0].id: 250} if number % 2 else None)
    db.session.commit()


def test_catalog_issues_a_constant_number_of_statements(
    client: FlaskClient, query_counter: list[str]
) -> None:
    _fill("small", 5)
    _fill("large", 200)
    counts = {}
    for slug, expected in (("small", 5), ("large", 200)):
        query_counter.clear()
        html = client.get("/", headers={"Host": f"{slug}.localhost"}).text
        assert len(slugs(html)) == expected
        counts[slug] = len(query_counter)
    assert counts["small"] == counts["large"]
    assert counts["large"] <= 4, query_counter


def test_offer_page_issues_a_constant_number_of_statements(
    client: FlaskClient, query_counter: list[str]
) -> None:
    _fill("many", 50)
    query_counter.clear()
    response = client.get(
        "/offers/" + factories_slug_of("App 007"), headers={"Host": "many.localhost"}
    )
    assert response.status_code == 200
    assert len(query_counter) <= 4, query_counter


def factories_slug_of(name: str) -> str:
    from sqlalchemy import select

    from storefront.catalog.models import Offer

    slug = db.session.scalar(select(Offer.slug).where(Offer.name == name))
    assert slug is not None
    return slug
