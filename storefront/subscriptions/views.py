"""The buyer's subscriptions on the storefront's host: license keys, cancel at period end (and
undo), replace the card and pay a past-due renewal on-session (3-D Secure as at checkout)."""

from __future__ import annotations

import logging

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext, lazy_gettext
from flask_login import current_user, login_required
from sqlalchemy import select

from storefront.accounts.models import Role, User
from storefront.extensions import db, limiter
from storefront.payments import gateway
from storefront.payments.models import Payment, PaymentStatus
from storefront.payments.provider import CardRefused, ProviderUnavailable
from storefront.payments.services import refresh
from storefront.shop.rendering import render_storefront
from storefront.shop.views import open_storefront
from storefront.subscriptions.cards import save_buyer_card, use_card
from storefront.subscriptions.licenses import subscription_keys
from storefront.subscriptions.models import (
    LicenseStatus,
    Subscription,
    SubscriptionStatus,
)
from storefront.subscriptions.services import (
    SubscriptionNotFound,
    buyer_subscription,
    buyer_subscriptions,
    charge_attempt,
    lock_subscription,
    next_attempt,
    outstanding_renewal,
    set_cancel_at_period_end,
)
from storefront.tenants.models import Storefront
from storefront.tenants.scope import tenant_scope

log = logging.getLogger(__name__)
bp = Blueprint("subscriptions", __name__, url_prefix="/account/subscriptions")

STATUS_LABELS = {
    SubscriptionStatus.ACTIVE: lazy_gettext("Active"),
    SubscriptionStatus.PAST_DUE: lazy_gettext("Payment overdue"),
    SubscriptionStatus.SUSPENDED: lazy_gettext("Suspended"),
    SubscriptionStatus.CANCELLED: lazy_gettext("Cancelled"),
    SubscriptionStatus.ENDED: lazy_gettext("Ended"),
}
LICENSE_LABELS = {
    LicenseStatus.ACTIVE: lazy_gettext("Active"),
    LicenseStatus.SUSPENDED: lazy_gettext("Suspended"),
    LicenseStatus.REVOKED: lazy_gettext("Revoked"),
}


@bp.before_request
def _open_storefront_only() -> None:
    open_storefront()


def _buyer() -> User:
    if current_user.role != Role.BUYER:
        abort(403)
    user: User = current_user._get_current_object()
    return user


def _own(storefront: Storefront, subscription_id: int) -> Subscription:
    try:
        return buyer_subscription(storefront.id, _buyer().id, subscription_id)
    except SubscriptionNotFound:
        abort(404)


@bp.route("/")
@login_required
def index() -> ResponseReturnValue:
    storefront = open_storefront()
    buyer = _buyer()
    with tenant_scope(storefront.id):
        subscriptions = buyer_subscriptions(storefront.id, buyer.id)
        keys = {sub.id: subscription_keys(sub.id) for sub in subscriptions}
    return render_storefront(
        storefront,
        "account/subscriptions.html",
        subscriptions=subscriptions,
        keys=keys,
        status_labels=STATUS_LABELS,
        license_labels=LICENSE_LABELS,
    )


@bp.post("/<int:subscription_id>/cancel")
@login_required
def cancel(subscription_id: int) -> ResponseReturnValue:
    """Cancel at period end (`action=cancel`) or undo that (`action=resume`); CSRF-checked."""
    storefront = open_storefront()
    with tenant_scope(storefront.id):
        subscription = _own(storefront, subscription_id)
        wanted = request.form.get("action") == "cancel"
        if set_cancel_at_period_end(subscription, wanted):
            flash(
                gettext("Your subscription ends at the end of the current period.")
                if wanted
                else gettext("Your subscription will renew as before.")
            )
        else:
            flash(gettext("This subscription can no longer be changed."))
        db.session.commit()
    return redirect(url_for("subscriptions.index"))


@bp.route("/<int:subscription_id>/card")
@login_required
def card(subscription_id: int) -> ResponseReturnValue:
    """Replace the card; for a past-due subscription, pay the overdue renewal with it."""
    storefront = open_storefront()
    with tenant_scope(storefront.id):
        subscription = _own(storefront, subscription_id)
        renewal = outstanding_renewal(subscription)
        db.session.rollback()
    return render_storefront(
        storefront,
        "account/subscription_card.html",
        subscription=subscription,
        overdue=renewal.order.total if renewal else None,
        status_labels=STATUS_LABELS,
        stripe_js_url=current_app.config["STRIPE_JS_URL"],
        publishable_key=current_app.config["STRIPE_PUBLISHABLE_KEY"],
    )


@bp.post("/<int:subscription_id>/card")
@login_required
@limiter.limit(lambda: str(current_app.config["RATELIMIT_CHECKOUT"]))
def save_card(subscription_id: int) -> ResponseReturnValue:
    """JSON in and out, like the checkout: the card token from Stripe.js, never card data."""
    storefront = open_storefront()
    buyer = _buyer()
    body = request.get_json(silent=True)
    token = str(body.get("card_token") or "") if isinstance(body, dict) else ""
    if not token.startswith("tok_") or len(token) > 100:
        return _error(422, "invalid", gettext("Please enter your card details."), field="card")
    provider = gateway.provider()
    with tenant_scope(storefront.id):
        subscription = _own(storefront, subscription_id)
        if not subscription.status.is_open:
            db.session.rollback()
            return _error(409, "closed", gettext("This subscription can no longer be changed."))
        try:
            saved = save_buyer_card(storefront.id, buyer, token, provider)
        except CardRefused as error:
            db.session.rollback()
            return _error(402, "card_failed", error.message, field="card")
        except ProviderUnavailable:
            db.session.rollback()
            return _unavailable()
        use_card(subscription, saved)
        renewal = outstanding_renewal(subscription)
        if renewal is None:
            db.session.commit()
            flash(gettext("Your new card will be used for the next renewal."))
            return jsonify(status="succeeded", redirect=url_for("subscriptions.index"))
        payment, fresh = next_attempt(subscription, renewal)
        if fresh or payment.provider_reference is None:
            payment.payment_method = saved.payment_method
        db.session.commit()  # the attempt is durable before any money moves
        return _pay(subscription_id, payment.id, fresh)


def _pay(subscription_id: int, payment_id: int, fresh: bool) -> ResponseReturnValue:
    subscription = lock_subscription(subscription_id)
    payment = db.session.get(Payment, payment_id, with_for_update=True, populate_existing=True)
    if subscription is None or payment is None:
        abort(404)
    newly_paid = False
    if payment.status == PaymentStatus.CREATED:
        try:
            newly_paid = charge_attempt(
                subscription, payment, gateway.provider(), off_session=False, reconcile=not fresh
            )
        except ProviderUnavailable:
            db.session.rollback()
            return _unavailable()
    db.session.commit()
    return _outcome(subscription_id, payment, newly_paid)


@bp.post("/<int:subscription_id>/confirm")
@login_required
def confirm(subscription_id: int) -> ResponseReturnValue:
    """After 3-D Secure in the browser: re-read the PaymentIntent and apply it."""
    storefront = open_storefront()
    with tenant_scope(storefront.id):
        subscription = _own(storefront, subscription_id)
        renewal = outstanding_renewal(subscription)
        payment = (
            db.session.scalar(
                select(Payment)
                .where(Payment.order_id == renewal.order_id)
                .order_by(Payment.id.desc())
                .limit(1)
            )
            if renewal is not None
            else None
        )
        if payment is None:
            db.session.rollback()
            return jsonify(status="succeeded", redirect=url_for("subscriptions.index"))
        try:
            newly_paid = refresh(payment, gateway.provider())
        except ProviderUnavailable:
            db.session.rollback()
            return _unavailable()
        db.session.commit()
        return _outcome(subscription_id, payment, newly_paid)


def _outcome(subscription_id: int, payment: Payment, newly_paid: bool) -> ResponseReturnValue:
    if newly_paid:
        gateway.after_paid(payment)
    if payment.status == PaymentStatus.SUCCEEDED:
        flash(gettext("Thank you: your subscription is active again."))
        return jsonify(status="succeeded", redirect=url_for("subscriptions.index"))
    if payment.status == PaymentStatus.REQUIRES_ACTION:
        intent = gateway.provider().retrieve(payment.provider_reference or "")
        return jsonify(
            status="requires_action",
            client_secret=intent.client_secret,
            confirm_url=url_for("subscriptions.confirm", subscription_id=subscription_id),
        )
    if payment.status == PaymentStatus.FAILED:
        return jsonify(
            status="failed",
            error={
                "code": "card_failed",
                "field": "card",
                "message": payment.failure_message
                or gettext("The payment did not go through. Please try another card."),
            },
        ), 402
    return jsonify(status="processing", redirect=url_for("subscriptions.index"))


def _unavailable() -> ResponseReturnValue:
    return _error(
        503,
        "payment_service_unavailable",
        gettext("The payment service is unavailable. You have not been charged; please try again."),
    )


def _error(status: int, code: str, message: str, field: str | None = None) -> ResponseReturnValue:
    return jsonify(status="error", error={"code": code, "message": message, "field": field}), status
