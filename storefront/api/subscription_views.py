"""Subscriptions: storefronts read their own, white-label operators their storefronts', ISVs
those of their offers (without the buyer's details, which their portal never shows), the
platform all; storefronts and the platform cancel one at the end of its current period. And
the renewal rate, churn and lifetime value of the dashboards' subscription reports."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from flask import g
from sqlalchemy import Select, select

from storefront.api import schemas, serialize
from storefront.api.blueprint import registry
from storefront.api.errors import conflict, not_found
from storefront.api.models import PrincipalKind
from storefront.api.pagination import (
    PAGE_PARAMS,
    choice_arg,
    integer_arg,
    page_body,
    page_request,
    paginate,
)
from storefront.api.registry import MAX_ID, Param
from storefront.extensions import db
from storefront.orders.models import OrderLine
from storefront.subscriptions.metrics import OfferMetrics, subscription_metrics, totals
from storefront.subscriptions.models import Subscription, SubscriptionStatus
from storefront.subscriptions.services import set_cancel_at_period_end
from storefront.tenants.models import Storefront

READERS = (
    PrincipalKind.STOREFRONT,
    PrincipalKind.OPERATOR,
    PrincipalKind.ISV,
    PrincipalKind.PLATFORM,
)
CANCELLERS = (PrincipalKind.STOREFRONT, PrincipalKind.PLATFORM)
REPORT_READERS = (PrincipalKind.STOREFRONT, PrincipalKind.OPERATOR, PrincipalKind.PLATFORM)

Row = tuple[Subscription, str, int]


def _visible() -> Select[Subscription, str, int]:
    """Subscriptions the token's principal sees, with the storefront's slug and the order id.
    A storefront token's requests run in its tenant scope, so the data layer limits them too."""
    query = (
        select(Subscription, Storefront.slug, OrderLine.order_id)
        .join(Storefront, Storefront.id == Subscription.storefront_id)
        .join(OrderLine, OrderLine.id == Subscription.order_line_id)
    )
    token = g.api_token
    if token.principal == PrincipalKind.STOREFRONT:
        query = query.where(Subscription.storefront_id == token.principal_id)
    elif token.principal == PrincipalKind.OPERATOR:
        query = query.where(Storefront.operator_id == token.principal_id)
    elif token.principal == PrincipalKind.ISV:
        query = query.where(Subscription.isv_id == token.principal_id)
    return query


def _one(subscription_id: int, *, lock: bool = False) -> Row:
    query = _visible().where(Subscription.id == subscription_id)
    if lock:
        query = query.with_for_update(of=Subscription).execution_options(populate_existing=True)
    row = db.session.execute(query).one_or_none()
    if row is None:
        raise not_found("subscription")
    g.api_target = row[0]
    return row[0], row[1], row[2]


def _body(subscription: Subscription, storefront_slug: str, order_id: int) -> dict[str, Any]:
    currency = subscription.currency
    pending = subscription.pending_amount
    buyer = None
    if g.api_token.principal != PrincipalKind.ISV:
        buyer = {
            "name": subscription.billing_name,
            "email": subscription.billing_email,
            "country": subscription.billing_country,
        }
    return {
        "id": subscription.id,
        "storefront": storefront_slug,
        "order_id": order_id,
        "offer_id": subscription.offer_id,
        "plan_id": subscription.plan_id,
        "isv_id": subscription.isv_id,
        "offer_name": subscription.offer_name,
        "plan_name": subscription.plan_name,
        "term": subscription.term.value,
        "quantity": subscription.quantity,
        "status": subscription.status.value,
        "unit_price": serialize.money(subscription.unit_retail_minor, currency),
        "unit_wholesale": serialize.money(subscription.unit_wholesale_minor, currency),
        "renewal_amount": serialize.money(subscription.renewal_amount),
        "pending_renewal_amount": serialize.money(pending) if pending is not None else None,
        "started_at": serialize.moment(subscription.started_at),
        "current_period_start": serialize.moment(subscription.current_period_start),
        "current_period_end": serialize.moment(subscription.current_period_end),
        "cancel_at_period_end": subscription.cancel_at_period_end,
        "ended_at": serialize.moment(subscription.ended_at),
        "end_reason": subscription.end_reason,
        "buyer": buyer,
        "created_at": serialize.moment(subscription.created_at),
    }


@registry.route(
    "GET",
    "/subscriptions",
    summary="List subscriptions, filtered by status and offer",
    tag="subscriptions",
    principals=READERS,
    response=schemas.SUBSCRIPTION_PAGE,
    params=(
        *PAGE_PARAMS,
        Param("status", {"type": "string", "enum": [s.value for s in SubscriptionStatus]}),
        Param("offer_id", {"type": "integer", "minimum": 1, "maximum": MAX_ID}),
    ),
)
def list_subscriptions() -> dict[str, Any]:
    page = page_request()
    query = _visible()
    status = choice_arg("status", [s.value for s in SubscriptionStatus])
    if status is not None:
        query = query.where(Subscription.status == SubscriptionStatus(status))
    offer_id = integer_arg("offer_id", 0, 1, MAX_ID)
    if offer_id:
        query = query.where(Subscription.offer_id == offer_id)
    rows = db.session.execute(paginate(query, Subscription.created_at, Subscription.id, page)).all()
    items = [_body(subscription, slug, order_id) for subscription, slug, order_id in rows]
    return page_body([row[0] for row in rows], page, items)


@registry.route(
    "GET",
    "/subscriptions/<int:subscription_id>",
    summary="Read a subscription",
    tag="subscriptions",
    principals=READERS,
    response=schemas.SUBSCRIPTION,
)
def read_subscription(subscription_id: int) -> dict[str, Any]:
    return _body(*_one(subscription_id))


@registry.route(
    "POST",
    "/subscriptions/<int:subscription_id>/cancel",
    summary="Cancel at the end of the current period: the buyer keeps it until then and is "
    "never charged again (storefront, platform)",
    tag="subscriptions",
    principals=CANCELLERS,
    response=schemas.SUBSCRIPTION,
)
def cancel_subscription(subscription_id: int) -> dict[str, Any]:
    subscription, slug, order_id = _one(subscription_id, lock=True)
    if not set_cancel_at_period_end(subscription, True):
        raise conflict(
            f"The subscription is {subscription.status.value}: only active subscriptions can "
            "be cancelled at the end of their period."
        )
    return _body(subscription, slug, order_id)


def _rate(value: Fraction | None) -> float | None:
    return None if value is None else round(float(value), 4)


def _figures(row: OfferMetrics, storefront_slug: str) -> dict[str, Any]:
    return {
        "storefront": storefront_slug,
        "currency": row.currency,
        "subscriptions": row.subscriptions,
        "active": row.active,
        "churned": row.churned,
        "renewals_due": row.renewals_due,
        "renewals_paid": row.renewals_paid,
        "renewal_rate": _rate(row.renewal_rate),
        "churn": _rate(row.churn),
        "lifetime_value": serialize.money(row.lifetime_value),
        "reseller_lifetime_value": serialize.money(row.reseller_lifetime_value),
    }


@registry.route(
    "GET",
    "/subscriptions/metrics",
    summary="Renewal rate, churn and lifetime value per storefront and offer, and per "
    "storefront (the dashboards' subscription reports)",
    tag="subscriptions",
    principals=REPORT_READERS,
    response=schemas.SUBSCRIPTION_METRICS,
)
def subscription_report() -> dict[str, Any]:
    """Storefronts: their own; operators: their storefronts'; the platform: every store's."""
    stores = select(Storefront).order_by(Storefront.name, Storefront.id)
    token = g.api_token
    if token.principal == PrincipalKind.STOREFRONT:
        stores = stores.where(Storefront.id == token.principal_id)
    elif token.principal == PrincipalKind.OPERATOR:
        stores = stores.where(Storefront.operator_id == token.principal_id)
    storefronts = list(db.session.scalars(stores))
    rows = subscription_metrics([store.id for store in storefronts])
    slugs = {store.id: store.slug for store in storefronts}
    return {
        "items": [
            {
                **_figures(row, slugs[row.storefront_id]),
                "offer_id": row.offer_id,
                "offer_name": row.offer_name,
            }
            for row in rows
        ],
        "totals": [
            _figures(totals(rows, store.id, store.currency), store.slug)
            for store in storefronts
            if any(row.storefront_id == store.id for row in rows)
        ],
    }
