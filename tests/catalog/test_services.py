"""Pricing changes refuse anything below the margin floor, naming the floor."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from storefront.catalog.models import BillingTerm, OfferStatus, PlanPrice
from storefront.catalog.services import (
    OfferNotAvailable,
    PlanNotPriced,
    select_offer,
    set_listing_price,
    set_plan_price,
)
from storefront.extensions import db
from storefront.pricing.margin import MarginError
from tests import factories

pytestmark = pytest.mark.usefixtures("app_context")


def test_isv_recommended_price_below_floor_is_refused_and_nothing_changes() -> None:
    offer = factories.offer(prices=[(BillingTerm.MONTHLY, "USD", 400, 1000)])
    plan = offer.plans[0]
    with pytest.raises(MarginError) as refused:
        set_plan_price(plan, "USD", 600, 1100)
    assert "$12.00" in str(refused.value)
    price = db.session.scalar(select(PlanPrice).where(PlanPrice.plan_id == plan.id))
    assert price is not None and (price.wholesale_minor, price.recommended_retail_minor) == (
        400,
        1000,
    )


def test_floor_is_named_in_the_currency_format() -> None:
    offer = factories.offer(prices=[(BillingTerm.YEARLY, "JPY", 5000, 10000)])
    with pytest.raises(MarginError) as refused:
        set_plan_price(offer.plans[0], "JPY", 5000, 9999)
    assert refused.value.floor.amount == 10000
    assert "10,000" in refused.value.message("ja")
    assert "." not in refused.value.floor.format("en").replace("¥", "")


def test_reseller_price_below_floor_is_refused() -> None:
    store = factories.storefront(currency="EUR", locale="de", languages=["de"])
    offer = factories.offer(prices=[(BillingTerm.MONTHLY, "EUR", 1234, 3000)])
    listing = select_offer(store, offer)
    with pytest.raises(MarginError) as refused:
        set_listing_price(store, listing, offer.plans[0], 2467)
    assert refused.value.floor.amount == 2468
    assert "24,68" in refused.value.message("de")
    assert set_listing_price(store, listing, offer.plans[0], 2468).retail_minor == 2468


def test_reseller_price_needs_a_plan_price_in_the_store_currency() -> None:
    store = factories.storefront(currency="JPY")
    offer = factories.offer(prices=[(BillingTerm.MONTHLY, "USD", 400, 1000)])
    listing = select_offer(store, offer)
    with pytest.raises(PlanNotPriced):
        set_listing_price(store, listing, offer.plans[0], 5000)


@pytest.mark.parametrize("status", [OfferStatus.DRAFT, OfferStatus.SUBMITTED, OfferStatus.REJECTED])
def test_only_approved_offers_can_be_picked(status: OfferStatus) -> None:
    store = factories.storefront()
    with pytest.raises(OfferNotAvailable):
        select_offer(store, factories.offer(status=status))


def test_picking_twice_keeps_one_listing() -> None:
    store = factories.storefront()
    offer = factories.offer()
    assert select_offer(store, offer).id == select_offer(store, offer).id
