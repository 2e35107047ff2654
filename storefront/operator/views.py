"""Operator console: sign-in, the overview and the helpers every console page uses."""

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
from storefront.accounts.models import Role, User
from storefront.accounts.security_views import password_accepted
from storefront.accounts.services import authenticate
from storefront.accounts.signin import safe_next, sign_out
from storefront.accounts.throttle import sign_in_limits
from storefront.catalog.models import Offer, OfferStatus
from storefront.errors import DomainError
from storefront.extensions import db
from storefront.operator.charts import bar_chart, sales_by_month
from storefront.tenants import current_storefront
from storefront.tenants.models import Storefront, WhiteLabelOperator
from storefront.tenants.scope import all_tenants

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


def console_actor() -> User:
    """The signed-in console user (after `require_console_user`)."""
    require_console_user()
    user: User = current_user._get_current_object()
    return user


def require_platform_admin() -> User:
    actor = console_actor()
    if actor.role != Role.PLATFORM_ADMIN:
        abort(403)
    return actor


def field_errors(error: DomainError, default: str) -> dict[str, str]:
    """A refused change as {field: message} for the form that asked for it."""
    return {str(getattr(error, "field", default)): str(error)}


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
    with all_tenants():
        sales = sales_by_month(
            by="storefront",
            storefront_ids=None
            if current_user.role == Role.PLATFORM_ADMIN
            else [store.id for store in storefront_list],
        )
    charts = [
        bar_chart(sales, currency, f"Sales per month per storefront in {currency}")
        for currency in sorted({row.currency for row in sales})
    ]
    return render_template(
        "operator/dashboard.html",
        charts=charts,
        storefronts=storefront_list,
        pending_offers=pending if current_user.role == Role.PLATFORM_ADMIN else None,
        operator=operator,
    )


def _safe_next(target: str | None) -> str:
    return safe_next(target) or url_for("operator.dashboard")
