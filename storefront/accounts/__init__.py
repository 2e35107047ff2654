"""Accounts: sign-in for staff on the marketplace host and for people of one storefront."""

from __future__ import annotations

from flask import Flask, current_app, g, request, session
from flask_babel import lazy_gettext
from flask_login.config import COOKIE_NAME

from storefront.accounts.models import Role, User
from storefront.accounts.signin import signed_in_user
from storefront.extensions import login_manager


def _load_user(user_id: str) -> User | None:
    """A session is valid only in its realm: a storefront's accounts on that storefront's host,
    staff on the marketplace host."""
    if not user_id.isdigit():
        return None
    user, current = signed_in_user(int(user_id))
    if user is None or not user.is_enabled:
        return None
    storefront = g.get("storefront")
    expected = storefront.id if storefront is not None else None
    if user.storefront_id != expected:
        return None
    if not current:  # revoked at sign-out, idle, or past its lifetime
        return None
    return user


def _anonymous_without_signed_in_session() -> None:
    """A request whose session names no user (and with no remember-me cookie, which is never
    issued) is anonymous: said at once, instead of Flask-Login's work on every page (its
    session protection hashes the client's address and agent before finding no user)."""
    cookie = current_app.config.get("REMEMBER_COOKIE_NAME", COOKIE_NAME)
    if "_user_id" not in session and cookie not in request.cookies:
        g._login_user = login_manager.anonymous_user()  # where Flask-Login keeps the request's user


def init_app(app: Flask) -> None:
    app.before_request(_anonymous_without_signed_in_session)  # before anything reads the user
    from storefront.accounts import (
        reset_views,  # noqa: F401 - registers the reset pages
        security_views,
    )
    from storefront.accounts.views import bp

    security_views.init_app(app)
    login_manager.init_app(app)
    login_manager.user_loader(_load_user)
    login_manager.session_protection = "strong"
    # Each surface signs in on its own page; buyers' pages (account, checkout) at /account/.
    login_manager.blueprint_login_views = {
        "operator": "operator.login",
        "account": "account.login",
        "checkout": "account.login",
        "subscriptions": "account.login",
        "reseller": "reseller.login",
        "vendor": "vendor.login",
    }
    login_manager.login_message = lazy_gettext("Please sign in to see this page.")
    login_manager.localize_callback = str  # the message in the request's language
    app.register_blueprint(bp)


__all__ = ["Role", "User", "init_app"]
