"""The storefront's catalog as the shop shows it, computed once per storefront version.

The listing rules run in one query; the result (offers with their plans, prices and
descriptions, and the facet counts) is kept with the cached storefront and dropped whenever
any change to the storefront, its listings or the offers it lists bumps its version.
"""

from __future__ import annotations

from dataclasses import dataclass

from storefront.catalog.listings import ListedOffer, facet_counts, listed_offers
from storefront.catalog.models import ApplicationType, OfferCategory
from storefront.tenants import cached_storefront
from storefront.tenants.cache import memoised
from storefront.tenants.models import Storefront


@dataclass(frozen=True, slots=True)
class ShopCatalog:
    offers: tuple[ListedOffer, ...]
    by_slug: dict[str, ListedOffer]
    categories: dict[OfferCategory, int]
    application_types: dict[ApplicationType, int]


def _build(storefront: Storefront) -> ShopCatalog:
    offers = listed_offers(storefront, descriptions=True)
    categories, application_types = facet_counts(offers)
    return ShopCatalog(
        offers=tuple(offers),
        by_slug={offer.slug: offer for offer in offers},
        categories=categories,
        application_types=application_types,
    )


def shop_catalog(storefront: Storefront) -> ShopCatalog:
    """What the storefront sells now: from the cache of the request's storefront when it is
    this one, else straight from the database."""
    cached = cached_storefront()
    if cached is None or cached.id != storefront.id:
        return _build(storefront)
    return memoised(cached, "shop_catalog", lambda: _build(storefront))
