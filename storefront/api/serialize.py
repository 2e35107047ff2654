"""Domain objects as API JSON: money always `{"amount": <minor units>, "currency": ...}`."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from storefront.catalog.models import Listing, Offer
from storefront.extensions import db
from storefront.ledger.models import Account, LedgerEntry, LedgerTransaction, TransactionKind
from storefront.money import Money
from storefront.orders.models import Order
from storefront.tenants.models import Storefront


def money(amount: int | Money, currency: str | None = None) -> dict[str, Any]:
    if isinstance(amount, Money):
        return {"amount": amount.amount, "currency": amount.currency}
    return {"amount": amount, "currency": currency}


def moment(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:  # SQLite hands back naive UTC
        value = value.replace(tzinfo=UTC)
    return value.isoformat()


def offer(row: Offer) -> dict[str, Any]:
    return {
        "id": row.id,
        "isv_id": row.isv_id,
        "slug": row.slug,
        "name": row.name,
        "summary": row.summary,
        "description": row.description,
        "category": row.category.value,
        "application_type": row.application_type.value,
        "status": row.status.value,
        "rejection_reason": row.rejection_reason,
        "created_at": moment(row.created_at),
        "plans": [
            {
                "id": plan.id,
                "name": plan.name,
                "term": plan.term.value,
                "prices": [
                    {
                        "wholesale": money(price.wholesale_minor, price.currency),
                        "recommended_retail": money(price.recommended_retail_minor, price.currency),
                    }
                    for price in sorted(plan.prices, key=lambda price: price.currency)
                ],
            }
            for plan in row.plans
        ],
    }


def storefront(row: Storefront) -> dict[str, Any]:
    return {
        "slug": row.slug,
        "name": row.name,
        "currency": row.currency,
        "is_opted_in": row.is_opted_in,
    }


def listing(row: Listing) -> dict[str, Any]:
    return {
        "id": row.id,
        "offer_id": row.offer_id,
        "created_at": moment(row.created_at),
        "prices": [
            {"plan_id": price.plan_id, "price": money(price.retail_minor, price.currency)}
            for price in sorted(row.prices, key=lambda price: price.plan_id)
        ],
    }


def order(row: Order, storefront_slug: str) -> dict[str, Any]:
    return {
        "id": row.id,
        "number": row.number,
        "storefront": storefront_slug,
        "status": row.status.value,
        "total": money(row.total),
        "refunded": money(row.refunded),
        "created_at": moment(row.created_at),
        "paid_at": moment(row.paid_at),
    }


def order_detail(row: Order, storefront_slug: str) -> dict[str, Any]:
    return {
        **order(row, storefront_slug),
        "lines": [
            {
                "offer_id": line.offer_id,
                "plan_id": line.plan_id,
                "isv_id": line.isv_id,
                "offer_name": line.offer_name,
                "plan_name": line.plan_name,
                "term": line.term.value,
                "quantity": line.quantity,
                "unit_price": money(line.unit_retail_minor, row.currency),
                "unit_wholesale": money(line.unit_wholesale_minor, row.currency),
                "total": money(line.total_minor, row.currency),
            }
            for line in row.lines
        ],
        "split": order_split(row),
    }


def order_split(row: Order) -> list[dict[str, Any]]:
    """Who was owed what for the charge, as posted to the ledger (empty until it is paid).
    The parties' credits are shown as positive amounts; they add up to the charge."""
    entries = db.session.execute(
        select(LedgerEntry.account, LedgerEntry.party_id, LedgerEntry.amount_minor)
        .join(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)
        .where(
            LedgerTransaction.order_id == row.id,
            LedgerTransaction.kind == TransactionKind.CHARGE,
            LedgerEntry.account != Account.PROCESSOR_CLEARING,
        )
        .order_by(LedgerEntry.id)
    ).all()
    return [
        {"account": account.value, "party_id": party_id, "amount": money(-amount, row.currency)}
        for account, party_id, amount in entries
    ]
