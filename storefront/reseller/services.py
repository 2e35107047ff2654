"""What a reseller admin changes on its storefront: opening it, picking offers and pricing
them. Every function takes the storefront and the acting admin, records the change in the
audit log, raises a DomainError the view shows, and leaves committing to the caller."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import InvalidOperation

from flask_babel import gettext
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload, selectinload

from storefront.accounts.models import User
from storefront.audit.models import Surface
from storefront.audit.services import record
from storefront.catalog.listings import CatalogFilter
from storefront.catalog.models import (
    ApplicationType,
    BillingTerm,
    Isv,
    Listing,
    ListingPrice,
    Offer,
    OfferCategory,
    OfferStatus,
    Plan,
)
from storefront.catalog.services import PlanNotPriced, select_offer, set_listing_price
from storefront.errors import DomainError
from storefront.extensions import db
from storefront.money import Money, currency_exponent
from storefront.pricing import MarginError, margin_floor, passes_margin, split_charge
from storefront.tenants.models import Storefront
from storefront.tenants.scope import tenant_scope
from storefront.timeutil import utcnow


class OfferUnavailable(DomainError):
    """No approved offer with this id (drafts, rejected and unknown ids look the same)."""


class ListingNotFound(DomainError):
    """No such listing (or plan of it) on this storefront."""


class PriceRefused(DomainError):
    """The retail price was refused; the message says why (and the floor)."""


@dataclass(frozen=True, slots=True)
class PlanTerms:
    """One plan as the reseller decides on it, in the storefront's currency."""

    plan_id: int
    name: str
    term: BillingTerm
    wholesale: Money
    recommended: Money
    floor: Money
    own_price: Money | None
    price: Money  # what buyers are charged: the reseller's own price, else the recommendation
    commission: Money | None  # the reseller's part at `price`; None when the price fails

    @property
    def is_listed_price_valid(self) -> bool:
        return self.commission is not None


@dataclass(frozen=True, slots=True)
class OfferChoice:
    offer_id: int
    slug: str
    name: str
    summary: str
    isv_name: str
    category: OfferCategory
    application_type: ApplicationType
    approved_at: datetime | None
    listing_id: int | None
    plans: tuple[PlanTerms, ...]  # only plans priced in the storefront's currency
    is_new: bool

    @property
    def is_picked(self) -> bool:
        return self.listing_id is not None


def override_rate_bp(storefront: Storefront) -> int:
    return storefront.operator.override_rate_bp if storefront.operator is not None else 0


def commission_at(storefront: Storefront, price: Money, wholesale: Money) -> Money | None:
    """The reseller's commission on one unit sold at `price`; None below the margin floor."""
    if not passes_margin(wholesale.amount, price.amount):
        return None
    split = split_charge(
        price, wholesale, storefront.commission_rate_bp, override_rate_bp(storefront)
    )
    return Money(split.reseller, price.currency)


def set_opted_in(storefront: Storefront, actor: User, opted_in: bool) -> None:
    """Open or close the store to buyers; every setting stays as it is."""
    if storefront.is_opted_in == opted_in:
        return
    storefront.is_opted_in = opted_in
    record(
        actor=actor,
        surface=Surface.RESELLER,
        action="storefront.opt_in" if opted_in else "storefront.opt_out",
        target=storefront,
        before={"is_opted_in": not opted_in},
        after={"is_opted_in": opted_in},
        storefront_id=storefront.id,
    )
    db.session.flush()


def offer_choices(
    storefront: Storefront,
    catalog_filter: CatalogFilter | None = None,
    offer_ids: list[int] | None = None,
) -> list[OfferChoice]:
    """Every approved offer of the platform with this storefront's picks and prices."""
    query = (
        select(Offer)
        .join(Isv, Isv.id == Offer.isv_id)
        .where(Offer.status == OfferStatus.APPROVED)
        .options(joinedload(Offer.isv), selectinload(Offer.plans).selectinload(Plan.prices))
        .order_by(Offer.name, Offer.id)
    )
    if catalog_filter is not None:
        search = catalog_filter.search.strip()
        if search:
            pattern = f"%{search.replace('%', '').replace('_', '')}%"
            query = query.where(
                or_(
                    Offer.name.ilike(pattern), Offer.summary.ilike(pattern), Isv.name.ilike(pattern)
                )
            )
        if catalog_filter.category is not None:
            query = query.where(Offer.category == catalog_filter.category)
        if catalog_filter.application_type is not None:
            query = query.where(Offer.application_type == catalog_filter.application_type)
    if offer_ids is not None:
        query = query.where(Offer.id.in_(offer_ids))
    offers = db.session.scalars(query).unique().all()
    with tenant_scope(storefront.id):
        listings = {
            listing.offer_id: listing.id
            for listing in db.session.scalars(
                select(Listing).where(Listing.storefront_id == storefront.id)
            )
        }
        own_prices = {
            (price.listing_id, price.plan_id): price.retail_minor
            for price in db.session.scalars(
                select(ListingPrice).where(
                    ListingPrice.storefront_id == storefront.id,
                    ListingPrice.currency == storefront.currency,
                )
            )
        }
    reviewed = _aware(storefront.offers_reviewed_at)
    return [
        _choice(storefront, offer, listings.get(offer.id), own_prices, reviewed) for offer in offers
    ]


def _choice(
    storefront: Storefront,
    offer: Offer,
    listing_id: int | None,
    own_prices: dict[tuple[int, int], int],
    reviewed: datetime | None,
) -> OfferChoice:
    currency = storefront.currency
    plans: list[PlanTerms] = []
    for plan in offer.plans:
        price_row = next((p for p in plan.prices if p.currency == currency), None)
        if price_row is None:
            continue
        wholesale = Money(price_row.wholesale_minor, currency)
        recommended = Money(price_row.recommended_retail_minor, currency)
        own_minor = own_prices.get((listing_id, plan.id)) if listing_id is not None else None
        own = Money(own_minor, currency) if own_minor is not None else None
        price = own or recommended
        plans.append(
            PlanTerms(
                plan_id=plan.id,
                name=plan.name,
                term=plan.term,
                wholesale=wholesale,
                recommended=recommended,
                floor=margin_floor(wholesale),
                own_price=own,
                price=price,
                commission=commission_at(storefront, price, wholesale),
            )
        )
    approved = _aware(offer.approved_at)
    return OfferChoice(
        offer_id=offer.id,
        slug=offer.slug,
        name=offer.name,
        summary=offer.summary,
        isv_name=offer.isv.name,
        category=offer.category,
        application_type=offer.application_type,
        approved_at=offer.approved_at,
        listing_id=listing_id,
        plans=tuple(plans),
        is_new=listing_id is None
        and (reviewed is None or (approved is not None and approved > reviewed)),
    )


def _aware(moment: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; every stored time is UTC."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


def offer_choice(storefront: Storefront, offer_id: int) -> OfferChoice:
    found = offer_choices(storefront, offer_ids=[offer_id])
    if not found:
        raise OfferUnavailable(str(offer_id))
    return found[0]


def mark_offers_reviewed(storefront: Storefront, actor: User) -> None:
    """Clear the "new offers" list: offers approved from now on are new again."""
    before = {"offers_reviewed_at": storefront.offers_reviewed_at}
    storefront.offers_reviewed_at = utcnow()
    record(
        actor=actor,
        surface=Surface.RESELLER,
        action="storefront.offers_reviewed",
        target=storefront,
        before=before,
        after={"offers_reviewed_at": storefront.offers_reviewed_at},
        storefront_id=storefront.id,
    )
    db.session.flush()


def pick_offer(storefront: Storefront, actor: User, offer_id: int) -> Listing:
    """Add an approved offer to the storefront (idempotent)."""
    offer = db.session.get(Offer, offer_id)
    if offer is None or offer.status != OfferStatus.APPROVED:
        raise OfferUnavailable(gettext("This offer is not available."))
    existing = _listing_for_offer(storefront, offer.id)
    listing = select_offer(storefront, offer)
    if existing is None:
        record(
            actor=actor,
            surface=Surface.RESELLER,
            action="listing.pick",
            target=listing,
            after={"offer_id": offer.id, "offer": offer.name},
            storefront_id=storefront.id,
        )
    return listing


def unselect_offer(storefront: Storefront, actor: User, listing_id: int) -> None:
    """Take an offer off the storefront (its own prices go with it)."""
    listing = storefront_listing(storefront, listing_id)
    with tenant_scope(storefront.id):
        prices = {str(price.plan_id): price.retail_minor for price in listing.prices}
    record(
        actor=actor,
        surface=Surface.RESELLER,
        action="listing.remove",
        target=listing,
        before={"offer_id": listing.offer_id, "prices": prices},
        storefront_id=storefront.id,
    )
    db.session.delete(listing)
    db.session.flush()


def storefront_listing(storefront: Storefront, listing_id: int) -> Listing:
    with tenant_scope(storefront.id):
        listing = db.session.scalar(
            select(Listing).where(Listing.id == listing_id, Listing.storefront_id == storefront.id)
        )
    if listing is None:
        raise ListingNotFound(str(listing_id))
    return listing


def _listing_for_offer(storefront: Storefront, offer_id: int) -> Listing | None:
    with tenant_scope(storefront.id):
        return db.session.scalar(
            select(Listing).where(
                Listing.storefront_id == storefront.id, Listing.offer_id == offer_id
            )
        )


def parse_price(value: str, currency: str) -> Money:
    """A price typed in major units of `currency`; PriceRefused when it is not one."""
    try:
        return Money.from_major(value.strip(), currency)
    except (ValueError, InvalidOperation):
        example = Money(1234 * 10 ** currency_exponent(currency), currency).to_decimal()
        raise PriceRefused(
            gettext(
                "Enter a price in %(currency)s, like %(example)s.",
                currency=currency,
                example=example,
            )
        ) from None


def set_retail_price(
    storefront: Storefront,
    actor: User,
    listing_id: int,
    plan_id: int,
    value: str,
    locale: str = "en",
) -> Money | None:
    """Set the reseller's own price of a plan (blank: back to the recommended price).
    Below the floor it is refused with a message that names the floor."""
    listing = storefront_listing(storefront, listing_id)
    plan = db.session.get(Plan, plan_id)
    if plan is None or plan.offer_id != listing.offer_id:
        raise ListingNotFound(str(plan_id))
    with tenant_scope(storefront.id):
        current = db.session.scalar(
            select(ListingPrice).where(
                ListingPrice.listing_id == listing.id, ListingPrice.plan_id == plan.id
            )
        )
    before = (
        {"retail_minor": current.retail_minor, "currency": current.currency} if current else None
    )
    if not value.strip():
        if current is not None:
            db.session.delete(current)
            db.session.flush()
            _record_price(storefront, actor, listing, plan, before, None)
        return None
    price = parse_price(value, storefront.currency)
    try:
        row = set_listing_price(storefront, listing, plan, price.amount)
    except MarginError as error:
        if error.retail.amount <= 0:
            raise PriceRefused(gettext("The price must be above zero.")) from None
        raise PriceRefused(
            gettext(
                "%(price)s is below the floor of %(floor)s (twice the wholesale price).",
                price=error.retail.format(locale),
                floor=error.floor.format(locale),
            )
        ) from None
    except PlanNotPriced:
        raise PriceRefused(
            gettext("This plan has no price in %(currency)s.", currency=storefront.currency)
        ) from None
    _record_price(
        storefront,
        actor,
        listing,
        plan,
        before,
        {"retail_minor": row.retail_minor, "currency": row.currency},
    )
    return price


def _record_price(
    storefront: Storefront,
    actor: User,
    listing: Listing,
    plan: Plan,
    before: dict[str, object] | None,
    after: dict[str, object] | None,
) -> None:
    record(
        actor=actor,
        surface=Surface.RESELLER,
        action="listing.price",
        target=listing,
        before={"plan_id": plan.id, **(before or {})},
        after={"plan_id": plan.id, **(after or {})},
        storefront_id=storefront.id,
    )
