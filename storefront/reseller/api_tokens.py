"""Reseller dashboard: the storefront's API tokens (created here, shown once, revocable)."""

from __future__ import annotations

from flask.typing import ResponseReturnValue

from storefront.api import token_pages
from storefront.api.models import PrincipalKind
from storefront.audit.models import Surface
from storefront.reseller.views import admin, admin_required, bp, this_storefront


@bp.route("/api-tokens", methods=["GET", "POST"])
@admin_required
def api_tokens() -> ResponseReturnValue:
    storefront = this_storefront()
    return token_pages.tokens_page(
        "reseller/api_tokens.html",
        principal=PrincipalKind.STOREFRONT,
        principal_id=storefront.id,
        actor=admin(),
        surface=Surface.RESELLER,
        revoke_endpoint="reseller.revoke_api_token",
        storefront=storefront,
    )


@bp.post("/api-tokens/<int:token_id>/revoke")
@admin_required
def revoke_api_token(token_id: int) -> ResponseReturnValue:
    return token_pages.revoke(
        principal=PrincipalKind.STOREFRONT,
        principal_id=this_storefront().id,
        token_id=token_id,
        actor=admin(),
        surface=Surface.RESELLER,
        page_endpoint="reseller.api_tokens",
    )
