"""Two-factor sign-in pages, the same on the marketplace host (console, vendor portal) and on
storefront hosts (reseller dashboard): set-up, and the second step of signing in."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from storefront.accounts.mfa import (
    WrongCode,
    confirm_enrolment,
    mfa_available,
    mfa_required,
    start_enrolment,
    verify_second_factor,
)
from storefront.accounts.models import User
from storefront.accounts.passwords import WeakPassword
from storefront.accounts.resets import InvalidResetLink, issue_reset, reset_password
from storefront.accounts.signin import safe_next, sign_in
from storefront.accounts.throttle import sign_in_limits
from storefront.accounts.totp import provisioning_uri
from storefront.extensions import db
from storefront.mail import send_mail
from storefront.tenants import current_storefront
from storefront.tenants.links import marketplace_url, sender_address

bp = Blueprint("security", __name__, url_prefix="/security")

PENDING_KEY = "mfa_pending"
PENDING_SECONDS = 300  # the second step must follow the password within five minutes
NEW_SECRET_KEY = "mfa_new_secret"  # noqa: S105 - a session key name, not a secret


class CodeForm(FlaskForm):
    code = StringField("Code", validators=[DataRequired(), Length(max=20)])


def password_accepted(
    user: User, *, next_url: str, keep: tuple[str, ...] = ()
) -> ResponseReturnValue:
    """What every sign-in form does once the password is right: sign in, or (with two-factor
    sign-in on) ask for the code first. The caller commits."""
    if user.mfa_enabled_at is None:
        sign_in(user, keep=keep)
        return redirect(next_url)
    kept = {key: session[key] for key in keep if key in session}
    session.clear()
    session.update(kept)
    session[PENDING_KEY] = {
        "user": user.id,
        "since": time.time(),
        "next": safe_next(next_url) or "/",
        "keep": list(keep),
    }
    return redirect(url_for("security.verify"))


@bp.route("/verify", methods=["GET", "POST"])
@sign_in_limits
def verify() -> ResponseReturnValue:
    pending: dict[str, Any] | None = session.get(PENDING_KEY)
    if not pending or time.time() - float(pending.get("since", 0)) > PENDING_SECONDS:
        session.pop(PENDING_KEY, None)
        abort(404)
    user = db.session.get(User, int(pending["user"]))
    storefront = current_storefront()
    expected = storefront.id if storefront is not None else None
    if user is None or user.storefront_id != expected:
        abort(404)
    form = CodeForm()
    if form.validate_on_submit():
        try:
            verify_second_factor(user, form.code.data or "")
        except WrongCode as error:
            db.session.rollback()
            form.code.errors = [str(error)]
        else:
            sign_in(user, keep=tuple(pending.get("keep", ())))
            db.session.commit()
            return redirect(pending["next"])
    page = render_template("security/verify.html", form=form)
    return page, 400 if form.errors else 200


@bp.route("/two-factor", methods=["GET", "POST"])
@login_required
def two_factor() -> ResponseReturnValue:
    user: User = current_user._get_current_object()
    if not mfa_available(user):
        abort(404)
    form = CodeForm()
    secret = session.get(NEW_SECRET_KEY) or start_enrolment()
    session[NEW_SECRET_KEY] = secret
    recovery_codes: list[str] = []
    if form.validate_on_submit():
        try:
            recovery_codes = confirm_enrolment(user, secret, form.code.data or "")
        except WrongCode as error:
            db.session.rollback()
            form.code.errors = [str(error)]
        else:
            db.session.commit()
            session.pop(NEW_SECRET_KEY, None)
    storefront = current_storefront()
    issuer = storefront.name if storefront is not None else "Storefront"
    page = render_template(
        "security/two_factor.html",
        form=form,
        secret=secret,
        uri=provisioning_uri(secret, user.email, issuer),
        enabled=user.mfa_enabled_at is not None,
        recovery_codes=recovery_codes,
        required=mfa_required(user),
    )
    return page, 400 if form.errors else 200


class ResetRequestForm(FlaskForm):
    email = StringField("E-mail", validators=[DataRequired(), Length(max=254)])


class NewPasswordForm(FlaskForm):
    password = PasswordField("New password", validators=[DataRequired(), Length(max=256)])
    confirm_password = PasswordField(
        "Repeat the password",
        validators=[DataRequired(), EqualTo("password", message="The passwords differ.")],
    )


@bp.route("/password-reset", methods=["GET", "POST"])
@sign_in_limits
def request_staff_reset() -> ResponseReturnValue:
    """Console and vendor accounts (the marketplace host); storefront accounts reset on their
    store's host, at /account/password-reset."""
    if current_storefront() is not None:
        return redirect(url_for("account.request_reset"))
    form = ResetRequestForm()
    if form.validate_on_submit():
        hours = int(current_app.config["PASSWORD_RESET_HOURS"])
        issued = issue_reset(form.email.data or "", None, timedelta(hours=hours))
        db.session.commit()
        if issued is not None:
            user, token = issued
            link = marketplace_url("security.reset_staff_password", token=token)
            send_mail(
                user.email,
                "Reset your password",
                "Someone asked to reset the password of your account.\n\n"
                f"Choose a new password here (the link works once, for {hours} hours):\n"
                f"{link}\n\nIf it was not you, ignore this message: nothing changes.",
                None,
                sender=sender_address(),
            )
        flash("If an account exists for this e-mail, we sent it a link.")
        return redirect(url_for("security.request_staff_reset"))
    page = render_template("security/reset_request.html", form=form)
    return page, 400 if form.errors else 200


@bp.route("/password-reset/<token>", methods=["GET", "POST"])
def reset_staff_password(token: str) -> ResponseReturnValue:
    if current_storefront() is not None:
        abort(404)
    form = NewPasswordForm()
    if form.validate_on_submit():
        try:
            reset_password(token, form.password.data or "", None)
            db.session.commit()
        except (InvalidResetLink, WeakPassword) as error:
            db.session.rollback()
            form.password.errors = [str(error)]
        else:
            flash("Your password is changed. Please sign in.")
            return redirect(url_for("shop.index"))
    page = render_template("security/reset.html", form=form)
    return page, 400 if form.errors else 200


def _require_second_factor() -> ResponseReturnValue | None:
    """Platform admins set up two-factor sign-in before anything else."""
    if not current_user.is_authenticated or not mfa_required(current_user):
        return None
    if request.endpoint in {"security.two_factor", "static", "operator.logout", "vendor.logout"}:
        return None
    return redirect(url_for("security.two_factor"))


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.before_request(_require_second_factor)
