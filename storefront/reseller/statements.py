"""The storefront's orders and its monthly commission statement, read from the orders' own
snapshots (prices, wholesale and rates at the time of sale), this storefront's only."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from storefront.errors import DomainError
from storefront.extensions import db
from storefront.ledger.models import Account, LedgerEntry, LedgerTransaction
from storefront.money import Money
from storefront.orders.models import Order, OrderLine, OrderStatus
from storefront.payments.models import Refund
from storefront.pricing import split_charge
from storefront.tenants.models import Storefront
from storefront.tenants.scope import tenant_scope

ORDERS_PAGE_SIZE = 100
# Orders whose payment went through; refunded ones stay on the statement of their month.
CHARGED_STATUSES = (OrderStatus.PAID, OrderStatus.PARTIALLY_REFUNDED, OrderStatus.REFUNDED)
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class OrderNotFound(DomainError):
    pass


@dataclass(frozen=True, slots=True)
class OrderFilter:
    status: OrderStatus | None = None
    month: date | None = None  # first day of the month
    search: str = ""  # order number or buyer e-mail


@dataclass(frozen=True, slots=True)
class OrderSummary:
    order: Order
    commission: Money


@dataclass(frozen=True, slots=True)
class StatementLine:
    order_number: str
    paid_at: datetime
    status: OrderStatus
    offer_name: str
    plan_name: str
    quantity: int
    charged: Money
    wholesale: Money
    margin: Money
    commission: Money
    is_refund: bool = False


@dataclass(frozen=True, slots=True)
class StatementTotal:
    charged: Money
    wholesale: Money
    margin: Money
    commission: Money


@dataclass(frozen=True, slots=True)
class Statement:
    month: date
    lines: list[StatementLine]
    totals: dict[str, StatementTotal]  # by currency (a store may change its currency)


def month_bounds(month: date) -> tuple[datetime, datetime]:
    start = datetime(month.year, month.month, 1, tzinfo=UTC)
    end = datetime(month.year + (month.month == 12), month.month % 12 + 1, 1, tzinfo=UTC)
    return start, end


def parse_month(value: str | None, default: date) -> date:
    """ "2026-03" as the first day of that month; `default` for anything else."""
    try:
        year, month = (int(part) for part in (value or "").split("-"))
        return date(year, month, 1) if 2000 <= year <= 9999 else default
    except ValueError:
        return default


def line_commission(order: Order, line: OrderLine) -> Money:
    """The reseller's part of one line, split as the ledger split it."""
    override = order.operator_override_bp if order.operator_id is not None else 0
    split = split_charge(
        Money(line.total_minor, order.currency),
        Money(line.wholesale_total_minor, order.currency),
        order.commission_rate_bp,
        override,
    )
    return Money(split.reseller, order.currency)


def storefront_orders(storefront: Storefront, order_filter: OrderFilter) -> list[OrderSummary]:
    """The storefront's latest orders matching the filter, newest first."""
    query = (
        select(Order)
        .where(Order.storefront_id == storefront.id)
        .options(selectinload(Order.lines))
        .order_by(Order.created_at.desc(), Order.id.desc())
        .limit(ORDERS_PAGE_SIZE)
    )
    if order_filter.status is not None:
        query = query.where(Order.status == order_filter.status)
    if order_filter.month is not None:
        start, end = month_bounds(order_filter.month)
        query = query.where(Order.created_at >= start, Order.created_at < end)
    search = order_filter.search.strip()
    if search:
        query = query.where(
            or_(Order.number == search.upper(), Order.billing_email == search.lower())
        )
    with tenant_scope(storefront.id):
        orders = db.session.scalars(query).all()
        return [OrderSummary(order, _order_commission(order)) for order in orders]


def _order_commission(order: Order) -> Money:
    total = Money.zero(order.currency)
    if order.status not in CHARGED_STATUSES:
        return total
    for line in order.lines:
        total += line_commission(order, line)
    return total


def storefront_order(storefront: Storefront, order_id: int) -> Order:
    with tenant_scope(storefront.id):
        order = db.session.scalar(
            select(Order).where(Order.id == order_id, Order.storefront_id == storefront.id)
        )
    if order is None:
        raise OrderNotFound(str(order_id))
    return order


def order_statement_lines(order: Order) -> list[StatementLine]:
    with tenant_scope(order.storefront_id):
        return [_statement_line(order, line) for line in order.lines]


def _statement_line(order: Order, line: OrderLine) -> StatementLine:
    charged = Money(line.total_minor, order.currency)
    wholesale = Money(line.wholesale_total_minor, order.currency)
    return StatementLine(
        order_number=order.number,
        paid_at=order.paid_at or order.created_at,
        status=order.status,
        offer_name=line.offer_name,
        plan_name=line.plan_name,
        quantity=line.quantity,
        charged=charged,
        wholesale=wholesale,
        margin=charged - wholesale,
        commission=line_commission(order, line),
    )


def commission_statement(storefront: Storefront, month: date) -> Statement:
    """Every line of the orders paid in `month` (UTC) with its split."""
    start, end = month_bounds(month)
    with tenant_scope(storefront.id):
        orders = db.session.scalars(
            select(Order)
            .where(
                Order.storefront_id == storefront.id,
                Order.status.in_(CHARGED_STATUSES),
                Order.paid_at >= start,
                Order.paid_at < end,
            )
            .options(selectinload(Order.lines))
            .order_by(Order.paid_at, Order.id)
        ).all()
        lines = [_statement_line(order, line) for order in orders for line in order.lines]
        lines += _refund_lines(storefront, start, end)
    return Statement(month=month, lines=lines, totals=_totals(lines))


def _refund_lines(storefront: Storefront, start: datetime, end: datetime) -> list[StatementLine]:
    """Refunds made in the month, with what they took back from the ISVs and from this store,
    read from the ledger's reversing transactions (the exact figures, not a recomputation)."""
    rows = db.session.execute(
        select(
            Refund.id.label("refund_id"),
            Refund.created_at,
            Refund.amount_minor.label("refund_minor"),
            Refund.currency,
            Refund.reason,
            Order.number,
            Order.status,
            LedgerEntry.account,
            LedgerEntry.party_id,
            LedgerEntry.amount_minor.label("entry_minor"),
        )
        .join(Order, Order.id == Refund.order_id)
        .join(LedgerTransaction, LedgerTransaction.refund_id == Refund.id)
        .join(LedgerEntry, LedgerEntry.transaction_id == LedgerTransaction.id)
        .where(
            Refund.storefront_id == storefront.id,
            Refund.created_at >= start,
            Refund.created_at < end,
        )
        .order_by(Refund.created_at, Refund.id)
    ).all()
    refunds: dict[int, dict[str, Any]] = {}
    for row in rows:
        refund = refunds.setdefault(row.refund_id, {"row": row, "isv": 0, "reseller": 0})
        if row.account == Account.ISV_PAYABLE:
            refund["isv"] += row.entry_minor
        elif row.account == Account.RESELLER_PAYABLE and row.party_id == storefront.id:
            refund["reseller"] += row.entry_minor
    lines = []
    for refund in refunds.values():
        row, currency = refund["row"], refund["row"].currency
        charged = Money(-row.refund_minor, currency)
        wholesale = Money(-refund["isv"], currency)
        lines.append(
            StatementLine(
                order_number=row.number,
                paid_at=row.created_at,
                status=row.status,
                offer_name="",
                plan_name=row.reason,
                quantity=0,
                charged=charged,
                wholesale=wholesale,
                margin=charged - wholesale,
                commission=Money(-refund["reseller"], currency),
                is_refund=True,
            )
        )
    return lines


def _totals(lines: Iterable[StatementLine]) -> dict[str, StatementTotal]:
    totals: dict[str, StatementTotal] = {}
    for line in lines:
        zero = Money.zero(line.charged.currency)
        total = totals.get(line.charged.currency, StatementTotal(zero, zero, zero, zero))
        totals[line.charged.currency] = StatementTotal(
            total.charged + line.charged,
            total.wholesale + line.wholesale,
            total.margin + line.margin,
            total.commission + line.commission,
        )
    return totals


def commission_this_month(storefront: Storefront, today: date) -> dict[str, StatementTotal]:
    return commission_statement(storefront, today.replace(day=1)).totals


def csv_cell(value: str) -> str:
    """A cell a spreadsheet shows as text, never runs as a formula (CSV injection)."""
    return "'" + value if value.startswith(_FORMULA_STARTS) else value


def statement_csv(statement: Statement) -> str:
    """The statement as CSV: amounts as exact decimals in major units, with the currency."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(
        [
            "order",
            "paid_at",
            "status",
            "offer",
            "plan",
            "quantity",
            "kind",
            "currency",
            "charged",
            "wholesale",
            "margin",
            "commission",
        ]
    )
    for line in statement.lines:
        row = [
            line.order_number,
            line.paid_at.isoformat(),
            line.status.value,
            line.offer_name,
            line.plan_name,
            str(line.quantity),
            "refund" if line.is_refund else "charge",
            line.charged.currency,
            f"{line.charged.to_decimal():f}",
            f"{line.wholesale.to_decimal():f}",
            f"{line.margin.to_decimal():f}",
            f"{line.commission.to_decimal():f}",
        ]
        writer.writerow([csv_cell(cell) for cell in row])
    return out.getvalue()
