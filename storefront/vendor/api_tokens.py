"""Vendor portal: the ISV's API tokens (created here, shown once, revocable)."""

from __future__ import annotations

from flask import abort
from flask.typing import ResponseReturnValue
from flask_login import login_required

from storefront.accounts.models import User
from storefront.api import token_pages
from storefront.api.models import PrincipalKind
from storefront.audit.models import Surface
from storefront.vendor.views import bp, vendor_actor


def _isv_member() -> tuple[User, int]:
    actor = vendor_actor()
    if actor.isv_id is None:
        abort(403)
    return actor, actor.isv_id


@bp.route("/api-tokens", methods=["GET", "POST"])
@login_required
def api_tokens() -> ResponseReturnValue:
    actor, isv_id = _isv_member()
    return token_pages.tokens_page(
        "vendor/api_tokens.html",
        principal=PrincipalKind.ISV,
        principal_id=isv_id,
        actor=actor,
        surface=Surface.VENDOR,
        revoke_endpoint="vendor.revoke_api_token",
    )


@bp.post("/api-tokens/<int:token_id>/revoke")
@login_required
def revoke_api_token(token_id: int) -> ResponseReturnValue:
    actor, isv_id = _isv_member()
    return token_pages.revoke(
        principal=PrincipalKind.ISV,
        principal_id=isv_id,
        token_id=token_id,
        actor=actor,
        surface=Surface.VENDOR,
        page_endpoint="vendor.api_tokens",
    )
