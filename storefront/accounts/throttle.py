"""Rate limits on sign-in forms, keyed so that an attacker cannot lock a real user out.

Two limits apply to every POST: one per client address (guessing many accounts from one
place) and one per account *and* address (guessing one account from one place). There is no
limit per account alone: the real user, signing in from their own address, is never blocked
by someone hammering their account from elsewhere.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import current_app, request
from flask_limiter.util import get_remote_address

from storefront.extensions import limiter

_View = TypeVar("_View", bound=Callable[..., object])


def _account_and_address() -> str:
    email = (request.form.get("email") or "").strip().casefold()[:254]
    return f"{get_remote_address()}|{email}"


def sign_in_limits(view: _View) -> _View:
    """Apply both limits (from RATELIMIT_LOGIN and RATELIMIT_LOGIN_ACCOUNT) to a sign-in view."""
    per_address = limiter.limit(
        lambda: str(current_app.config["RATELIMIT_LOGIN"]),
        key_func=get_remote_address,
        methods=["POST"],
        scope=lambda endpoint: f"sign-in-address:{endpoint}",
    )
    per_account = limiter.limit(
        lambda: str(current_app.config["RATELIMIT_LOGIN_ACCOUNT"]),
        key_func=_account_and_address,
        methods=["POST"],
        scope=lambda endpoint: f"sign-in-account:{endpoint}",
    )
    return per_account(per_address(view))  # type: ignore[return-value]
