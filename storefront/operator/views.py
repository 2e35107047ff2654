"""Operator console: sign-in and the overview (the console's pages build on this)."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required
from sqlalchemy import func, select

from storefront.accounts.forms import LoginForm
from storefront.accounts.models import Role
from storefront.accounts.security_views import password_accepted
from storefront.accounts.services import authenticate
from storefront.accounts.signin import safe_next, sign_out
from storefront.accounts.throttle import sign_in_limits
from storefront.catalog.models import Offer, OfferStatus
from storefront.extensions import db
from storefront.tenants import current_storefront
from storefront.tenants.models import Storefront, WhiteLabelOperator

bp = Blueprint("operator", __name__, url_prefix="/operator")

CONSOLE_ROLES = (Role.PLATFORM_ADMIN, Role.OPERATOR_ADMIN)


@bp.before_request
def _marketplace_host_only() -> None:
    if current_storefront() is not None:
        abort(404)


def require_console_user() -> None:
    """Console pages are for platform and white-label operator admins only."""
    if not _is_console_user():
        abort(403)


def _is_console_user() -> bool:
    return bool(current_user.is_authenticated and current_user.role in CONSOLE_ROLES)


@bp.route("/login", methods=["GET", "POST"])
@sign_in_limits
def login() -> ResponseReturnValue:
    if _is_console_user():
        return redirect(url_for("operator.dashboard"))
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(form.email.data or "", form.password.data or "", storefront_id=None)
        if user is None or user.role not in CONSOLE_ROLES:
            form.password.errors.append("E-mail or password is not right.")
        else:
            response = password_accepted(user, next_url=_safe_next(request.args.get("next")))
            db.session.commit()
            return response
    return render_template("operator/login.html", form=form), 200 if not form.errors else 400


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    sign_out()
    db.session.commit()
    flash("You are signed out.")
    return redirect(url_for("operator.login"))


@bp.route("/")
@login_required
def dashboard() -> ResponseReturnValue:
    require_console_user()
    storefronts = select(Storefront)
    if current_user.role == Role.OPERATOR_ADMIN:
        storefronts = storefronts.where(Storefront.operator_id == current_user.operator_id)
    storefront_list = db.session.scalars(storefronts.order_by(Storefront.name)).all()
    pending = db.session.scalar(
        select(func.count(Offer.id)).where(Offer.status == OfferStatus.SUBMITTED)
    )
    operator = (
        db.session.get(WhiteLabelOperator, current_user.operator_id)
        if current_user.operator_id
        else None
    )
    return render_template(
        "operator/dashboard.html",
        storefronts=storefront_list,
        pending_offers=pending if current_user.role == Role.PLATFORM_ADMIN else None,
        operator=operator,
    )


def _safe_next(target: str | None) -> str:
    return safe_next(target) or url_for("operator.dashboard")
