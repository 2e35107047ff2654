"""Accounts: sign-in for staff on the marketplace host and for people of one storefront."""

from __future__ import annotations

from flask import Flask, g
from flask_babel import lazy_gettext

from storefront.accounts.models import Role, User
from storefront.accounts.signin import session_still_valid
from storefront.extensions import db, login_manager


def _load_user(user_id: str) -> User | None:
    """A session is valid only in its realm: a storefront's accounts on that storefront's host,
    staff on the marketplace host."""
    if not user_id.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.is_enabled:
        return None
    storefront = g.get("storefront")
    expected = storefront.id if storefront is not None else None
    if user.storefront_id != expected:
        return None
    if not session_still_valid(user):  # revoked at sign-out, idle, or past its lifetime
        return None
    return user


def init_app(app: Flask) -> None:
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
