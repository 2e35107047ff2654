"""Buyer accounts on a storefront's host: sign-up, sign-in and out, and the buyer's orders."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, redirect, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy.exc import IntegrityError

from storefront.accounts.forms import LoginForm, SignupForm
from storefront.accounts.models import Role, User
from storefront.accounts.services import AccountExists, authenticate, create_user
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

bp = Blueprint("account", __name__, url_prefix="/account")

# What a buyer chose before signing in survives the fresh session: language and cart.
KEPT_AT_SIGN_IN = ("lang", CART_SESSION_KEY)


def _sign_in_rate() -> str:
    return str(current_app.config["RATELIMIT_LOGIN"])


@bp.before_request
def _open_storefront_only() -> None:
    """Accounts exist on an open storefront's host only: 404 on the marketplace host, the
    "not open" page on a storefront that has not opted in."""
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
        else:
            _start_session(buyer)
            return redirect(_safe_next(request.args.get("next")))
    page = render_storefront(
        storefront, "account/signup.html", form=form, next=_next_or_none(request.args.get("next"))
    )
    return page, 400 if form.errors else 200


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_sign_in_rate, methods=["POST"])
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
            db.session.commit()
            _start_session(user)
            return redirect(_safe_next(request.args.get("next")))
    page = render_storefront(
        storefront, "account/login.html", form=form, next=_next_or_none(request.args.get("next"))
    )
    return page, 400 if form.errors else 200


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    logout_user()
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
    )


def _start_session(user: User) -> None:
    """A fresh session at sign-in (no fixation), keeping only the buyer's own choices."""
    kept = {key: session[key] for key in KEPT_AT_SIGN_IN if key in session}
    session.clear()
    session.update(kept)
    login_user(user)


def _next_or_none(target: str | None) -> str | None:
    """`target` if it is a path on this host, else None (never an open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or any(ord(char) < 0x21 or ord(char) == 0x7F for char in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def _safe_next(target: str | None) -> str:
    return _next_or_none(target) or url_for("account.index")
