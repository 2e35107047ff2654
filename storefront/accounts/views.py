"""Buyer accounts on a storefront's host: sign-up, sign-in and out, and the buyer's orders."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError

from storefront.accounts.forms import LoginForm, SignupForm
from storefront.accounts.models import Role, User
from storefront.accounts.passwords import WeakPassword
from storefront.accounts.services import AccountExists, authenticate, create_user
from storefront.accounts.signin import safe_next, sign_in, sign_out
from storefront.accounts.throttle import sign_in_limits
from storefront.extensions import db, limiter
from storefront.orders.cart import SESSION_KEY as CART_SESSION_KEY
from storefront.orders.history import (
    ORDER_STATUS_LABELS,
    OrderNotFound,
    buyer_order,
    buyer_orders,
    order_lines,
    order_refunds,
)
from storefront.shop.rendering import render_storefront
from storefront.shop.views import open_storefront
from storefront.subscriptions.licenses import keys_for_order
from storefront.tenants import current_storefront

bp = Blueprint("account", __name__, url_prefix="/account")

# What a buyer chose before signing in survives the fresh session: language and cart.
KEPT_AT_SIGN_IN = ("lang", CART_SESSION_KEY)


def _sign_in_rate() -> str:
    return str(current_app.config["RATELIMIT_LOGIN"])


@bp.before_request
def _open_storefront_only() -> None:
    """Accounts exist on an open storefront's host only: 404 on the marketplace host, the
    "not open" page on a storefront that has not opted in. Password resets also work on a
    closed store: its reseller admins need them to open it."""
    if request.endpoint in {"account.request_reset", "account.reset_password"}:
        if current_storefront() is None:
            abort(404)
        return
    open_storefront()


def _signed_in_buyer() -> User | None:
    """The signed-in buyer; the session loader already refused other storefronts' accounts."""
    if current_user.is_authenticated and current_user.role == Role.BUYER:
        user: User = current_user._get_current_object()
        return user
    return None


@bp.route("/signup", methods=["GET", "POST"])
@limiter.limit(_sign_in_rate, methods=["POST"])
def signup() -> ResponseReturnValue:
    storefront = open_storefront()
    if _signed_in_buyer() is not None:
        return redirect(url_for("account.index"))
    form = SignupForm()
    if form.validate_on_submit():
        try:
            buyer = create_user(
                form.email.data or "",
                form.password.data or "",
                Role.BUYER,
                name=form.name.data or "",
                storefront_id=storefront.id,
            )
            db.session.commit()
        except (AccountExists, IntegrityError):  # IntegrityError: the same e-mail, same moment
            db.session.rollback()
            form.email.errors.append(
                gettext("This store already has an account with this e-mail. Please sign in.")
            )
        except WeakPassword as error:
            db.session.rollback()
            form.password.errors.append(str(error))
        else:
            _start_session(buyer)
            db.session.commit()
            return redirect(_safe_next(request.args.get("next")))
    page = render_storefront(
        storefront, "account/signup.html", form=form, next=_next_or_none(request.args.get("next"))
    )
    return page, 400 if form.errors else 200


@bp.route("/login", methods=["GET", "POST"])
@sign_in_limits
def login() -> ResponseReturnValue:
    storefront = open_storefront()
    if _signed_in_buyer() is not None:
        return redirect(_safe_next(request.args.get("next")))
    form = LoginForm()
    if form.validate_on_submit():
        # Reseller admins are storefront accounts too, but they sign in at /reseller/.
        user = authenticate(
            form.email.data or "", form.password.data or "", storefront_id=storefront.id
        )
        if user is None or user.role != Role.BUYER:
            form.password.errors.append(gettext("E-mail or password is not right."))
        else:
            _start_session(user)
            db.session.commit()
            return redirect(_safe_next(request.args.get("next")))
    page = render_storefront(
        storefront, "account/login.html", form=form, next=_next_or_none(request.args.get("next"))
    )
    return page, 400 if form.errors else 200


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    sign_out()
    db.session.commit()
    return redirect(url_for("shop.index"))


@bp.route("/")
@login_required
def index() -> ResponseReturnValue:
    storefront = open_storefront()
    buyer = _signed_in_buyer()
    if buyer is None:
        return redirect(url_for("account.login", next=request.full_path.rstrip("?")))
    return render_storefront(
        storefront,
        "account/orders.html",
        buyer=buyer,
        orders=buyer_orders(storefront.id, buyer.id),
        status_labels=ORDER_STATUS_LABELS,
    )


@bp.route("/orders/<number>")
@login_required
def order(number: str) -> ResponseReturnValue:
    storefront = open_storefront()
    buyer = _signed_in_buyer()
    if buyer is None:
        return redirect(url_for("account.login", next=request.full_path.rstrip("?")))
    try:
        found = buyer_order(storefront.id, buyer.id, number)
    except OrderNotFound:
        abort(404)
    return render_storefront(
        storefront,
        "account/order.html",
        order=found,
        lines=order_lines(found),
        refunds=order_refunds(found),
        status_labels=ORDER_STATUS_LABELS,
        license_keys=keys_for_order(found),
    )


def _start_session(user: User) -> None:
    sign_in(user, keep=KEPT_AT_SIGN_IN)


def _next_or_none(target: str | None) -> str | None:
    return safe_next(target)


def _safe_next(target: str | None) -> str:
    return _next_or_none(target) or url_for("account.index")
