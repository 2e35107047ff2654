"""Orders in the operator console: every storefront's for the platform, a white-label
operator's own storefronts' for its admins; refunds by platform admins."""

from __future__ import annotations

from decimal import InvalidOperation

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required
from sqlalchemy import Select, select

from storefront.accounts.models import Role
from storefront.extensions import db
from storefront.money import Money
from storefront.operator.forms import RefundForm
from storefront.operator.views import bp, require_console_user
from storefront.orders.models import Order, OrderStatus
from storefront.payments import gateway
from storefront.payments.models import Payment, Refund
from storefront.payments.provider import ProviderUnavailable
from storefront.payments.services import RefundRefused, refund_order
from storefront.tenants.models import Storefront
from storefront.tenants.scope import all_tenants

PAGE_SIZE = 50


def _visible_orders() -> Select[Order]:
    query = select(Order)
    if current_user.role == Role.OPERATOR_ADMIN:
        query = query.join(Storefront, Storefront.id == Order.storefront_id).where(
            Storefront.operator_id == current_user.operator_id
        )
    return query


def _order_or_404(order_id: int) -> Order:
    order = db.session.scalar(_visible_orders().where(Order.id == order_id))
    if order is None:
        abort(404)
    return order


@bp.route("/orders")
@login_required
def orders() -> ResponseReturnValue:
    require_console_user()
    status = request.args.get("status", "")
    query = _visible_orders().order_by(Order.id.desc()).limit(PAGE_SIZE)
    if status in {s.value for s in OrderStatus}:
        query = query.where(Order.status == OrderStatus(status))
    with all_tenants():
        rows = db.session.scalars(query).all()
        stores = {s.id: s for s in db.session.scalars(select(Storefront))}
    return render_template(
        "operator/orders.html", orders=rows, stores=stores, status=status, statuses=OrderStatus
    )


@bp.route("/orders/<int:order_id>", methods=["GET", "POST"])
@login_required
def order(order_id: int) -> ResponseReturnValue:
    require_console_user()
    form = RefundForm()
    with all_tenants():
        order = _order_or_404(order_id)
        if form.validate_on_submit():
            if current_user.role != Role.PLATFORM_ADMIN:
                abort(403)
            if _refund(order, form):
                return redirect(url_for("operator.order", order_id=order.id))
        storefront = db.session.get(Storefront, order.storefront_id)
        payments = db.session.scalars(
            select(Payment).where(Payment.order_id == order.id).order_by(Payment.id)
        ).all()
        refunds = db.session.scalars(
            select(Refund).where(Refund.order_id == order.id).order_by(Refund.id)
        ).all()
        page = render_template(
            "operator/order.html",
            order=order,
            storefront=storefront,
            payments=payments,
            refunds=refunds,
            form=form,
            can_refund=current_user.role == Role.PLATFORM_ADMIN,
        )
    return page, 400 if form.errors else 200


def _refund(order: Order, form: RefundForm) -> bool:
    try:
        amount = Money.from_major(form.amount.data or "", order.currency)
    except (ValueError, InvalidOperation):
        form.amount.errors = [
            f"Enter an amount in {order.currency}, like {order.refundable.to_decimal()}."
        ]
        return False
    try:
        refund = refund_order(
            order,
            amount,
            gateway.provider(),
            reason=form.reason.data or "",
            requested_by_id=current_user.id,
        )
    except RefundRefused as error:
        db.session.rollback()
        form.amount.errors = [str(error)]
        return False
    except ProviderUnavailable:
        db.session.rollback()
        form.amount.errors = [
            "The payment service is unavailable; nothing was refunded. Try again."
        ]
        return False
    db.session.commit()
    flash(f"Refunded {Money(refund.amount_minor, refund.currency).format('en')}.")
    return True
