"""Running tenants from the console: create storefronts, suspend and resume them, change
commission rates, white-label operators and their override share. Every service takes the
acting user, checks its reach, writes an audit entry with the change and never commits."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal, InvalidOperation

from babel import Locale, UnknownLocaleError
from sqlalchemy import Select, exists, false, select

from storefront.accounts.models import Role, User
from storefront.accounts.resets import issue_reset
from storefront.accounts.services import AccountExists, create_user
from storefront.audit.models import Surface
from storefront.audit.services import record, snapshot
from storefront.errors import DomainError
from storefront.extensions import db
from storefront.money import CurrencyError, currency_exponent
from storefront.operator.models import StorefrontSuspension
from storefront.pricing.split import BASIS_POINTS
from storefront.tenants.models import Storefront, WhiteLabelOperator
from storefront.timeutil import utcnow

_SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
RESERVED_SLUGS = frozenset({"www", "api", "admin", "operator", "vendor", "mail", "static"})
STOREFRONT_FIELDS = ("slug", "name", "currency", "locale", "commission_rate_bp", "operator_id")


class NotFound(DomainError):
    """The thing does not exist, or the actor may not see it (the view answers 404)."""


class Forbidden(DomainError):
    """The actor's role may not do this at all (the view answers 403)."""


class FieldError(DomainError):
    """A refused value, shown next to the form field it came from."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def parse_percent(text: str, field: str) -> int:
    """A percentage typed by a person ("25", "12.5") as basis points, 0 to 100% only."""
    try:
        value = Decimal(text.strip().rstrip("%").strip())
    except (InvalidOperation, ValueError):
        raise FieldError(field, "Enter a percentage between 0 and 100, like 25 or 12.5.") from None
    if not value.is_finite() or not Decimal(0) <= value <= Decimal(100):
        raise FieldError(field, "Enter a percentage between 0 and 100, like 25 or 12.5.")
    basis_points = value * 100
    if basis_points != basis_points.to_integral_value():
        raise FieldError(field, "Use at most two decimals, like 12.25.")
    return int(basis_points)


def _require_platform(actor: User) -> None:
    if actor.role != Role.PLATFORM_ADMIN:
        raise Forbidden("Only platform admins can do this.")


def visible_storefronts(actor: User) -> Select[Storefront]:
    """The storefronts an admin may see: all for the platform, its own for an operator."""
    query = select(Storefront)
    if actor.role == Role.OPERATOR_ADMIN:
        query = query.where(Storefront.operator_id == actor.operator_id)
    elif actor.role != Role.PLATFORM_ADMIN:
        query = query.where(false())  # nobody else sees any
    return query


def storefront_for(actor: User, storefront_id: int) -> Storefront:
    """A storefront the actor manages; NotFound for every other one."""
    storefront = db.session.scalar(visible_storefronts(actor).where(Storefront.id == storefront_id))
    if storefront is None:
        raise NotFound("No such storefront.")
    return storefront


def _check_shares(commission_bp: int, override_bp: int) -> None:
    if commission_bp + override_bp > BASIS_POINTS:
        raise FieldError(
            "rate",
            f"A commission of {commission_bp / 100:.2f}% and an operator override of "
            f"{override_bp / 100:.2f}% would leave the platform a negative share of the margin.",
        )


SET_PASSWORD_HOURS = 72  # how long the first admin's set-password link works


@dataclass(frozen=True)
class NewStorefront:
    storefront: Storefront
    admin: User
    set_password_token: str  # a single-use link's token: the admin chooses the password


def create_storefront(
    actor: User,
    *,
    slug: str,
    name: str,
    admin_email: str,
    currency: str,
    language: str,
    commission_rate_bp: int,
) -> NewStorefront:
    """A new reseller storefront (not opted in yet) with its first admin account. An operator
    admin's new storefronts are hosted by its operator."""
    if actor.role not in (Role.PLATFORM_ADMIN, Role.OPERATOR_ADMIN):
        raise Forbidden("Only operators create storefronts.")
    slug = slug.strip().lower()
    if not _SLUG.match(slug) or slug in RESERVED_SLUGS:
        raise FieldError(
            "slug", "Use lower-case letters, digits and hyphens (not a reserved name)."
        )
    if db.session.scalar(select(exists().where(Storefront.slug == slug))):
        raise FieldError("slug", f"The address {slug} is taken.")
    currency = currency.strip().upper()
    try:
        currency_exponent(currency)
    except CurrencyError:
        raise FieldError("currency", "Enter an ISO 4217 currency code, like USD.") from None
    try:
        Locale.parse(language.strip())
    except (UnknownLocaleError, ValueError):
        raise FieldError("language", "Enter a language code, like en or ja.") from None
    if not 0 <= commission_rate_bp <= BASIS_POINTS:
        raise FieldError("commission", "Enter a percentage between 0 and 100.")
    operator_id = actor.operator_id if actor.role == Role.OPERATOR_ADMIN else None
    if operator_id is not None:
        operator = db.session.get(WhiteLabelOperator, operator_id)
        _check_shares(commission_rate_bp, operator.override_rate_bp if operator else 0)
    storefront = Storefront(
        slug=slug,
        name=name.strip(),
        currency=currency,
        locale=language.strip(),
        languages=[language.strip()],
        commission_rate_bp=commission_rate_bp,
        operator_id=operator_id,
        is_opted_in=False,
    )
    db.session.add(storefront)
    db.session.flush()
    # A password nobody knows; the admin sets their own through a single-use link.
    unknown_password = secrets.token_urlsafe(32)
    try:
        admin = create_user(
            admin_email, unknown_password, Role.RESELLER_ADMIN, storefront_id=storefront.id
        )
    except AccountExists as error:
        raise FieldError("admin_email", str(error)) from None
    issued = issue_reset(admin.email, storefront.id, timedelta(hours=SET_PASSWORD_HOURS))
    assert issued is not None  # the account was just created
    _admin, token = issued
    record(
        actor=actor,
        surface=Surface.CONSOLE,
        action="storefront.create",
        target=storefront,
        after={**snapshot(storefront, STOREFRONT_FIELDS), "admin_email": admin.email},
        storefront_id=storefront.id,
    )
    return NewStorefront(storefront, admin, token)


def active_suspension(storefront_id: int) -> StorefrontSuspension | None:
    return db.session.scalar(
        select(StorefrontSuspension).where(
            StorefrontSuspension.storefront_id == storefront_id,
            StorefrontSuspension.lifted_at.is_(None),
        )
    )


def is_suspended(storefront_id: int) -> bool:
    """Whether the platform or its operator has closed the storefront (one indexed query)."""
    return bool(
        db.session.scalar(
            select(
                exists().where(
                    StorefrontSuspension.storefront_id == storefront_id,
                    StorefrontSuspension.lifted_at.is_(None),
                )
            )
        )
    )


def suspend_storefront(actor: User, storefront_id: int, reason: str) -> StorefrontSuspension:
    """Close the store to buyers and make its dashboard read-only until resumed."""
    storefront = storefront_for(actor, storefront_id)
    if not reason.strip():
        raise FieldError("reason", "Say why the store is suspended (the reseller sees it).")
    if active_suspension(storefront.id) is not None:
        raise FieldError("reason", f"{storefront.name} is already suspended.")
    suspension = StorefrontSuspension(
        storefront_id=storefront.id, reason=reason.strip()[:200], suspended_by_id=actor.id
    )
    db.session.add(suspension)
    db.session.flush()
    record(
        actor=actor,
        surface=Surface.CONSOLE,
        action="storefront.suspend",
        target=storefront,
        before={"suspended": False},
        after={"suspended": True, "reason": suspension.reason},
        storefront_id=storefront.id,
    )
    return suspension


def resume_storefront(actor: User, storefront_id: int) -> StorefrontSuspension:
    storefront = storefront_for(actor, storefront_id)
    suspension = active_suspension(storefront.id)
    if suspension is None:
        raise FieldError("reason", f"{storefront.name} is not suspended.")
    suspension.lifted_at = utcnow()
    suspension.lifted_by_id = actor.id
    db.session.flush()
    record(
        actor=actor,
        surface=Surface.CONSOLE,
        action="storefront.resume",
        target=storefront,
        before={"suspended": True, "reason": suspension.reason},
        after={"suspended": False},
        storefront_id=storefront.id,
    )
    return suspension


def set_commission_rate(actor: User, storefront_id: int, rate_bp: int) -> Storefront:
    """The reseller's share of the margin on future sales (orders keep their snapshot)."""
    storefront = storefront_for(actor, storefront_id)
    if not 0 <= rate_bp <= BASIS_POINTS:
        raise FieldError("rate", "Enter a percentage between 0 and 100.")
    if storefront.operator is not None:
        _check_shares(rate_bp, storefront.operator.override_rate_bp)
    before = snapshot(storefront, ("commission_rate_bp",))
    storefront.commission_rate_bp = rate_bp
    db.session.flush()
    record(
        actor=actor,
        surface=Surface.CONSOLE,
        action="storefront.commission",
        target=storefront,
        before=before,
        after=snapshot(storefront, ("commission_rate_bp",)),
        storefront_id=storefront.id,
    )
    return storefront


def create_operator(
    actor: User, *, slug: str, name: str, override_rate_bp: int
) -> WhiteLabelOperator:
    _require_platform(actor)
    slug = slug.strip().lower()
    if not _SLUG.match(slug):
        raise FieldError("slug", "Use lower-case letters, digits and hyphens.")
    if db.session.scalar(select(exists().where(WhiteLabelOperator.slug == slug))):
        raise FieldError("slug", f"The operator {slug} exists already.")
    if not name.strip():
        raise FieldError("name", "Give the operator a name.")
    if not 0 <= override_rate_bp <= BASIS_POINTS:
        raise FieldError("rate", "Enter a percentage between 0 and 100.")
    operator = WhiteLabelOperator(slug=slug, name=name.strip(), override_rate_bp=override_rate_bp)
    db.session.add(operator)
    db.session.flush()
    record(
        actor=actor,
        surface=Surface.CONSOLE,
        action="operator.create",
        target=operator,
        after=snapshot(operator, ("slug", "name", "override_rate_bp")),
    )
    return operator


def operator_for(actor: User, operator_id: int) -> WhiteLabelOperator:
    _require_platform(actor)
    operator = db.session.get(WhiteLabelOperator, operator_id)
    if operator is None:
        raise NotFound("No such operator.")
    return operator


def set_override_rate(actor: User, operator_id: int, rate_bp: int) -> WhiteLabelOperator:
    """The operator's share of the margin, carved out of the platform's: refused when any of its
    storefronts' commission plus the override would exceed the whole margin."""
    operator = operator_for(actor, operator_id)
    if not 0 <= rate_bp <= BASIS_POINTS:
        raise FieldError("rate", "Enter a percentage between 0 and 100.")
    highest = max((store.commission_rate_bp for store in operator.storefronts), default=0)
    _check_shares(highest, rate_bp)
    before = snapshot(operator, ("override_rate_bp",))
    operator.override_rate_bp = rate_bp
    db.session.flush()
    record(
        actor=actor,
        surface=Surface.CONSOLE,
        action="operator.override",
        target=operator,
        before=before,
        after=snapshot(operator, ("override_rate_bp",)),
    )
    return operator


def assign_storefront(actor: User, operator_id: int | None, storefront_id: int) -> Storefront:
    """Host a storefront by an operator (or by none, with `operator_id` None)."""
    _require_platform(actor)
    storefront = storefront_for(actor, storefront_id)
    operator = operator_for(actor, operator_id) if operator_id is not None else None
    if operator is not None:
        _check_shares(storefront.commission_rate_bp, operator.override_rate_bp)
    before = snapshot(storefront, ("operator_id",))
    storefront.operator_id = operator.id if operator else None
    db.session.flush()
    record(
        actor=actor,
        surface=Surface.CONSOLE,
        action="storefront.assign_operator",
        target=storefront,
        before=before,
        after=snapshot(storefront, ("operator_id",)),
        storefront_id=storefront.id,
    )
    return storefront
