"""Reseller dashboard: sign-in, overview, opening the store, picking and pricing offers.
Thin views: services decide, each view commits once."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

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
from flask_babel import get_locale, gettext
from flask_login import current_user

from storefront.accounts.forms import LoginForm
from storefront.accounts.models import Role, User
from storefront.accounts.security_views import password_accepted
from storefront.accounts.services import authenticate
from storefront.accounts.signin import safe_next, sign_in, sign_out
from storefront.accounts.throttle import sign_in_limits
from storefront.accounts.views import KEPT_AT_SIGN_IN
from storefront.catalog.listings import CatalogFilter, listed_offers
from storefront.catalog.models import ApplicationType, OfferCategory
from storefront.extensions import db
from storefront.operator.services import is_suspended
from storefront.orders.history import ORDER_STATUS_LABELS
from storefront.pricing import MarginError, check_margin
from storefront.reseller import services
from storefront.reseller.forms import ActionForm, PriceForm
from storefront.reseller.statements import OrderFilter, commission_this_month, storefront_orders
from storefront.tenants import current_storefront
from storefront.tenants.domains import storefront_domains
from storefront.tenants.models import Storefront
from storefront.timeutil import utcnow

bp = Blueprint("reseller", __name__, url_prefix="/reseller")

_View = TypeVar("_View", bound=Callable[..., ResponseReturnValue])


@bp.before_request
def _storefront_host_only() -> None:
    """The dashboard lives on the storefront's own host (open or not): 404 elsewhere."""
    if current_storefront() is None:
        abort(404)


def this_storefront() -> Storefront:
    storefront = current_storefront()
    if storefront is None:
        abort(404)
    return storefront


def signed_in_admin() -> User | None:
    """The signed-in reseller admin of this storefront (checked again here, not only by the
    session loader's realm check)."""
    storefront = current_storefront()
    if (
        storefront is not None
        and current_user.is_authenticated
        and current_user.role == Role.RESELLER_ADMIN
        and current_user.storefront_id == storefront.id
    ):
        return cast(User, current_user._get_current_object())
    return None


def admin_required(view: _View) -> _View:
    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> ResponseReturnValue:
        if signed_in_admin() is None:
            target = request.full_path.rstrip("?") if request.method == "GET" else None
            return redirect(url_for("reseller.login", next=target))
        if request.method == "POST" and is_suspended(this_storefront().id):
            # A suspended store's dashboard is read-only until the platform lifts it.
            flash(gettext("This store is suspended by the platform: nothing can be changed."))
            return redirect(url_for("reseller.dashboard")), 303
        return view(*args, **kwargs)

    return cast(_View, wrapper)


def admin() -> User:
    user = signed_in_admin()
    if user is None:  # admin_required ran first
        abort(403)
    return user


def locale() -> str:
    return str(get_locale())


@bp.route("/login", methods=["GET", "POST"])
@sign_in_limits
def login() -> ResponseReturnValue:
    storefront = this_storefront()
    if signed_in_admin() is not None:
        return redirect(safe_next(request.args.get("next")) or url_for("reseller.dashboard"))
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(
            form.email.data or "", form.password.data or "", storefront_id=storefront.id
        )
        if user is None or user.role != Role.RESELLER_ADMIN or user.storefront_id != storefront.id:
            form.password.errors.append(gettext("E-mail or password is not right."))
        else:
            response = password_accepted(
                user,
                next_url=safe_next(request.args.get("next")) or url_for("reseller.dashboard"),
                keep=KEPT_AT_SIGN_IN,
            )
            db.session.commit()
            return response
    page = render_template("reseller/login.html", form=form, storefront=storefront)
    return page, 400 if form.errors else 200


def start_session(user: User) -> None:
    """A fresh session at sign-in (no fixation), keeping only the language and cart; the
    caller commits."""
    sign_in(user, keep=KEPT_AT_SIGN_IN)


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    sign_out()
    db.session.commit()
    flash(gettext("You are signed out."))
    return redirect(url_for("reseller.login"))


@bp.route("/")
@admin_required
def dashboard() -> ResponseReturnValue:
    storefront = this_storefront()
    choices = services.offer_choices(storefront)
    return render_template(
        "reseller/dashboard.html",
        storefront=storefront,
        picked=[choice for choice in choices if choice.is_picked],
        new_offers=[choice for choice in choices if choice.is_new],
        on_sale=listed_offers(storefront),
        recent_orders=storefront_orders(storefront, OrderFilter())[:5],
        commission=commission_this_month(storefront, utcnow().date()),
        month=utcnow().date().replace(day=1),
        domains=storefront_domains(storefront),
        status_labels=ORDER_STATUS_LABELS,
        action_form=ActionForm(),
    )


@bp.post("/opt-in")
@admin_required
def opt_in() -> ResponseReturnValue:
    return _set_opted_in(True)


@bp.post("/opt-out")
@admin_required
def opt_out() -> ResponseReturnValue:
    return _set_opted_in(False)


def _set_opted_in(opted_in: bool) -> ResponseReturnValue:
    if not ActionForm().validate_on_submit():
        abort(400)
    services.set_opted_in(this_storefront(), admin(), opted_in)
    db.session.commit()
    flash(
        gettext("Your store is open to buyers.")
        if opted_in
        else gettext("Your store is closed to buyers. Every setting is kept.")
    )
    return redirect(url_for("reseller.dashboard"))


@bp.route("/offers")
@admin_required
def offers() -> ResponseReturnValue:
    storefront = this_storefront()
    catalog_filter = CatalogFilter(
        search=request.args.get("q", "")[:100],
        category=_enum_arg(OfferCategory, "category"),
        application_type=_enum_arg(ApplicationType, "type"),
    )
    choices = services.offer_choices(storefront, catalog_filter)
    return render_template(
        "reseller/offers.html",
        storefront=storefront,
        choices=choices,
        new_offers=[choice for choice in services.offer_choices(storefront) if choice.is_new],
        catalog_filter=catalog_filter,
        categories=list(OfferCategory),
        application_types=list(ApplicationType),
        action_form=ActionForm(),
    )


_Enum = TypeVar("_Enum", OfferCategory, ApplicationType)


def _enum_arg(enum_class: type[_Enum], name: str) -> _Enum | None:
    value = request.args.get(name, "")
    try:
        return enum_class(value) if value else None
    except ValueError:
        return None


@bp.post("/offers/reviewed")
@admin_required
def offers_reviewed() -> ResponseReturnValue:
    if not ActionForm().validate_on_submit():
        abort(400)
    services.mark_offers_reviewed(this_storefront(), admin())
    db.session.commit()
    return redirect(url_for("reseller.offers"))


@bp.route("/offers/<int:offer_id>")
@admin_required
def offer(offer_id: int) -> ResponseReturnValue:
    return _offer_page(offer_id)


def _offer_page(
    offer_id: int,
    errors: dict[int, str] | None = None,
    previews: dict[int, str] | None = None,
    values: dict[int, str] | None = None,
) -> ResponseReturnValue:
    storefront = this_storefront()
    try:
        choice = services.offer_choice(storefront, offer_id)
    except services.OfferUnavailable:
        abort(404)
    page = render_template(
        "reseller/offer.html",
        storefront=storefront,
        choice=choice,
        errors=errors or {},
        previews=previews or {},
        values=values or {},
        price_form=PriceForm(),
        action_form=ActionForm(),
    )
    return page, 400 if errors else 200


@bp.post("/offers/<int:offer_id>/pick")
@admin_required
def pick(offer_id: int) -> ResponseReturnValue:
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        services.pick_offer(this_storefront(), admin(), offer_id)
    except services.OfferUnavailable:
        abort(404)
    db.session.commit()
    flash(gettext("The offer is on your store now."))
    return redirect(_back(url_for("reseller.offer", offer_id=offer_id)))


@bp.post("/listings/<int:listing_id>/remove")
@admin_required
def remove(listing_id: int) -> ResponseReturnValue:
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        services.unselect_offer(this_storefront(), admin(), listing_id)
    except services.ListingNotFound:
        abort(404)
    db.session.commit()
    flash(gettext("The offer is no longer on your store."))
    return redirect(_back(url_for("reseller.offers")))


@bp.post("/listings/<int:listing_id>/plans/<int:plan_id>/price")
@admin_required
def price(listing_id: int, plan_id: int) -> ResponseReturnValue:
    storefront = this_storefront()
    form = PriceForm()
    try:
        listing = services.storefront_listing(storefront, listing_id)
    except services.ListingNotFound:
        abort(404)
    if not form.validate_on_submit():
        return _offer_page(listing.offer_id, errors={plan_id: "; ".join(_all_errors(form.errors))})
    value = form.price.data or ""
    try:
        if request.form.get("action") == "preview":
            return _price_preview(storefront, listing.offer_id, plan_id, value)
        services.set_retail_price(storefront, admin(), listing_id, plan_id, value, locale())
    except services.ListingNotFound:
        abort(404)
    except services.PriceRefused as error:
        db.session.rollback()
        return _offer_page(listing.offer_id, errors={plan_id: str(error)}, values={plan_id: value})
    db.session.commit()
    flash(gettext("Price saved."))
    return redirect(url_for("reseller.offer", offer_id=listing.offer_id))


def _price_preview(
    storefront: Storefront, offer_id: int, plan_id: int, value: str
) -> ResponseReturnValue:
    """The commission the reseller would earn at a typed price, nothing saved."""
    choice = services.offer_choice(storefront, offer_id)
    terms = next((plan for plan in choice.plans if plan.plan_id == plan_id), None)
    if terms is None:
        abort(404)
    chosen = services.parse_price(value, storefront.currency) if value.strip() else terms.price
    try:
        check_margin(terms.wholesale, chosen)
    except MarginError:
        message = gettext(
            "%(price)s is below the floor of %(floor)s (twice the wholesale price).",
            price=chosen.format(locale()),
            floor=terms.floor.format(locale()),
        )
        return _offer_page(offer_id, errors={plan_id: message}, values={plan_id: value})
    commission = services.commission_at(storefront, chosen, terms.wholesale)
    assert commission is not None  # the price passed the margin rule
    message = gettext(
        "At %(price)s you earn %(commission)s per sale.",
        price=chosen.format(locale()),
        commission=commission.format(locale()),
    )
    return _offer_page(offer_id, previews={plan_id: message}, values={plan_id: value})


def _all_errors(errors: Any) -> list[str]:
    return [str(message) for messages in errors.values() for message in messages]


def _back(default: str) -> str:
    return safe_next(request.form.get("next")) or default
