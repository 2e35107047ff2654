"""Buyers' password reset on the storefront host: the e-mailed link is built from the
storefront's own stored host (`storefront_url`), never from the request's Host header."""

from __future__ import annotations

from datetime import timedelta

from flask import abort, current_app, flash, redirect, url_for
from flask.typing import ResponseReturnValue
from flask_babel import force_locale, gettext
from sqlalchemy.exc import SQLAlchemyError

from storefront.accounts.forms import NewPasswordForm, ResetRequestForm
from storefront.accounts.passwords import WeakPassword
from storefront.accounts.resets import InvalidResetLink, issue_reset, reset_password
from storefront.accounts.throttle import sign_in_limits
from storefront.accounts.views import bp
from storefront.extensions import db
from storefront.mail import send_mail
from storefront.shop.rendering import render_storefront
from storefront.tenants import current_storefront
from storefront.tenants.links import sender_for, storefront_url
from storefront.tenants.models import Storefront


def this_storefront() -> Storefront:
    """Resets work on closed stores too: their reseller admins need them to open the store."""
    storefront = current_storefront()
    if storefront is None:
        abort(404)
    return storefront


@bp.route("/password-reset", methods=["GET", "POST"])
@sign_in_limits
def request_reset() -> ResponseReturnValue:
    storefront = this_storefront()
    form = ResetRequestForm()
    if form.validate_on_submit():
        hours = int(current_app.config["PASSWORD_RESET_HOURS"])
        issued = issue_reset(form.email.data or "", storefront.id, timedelta(hours=hours))
        db.session.commit()
        if issued is not None:
            user, token = issued
            link = storefront_url(storefront, "account.reset_password", token=token)
            with force_locale(storefront.locale):
                subject = gettext("Reset your password at %(store)s", store=storefront.name)
                text = gettext(
                    "Someone asked to reset the password of your account at %(store)s.\n\n"
                    "Choose a new password here (the link works once, for %(hours)d hours):\n"
                    "%(link)s\n\nIf it was not you, ignore this message: nothing changes.",
                    store=storefront.name,
                    hours=hours,
                    link=link,
                )
            send_mail(user.email, subject, text, None, sender=sender_for(storefront))
        # The same answer whether or not the account exists: accounts cannot be discovered.
        flash(gettext("If an account exists for this e-mail, we sent it a link."))
        return redirect(url_for("account.login"))
    page = render_storefront(storefront, "account/reset_request.html", form=form)
    return page, 400 if form.errors else 200


@bp.route("/password-reset/<token>", methods=["GET", "POST"], endpoint="reset_password")
def reset_password_view(token: str) -> ResponseReturnValue:
    storefront = this_storefront()
    form = NewPasswordForm()
    if form.validate_on_submit():
        try:
            reset_password(token, form.password.data or "", storefront.id)
            db.session.commit()
        except (InvalidResetLink, WeakPassword) as error:
            db.session.rollback()
            form.password.errors.append(str(error))
        except SQLAlchemyError:
            db.session.rollback()
            raise
        else:
            flash(gettext("Your password is changed. Please sign in."))
            return redirect(url_for("account.login"))
    page = render_storefront(storefront, "account/reset.html", form=form)
    return page, 400 if form.errors else 200
