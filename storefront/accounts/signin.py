"""Signing in and out, the same on every surface: a fresh session (no fixation) recorded on
the server, revoked at sign-out; and the only redirects allowed after sign-in."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from urllib.parse import urlsplit

from flask import current_app, request, session
from flask_login import login_user, logout_user

from storefront.accounts.models import User
from storefront.accounts.sessions import (
    close_session,
    open_session,
    record_is_current,
    user_and_session,
)

SESSION_ID_KEY = "sid"


def sign_in(user: User, *, keep: Iterable[str] = ()) -> None:
    """Start a new session for the user, keeping only the named session values (e.g. the
    buyer's cart and language). The caller commits."""
    kept = {key: session[key] for key in keep if key in session}
    session.clear()
    session.update(kept)
    session[SESSION_ID_KEY] = open_session(user, client_address=request.remote_addr or "")
    login_user(user)


def sign_out() -> None:
    """Revoke the session on the server and forget it in the browser. The caller commits."""
    close_session(session.get(SESSION_ID_KEY))
    logout_user()
    session.clear()


def signed_in_user(user_id: int) -> tuple[User | None, bool]:
    """The user a request's cookie names, and whether the session behind the cookie is
    current (see storefront.accounts.sessions): read together, in one statement."""
    config = current_app.config
    user, record = user_and_session(user_id, session.get(SESSION_ID_KEY))
    current = user is not None and record_is_current(
        record,
        idle=timedelta(minutes=int(config["SESSION_IDLE_MINUTES"])),
        lifetime=timedelta(hours=int(config["SESSION_LIFETIME_HOURS"])),
    )
    return user, current


def safe_next(target: str | None) -> str | None:
    """`target` if it is a path on this host, else None (never an open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or any(ord(char) < 0x21 or ord(char) == 0x7F for char in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target
