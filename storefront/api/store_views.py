"""A storefront token's own store: opening it, picking and pricing offers (the reseller
dashboard's changes, through the same services)."""

from __future__ import annotations

from typing import Any

from flask import g
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from storefront.api import schemas, serialize
from storefront.api.blueprint import registry
from storefront.api.errors import invalid, not_found
from storefront.api.models import PrincipalKind
from storefront.api.tokens import acting_user
from storefront.api.validation import MONEY, Body, Field
from storefront.catalog.models import Listing
from storefront.extensions import db
from storefront.money import Money
from storefront.reseller import services as reseller
from storefront.tenants.models import Storefront

STOREFRONT = (PrincipalKind.STOREFRONT,)

SETTINGS = Body({"is_opted_in": Field(bool, required=False)})
PICK = Body({"offer_id": Field(int, minimum=1, maximum=2**31 - 1)})
PRICE = Body({"price": Field(MONEY)})


def _storefront() -> Storefront:
    storefront = db.session.get(Storefront, g.api_token.principal_id)
    if storefront is None:
        raise not_found("storefront")
    return storefront


def _listing(storefront: Storefront, listing_id: int) -> Listing:
    try:
        listing = reseller.storefront_listing(storefront, listing_id)
    except reseller.ListingNotFound:
        raise not_found("listing") from None
    g.api_target = listing
    return listing


@registry.route(
    "GET",
    "/storefront",
    summary="The token's storefront",
    tag="storefront",
    principals=STOREFRONT,
    response=schemas.STOREFRONT,
)
def read_storefront() -> dict[str, Any]:
    return serialize.storefront(_storefront())


@registry.route(
    "PATCH",
    "/storefront",
    summary="Open (opt in) or close the storefront",
    tag="storefront",
    principals=STOREFRONT,
    response=schemas.STOREFRONT,
    body=SETTINGS,
)
def update_storefront() -> dict[str, Any]:
    storefront = _storefront()
    g.api_target = storefront
    if "is_opted_in" in g.api_body:
        reseller.set_opted_in(storefront, acting_user(g.api_token), g.api_body["is_opted_in"])
    return serialize.storefront(storefront)


@registry.route(
    "GET",
    "/storefront/listings",
    summary="The offers the storefront picked, with its own prices",
    tag="storefront",
    principals=STOREFRONT,
    response=schemas.LISTINGS,
)
def list_listings() -> dict[str, Any]:
    storefront = _storefront()
    rows = db.session.scalars(
        select(Listing)
        .where(Listing.storefront_id == storefront.id)
        .options(selectinload(Listing.prices))
        .order_by(Listing.created_at, Listing.id)
    )
    return {"items": [serialize.listing(row) for row in rows]}


@registry.route(
    "POST",
    "/storefront/listings",
    summary="Pick an approved offer for the storefront",
    tag="storefront",
    principals=STOREFRONT,
    response=schemas.LISTING,
    status=201,
    body=PICK,
    creates=True,
)
def create_listing() -> tuple[dict[str, Any], int]:
    storefront = _storefront()
    offer_id = g.api_body["offer_id"]
    existing = db.session.scalar(
        select(Listing.id).where(
            Listing.storefront_id == storefront.id, Listing.offer_id == offer_id
        )
    )
    try:
        listing = reseller.pick_offer(storefront, acting_user(g.api_token), offer_id)
    except reseller.OfferUnavailable:
        raise not_found("offer") from None
    g.api_target = listing
    return serialize.listing(listing), 200 if existing else 201


@registry.route(
    "DELETE",
    "/storefront/listings/<int:listing_id>",
    summary="Take an offer off the storefront (its own prices go with it)",
    tag="storefront",
    principals=STOREFRONT,
    response=schemas.DELETED,
)
def delete_listing(listing_id: int) -> dict[str, Any]:
    storefront = _storefront()
    _listing(storefront, listing_id)
    reseller.unselect_offer(storefront, acting_user(g.api_token), listing_id)
    g.api_target = storefront
    return {"deleted": True}


@registry.route(
    "PUT",
    "/storefront/listings/<int:listing_id>/prices/<int:plan_id>",
    summary="Set the storefront's own retail price of a plan (never below the margin floor)",
    tag="storefront",
    principals=STOREFRONT,
    response=schemas.LISTING,
    body=PRICE,
)
def set_listing_price(listing_id: int, plan_id: int) -> dict[str, Any]:
    storefront = _storefront()
    listing = _listing(storefront, listing_id)
    price = g.api_body["price"]
    if price["currency"] != storefront.currency:
        raise invalid("price.currency", f"This storefront sells in {storefront.currency}.")
    if price["amount"] <= 0:
        raise invalid("price.amount", "The price must be above zero.")
    value = str(Money(price["amount"], storefront.currency).to_decimal())
    try:
        reseller.set_retail_price(
            storefront, acting_user(g.api_token), listing.id, plan_id, value, storefront.locale
        )
    except reseller.ListingNotFound:
        raise not_found("plan") from None
    except reseller.PriceRefused as error:
        raise invalid("price.amount", str(error)) from None
    db.session.refresh(listing)
    return serialize.listing(listing)
