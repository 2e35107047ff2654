"""Cart and checkout: the buyer's path from a plan to a paid order.

The browser never sends a price: the cart holds plan ids and quantities, and the server
prices it from the listing rules on every page and again at payment. Card data goes from
Stripe.js straight to the provider; we receive only a card id.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import get_locale, gettext
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from storefront.accounts.models import Role
from storefront.catalog.listings import listed_plans
from storefront.errors import DomainError
from storefront.extensions import db, limiter
from storefront.orders.cart import Cart, CartError, price_cart
from storefront.orders.models import Order
from storefront.orders.services import BillingDetails, order_by_number, place_order
from storefront.payments import gateway
from storefront.payments.models import Payment, PaymentStatus
from storefront.payments.provider import CardRefused, ProviderUnavailable
from storefront.payments.services import execute, prepare, refresh
from storefront.shop.forms import AddToCartForm, BillingForm, CartLineForm
from storefront.shop.rendering import render_storefront
from storefront.shop.views import open_storefront
from storefront.subscriptions.cards import save_buyer_card
from storefront.subscriptions.models import SavedCard
from storefront.tenants.models import Storefront

log = logging.getLogger(__name__)
bp = Blueprint("checkout", __name__)

# Every script the payment page loads, in one place (PCI DSS 6.4.3): our own checkout script
# and Stripe.js from the configured origin. The page template renders exactly these.
PAYMENT_PAGE_SCRIPTS = ("stripe_js", "checkout_js")


def _buyer_of(storefront: Storefront) -> Any:
    if current_user.role != Role.BUYER or current_user.storefront_id != storefront.id:
        abort(403)
    return current_user


@bp.route("/cart")
def cart() -> ResponseReturnValue:
    storefront = open_storefront()
    priced = price_cart(storefront, Cart(session).quantities)
    if priced.dropped_plan_ids:
        for plan_id in priced.dropped_plan_ids:
            Cart(session).set(plan_id, 0)
        flash(gettext("Some items are no longer for sale here and were removed from your cart."))
    return render_storefront(storefront, "cart.html", cart=priced)


@bp.post("/cart/add")
def add_to_cart() -> ResponseReturnValue:
    storefront = open_storefront()
    form = AddToCartForm()
    if not form.validate_on_submit() or form.plan_id.data is None:
        abort(400)
    if form.plan_id.data not in listed_plans(storefront, [form.plan_id.data]):
        abort(404)
    try:
        Cart(session).add(form.plan_id.data, form.quantity.data or 1)
    except CartError as error:
        flash(str(error))
    return redirect(url_for("checkout.cart"))


@bp.post("/cart/update")
def update_cart() -> ResponseReturnValue:
    open_storefront()
    form = CartLineForm()
    if not form.validate_on_submit() or form.plan_id.data is None:
        abort(400)
    Cart(session).set(form.plan_id.data, form.quantity.data or 0)
    return redirect(url_for("checkout.cart"))


@bp.route("/checkout")
@login_required
def checkout() -> ResponseReturnValue:
    storefront = open_storefront()
    buyer = _buyer_of(storefront)
    priced = price_cart(storefront, Cart(session).quantities)
    if priced.is_empty or priced.dropped_plan_ids:
        return redirect(url_for("checkout.cart"))
    form = BillingForm(
        locale=str(get_locale()),
        data={"billing_name": buyer.name, "billing_email": buyer.email},
    )
    return render_storefront(
        storefront,
        "checkout.html",
        cart=priced,
        form=form,
        attempt=secrets.token_urlsafe(16),
        stripe_js_url=current_app.config["STRIPE_JS_URL"],
        publishable_key=current_app.config["STRIPE_PUBLISHABLE_KEY"],
    )


@bp.post("/checkout/pay")
@login_required
@limiter.limit(lambda: str(current_app.config["RATELIMIT_CHECKOUT"]))
def pay() -> ResponseReturnValue:
    """Create (or reuse) the order for the cart and charge the card: JSON in and out."""
    storefront = open_storefront()
    buyer = _buyer_of(storefront)
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return _error(400, "malformed", gettext("The request could not be read."))
    form = BillingForm(
        formdata=MultiDict({k: str(v) for k, v in body.items() if isinstance(v, str | int)}),
        locale=str(get_locale()),
        meta={"csrf": False},  # checked for the JSON request by CSRFProtect's header check
    )
    payment_method = str(body.get("payment_method") or "")
    attempt = str(body.get("attempt") or "")
    if not form.validate():
        field, errors = next(iter(form.errors.items()))
        return _error(422, "invalid", str(errors[0]), field=field)
    if not payment_method.startswith(("card_", "pm_")) or not 8 <= len(attempt) <= 64:
        return _error(422, "invalid", gettext("Please enter your card details."), field="card")

    priced = price_cart(storefront, Cart(session).quantities)
    if priced.dropped_plan_ids or body.get("cart") != priced.fingerprint:
        # something on sale or its price changed since the buyer saw the total
        return _error(409, "cart_changed", gettext("Your cart changed. Please review it."))
    customer = None
    card_token = str(body.get("card_token") or "")
    if card_token and any(line.plan.term.months for line in priced.lines):
        # subscriptions renew on this card (without it, they start with no card on file)
        saved = _save_card(storefront, buyer, card_token)
        if not isinstance(saved, SavedCard):
            return saved
        payment_method, customer = saved.payment_method, saved.customer_reference
    try:
        order = place_order(
            storefront,
            buyer,
            priced,
            BillingDetails(
                name=form.billing_name.data or "",
                email=form.billing_email.data or "",
                country=form.billing_country.data or "",
            ),
            locale=str(get_locale()),
        )
        payment = prepare(order, payment_method=payment_method, attempt=attempt)
    except DomainError as error:
        db.session.rollback()
        return _error(409, "refused", str(error))
    db.session.commit()  # the attempt is durable before any money moves
    return _charge(storefront, payment, customer)


def _save_card(storefront: Storefront, buyer: Any, token: str) -> SavedCard | ResponseReturnValue:
    """Save the card to the buyer's provider customer, for the renewals of its subscriptions."""
    if not token.startswith("tok_") or len(token) > 100:
        return _error(422, "invalid", gettext("Please enter your card details."), field="card")
    try:
        return save_buyer_card(storefront.id, buyer, token, gateway.provider())
    except CardRefused as error:
        db.session.rollback()
        return _error(402, "card_failed", error.message, field="card")
    except ProviderUnavailable:
        db.session.rollback()
        return _unavailable()


@bp.post("/checkout/orders/<number>/confirm")
@login_required
def confirm(number: str) -> ResponseReturnValue:
    """After 3-D Secure in the browser: re-read the PaymentIntent and apply it."""
    storefront = open_storefront()
    order = _own_order(storefront, number)
    payment = _latest_payment(order)
    if payment is None:
        return _error(404, "not_found", gettext("No payment for this order."))
    try:
        newly_paid = refresh(payment, gateway.provider())
    except ProviderUnavailable:
        db.session.rollback()
        return _unavailable()
    charged = _Charged.of(payment)
    db.session.commit()
    return _outcome(storefront, charged, newly_paid)


@bp.route("/checkout/orders/<number>")
@login_required
def result(number: str) -> ResponseReturnValue:
    """The result page: whatever the browser said, the PaymentIntent is re-read from Stripe."""
    storefront = open_storefront()
    order = _own_order(storefront, number)
    payment = _latest_payment(order)
    newly_paid = False
    unavailable = False
    if payment is not None and payment.status != PaymentStatus.SUCCEEDED:
        try:
            newly_paid = refresh(payment, gateway.provider())
            db.session.commit()
        except ProviderUnavailable:
            db.session.rollback()
            unavailable = True
    if newly_paid and payment is not None:
        gateway.after_paid(payment)
    if payment is not None and payment.status == PaymentStatus.SUCCEEDED:
        Cart(session).clear()
    return render_storefront(
        storefront, "order_result.html", order=order, payment=payment, unavailable=unavailable
    )


@dataclass(frozen=True)
class _Charged:
    """What the response needs of a payment, read before the commit (which expires the rows)."""

    status: PaymentStatus
    order_id: int
    order_number: str
    provider_reference: str | None
    failure_message: str

    @classmethod
    def of(cls, payment: Payment) -> _Charged:
        return cls(
            payment.status,
            payment.order_id,
            payment.order.number,
            payment.provider_reference,
            payment.failure_message,
        )


def _charge(
    storefront: Storefront, payment: Payment, customer: str | None = None
) -> ResponseReturnValue:
    try:
        newly_paid = execute(payment, gateway.provider(), customer=customer)
    except ProviderUnavailable as error:
        db.session.rollback()
        log.warning("payment %s: provider unavailable: %s", payment.id, error)
        return _unavailable()
    charged = _Charged.of(payment)
    db.session.commit()
    return _outcome(storefront, charged, newly_paid)


def _outcome(storefront: Storefront, payment: _Charged, newly_paid: bool) -> ResponseReturnValue:
    if newly_paid:
        gateway.after_order_paid(payment.order_id)
    if payment.status == PaymentStatus.SUCCEEDED:
        Cart(session).clear()
        return jsonify(
            status="succeeded", redirect=url_for("checkout.result", number=payment.order_number)
        )
    if payment.status == PaymentStatus.REQUIRES_ACTION:
        intent = gateway.provider().retrieve(payment.provider_reference or "")
        return jsonify(
            status="requires_action",
            client_secret=intent.client_secret,
            confirm_url=url_for("checkout.confirm", number=payment.order_number),
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
            attempt=secrets.token_urlsafe(16),
        ), 402
    return jsonify(
        status="processing", redirect=url_for("checkout.result", number=payment.order_number)
    )


def _unavailable() -> ResponseReturnValue:
    return _error(
        503,
        "payment_service_unavailable",
        gettext("The payment service is unavailable. You have not been charged; please try again."),
    )


def _error(status: int, code: str, message: str, field: str | None = None) -> ResponseReturnValue:
    return jsonify(status="error", error={"code": code, "message": message, "field": field}), status


def _own_order(storefront: Storefront, number: str) -> Order:
    order = order_by_number(storefront, number)
    if order is None or order.buyer_id != current_user.id:
        abort(404)
    return order


def _latest_payment(order: Order) -> Payment | None:
    return db.session.scalar(
        select(Payment).where(Payment.order_id == order.id).order_by(Payment.id.desc()).limit(1)
    )
