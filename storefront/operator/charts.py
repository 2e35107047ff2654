"""Sales figures summed by the database, and small bar charts drawn as SVG on the server
(no JavaScript, no CDN). Labels go through Jinja's escaping like any other text."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from markupsafe import Markup, escape
from sqlalchemy import extract, func, select

from storefront.extensions import db
from storefront.money import Money
from storefront.orders.models import Order, OrderLine, OrderStatus
from storefront.tenants.models import Storefront

SOLD = (OrderStatus.PAID, OrderStatus.PARTIALLY_REFUNDED, OrderStatus.REFUNDED)


@dataclass(frozen=True)
class SalesRow:
    label: str  # the storefront's or the offer's name
    month: str  # "2026-11"
    currency: str
    amount_minor: int  # charged, before refunds
    units: int


def sales_by_month(
    *,
    by: str,
    isv_id: int | None = None,
    storefront_ids: Sequence[int] | None = None,
    since: datetime | None = None,
) -> list[SalesRow]:
    """Retail sales per month and per storefront (`by="storefront"`) or per offer
    (`by="offer"`), optionally for one ISV's offers or some storefronts; one GROUP BY query.
    The caller runs it inside `all_tenants()` (order lines are tenant-owned)."""
    year = extract("year", Order.created_at)
    month = extract("month", Order.created_at)
    label: Any = Storefront.name if by == "storefront" else OrderLine.offer_name
    query = (
        select(
            label,
            year,
            month,
            Order.currency,
            func.sum(OrderLine.unit_retail_minor * OrderLine.quantity),
            func.sum(OrderLine.quantity),
        )
        .select_from(OrderLine)
        .join(Order, Order.id == OrderLine.order_id)
        .join(Storefront, Storefront.id == Order.storefront_id)
        .where(Order.status.in_(SOLD))
        .group_by(label, year, month, Order.currency)
        .order_by(year, month, label)
    )
    if isv_id is not None:
        query = query.where(OrderLine.isv_id == isv_id)
    if storefront_ids is not None:
        query = query.where(Order.storefront_id.in_(list(storefront_ids)))
    if since is not None:
        query = query.where(Order.created_at >= since)
    return [
        SalesRow(
            label=row[0],
            month=f"{int(row[1]):04d}-{int(row[2]):02d}",
            currency=row[3],
            amount_minor=int(row[4] or 0),
            units=int(row[5] or 0),
        )
        for row in db.session.execute(query)
    ]


PALETTE = ("#1f4fd1", "#f59e0b", "#10b981", "#ef4444", "#8b5cf6", "#0ea5e9", "#64748b")


def bar_chart(rows: Sequence[SalesRow], currency: str, title: str) -> Markup:
    """Grouped bars: one group per month, one bar per label, amounts in `currency` only."""
    rows = [row for row in rows if row.currency == currency]
    months = sorted({row.month for row in rows})
    labels = sorted({row.label for row in rows})
    if not rows:
        return Markup('<p class="muted">No sales in {} yet.</p>').format(currency)
    top = max(row.amount_minor for row in rows) or 1
    width, height, left, bottom = 640, 220, 70, 40
    group = (width - left - 10) / len(months)
    bar = max(4.0, (group - 8) / len(labels))
    amounts = {(row.month, row.label): row.amount_minor for row in rows}
    parts = [
        f'<svg class="chart" role="img" viewBox="0 0 {width} {height + 20 * len(labels) + 10}" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>',
        f'<text x="{left}" y="12" class="axis">{escape(Money(top, currency).format("en"))}</text>',
        f'<line x1="{left}" y1="{height - bottom}" x2="{width - 10}" y2="{height - bottom}" '
        'stroke="#999"/>',
    ]
    plot = height - bottom - 20
    for m, month in enumerate(months):
        x0 = left + m * group + 4
        for n, label in enumerate(labels):
            amount = amounts.get((month, label), 0)
            h = plot * amount / top
            parts.append(
                f'<rect x="{x0 + n * bar:.1f}" y="{height - bottom - h:.1f}" width="{bar - 1:.1f}" '
                f'height="{h:.1f}" fill="{PALETTE[n % len(PALETTE)]}"><title>'
                f"{escape(label)} {month}: {escape(Money(amount, currency).format('en'))}"
                "</title></rect>"
            )
        parts.append(
            f'<text x="{x0:.1f}" y="{height - bottom + 16}" class="axis">{escape(month)}</text>'
        )
    for n, label in enumerate(labels):
        y = height + 20 * n
        parts.append(
            f'<rect x="{left}" y="{y}" width="12" height="12" fill="{PALETTE[n % len(PALETTE)]}"/>'
            f'<text x="{left + 18}" y="{y + 11}" class="legend">{escape(label)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text piece above is escaped
