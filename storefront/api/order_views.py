"""Orders (storefronts: their own; operators: their storefronts'; the platform: all), refunds
(platform) and ledger balances (the platform: all; every other principal: its own party)."""

from __future__ import annotations

from typing import Any

from flask import g, request
from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from storefront.api import schemas, serialize
from storefront.api.blueprint import registry
from storefront.api.errors import ApiError, conflict, invalid, not_found
from storefront.api.models import PrincipalKind
from storefront.api.pagination import (
    PAGE_PARAMS,
    choice_arg,
    datetime_arg,
    page_body,
    page_request,
    paginate,
)
from storefront.api.registry import Param
from storefront.api.validation import MONEY, Body, Field
from storefront.extensions import db
from storefront.ledger.models import Account
from storefront.ledger.services import balances
from storefront.money import Money
from storefront.orders.models import Order, OrderStatus
from storefront.payments import gateway
from storefront.payments.provider import ProviderUnavailable
from storefront.payments.services import RefundRefused, refund_order
from storefront.tenants.models import Storefront

ORDER_READERS = (PrincipalKind.STOREFRONT, PrincipalKind.OPERATOR, PrincipalKind.PLATFORM)
EVERYONE = (*ORDER_READERS, PrincipalKind.ISV)
REFUND = Body({"amount": Field(MONEY), "reason": Field(str, required=False, maximum=200)})
DATE = {"type": "string", "description": "ISO 8601 date or date-time (UTC unless it says)"}

_PARTY_ACCOUNTS = {
    PrincipalKind.STOREFRONT: Account.RESELLER_PAYABLE,
    PrincipalKind.ISV: Account.ISV_PAYABLE,
    PrincipalKind.OPERATOR: Account.OPERATOR_PAYABLE,
}


def _visible_orders() -> Select[Order, str]:
    """Orders the token's principal sees, each with its storefront's slug. A storefront
    token's requests run in its tenant scope, so the data layer limits them too."""
    query = select(Order, Storefront.slug).join(Storefront, Storefront.id == Order.storefront_id)
    token = g.api_token
    if token.principal == PrincipalKind.STOREFRONT:
        query = query.where(Order.storefront_id == token.principal_id)
    elif token.principal == PrincipalKind.OPERATOR:
        query = query.where(Storefront.operator_id == token.principal_id)
    return query


def _order(order_id: int) -> tuple[Order, str]:
    row = db.session.execute(
        _visible_orders().where(Order.id == order_id).options(selectinload(Order.lines))
    ).one_or_none()
    if row is None:
        raise not_found("order")
    g.api_target = row[0]
    return row[0], row[1]


@registry.route(
    "GET",
    "/orders",
    summary="List orders, filtered by status and creation date",
    tag="orders",
    principals=ORDER_READERS,
    response=schemas.ORDER_PAGE,
    params=(
        *PAGE_PARAMS,
        Param("status", {"type": "string", "enum": [s.value for s in OrderStatus]}),
        Param("created_from", DATE, "Created at or after this moment."),
        Param("created_to", DATE, "Created before this moment."),
    ),
)
def list_orders() -> dict[str, Any]:
    page = page_request()
    query = _visible_orders()
    status = choice_arg("status", [s.value for s in OrderStatus])
    if status is not None:
        query = query.where(Order.status == OrderStatus(status))
    created_from, created_to = datetime_arg("created_from"), datetime_arg("created_to")
    if created_from is not None:
        query = query.where(Order.created_at >= created_from)
    if created_to is not None:
        query = query.where(Order.created_at < created_to)
    rows = db.session.execute(paginate(query, Order.created_at, Order.id, page)).all()
    orders = [row[0] for row in rows]
    return page_body(orders, page, [serialize.order(order, slug) for order, slug in rows])


@registry.route(
    "GET",
    "/orders/<int:order_id>",
    summary="Read an order with its lines and split",
    tag="orders",
    principals=ORDER_READERS,
    response=schemas.ORDER_DETAIL,
)
def read_order(order_id: int) -> dict[str, Any]:
    order, slug = _order(order_id)
    return serialize.order_detail(order, slug)


@registry.route(
    "POST",
    "/orders/<int:order_id>/refunds",
    summary="Refund part or all of a paid order (platform)",
    tag="orders",
    principals=(PrincipalKind.PLATFORM,),
    response=schemas.REFUND,
    status=201,
    body=REFUND,
    creates=True,
)
def refund(order_id: int) -> dict[str, Any]:
    order, _slug = _order(order_id)
    amount = g.api_body["amount"]
    if amount["currency"] != order.currency:
        raise invalid("amount.currency", f"Refunds of this order are in {order.currency}.")
    if amount["amount"] <= 0:
        raise invalid("amount.amount", "The refund amount must be above zero.")
    if order.refundable.amount == 0:
        raise conflict(f"The order is {order.status.value}: nothing can be refunded.")
    if amount["amount"] > order.refundable.amount:
        raise invalid("amount.amount", f"At most {order.refundable.amount} can still be refunded.")
    try:
        row = refund_order(
            order,
            Money(amount["amount"], order.currency),
            gateway.provider(),
            reason=g.api_body.get("reason", ""),
            requested_by_id=g.api_token.created_by_id,
        )
    except RefundRefused as error:
        raise conflict(str(error)) from None
    except ProviderUnavailable:
        raise ApiError(503, "unavailable", "The payment service is unavailable.") from None
    return {
        "id": row.id,
        "order_id": order.id,
        "amount": serialize.money(row.amount_minor, row.currency),
        "order_status": order.status.value,
    }


@registry.route(
    "GET",
    "/ledger/balances",
    summary="Ledger balances (+ debit, − credit: what is owed to a party is negative)",
    tag="ledger",
    principals=EVERYONE,
    response=schemas.BALANCES,
    params=(Param("currency", {"type": "string", "pattern": "^[A-Z]{3}$"}),),
)
def ledger_balances() -> dict[str, Any]:
    currency = request.args.get("currency")
    if currency is not None and not (
        len(currency) == 3 and currency.isalpha() and currency.isupper()
    ):
        raise invalid("currency", "Must be an ISO 4217 code.")
    token = g.api_token
    if token.principal == PrincipalKind.PLATFORM:
        rows = balances(currency=currency)
    else:
        rows = balances(
            account=_PARTY_ACCOUNTS[token.principal],
            party_id=token.principal_id,
            currency=currency,
        )
    return {
        "items": [
            {
                "account": row.account.value,
                "party_id": row.party_id,
                "balance": serialize.money(row.amount_minor, row.currency),
            }
            for row in rows
        ]
    }
