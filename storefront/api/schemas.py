"""JSON schemas of API responses (OpenAPI 3.1 uses JSON Schema 2020-12)."""

from __future__ import annotations

from typing import Any

from storefront.catalog.models import ApplicationType, BillingTerm, OfferCategory, OfferStatus
from storefront.ledger.models import Account
from storefront.orders.models import OrderStatus


def _object(properties: dict[str, Any], nullable: tuple[str, ...] = ()) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {
            name: ({"anyOf": [schema, {"type": "null"}]} if name in nullable else schema)
            for name, schema in properties.items()
        },
        "required": list(properties),
    }


def _enum(values: type[Any]) -> dict[str, Any]:
    return {"type": "string", "enum": [member.value for member in values]}


def page_of(item: dict[str, Any]) -> dict[str, Any]:
    return _object(
        {"items": {"type": "array", "items": item}, "next_cursor": {"type": "string"}},
        nullable=("next_cursor",),
    )


STRING = {"type": "string"}
INTEGER = {"type": "integer"}
DATETIME = {"type": "string", "format": "date-time"}

ERROR = _object(
    {"error": _object({"code": STRING, "message": STRING, "field": STRING}, nullable=("field",))}
)

MONEY = _object({"amount": INTEGER, "currency": {"type": "string", "pattern": "^[A-Z]{3}$"}})

PLAN_PRICE = _object({"wholesale": MONEY, "recommended_retail": MONEY})
PLAN = _object(
    {
        "id": INTEGER,
        "name": STRING,
        "term": _enum(BillingTerm),
        "prices": {"type": "array", "items": PLAN_PRICE},
    }
)
OFFER = _object(
    {
        "id": INTEGER,
        "isv_id": INTEGER,
        "slug": STRING,
        "name": STRING,
        "summary": STRING,
        "description": STRING,
        "category": _enum(OfferCategory),
        "application_type": _enum(ApplicationType),
        "status": _enum(OfferStatus),
        "rejection_reason": STRING,
        "created_at": DATETIME,
        "plans": {"type": "array", "items": PLAN},
    }
)
OFFER_PAGE = page_of(OFFER)

CATALOG_PLAN = _object({"id": INTEGER, "name": STRING, "term": _enum(BillingTerm), "price": MONEY})
CATALOG_OFFER = _object(
    {
        "id": INTEGER,
        "slug": STRING,
        "name": STRING,
        "summary": STRING,
        "category": _enum(OfferCategory),
        "application_type": _enum(ApplicationType),
        "isv_name": STRING,
        "plans": {"type": "array", "items": CATALOG_PLAN},
    }
)
CATALOG = _object(
    {
        "storefront": _object({"slug": STRING, "name": STRING, "currency": STRING}),
        "offers": {"type": "array", "items": CATALOG_OFFER},
    }
)

STOREFRONT = _object(
    {"slug": STRING, "name": STRING, "currency": STRING, "is_opted_in": {"type": "boolean"}}
)
LISTING_PRICE = _object({"plan_id": INTEGER, "price": MONEY})
LISTING = _object(
    {
        "id": INTEGER,
        "offer_id": INTEGER,
        "created_at": DATETIME,
        "prices": {"type": "array", "items": LISTING_PRICE},
    }
)
LISTINGS = _object({"items": {"type": "array", "items": LISTING}})
DELETED = _object({"deleted": {"type": "boolean"}})

ORDER_LINE = _object(
    {
        "offer_id": INTEGER,
        "plan_id": INTEGER,
        "isv_id": INTEGER,
        "offer_name": STRING,
        "plan_name": STRING,
        "term": _enum(BillingTerm),
        "quantity": INTEGER,
        "unit_price": MONEY,
        "unit_wholesale": MONEY,
        "total": MONEY,
    }
)
SPLIT_PART = _object(
    {"account": _enum(Account), "party_id": INTEGER, "amount": MONEY}, ("party_id",)
)
ORDER = _object(
    {
        "id": INTEGER,
        "number": STRING,
        "storefront": STRING,
        "status": _enum(OrderStatus),
        "total": MONEY,
        "refunded": MONEY,
        "created_at": DATETIME,
        "paid_at": DATETIME,
    },
    nullable=("paid_at",),
)
ORDER_DETAIL = _object(
    {
        **ORDER["properties"],
        "lines": {"type": "array", "items": ORDER_LINE},
        "split": {"type": "array", "items": SPLIT_PART},
    }
)
ORDER_PAGE = page_of(ORDER)
REFUND = _object(
    {"id": INTEGER, "order_id": INTEGER, "amount": MONEY, "order_status": _enum(OrderStatus)}
)

BALANCE = _object({"account": _enum(Account), "party_id": INTEGER, "balance": MONEY}, ("party_id",))
BALANCES = _object({"items": {"type": "array", "items": BALANCE}})
