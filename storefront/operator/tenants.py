"""Tenants in the console: storefronts (create, suspend, resume, commission) and white-label
operators (create, override share, hosted storefronts). Operator admins manage only their own
operator's storefronts; other storefronts answer 404, operator pages 403."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import login_required
from sqlalchemy import select

from storefront.accounts.models import Role, User
from storefront.errors import DomainError
from storefront.extensions import db
from storefront.mail import MailError, send_mail
from storefront.operator import services
from storefront.operator.models import StorefrontSuspension
from storefront.operator.services import SET_PASSWORD_HOURS
from storefront.operator.views import bp, console_actor, field_errors, require_platform_admin
from storefront.tenants.links import sender_for, storefront_url
from storefront.tenants.models import Storefront, WhiteLabelOperator


def _storefront_or_404(storefront_id: int) -> Storefront:
    try:
        return services.storefront_for(console_actor(), storefront_id)
    except services.NotFound:
        abort(404)


@bp.route("/storefronts")
@login_required
def storefronts() -> ResponseReturnValue:
    actor = console_actor()
    rows = db.session.scalars(services.visible_storefronts(actor).order_by(Storefront.name)).all()
    suspended = set(
        db.session.scalars(
            select(StorefrontSuspension.storefront_id).where(
                StorefrontSuspension.lifted_at.is_(None)
            )
        )
    )
    return render_template("operator/storefronts.html", storefronts=rows, suspended=suspended)


@bp.route("/storefronts/new", methods=["GET", "POST"])
@login_required
def new_storefront() -> ResponseReturnValue:
    actor = console_actor()
    errors: dict[str, str] = {}
    form = request.form
    if request.method == "POST":
        try:
            created = services.create_storefront(
                actor,
                slug=form.get("slug", ""),
                name=form.get("name", ""),
                admin_email=form.get("admin_email", ""),
                currency=form.get("currency", ""),
                language=form.get("language", ""),
                commission_rate_bp=services.parse_percent(form.get("commission", ""), "commission"),
            )
        except DomainError as error:
            db.session.rollback()
            errors = field_errors(error, "slug")
        else:
            db.session.commit()
            _invite(created)
            flash(f"{created.storefront.name} is created; its admin got a link to set a password.")
            return redirect(url_for("operator.storefront", storefront_id=created.storefront.id))
    page = render_template("operator/storefront_new.html", errors=errors, form=form)
    return page, 400 if errors else 200


def _invite(created: services.NewStorefront) -> None:
    """Mail the first admin its sign-in; a mail failure is shown, the store stays created."""
    store = created.storefront
    link = storefront_url(store, "account.reset_password", token=created.set_password_token)
    dashboard = storefront_url(store, "reseller.dashboard")
    try:
        send_mail(
            created.admin.email,
            f"Your storefront {store.name}",
            f"Your storefront {store.name} is ready for you to set up.\n\n"
            f"Choose your password here (the link works once, for {SET_PASSWORD_HOURS} hours):\n"
            f"{link}\n\nThen sign in at {dashboard} with {created.admin.email}.\n",
            None,
            sender=sender_for(store),
        )
    except MailError:
        flash("The invitation mail could not be sent; create the admin's password another way.")


@bp.route("/storefronts/<int:storefront_id>", methods=["GET", "POST"])
@login_required
def storefront(storefront_id: int) -> ResponseReturnValue:
    actor = console_actor()
    store = _storefront_or_404(storefront_id)
    errors: dict[str, str] = {}
    if request.method == "POST":
        action = request.form.get("action", "")
        try:
            _apply(actor, store, action)
        except services.Forbidden:
            abort(403)
        except DomainError as error:
            db.session.rollback()
            errors = field_errors(error, "rate")
        else:
            db.session.commit()
            flash("Saved.")
            return redirect(url_for("operator.storefront", storefront_id=store.id))
        store = _storefront_or_404(storefront_id)
    history = db.session.scalars(
        select(StorefrontSuspension)
        .where(StorefrontSuspension.storefront_id == store.id)
        .order_by(StorefrontSuspension.suspended_at.desc())
    ).all()
    operators = (
        db.session.scalars(select(WhiteLabelOperator).order_by(WhiteLabelOperator.name)).all()
        if actor.role == Role.PLATFORM_ADMIN
        else []
    )
    page = render_template(
        "operator/storefront.html",
        storefront=store,
        suspension=services.active_suspension(store.id),
        history=history,
        operators=operators,
        errors=errors,
        form=request.form,
    )
    return page, 400 if errors else 200


def _apply(actor: User, store: Storefront, action: str) -> None:
    form = request.form
    if action == "commission":
        services.set_commission_rate(
            actor, store.id, services.parse_percent(form.get("rate", ""), "rate")
        )
    elif action == "suspend":
        services.suspend_storefront(actor, store.id, form.get("reason", ""))
    elif action == "resume":
        services.resume_storefront(actor, store.id)
    elif action == "operator":
        chosen = form.get("operator_id", "")
        operator_id = int(chosen) if chosen.isdigit() else None
        try:
            services.assign_storefront(actor, operator_id, store.id)
        except services.NotFound:
            raise services.FieldError("operator_id", "Choose an operator.") from None
    else:
        abort(400)


@bp.route("/operators", methods=["GET", "POST"])
@login_required
def operators() -> ResponseReturnValue:
    actor = require_platform_admin()
    errors: dict[str, str] = {}
    if request.method == "POST":
        form = request.form
        try:
            created = services.create_operator(
                actor,
                slug=form.get("slug", ""),
                name=form.get("name", ""),
                override_rate_bp=services.parse_percent(form.get("rate", ""), "rate"),
            )
        except DomainError as error:
            db.session.rollback()
            errors = field_errors(error, "slug")
        else:
            db.session.commit()
            flash(f"{created.name} is created.")
            return redirect(url_for("operator.white_label_operator", operator_id=created.id))
    rows = db.session.scalars(select(WhiteLabelOperator).order_by(WhiteLabelOperator.name)).all()
    page = render_template(
        "operator/operators.html", operators=rows, errors=errors, form=request.form
    )
    return page, 400 if errors else 200


@bp.route("/operators/<int:operator_id>", methods=["GET", "POST"])
@login_required
def white_label_operator(operator_id: int) -> ResponseReturnValue:
    actor = require_platform_admin()
    operator = db.session.get(WhiteLabelOperator, operator_id)
    if operator is None:
        abort(404)
    errors: dict[str, str] = {}
    if request.method == "POST":
        form = request.form
        try:
            if form.get("action") == "assign":
                chosen = form.get("storefront_id", "")
                if not chosen.isdigit():
                    raise services.FieldError("storefront_id", "Choose a storefront.")
                services.assign_storefront(actor, operator.id, int(chosen))
            else:
                services.set_override_rate(
                    actor, operator.id, services.parse_percent(form.get("rate", ""), "rate")
                )
        except services.NotFound:
            db.session.rollback()
            errors = {"storefront_id": "Choose a storefront."}
        except DomainError as error:
            db.session.rollback()
            errors = field_errors(error, "rate")
        else:
            db.session.commit()
            flash("Saved.")
            return redirect(url_for("operator.white_label_operator", operator_id=operator.id))
        operator = db.session.get(WhiteLabelOperator, operator_id)
    unhosted = db.session.scalars(
        select(Storefront).where(Storefront.operator_id.is_(None)).order_by(Storefront.name)
    ).all()
    page = render_template(
        "operator/operator.html",
        operator=operator,
        unhosted=unhosted,
        errors=errors,
        form=request.form,
    )
    return page, 400 if errors else 200
