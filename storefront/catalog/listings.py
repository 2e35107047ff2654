"""What a storefront sells: the four listing rules, applied in one query.

An offer's plan is on sale on a storefront only when the storefront is opted in, the
reseller picked the offer, the platform approved it, and the plan's retail price in
the storefront's currency (the reseller's own, else the ISV's recommendation) passes
the 50% margin rule. An offer with no plan on sale is not listed at all.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import Select, and_, bindparam, func, select

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
    PlanPrice,
)
from storefront.extensions import db
from storefront.money import Money
from storefront.tenants.models import Storefront
from storefront.tenants.scope import tenant_scope


class OfferNotListed(LookupError):
    """The offer is not for sale on this storefront (or does not exist)."""


@dataclass(frozen=True, slots=True)
class ListedPlan:
    plan_id: int
    name: str
    term: BillingTerm
    retail: Money
    wholesale: Money


@dataclass(frozen=True, slots=True)
class ListedOffer:
    offer_id: int
    slug: str
    name: str
    summary: str
    category: OfferCategory
    application_type: ApplicationType
    isv_id: int
    isv_name: str
    plans: tuple[ListedPlan, ...]
    description: str = ""

    @property
    def lowest_price(self) -> ListedPlan:
        return min(self.plans, key=lambda plan: (plan.retail.amount, plan.term.sort_key))

    def matches(self, text: str) -> bool:
        needle = text.casefold()
        return needle in self.name.casefold() or needle in self.summary.casefold()


@dataclass(frozen=True, slots=True)
class ListedPlanOffer:
    offer: ListedOffer
    plan: ListedPlan


@dataclass(frozen=True, slots=True)
class CatalogFilter:
    search: str = ""
    category: OfferCategory | None = None
    application_type: ApplicationType | None = None

    def apply(self, offers: Iterable[ListedOffer]) -> list[ListedOffer]:
        search = self.search.strip()
        return [
            offer
            for offer in offers
            if (not search or offer.matches(search))
            and (self.category is None or offer.category == self.category)
            and (self.application_type is None or offer.application_type == self.application_type)
        ]


def _retail_minor() -> Any:
    return func.coalesce(ListingPrice.retail_minor, PlanPrice.recommended_retail_minor)


@cache
def _listed_rows(descriptions: bool = False) -> Select[*tuple[Any, ...]]:
    """The rows on sale (one per plan), for the storefront and currency bound by
    `_listed_by`: built once, as each execution only binds other values."""
    retail = _retail_minor()
    currency = bindparam("listed_currency", type_=PlanPrice.currency.type)
    storefront_id = bindparam("listed_storefront", type_=Listing.storefront_id.type)
    extra = (Offer.description.label("description"),) if descriptions else ()
    return (
        select(
            Offer.id.label("offer_id"),
            Offer.slug.label("slug"),
            Offer.name.label("name"),
            Offer.summary.label("summary"),
            Offer.category.label("category"),
            Offer.application_type.label("application_type"),
            Offer.isv_id.label("isv_id"),
            Isv.name.label("isv_name"),
            Plan.id.label("plan_id"),
            Plan.name.label("plan_name"),
            Plan.term.label("term"),
            PlanPrice.wholesale_minor.label("wholesale_minor"),
            retail.label("retail_minor"),
            *extra,
        )
        .select_from(Listing)
        .join(Offer, Offer.id == Listing.offer_id)
        .join(Isv, Isv.id == Offer.isv_id)
        .join(Plan, Plan.offer_id == Offer.id)
        .join(PlanPrice, and_(PlanPrice.plan_id == Plan.id, PlanPrice.currency == currency))
        .outerjoin(
            ListingPrice,
            and_(
                ListingPrice.listing_id == Listing.id,
                ListingPrice.plan_id == Plan.id,
                ListingPrice.currency == currency,
            ),
        )
        .where(
            Listing.storefront_id == storefront_id,
            Offer.status == OfferStatus.APPROVED,
            retail > 0,
            2 * PlanPrice.wholesale_minor <= retail,
        )
        .order_by(Offer.name, Offer.id, Plan.position, Plan.id)
    )


def _listed_by(storefront: Storefront) -> dict[str, Any]:
    return {"listed_currency": storefront.currency, "listed_storefront": storefront.id}


def _group(rows: Sequence[Any], currency: str) -> list[ListedOffer]:
    """Rows (one per plan on sale, ordered by offer) into offers with their plans."""
    offers: list[ListedOffer] = []
    plans: list[ListedPlan] = []
    head: Any = None
    for row in rows:
        if head is not None and row.offer_id != head.offer_id:
            offers.append(_offer(head, plans))
            plans = []
        head = row
        plans.append(
            ListedPlan(
                plan_id=row.plan_id,
                name=row.plan_name,
                term=row.term,
                wholesale=Money(row.wholesale_minor, currency),
                retail=Money(row.retail_minor, currency),
            )
        )
    if head is not None:
        offers.append(_offer(head, plans))
    return offers


def _offer(row: Any, plans: list[ListedPlan]) -> ListedOffer:
    return ListedOffer(
        offer_id=row.offer_id,
        slug=row.slug,
        name=row.name,
        summary=row.summary,
        category=row.category,
        application_type=row.application_type,
        isv_id=row.isv_id,
        isv_name=row.isv_name,
        plans=tuple(plans),
        description=getattr(row, "description", ""),
    )


def listed_offers(storefront: Storefront, descriptions: bool = False) -> list[ListedOffer]:
    """Every offer on sale on the storefront, by name, each with its plans on sale (and its
    description when asked: the shop's cache keeps whole offers)."""
    if not storefront.is_opted_in:
        return []
    with tenant_scope(storefront.id):
        rows = db.session.execute(_listed_rows(descriptions), _listed_by(storefront)).all()
    return _group(rows, storefront.currency)


def listed_offer(storefront: Storefront, slug: str) -> ListedOffer:
    """One offer on sale on the storefront, with its description; OfferNotListed otherwise."""
    if not storefront.is_opted_in:
        raise OfferNotListed(slug)
    with tenant_scope(storefront.id):
        rows = db.session.execute(
            _listed_rows(descriptions=True).where(Offer.slug == slug), _listed_by(storefront)
        ).all()
    offers = _group(rows, storefront.currency)
    if not offers:
        raise OfferNotListed(slug)
    return offers[0]


def listed_plans(storefront: Storefront, plan_ids: Iterable[int]) -> dict[int, ListedPlanOffer]:
    """The plans among `plan_ids` that are on sale on the storefront now, each with its offer,
    priced as they would be charged (the cart and checkout price with this, never the browser)."""
    wanted = sorted(set(plan_ids))
    if not storefront.is_opted_in or not wanted:
        return {}
    with tenant_scope(storefront.id):
        rows = db.session.execute(
            _listed_rows().where(Plan.id.in_(wanted)), _listed_by(storefront)
        ).all()
    return {
        plan.plan_id: ListedPlanOffer(offer=offer, plan=plan)
        for offer in _group(rows, storefront.currency)
        for plan in offer.plans
    }


def facet_counts(
    offers: Iterable[ListedOffer],
) -> tuple[dict[OfferCategory, int], dict[ApplicationType, int]]:
    """How many listed offers fall in each category and application type (for the filters)."""
    categories: dict[OfferCategory, int] = {}
    types: dict[ApplicationType, int] = {}
    for offer in offers:
        categories[offer.category] = categories.get(offer.category, 0) + 1
        types[offer.application_type] = types.get(offer.application_type, 0) + 1
    return categories, types
