"""The four listing rules, each on its own hiding an offer, seen through the buyer's pages."""

from __future__ import annotations

import re

import pytest
from flask.testing import FlaskClient

from storefront.catalog.models import BillingTerm, OfferStatus
from storefront.catalog.services import set_plan_price
from storefront.extensions import db
from tests import factories

pytestmark = pytest.mark.usefixtures("app_context")


def listed_slugs(client: FlaskClient, host: str, query: str = "") -> list[str]:
    response = client.get(f"/{query}", headers={"Host": host})
    assert response.status_code == 200, response.text
    return re.findall(r'data-offer="([^"]+)"', response.text)


def host_of(store: object) -> str:
    return f"{store.slug}.localhost"  # type: ignore[attr-defined]


@pytest.fixture
def listed(client: FlaskClient):  # type: ignore[no-untyped-def]
    """An open store that lists one approved, picked, margin-passing offer."""
    store = factories.storefront()
    offer = factories.offer(name="Cloud Mail")
    factories.listing(store, offer)
    db.session.commit()
    assert listed_slugs(client, host_of(store)) == [offer.slug]
    assert client.get(f"/offers/{offer.slug}", headers={"Host": host_of(store)}).status_code == 200
    return store, offer


def test_store_not_opted_in_is_closed(client: FlaskClient, listed) -> None:  # type: ignore[no-untyped-def]
    store, offer = listed
    store.is_opted_in = False
    db.session.commit()
    for path in ("/", f"/offers/{offer.slug}"):
        response = client.get(path, headers={"Host": host_of(store)})
        assert response.status_code == 404
        assert "This store is not open" in response.text
        assert offer.name not in response.text


def test_offer_not_picked_by_reseller_is_hidden(client: FlaskClient, listed) -> None:  # type: ignore[no-untyped-def]
    store, _offer = listed
    other = factories.offer(name="Unpicked Backup")
    db.session.commit()
    assert other.slug not in listed_slugs(client, host_of(store))
    assert client.get(f"/offers/{other.slug}", headers={"Host": host_of(store)}).status_code == 404


@pytest.mark.parametrize(
    "status",
    [OfferStatus.DRAFT, OfferStatus.SUBMITTED, OfferStatus.REJECTED, OfferStatus.RETIRED],
)
def test_offer_not_approved_is_hidden(client: FlaskClient, listed, status: OfferStatus) -> None:  # type: ignore[no-untyped-def]
    store, offer = listed
    offer.status = status
    db.session.commit()
    assert listed_slugs(client, host_of(store)) == []
    response = client.get(f"/offers/{offer.slug}", headers={"Host": host_of(store)})
    assert response.status_code == 404
    assert store.name in response.text  # the storefront's own error page


def test_reseller_price_failing_margin_after_wholesale_rise_is_hidden(
    client: FlaskClient,
) -> None:
    store = factories.storefront()
    offer = factories.offer(prices=[(BillingTerm.YEARLY, "USD", 1500, 4000)])
    factories.listing(store, offer, retail={offer.plans[0].id: 3500})
    db.session.commit()
    assert listed_slugs(client, host_of(store)) == [offer.slug]

    set_plan_price(offer.plans[0], "USD", 2000, 4500)  # the ISV raises the wholesale price
    db.session.commit()
    assert listed_slugs(client, host_of(store)) == []
    assert client.get(f"/offers/{offer.slug}", headers={"Host": host_of(store)}).status_code == 404


def test_price_exactly_at_the_floor_is_listed(client: FlaskClient) -> None:
    store = factories.storefront()
    offer = factories.offer(prices=[(BillingTerm.MONTHLY, "USD", 500, 1000)])
    factories.listing(store, offer)
    db.session.commit()
    assert listed_slugs(client, host_of(store)) == [offer.slug]
    set_plan_price(offer.plans[0], "USD", 501, 1002)
    factories.listing(store, offer, retail={offer.plans[0].id: 1002})
    db.session.commit()
    assert listed_slugs(client, host_of(store)) == [offer.slug]


def test_only_the_failing_plan_is_hidden(client: FlaskClient) -> None:
    store = factories.storefront()
    offer = factories.offer(
        prices=[(BillingTerm.MONTHLY, "USD", 400, 1000), (BillingTerm.YEARLY, "USD", 4000, 10000)]
    )
    monthly, yearly = offer.plans
    factories.listing(store, offer, retail={yearly.id: 8000})
    set_plan_price(yearly, "USD", 4500, 10000)
    db.session.commit()
    response = client.get(f"/offers/{offer.slug}", headers={"Host": host_of(store)})
    assert response.status_code == 200
    assert re.findall(r'data-plan-id="(\d+)"', response.text) == [str(monthly.id)]


def test_plan_without_price_in_store_currency_is_hidden(client: FlaskClient) -> None:
    store = factories.storefront(currency="EUR", locale="de", languages=["de"])
    euro_and_dollar = factories.offer(
        prices=[(BillingTerm.MONTHLY, "USD", 400, 1000), (BillingTerm.MONTHLY, "EUR", 370, 950)]
    )
    dollar_only = factories.offer(prices=[(BillingTerm.MONTHLY, "USD", 400, 1000)])
    factories.listing(store, euro_and_dollar)
    factories.listing(store, dollar_only)
    db.session.commit()
    assert listed_slugs(client, host_of(store)) == [euro_and_dollar.slug]


def test_reseller_price_is_shown_instead_of_recommendation(client: FlaskClient) -> None:
    store = factories.storefront()
    offer = factories.offer(prices=[(BillingTerm.MONTHLY, "USD", 400, 1000)])
    factories.listing(store, offer, retail={offer.plans[0].id: 1234})
    db.session.commit()
    page = client.get(f"/offers/{offer.slug}", headers={"Host": host_of(store)}).text
    assert "$12.34" in page
    assert "$10.00" not in page


def test_one_storefront_never_shows_another_ones_picks(client: FlaskClient) -> None:
    first, second = factories.storefront(), factories.storefront()
    mine, theirs = factories.offer(name="Mine"), factories.offer(name="Theirs")
    factories.listing(first, mine)
    factories.listing(second, theirs, retail={theirs.plans[0].id: 1500})
    db.session.commit()
    assert listed_slugs(client, host_of(first)) == [mine.slug]
    assert listed_slugs(client, host_of(second)) == [theirs.slug]
    response = client.get(f"/offers/{theirs.slug}", headers={"Host": host_of(first)})
    assert response.status_code == 404
    assert second.name not in response.text and "Theirs" not in response.text
