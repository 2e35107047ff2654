"""Renewal rate, churn and lifetime value for resellers (their storefront, per offer) and in
the operator console (per storefront and offer: all for the platform, a white-label
operator's own storefronts for its admins)."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlalchemy import select

from storefront.accounts.models import Role
from storefront.extensions import db
from storefront.operator.views import require_console_user
from storefront.reseller.views import admin_required, this_storefront
from storefront.subscriptions.metrics import subscription_metrics, totals
from storefront.tenants import current_storefront
from storefront.tenants.models import Storefront

bp = Blueprint("subscription_reports", __name__)


@bp.route("/reseller/subscriptions")
@admin_required
def reseller_report() -> ResponseReturnValue:
    storefront = this_storefront()
    rows = subscription_metrics([storefront.id])
    return render_template(
        "reseller/subscription_metrics.html",
        storefront=storefront,
        rows=rows,
        total=totals(rows, storefront.id, storefront.currency),
    )


@bp.route("/operator/subscriptions")
def console_report() -> ResponseReturnValue:
    if current_storefront() is not None:
        abort(404)
    if not current_user.is_authenticated:
        return redirect(url_for("operator.login", next=request.full_path.rstrip("?")))
    require_console_user()
    query = select(Storefront).order_by(Storefront.name)
    if current_user.role == Role.OPERATOR_ADMIN:
        query = query.where(Storefront.operator_id == current_user.operator_id)
    stores = list(db.session.scalars(query))
    rows = subscription_metrics([store.id for store in stores])
    return render_template(
        "operator/subscription_metrics.html",
        stores=stores,
        rows=rows,
        totals={store.id: totals(rows, store.id, store.currency) for store in stores},
    )
