"""Offers and plans (ISVs create, update, price and submit theirs; the platform approves and
rejects) and the public catalog of a storefront."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

from flask import g
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from storefront.api import schemas, serialize
from storefront.api.blueprint import registry
from storefront.api.errors import ApiError, conflict, invalid, not_found
from storefront.api.models import PrincipalKind
from storefront.api.pagination import PAGE_PARAMS, choice_arg, page_body, page_request, paginate
from storefront.api.registry import Param
from storefront.api.tokens import acting_user
from storefront.api.validation import MONEY, Body, Field
from storefront.catalog import services as offers
from storefront.catalog.listings import listed_offers
from storefront.catalog.models import (
    ApplicationType,
    BillingTerm,
    Offer,
    OfferCategory,
    OfferStatus,
)
from storefront.extensions import db
from storefront.money import CurrencyError, Money
from storefront.operator.services import is_suspended
from storefront.pricing.margin import MarginError
from storefront.tenants.models import Storefront

ISV = (PrincipalKind.ISV,)
PLATFORM = (PrincipalKind.PLATFORM,)
ISV_OR_PLATFORM = (PrincipalKind.ISV, PrincipalKind.PLATFORM)

OFFER_FIELDS = {
    "name": Field(str, minimum=1, maximum=120),
    "summary": Field(str, required=False, maximum=240),
    "description": Field(str, required=False, maximum=20000),
    "category": Field(str, choices=tuple(c.value for c in OfferCategory)),
    "application_type": Field(str, choices=tuple(t.value for t in ApplicationType)),
}
NEW_OFFER = Body(OFFER_FIELDS)
OFFER_CHANGES = Body({name: replace(spec, required=False) for name, spec in OFFER_FIELDS.items()})
NEW_PLAN = Body(
    {
        "name": Field(str, minimum=1, maximum=80),
        "term": Field(str, choices=tuple(t.value for t in BillingTerm)),
    }
)
PLAN_PRICE = Body({"wholesale": Field(MONEY), "recommended_retail": Field(MONEY)})
REJECTION = Body({"reason": Field(str, minimum=1, maximum=2000)})


@contextmanager
def offer_errors() -> Iterator[None]:
    """The catalog services' refusals as API errors."""
    try:
        yield
    except offers.OfferNotFound:
        raise not_found("offer") from None
    except offers.OfferForbidden as error:
        raise ApiError(403, "forbidden", str(error)) from None
    except MarginError as error:
        raise invalid("recommended_retail.amount", str(error)) from None
    except offers.OfferFieldError as error:
        raise invalid(error.field, str(error)) from None


def _offer(offer_id: int) -> Offer:
    """The token's offer (ISV: its own only; platform: any); 404 for any other."""
    query = select(Offer).where(Offer.id == offer_id).options(selectinload(Offer.plans))
    if g.api_token.principal == PrincipalKind.ISV:
        query = query.where(Offer.isv_id == g.api_token.principal_id)
    offer = db.session.scalar(query)
    if offer is None:
        raise not_found("offer")
    g.api_target = offer
    return offer


@registry.route(
    "GET",
    "/storefronts/<slug>/catalog",
    summary="The public catalog of a storefront",
    tag="catalog",
    principals=None,
    response=schemas.CATALOG,
)
def public_catalog(slug: str) -> dict[str, Any]:
    """What buyers can buy there now: opted in, picked, approved, passing the margin rule."""
    storefront = db.session.scalar(select(Storefront).where(Storefront.slug == slug))
    if storefront is None or is_suspended(storefront.id):
        raise not_found("storefront")
    return {
        "storefront": {
            "slug": storefront.slug,
            "name": storefront.name,
            "currency": storefront.currency,
        },
        "offers": [
            {
                "id": offer.offer_id,
                "slug": offer.slug,
                "name": offer.name,
                "summary": offer.summary,
                "category": offer.category.value,
                "application_type": offer.application_type.value,
                "isv_name": offer.isv_name,
                "plans": [
                    {
                        "id": plan.plan_id,
                        "name": plan.name,
                        "term": plan.term.value,
                        "price": serialize.money(plan.retail),
                    }
                    for plan in offer.plans
                ],
            }
            for offer in listed_offers(storefront)
        ],
    }


@registry.route(
    "GET",
    "/offers",
    summary="List offers (an ISV's own; the platform: all)",
    tag="offers",
    principals=ISV_OR_PLATFORM,
    response=schemas.OFFER_PAGE,
    params=(
        *PAGE_PARAMS,
        Param("status", {"type": "string", "enum": [s.value for s in OfferStatus]}),
    ),
)
def list_offers() -> dict[str, Any]:
    page = page_request()
    status = choice_arg("status", [s.value for s in OfferStatus])
    query = select(Offer).options(selectinload(Offer.plans))
    if g.api_token.principal == PrincipalKind.ISV:
        query = query.where(Offer.isv_id == g.api_token.principal_id)
    if status is not None:
        query = query.where(Offer.status == OfferStatus(status))
    rows = list(db.session.scalars(paginate(query, Offer.created_at, Offer.id, page)))
    return page_body(rows, page, [serialize.offer(row) for row in rows])


@registry.route(
    "GET",
    "/offers/<int:offer_id>",
    summary="Read an offer with its plans and prices",
    tag="offers",
    principals=ISV_OR_PLATFORM,
    response=schemas.OFFER,
)
def read_offer(offer_id: int) -> dict[str, Any]:
    return serialize.offer(_offer(offer_id))


@registry.route(
    "POST",
    "/offers",
    summary="Create a draft offer",
    tag="offers",
    principals=ISV,
    response=schemas.OFFER,
    status=201,
    body=NEW_OFFER,
    creates=True,
)
def create_offer() -> dict[str, Any]:
    with offer_errors():
        offer = offers.create_offer(acting_user(g.api_token), **g.api_body)
    g.api_target = offer
    return serialize.offer(offer)


@registry.route(
    "PATCH",
    "/offers/<int:offer_id>",
    summary="Change an offer's name, description, category or application type",
    tag="offers",
    principals=ISV,
    response=schemas.OFFER,
    body=OFFER_CHANGES,
)
def update_offer(offer_id: int) -> dict[str, Any]:
    offer = _offer(offer_id)
    if offer.status == OfferStatus.RETIRED:
        raise conflict("A retired offer cannot be changed.")
    current = {name: getattr(offer, name) for name in OFFER_FIELDS}
    with offer_errors():
        offer = offers.update_offer(acting_user(g.api_token), offer_id, **{**current, **g.api_body})
    return serialize.offer(offer)


@registry.route(
    "POST",
    "/offers/<int:offer_id>/plans",
    summary="Add a plan to a draft, submitted or rejected offer",
    tag="offers",
    principals=ISV,
    response=schemas.OFFER,
    status=201,
    body=NEW_PLAN,
    creates=True,
)
def add_plan(offer_id: int) -> dict[str, Any]:
    offer = _offer(offer_id)
    if offer.status in (OfferStatus.APPROVED, OfferStatus.RETIRED):
        raise conflict("Plans are added before approval.")
    with offer_errors():
        offers.add_plan(acting_user(g.api_token), offer_id, g.api_body["name"], g.api_body["term"])
    db.session.refresh(offer)
    return serialize.offer(offer)


@registry.route(
    "PUT",
    "/offers/<int:offer_id>/plans/<int:plan_id>/price",
    summary="Set a plan's wholesale and recommended retail price in one currency",
    tag="offers",
    principals=ISV,
    response=schemas.OFFER,
    body=PLAN_PRICE,
)
def price_plan(offer_id: int, plan_id: int) -> dict[str, Any]:
    """On a live offer the price is proposed for approval; the approved prices stay on sale."""
    offer = _offer(offer_id)
    if offer.status == OfferStatus.RETIRED:
        raise conflict("A retired offer cannot be repriced.")
    wholesale, retail = g.api_body["wholesale"], g.api_body["recommended_retail"]
    if retail["currency"] != wholesale["currency"]:
        raise invalid("recommended_retail.currency", "Use the wholesale price's currency.")
    try:
        Money(wholesale["amount"], wholesale["currency"])
    except CurrencyError:
        raise invalid("wholesale.currency", "Not an ISO 4217 currency.") from None
    with offer_errors():
        offers.price_plan(
            acting_user(g.api_token),
            offer_id,
            plan_id,
            wholesale["currency"],
            wholesale["amount"],
            retail["amount"],
        )
    db.session.refresh(offer)
    return serialize.offer(offer)


@registry.route(
    "POST",
    "/offers/<int:offer_id>/submit",
    summary="Submit a draft or rejected offer for approval",
    tag="offers",
    principals=ISV,
    response=schemas.OFFER,
)
def submit_offer(offer_id: int) -> dict[str, Any]:
    offer = _offer(offer_id)
    if offer.status not in (OfferStatus.DRAFT, OfferStatus.REJECTED):
        raise conflict(
            f"The offer is {offer.status.value}; only drafts and rejected offers can be submitted."
        )
    with offer_errors():
        offer = offers.submit_offer(acting_user(g.api_token), offer_id)
    return serialize.offer(offer)


@registry.route(
    "POST",
    "/offers/<int:offer_id>/approve",
    summary="Approve a submitted offer (platform)",
    tag="offers",
    principals=PLATFORM,
    response=schemas.OFFER,
)
def approve_offer(offer_id: int) -> dict[str, Any]:
    offer = _offer(offer_id)
    if offer.status != OfferStatus.SUBMITTED:
        raise conflict(f"The offer is {offer.status.value}, not submitted.")
    with offer_errors():
        offer = offers.approve_offer(acting_user(g.api_token), offer_id)
    return serialize.offer(offer)


@registry.route(
    "POST",
    "/offers/<int:offer_id>/reject",
    summary="Reject a submitted offer with a reason the ISV sees (platform)",
    tag="offers",
    principals=PLATFORM,
    response=schemas.OFFER,
    body=REJECTION,
)
def reject_offer(offer_id: int) -> dict[str, Any]:
    offer = _offer(offer_id)
    if offer.status != OfferStatus.SUBMITTED:
        raise conflict(f"The offer is {offer.status.value}, not submitted.")
    with offer_errors():
        offer = offers.reject_offer(acting_user(g.api_token), offer_id, g.api_body["reason"])
    return serialize.offer(offer)
