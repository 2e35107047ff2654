"""Reseller dashboard: the storefront's orders and its monthly commission statement."""

from __future__ import annotations

from flask import Response, abort, render_template, request
from flask.typing import ResponseReturnValue

from storefront.orders.history import ORDER_STATUS_LABELS
from storefront.orders.models import OrderStatus
from storefront.reseller.statements import (
    OrderFilter,
    OrderNotFound,
    commission_statement,
    order_statement_lines,
    parse_month,
    statement_csv,
    storefront_order,
    storefront_orders,
)
from storefront.reseller.views import admin_required, bp, this_storefront
from storefront.timeutil import utcnow


def _status_arg() -> OrderStatus | None:
    value = request.args.get("status", "")
    try:
        return OrderStatus(value) if value else None
    except ValueError:
        return None


@bp.route("/orders")
@admin_required
def orders() -> ResponseReturnValue:
    storefront = this_storefront()
    month_arg = request.args.get("month", "")
    order_filter = OrderFilter(
        status=_status_arg(),
        month=parse_month(month_arg, utcnow().date().replace(day=1)) if month_arg else None,
        search=request.args.get("q", "")[:254],
    )
    return render_template(
        "reseller/orders.html",
        storefront=storefront,
        summaries=storefront_orders(storefront, order_filter),
        order_filter=order_filter,
        statuses=list(OrderStatus),
        status_labels=ORDER_STATUS_LABELS,
    )


@bp.route("/orders/<int:order_id>")
@admin_required
def order(order_id: int) -> ResponseReturnValue:
    storefront = this_storefront()
    try:
        found = storefront_order(storefront, order_id)
    except OrderNotFound:
        abort(404)
    return render_template(
        "reseller/order.html",
        storefront=storefront,
        order=found,
        lines=order_statement_lines(found),
        status_labels=ORDER_STATUS_LABELS,
    )


@bp.route("/commission")
@admin_required
def commission() -> ResponseReturnValue:
    storefront = this_storefront()
    month = parse_month(request.args.get("month"), utcnow().date().replace(day=1))
    return render_template(
        "reseller/commission.html",
        storefront=storefront,
        statement=commission_statement(storefront, month),
        status_labels=ORDER_STATUS_LABELS,
    )


@bp.route("/commission.csv")
@admin_required
def commission_csv() -> ResponseReturnValue:
    storefront = this_storefront()
    month = parse_month(request.args.get("month"), utcnow().date().replace(day=1))
    body = statement_csv(commission_statement(storefront, month))
    name = f"commission-{storefront.slug}-{month:%Y-%m}.csv"
    return Response(
        body,
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "X-Content-Type-Options": "nosniff",
        },
    )
