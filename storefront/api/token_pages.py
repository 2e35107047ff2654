"""The API token pages of the reseller dashboard, the vendor portal and the operator console:
one page lists a principal's tokens and creates new ones (the secret is on the response to
the creating POST only, never again), one POST revokes. Each dashboard decides who may use
them and for which principal; this module does the rest the same way for all three."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, make_response, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from sqlalchemy import select

from storefront.accounts.models import User
from storefront.api.forms import ApiTokenForm
from storefront.api.models import ApiToken, PrincipalKind, TokenScope
from storefront.api.tokens import (
    TokenError,
    TokenNotFound,
    issue_token,
    principal_tokens,
    revoke_principal_token,
)
from storefront.audit.models import Surface
from storefront.extensions import db


def tokens_page(
    template: str,
    *,
    principal: PrincipalKind,
    principal_id: int | None,
    actor: User,
    surface: Surface,
    revoke_endpoint: str,
    **context: Any,
) -> ResponseReturnValue:
    """GET: the token list and the form; POST: create a token and show its secret once."""
    form = ApiTokenForm()
    created: tuple[ApiToken, str] | None = None
    if form.validate_on_submit():
        try:
            created = issue_token(
                name=form.name.data or "",
                principal=principal,
                principal_id=principal_id,
                scope=TokenScope(form.scope.data),
                created_by=actor,
                surface=surface,
            )
        except TokenError as error:
            db.session.rollback()
            form.name.errors = [str(error)]
        else:
            db.session.commit()
            form = ApiTokenForm(formdata=None)
    tokens = principal_tokens(principal, principal_id)
    page = render_template(
        template,
        form=form,
        tokens=tokens,
        creators=_creators(tokens),
        created=created[0] if created else None,
        secret=created[1] if created else None,
        revoke_endpoint=revoke_endpoint,
        **context,
    )
    response = make_response(page, 400 if form.errors else 200)
    # The secret is on this page only: no cache (browser, proxy or back button) keeps it.
    response.headers["Cache-Control"] = "no-store"
    return response


def _creators(tokens: list[ApiToken]) -> dict[int, str]:
    """The e-mail of each token's creator (tokens made on the command line have none)."""
    ids = {token.created_by_id for token in tokens if token.created_by_id is not None}
    if not ids:
        return {}
    rows = db.session.execute(select(User.id, User.email).where(User.id.in_(ids)))
    return {user_id: email for user_id, email in rows}


def revoke(
    *,
    principal: PrincipalKind,
    principal_id: int | None,
    token_id: int,
    actor: User,
    surface: Surface,
    page_endpoint: str,
) -> ResponseReturnValue:
    """Revoke one of the principal's tokens (requests with it get 401 from now on); any other
    token id is 404."""
    try:
        token = revoke_principal_token(principal, principal_id, token_id, actor, surface)
    except TokenNotFound:
        abort(404)
    db.session.commit()
    flash(gettext("The API token %(name)s is revoked.", name=token.name))
    return redirect(url_for(page_endpoint), 303)
