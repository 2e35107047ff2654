"""Changes to offers' prices and storefronts' selections, each checked against the margin rule."""

from __future__ import annotations

from sqlalchemy import select

from storefront.catalog.models import Listing, ListingPrice, Offer, OfferStatus, Plan, PlanPrice
from storefront.errors import DomainError
from storefront.extensions import db
from storefront.money import Money
from storefront.pricing.margin import check_margin
from storefront.tenants.models import Storefront
from storefront.tenants.scope import tenant_scope


class OfferNotAvailable(DomainError):
    """Only approved offers can be picked by a reseller."""


class PlanNotPriced(DomainError):
    """The plan has no wholesale price in the storefront's currency."""


def set_plan_price(
    plan: Plan, currency: str, wholesale_minor: int, recommended_retail_minor: int
) -> PlanPrice:
    """Set the ISV's prices for a plan in one currency; the recommendation must pass the margin
    rule (MarginError names the floor). Resellers' own prices that the new wholesale price makes
    fail stay stored but stop being listed."""
    wholesale = Money(wholesale_minor, currency)
    check_margin(wholesale, Money(recommended_retail_minor, currency))
    price = db.session.scalar(
        select(PlanPrice).where(PlanPrice.plan_id == plan.id, PlanPrice.currency == currency)
    )
    if price is None:
        price = PlanPrice(plan=plan, currency=currency)
        db.session.add(price)
    price.wholesale_minor = wholesale_minor
    price.recommended_retail_minor = recommended_retail_minor
    db.session.flush()
    return price


def select_offer(storefront: Storefront, offer: Offer) -> Listing:
    """Put an approved offer on the storefront (idempotent)."""
    if offer.status != OfferStatus.APPROVED:
        raise OfferNotAvailable(f"{offer.name} is not approved for sale.")
    with tenant_scope(storefront.id):
        listing = db.session.scalar(
            select(Listing).where(
                Listing.storefront_id == storefront.id, Listing.offer_id == offer.id
            )
        )
        if listing is None:
            listing = Listing(storefront_id=storefront.id, offer_id=offer.id)
            db.session.add(listing)
            db.session.flush()
    return listing


def set_listing_price(
    storefront: Storefront, listing: Listing, plan: Plan, retail_minor: int
) -> ListingPrice:
    """Set the reseller's own retail price for a plan; refused below the margin floor."""
    if listing.storefront_id != storefront.id or plan.offer_id != listing.offer_id:
        raise DomainError("That plan is not part of this listing.")
    wholesale = db.session.scalar(
        select(PlanPrice.wholesale_minor).where(
            PlanPrice.plan_id == plan.id, PlanPrice.currency == storefront.currency
        )
    )
    if wholesale is None:
        raise PlanNotPriced(f"{plan.name} has no price in {storefront.currency}.")
    check_margin(Money(wholesale, storefront.currency), Money(retail_minor, storefront.currency))
    with tenant_scope(storefront.id):
        price = db.session.scalar(
            select(ListingPrice).where(
                ListingPrice.storefront_id == storefront.id,
                ListingPrice.listing_id == listing.id,
                ListingPrice.plan_id == plan.id,
            )
        )
        if price is None:
            price = ListingPrice(storefront_id=storefront.id, listing=listing, plan_id=plan.id)
            db.session.add(price)
        price.currency = storefront.currency
        price.retail_minor = retail_minor
        db.session.flush()
    return price
