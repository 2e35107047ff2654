"""JSON schemas of API responses (OpenAPI 3.1 uses JSON Schema 2020-12)."""

from __future__ import annotations

from typing import Any

from storefront.catalog.models import ApplicationType, BillingTerm, OfferCategory, OfferStatus
from storefront.ledger.models import Account, TransactionKind
from storefront.ledger.statements import PAYABLES
from storefront.orders.models import OrderStatus
from storefront.subscriptions.models import SubscriptionStatus


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

STATEMENT_LINE = _object(
    {
        "transaction_id": INTEGER,
        "entry_id": INTEGER,
        "created_at": DATETIME,
        "kind": _enum(TransactionKind),
        "memo": STRING,
        "amount": MONEY,
        "balance": MONEY,
    }
)
STATEMENT = _object(
    {
        "party": _object(
            {
                "account": {"type": "string", "enum": [account.value for account in PAYABLES]},
                "party_id": INTEGER,
                "currency": STRING,
            }
        ),
        "month": STRING,
        "start": DATETIME,
        "end": DATETIME,
        "opening": MONEY,
        "closing": MONEY,
        "line_count": INTEGER,
        "payouts": {"type": "array", "items": _object({"period": STRING, "amount": MONEY})},
        "items": {"type": "array", "items": STATEMENT_LINE},
        "next_cursor": STRING,
    },
    nullable=("next_cursor",),
)

SUBSCRIPTION = _object(
    {
        "id": INTEGER,
        "storefront": STRING,
        "order_id": INTEGER,
        "offer_id": INTEGER,
        "plan_id": INTEGER,
        "isv_id": INTEGER,
        "offer_name": STRING,
        "plan_name": STRING,
        "term": _enum(BillingTerm),
        "quantity": INTEGER,
        "status": _enum(SubscriptionStatus),
        "unit_price": MONEY,
        "unit_wholesale": MONEY,
        "renewal_amount": MONEY,
        "pending_renewal_amount": MONEY,
        "started_at": DATETIME,
        "current_period_start": DATETIME,
        "current_period_end": DATETIME,
        "cancel_at_period_end": {"type": "boolean"},
        "ended_at": DATETIME,
        "end_reason": STRING,
        "buyer": _object({"name": STRING, "email": STRING, "country": STRING}),
        "created_at": DATETIME,
    },
    nullable=("pending_renewal_amount", "ended_at", "buyer"),
)
SUBSCRIPTION_PAGE = page_of(SUBSCRIPTION)

RATE = {"type": "number", "minimum": 0, "maximum": 1}
SUBSCRIPTION_FIGURES = {
    "storefront": STRING,
    "currency": STRING,
    "subscriptions": INTEGER,
    "active": INTEGER,
    "churned": INTEGER,
    "renewals_due": INTEGER,
    "renewals_paid": INTEGER,
    "renewal_rate": RATE,
    "churn": RATE,
    "lifetime_value": MONEY,
    "reseller_lifetime_value": MONEY,
}
SUBSCRIPTION_METRICS = _object(
    {
        "items": {
            "type": "array",
            "items": _object(
                {**SUBSCRIPTION_FIGURES, "offer_id": INTEGER, "offer_name": STRING},
                nullable=("renewal_rate", "churn"),
            ),
        },
        "totals": {
            "type": "array",
            "items": _object(SUBSCRIPTION_FIGURES, nullable=("renewal_rate", "churn")),
        },
    }
)
