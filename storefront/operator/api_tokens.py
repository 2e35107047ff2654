"""Operator console: API tokens of the platform (for platform admins) or of the signed-in
admin's white-label operator (for operator admins); created here, shown once, revocable."""

from __future__ import annotations

from flask import abort
from flask.typing import ResponseReturnValue
from flask_login import login_required

from storefront.accounts.models import Role, User
from storefront.api import token_pages
from storefront.api.models import PrincipalKind
from storefront.audit.models import Surface
from storefront.extensions import db
from storefront.operator.views import bp, console_actor
from storefront.tenants.models import WhiteLabelOperator


def _principal() -> tuple[User, PrincipalKind, int | None]:
    """Platform admins hold the platform's tokens, operator admins their operator's."""
    actor = console_actor()
    if actor.role == Role.PLATFORM_ADMIN:
        return actor, PrincipalKind.PLATFORM, None
    if actor.operator_id is None:
        abort(403)
    return actor, PrincipalKind.OPERATOR, actor.operator_id


@bp.route("/api-tokens", methods=["GET", "POST"])
@login_required
def api_tokens() -> ResponseReturnValue:
    actor, principal, principal_id = _principal()
    operator = db.session.get(WhiteLabelOperator, principal_id) if principal_id else None
    return token_pages.tokens_page(
        "operator/api_tokens.html",
        principal=principal,
        principal_id=principal_id,
        actor=actor,
        surface=Surface.CONSOLE,
        revoke_endpoint="operator.revoke_api_token",
        operator=operator,
        principal_kind=principal,
    )


@bp.post("/api-tokens/<int:token_id>/revoke")
@login_required
def revoke_api_token(token_id: int) -> ResponseReturnValue:
    actor, principal, principal_id = _principal()
    return token_pages.revoke(
        principal=principal,
        principal_id=principal_id,
        token_id=token_id,
        actor=actor,
        surface=Surface.CONSOLE,
        page_endpoint="operator.api_tokens",
    )
