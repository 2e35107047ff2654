"""The events this package emits for other contexts (orders paid and refunded, offer
decisions), each owner receiving only its own data: the reseller its order with retail prices
and its commission; an ISV its own lines at wholesale, never the retail price, the margin or
the buyer."""

from __future__ import annotations

from functools import partial
from typing import Any

from storefront.catalog.models import Offer
from storefront.extensions import db
from storefront.ledger.models import Account, LedgerTransaction
from storefront.orders.models import Order, OrderLine
from storefront.outbound.emitting import emit
from storefront.payments.models import Refund
from storefront.tenants.models import Storefront

_DECISIONS = {
    "offer.approve": "offer.approved",
    "offer.reject": "offer.rejected",
    "offer.retire": "offer.retired",
}


def order_paid(order: Order) -> None:
    """`order.paid` to the storefront and to every ISV with a line in the order."""
    emit("order.paid", partial(_reseller_order, order), storefront_id=order.storefront_id)
    for isv_id, lines in _lines_by_isv(order).items():
        emit("order.paid", partial(_isv_order, order, lines), storefront_id=None, isv_id=isv_id)


def order_refunded(order: Order, refund: Refund, reversal: LedgerTransaction) -> None:
    """`order.refunded`: the refund to the storefront with its commission reversed, and to
    each ISV of the order the wholesale reversed on its lines (from the ledger's reversal)."""
    reversed_by = {
        (entry.account, entry.party_id): entry.amount_minor for entry in reversal.entries
    }
    refund_data = {
        "id": refund.id,
        "amount": _money(refund.amount_minor, order.currency),
        "reason": refund.reason,
        "created": refund.created_at.isoformat() if refund.created_at else None,
    }
    reseller = _reseller_order(order)
    reseller["refund"] = {
        **refund_data,
        "commission_reversed": _money(
            reversed_by.get((Account.RESELLER_PAYABLE, order.storefront_id), 0), order.currency
        ),
    }
    emit("order.refunded", reseller, storefront_id=order.storefront_id)
    for isv_id, lines in _lines_by_isv(order).items():
        data = _isv_order(order, lines)
        data["refund"] = {
            "id": refund.id,
            "created": refund_data["created"],
            "wholesale_reversed": _money(
                reversed_by.get((Account.ISV_PAYABLE, isv_id), 0), order.currency
            ),
        }
        emit("order.refunded", data, storefront_id=None, isv_id=isv_id)


def offer_decided(offer: Offer, action: str) -> None:
    """`offer.approved`, `offer.rejected` or `offer.retired` to the offer's ISV."""
    event_type = _DECISIONS.get(action)
    if event_type is None:
        return
    data = {
        "offer": {
            "id": offer.id,
            "slug": offer.slug,
            "name": offer.name,
            "status": offer.status.value,
            "rejection_reason": offer.rejection_reason,
        }
    }
    emit(event_type, data, storefront_id=None, isv_id=offer.isv_id)


def _reseller_order(order: Order) -> dict[str, Any]:
    storefront = db.session.get(Storefront, order.storefront_id)
    return {
        "order": {
            "id": order.id,
            "number": order.number,
            "status": order.status.value,
            "storefront": storefront.slug if storefront else None,
            "total": _money(order.total_minor, order.currency),
            "refunded": _money(order.refunded_minor, order.currency),
            "paid_at": order.paid_at.isoformat() if order.paid_at else None,
            "buyer": {
                "name": order.billing_name,
                "email": order.billing_email,
                "country": order.billing_country,
            },
            "lines": [
                {
                    "id": line.id,
                    "offer_id": line.offer_id,
                    "offer_name": line.offer_name,
                    "plan_id": line.plan_id,
                    "plan_name": line.plan_name,
                    "term": line.term.value,
                    "quantity": line.quantity,
                    "unit_price": _money(line.unit_retail_minor, order.currency),
                }
                for line in order.lines
            ],
        }
    }


def _isv_order(order: Order, lines: list[OrderLine]) -> dict[str, Any]:
    storefront = db.session.get(Storefront, order.storefront_id)
    return {
        "order": {
            "id": order.id,
            "number": order.number,
            "storefront": storefront.slug if storefront else None,
            "paid_at": order.paid_at.isoformat() if order.paid_at else None,
            "wholesale_total": _money(
                sum(line.wholesale_total_minor for line in lines), order.currency
            ),
            "lines": [
                {
                    "id": line.id,
                    "offer_id": line.offer_id,
                    "offer_name": line.offer_name,
                    "plan_id": line.plan_id,
                    "plan_name": line.plan_name,
                    "term": line.term.value,
                    "quantity": line.quantity,
                    "unit_wholesale": _money(line.unit_wholesale_minor, order.currency),
                }
                for line in lines
            ],
        }
    }


def _lines_by_isv(order: Order) -> dict[int, list[OrderLine]]:
    grouped: dict[int, list[OrderLine]] = {}
    for line in order.lines:
        grouped.setdefault(line.isv_id, []).append(line)
    return grouped


def _money(amount_minor: int, currency: str) -> dict[str, Any]:
    """The API's money shape: integer minor units and the ISO 4217 code."""
    return {"amount": amount_minor, "currency": currency}
