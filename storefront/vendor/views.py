"""Vendor portal views (thin): an ISV member sees and edits its own ISV's offers only; every
other offer answers 404, and staff of the console get 403 here."""

from __future__ import annotations

import secrets
from io import BytesIO
from pathlib import Path

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_login import current_user, login_required
from PIL import Image, UnidentifiedImageError
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.datastructures import FileStorage

from storefront.accounts.forms import LoginForm
from storefront.accounts.models import Role, User
from storefront.accounts.security_views import password_accepted
from storefront.accounts.services import authenticate
from storefront.accounts.signin import sign_out
from storefront.accounts.throttle import sign_in_limits
from storefront.catalog import services as catalog
from storefront.catalog.models import (
    ApplicationType,
    BillingTerm,
    Offer,
    OfferCategory,
    OfferRevision,
)
from storefront.errors import DomainError
from storefront.extensions import db
from storefront.ledger.models import Account
from storefront.ledger.statements import Party, PeriodError, statement
from storefront.money import CurrencyError, Money
from storefront.operator.charts import bar_chart, sales_by_month
from storefront.operator.money import csv_response, period_from_args
from storefront.pricing.margin import MarginError, check_margin
from storefront.tenants import current_storefront
from storefront.tenants.scope import all_tenants

bp = Blueprint("vendor", __name__, url_prefix="/vendor")

LOGO_MAX_BYTES = 1_000_000


@bp.before_request
def _marketplace_host_only() -> None:
    if current_storefront() is not None:
        abort(404)


def vendor_actor() -> User:
    """The signed-in ISV member; anyone else signed in here gets 403."""
    if not (current_user.is_authenticated and current_user.role == Role.ISV_MEMBER):
        abort(403)
    user: User = current_user._get_current_object()
    return user


def _offer_or_404(actor: User, offer_id: int) -> Offer:
    try:
        return catalog.vendor_offer(actor, offer_id)
    except catalog.OfferNotFound:
        abort(404)


@bp.route("/login", methods=["GET", "POST"])
@sign_in_limits
def login() -> ResponseReturnValue:
    if current_user.is_authenticated and current_user.role == Role.ISV_MEMBER:
        return redirect(url_for("vendor.offers"))
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(form.email.data or "", form.password.data or "", storefront_id=None)
        if user is None or user.role != Role.ISV_MEMBER:
            form.password.errors.append(gettext("E-mail or password is not right."))
        else:
            response = password_accepted(user, next_url=url_for("vendor.offers"))
            db.session.commit()
            return response
    return render_template("vendor/login.html", form=form), 400 if form.errors else 200


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    sign_out()
    db.session.commit()
    return redirect(url_for("vendor.login"))


@bp.route("/")
@login_required
def offers() -> ResponseReturnValue:
    actor = vendor_actor()
    rows = db.session.scalars(
        select(Offer).where(Offer.isv_id == actor.isv_id).order_by(Offer.name)
    ).all()
    return render_template("vendor/offers.html", offers=rows)


def _offer_fields(actor: User, offer: Offer | None) -> dict[str, object]:
    form = request.form
    fields: dict[str, object] = {
        key: form.get(key, "")
        for key in ("name", "summary", "description", "category", "application_type")
    }
    logo = request.files.get("logo")
    if logo is not None and logo.filename:
        fields["logo_path"] = _save_logo(actor, logo)
    elif offer is not None and offer.logo_path:
        fields["logo_path"] = offer.logo_path
    return fields


def _save_logo(actor: User, upload: FileStorage) -> str:
    """A PNG or JPEG under 1 MB, re-encoded as PNG in instance/uploads/offers/."""
    data = upload.read(LOGO_MAX_BYTES + 1)
    if len(data) > LOGO_MAX_BYTES:
        raise catalog.OfferFieldError("logo", gettext("The logo must be smaller than 1 MB."))
    try:
        with Image.open(BytesIO(data)) as image:
            if image.format not in ("PNG", "JPEG"):
                raise catalog.OfferFieldError("logo", gettext("Upload a PNG or JPEG image."))
            image.thumbnail((512, 512))
            folder = Path(current_app.instance_path) / "uploads" / "offers"
            folder.mkdir(parents=True, exist_ok=True)
            name = f"{actor.isv_id}-{secrets.token_hex(8)}.png"
            image.convert("RGBA").save(folder / name, format="PNG")
    except (UnidentifiedImageError, OSError):
        raise catalog.OfferFieldError("logo", gettext("Upload a PNG or JPEG image.")) from None
    return f"offers/{name}"


@bp.route("/offers/new", methods=["GET", "POST"])
@login_required
def new_offer() -> ResponseReturnValue:
    actor = vendor_actor()
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            offer = catalog.create_offer(actor, **_offer_fields(actor, None))
        except DomainError as error:
            db.session.rollback()
            errors = {str(getattr(error, "field", "name")): str(error)}
        else:
            db.session.commit()
            flash(gettext("The offer is saved as a draft. Add its plans and prices."))
            return redirect(url_for("vendor.offer", offer_id=offer.id))
    page = render_template(
        "vendor/offer_form.html", offer=None, errors=errors, form=request.form, **_choices()
    )
    return page, 400 if errors else 200


def _choices() -> dict[str, object]:
    return {"categories": OfferCategory, "types": ApplicationType, "terms": BillingTerm}


@bp.route("/offers/<int:offer_id>", methods=["GET", "POST"])
@login_required
def offer(offer_id: int) -> ResponseReturnValue:
    actor = vendor_actor()
    item = _offer_or_404(actor, offer_id)
    errors: dict[str, str] = {}
    if request.method == "POST":
        action = request.form.get("action", "")
        try:
            message = _apply(actor, item, action)
        except catalog.OfferNotFound:
            abort(404)
        except MarginError as error:
            db.session.rollback()
            errors = {"retail": error.message("en")}
        except DomainError as error:
            db.session.rollback()
            errors = {str(getattr(error, "field", "name")): str(error)}
        else:
            db.session.commit()
            flash(message)
            return redirect(url_for("vendor.offer", offer_id=offer_id))
        item = _offer_or_404(actor, offer_id)
    revisions = db.session.scalars(
        select(OfferRevision)
        .where(OfferRevision.offer_id == item.id)
        .options(selectinload(OfferRevision.prices))
        .order_by(OfferRevision.proposed_at.desc())
        .limit(10)
    ).all()
    page = render_template(
        "vendor/offer.html",
        offer=item,
        revisions=revisions,
        problems=catalog.margin_problems(item),
        errors=errors,
        form=request.form,
        **_choices(),
    )
    return page, 400 if errors else 200


def _apply(actor: User, item: Offer, action: str) -> str:
    form = request.form
    if action == "details":
        catalog.update_offer(actor, item.id, **_offer_fields(actor, item))
        return str(gettext("Saved."))
    if action == "plan":
        catalog.add_plan(actor, item.id, form.get("plan_name", ""), form.get("term", ""))
        return str(gettext("The plan is added."))
    if action == "price":
        plan_id = form.get("plan_id", "")
        if not plan_id.isdigit():
            raise catalog.OfferNotFound("No such plan.")
        currency = form.get("currency", "").strip().upper()
        wholesale = catalog.parse_price(form.get("wholesale", ""), currency, "wholesale")
        retail = catalog.parse_price(form.get("retail", ""), currency, "retail")
        revision = catalog.price_plan(actor, item.id, int(plan_id), currency, wholesale, retail)
        if revision is not None:
            return str(
                gettext(
                    "The new price waits for approval; storefronts sell the approved one meanwhile."
                )
            )
        return str(gettext("The price is saved."))
    if action == "submit":
        catalog.submit_offer(actor, item.id)
        return str(gettext("The offer is submitted for approval."))
    abort(400)


@bp.post("/margin-check")
@login_required
def margin_check() -> ResponseReturnValue:
    """The margin rule as the ISV types (the same check runs again on save)."""
    vendor_actor()
    currency = request.form.get("currency", "").strip().upper()
    try:
        wholesale = Money.from_major(request.form.get("wholesale", "").strip(), currency)
        retail = Money.from_major(request.form.get("retail", "").strip(), currency)
        check_margin(wholesale, retail)
    except MarginError as error:
        return jsonify(ok=False, message=error.message("en"), floor=str(error.floor.to_decimal()))
    except (CurrencyError, ValueError, ArithmeticError):
        return jsonify(ok=False, message=gettext("Enter both prices in %(c)s.", c=currency or "?"))
    floor = (wholesale * 2).format("en")
    return jsonify(ok=True, message=gettext("Passes: the floor is %(floor)s.", floor=floor))


@bp.route("/sales")
@login_required
def sales() -> ResponseReturnValue:
    actor = vendor_actor()
    with all_tenants():
        per_store = sales_by_month(by="storefront", isv_id=actor.isv_id)
        per_offer = sales_by_month(by="offer", isv_id=actor.isv_id)
    currencies = sorted({row.currency for row in per_store})
    return render_template(
        "vendor/sales.html",
        per_store=per_store,
        per_offer=per_offer,
        charts=[
            (
                currency,
                bar_chart(per_store, currency, gettext("Sales per storefront")),
                bar_chart(per_offer, currency, gettext("Sales per offer")),
            )
            for currency in currencies
        ],
    )


@bp.route("/statement")
@login_required
def wholesale_statement() -> ResponseReturnValue:
    actor = vendor_actor()
    party = Party(
        Account.ISV_PAYABLE,
        actor.isv_id or 0,
        (request.args.get("currency") or "USD").strip().upper()[:3],
    )
    error = ""
    result = None
    try:
        Money(0, party.currency)
        period = period_from_args()
        result = statement(party, period, page=request.args.get("page", 1, type=int) or 1)
    except (PeriodError, CurrencyError) as refused:
        error = str(refused)
    if request.args.get("format") == "csv" and result is not None:
        return csv_response(party, result.period)
    page = render_template(
        "vendor/statement.html", statement=result, error=error, args=request.args
    )
    return page, 400 if error else 200
