"""Issuing, revoking and checking API tokens. Only the sha256 of a token is stored: the token
itself is shown once, when it is created."""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import ColumnElement, and_, select

from storefront.accounts.models import Role, User
from storefront.api.models import ApiToken, PrincipalKind, TokenScope
from storefront.audit.models import Surface
from storefront.audit.services import record
from storefront.catalog.models import Isv
from storefront.errors import DomainError
from storefront.extensions import db
from storefront.tenants.models import Storefront, WhiteLabelOperator
from storefront.timeutil import utcnow

TOKEN_PREFIX = "sft_"  # noqa: S105 - marks our tokens in secret scanners, not a secret


class TokenError(DomainError):
    """A token that cannot be issued or revoked as asked."""


class TokenNotFound(TokenError):
    """No such token, or another principal's: the two look the same."""


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


_PRINCIPAL_MODELS: dict[PrincipalKind, type[Storefront | Isv | WhiteLabelOperator]] = {
    PrincipalKind.STOREFRONT: Storefront,
    PrincipalKind.ISV: Isv,
    PrincipalKind.OPERATOR: WhiteLabelOperator,
}


def parse_principal(text: str) -> tuple[PrincipalKind, int | None]:
    """`storefront:<slug>`, `isv:<slug>`, `operator:<slug>` or `platform` as a kind and id."""
    kind_text, _, slug = text.partition(":")
    try:
        kind = PrincipalKind(kind_text)
    except ValueError:
        raise TokenError(f"unknown principal {kind_text!r}") from None
    if kind == PrincipalKind.PLATFORM:
        if slug:
            raise TokenError("the platform principal takes no slug")
        return kind, None
    model = _PRINCIPAL_MODELS[kind]
    row_id = db.session.scalar(select(model.id).where(model.slug == slug))
    if row_id is None:
        raise TokenError(f"no {kind.value} with slug {slug!r}")
    return kind, row_id


def issue_token(
    *,
    name: str,
    principal: PrincipalKind,
    principal_id: int | None,
    scope: TokenScope,
    created_by: User | None,
    surface: Surface,
) -> tuple[ApiToken, str]:
    """A new token and its secret (return it to the caller once; it is never stored)."""
    if not name.strip() or len(name) > 120:
        raise TokenError("a token needs a name of 1 to 120 characters")
    if (principal == PrincipalKind.PLATFORM) != (principal_id is None):
        raise TokenError("only the platform principal has no id")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        name=name.strip(),
        principal=principal,
        principal_id=principal_id,
        scope=scope,
        token_hash=token_hash(secret),
        created_by_id=created_by.id if created_by is not None else None,
    )
    db.session.add(token)
    db.session.flush()
    record(
        actor=created_by,
        surface=surface,
        action="api_token.create",
        target=token,
        after={
            "name": token.name,
            "principal": principal,
            "principal_id": principal_id,
            "scope": scope,
        },
        storefront_id=principal_id if principal == PrincipalKind.STOREFRONT else None,
    )
    return token, secret


def revoke_token(token_id: int, actor: User | None, surface: Surface) -> ApiToken:
    token = db.session.get(ApiToken, token_id)
    if token is None:
        raise TokenNotFound(f"no API token {token_id}")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        db.session.flush()
        record(
            actor=actor,
            surface=surface,
            action="api_token.revoke",
            target=token,
            after={"name": token.name, "revoked_at": token.revoked_at},
            storefront_id=(
                token.principal_id if token.principal == PrincipalKind.STOREFRONT else None
            ),
        )
    return token


def principal_tokens(principal: PrincipalKind, principal_id: int | None) -> list[ApiToken]:
    """Every token of one principal, revoked ones too, newest first (for its token page)."""
    return list(
        db.session.scalars(
            select(ApiToken)
            .where(_owned_by(principal, principal_id))
            .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
        )
    )


def revoke_principal_token(
    principal: PrincipalKind,
    principal_id: int | None,
    token_id: int,
    actor: User,
    surface: Surface,
) -> ApiToken:
    """Revoke one of the principal's own tokens; any other token id is TokenNotFound."""
    owned = db.session.scalar(
        select(ApiToken.id).where(ApiToken.id == token_id, _owned_by(principal, principal_id))
    )
    if owned is None:
        raise TokenNotFound(f"no API token {token_id}")
    return revoke_token(owned, actor, surface)


def _owned_by(principal: PrincipalKind, principal_id: int | None) -> ColumnElement[bool]:
    if principal_id is None:
        return and_(ApiToken.principal == principal, ApiToken.principal_id.is_(None))
    return and_(ApiToken.principal == principal, ApiToken.principal_id == principal_id)


def find_token(secret: str) -> ApiToken | None:
    """The live token with this secret, its use noted; None for unknown or revoked ones."""
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == token_hash(secret)))
    if token is None or token.revoked_at is not None:
        return None
    return token


_ROLES = {
    PrincipalKind.STOREFRONT: Role.RESELLER_ADMIN,
    PrincipalKind.ISV: Role.ISV_MEMBER,
    PrincipalKind.OPERATOR: Role.OPERATOR_ADMIN,
    PrincipalKind.PLATFORM: Role.PLATFORM_ADMIN,
}


def acting_user(token: ApiToken) -> User:
    """The token as the actor the domain services expect: a transient user (never saved) with
    the principal's role and ids, whose e-mail names the token in the audit log."""
    return User(
        id=None,
        email=f"api-token-{token.id}: {token.name}"[:254],
        name=token.name,
        role=_ROLES[token.principal],
        storefront_id=token.principal_id if token.principal == PrincipalKind.STOREFRONT else None,
        isv_id=token.principal_id if token.principal == PrincipalKind.ISV else None,
        operator_id=token.principal_id if token.principal == PrincipalKind.OPERATOR else None,
        is_enabled=True,
    )
