"""Factories for domain objects, built through the services where a rule applies."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from storefront.accounts.models import Role, User
from storefront.accounts.services import create_user
from storefront.catalog.models import (
    ApplicationType,
    BillingTerm,
    Isv,
    Listing,
    Offer,
    OfferCategory,
    OfferStatus,
    Plan,
)
from storefront.catalog.services import select_offer, set_listing_price, set_plan_price
from storefront.extensions import db
from storefront.tenants.models import Storefront, WhiteLabelOperator
from storefront.timeutil import utcnow

_sequence = itertools.count(1)

PASSWORD = "correct horse battery staple"


def storefront(**fields: object) -> Storefront:
    number = next(_sequence)
    values: dict[str, object] = {
        "slug": f"store{number}",
        "name": f"Store {number}",
        "is_opted_in": True,
        "currency": "USD",
        "locale": "en",
        "languages": ["en"],
    }
    values.update(fields)
    store = Storefront(**values)
    db.session.add(store)
    db.session.flush()
    return store


def operator(**fields: object) -> WhiteLabelOperator:
    number = next(_sequence)
    values: dict[str, object] = {"slug": f"operator{number}", "name": f"Operator {number}"}
    values.update(fields)
    row = WhiteLabelOperator(**values)
    db.session.add(row)
    db.session.flush()
    return row


def isv(**fields: object) -> Isv:
    number = next(_sequence)
    values: dict[str, object] = {"slug": f"isv{number}", "name": f"Vendor {number}"}
    values.update(fields)
    row = Isv(**values)
    db.session.add(row)
    db.session.flush()
    return row


def offer(
    *,
    vendor: Isv | None = None,
    name: str | None = None,
    status: OfferStatus = OfferStatus.APPROVED,
    category: OfferCategory = OfferCategory.PRODUCTIVITY,
    application_type: ApplicationType = ApplicationType.CONNECTOR,
    prices: Sequence[tuple[BillingTerm, str, int, int]] = (
        (BillingTerm.MONTHLY, "USD", 400, 1000),
    ),
) -> Offer:
    """An offer with one plan per (term, currency, wholesale, recommended retail) entry;
    entries with the same term share a plan."""
    number = next(_sequence)
    row = Offer(
        isv_id=(vendor or isv()).id,
        slug=f"offer-{number}",
        name=name or f"Offer {number}",
        summary=f"Summary of offer {number}",
        description=f"Description of offer {number}",
        category=category,
        application_type=application_type,
        status=status,
    )
    db.session.add(row)
    plans: dict[BillingTerm, Plan] = {}
    for term, currency, wholesale, retail in prices:
        if term not in plans:
            plans[term] = Plan(offer=row, name=term.value, term=term, position=len(plans))
            db.session.add(plans[term])
            db.session.flush()
        set_plan_price(plans[term], currency, wholesale, retail)
    db.session.flush()
    return row


def listing(store: Storefront, item: Offer, retail: dict[int, int] | None = None) -> Listing:
    """Pick the offer for the store; `retail` maps plan ids to the reseller's own price."""
    row = select_offer(store, item)
    for plan in item.plans:
        if retail and plan.id in retail:
            set_listing_price(store, row, plan, retail[plan.id])
    return row


# Platform admins must use two-factor sign-in: theirs is on, with this authenticator secret.
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def user(role: Role = Role.PLATFORM_ADMIN, email: str | None = None, **fields: object) -> User:
    account = create_user(
        email or f"user{next(_sequence)}@example.test",
        PASSWORD,
        role,
        **fields,  # type: ignore[arg-type]
    )
    if role == Role.PLATFORM_ADMIN:
        account.totp_secret = TOTP_SECRET
        account.mfa_enabled_at = utcnow()
    return account


def totp_code(step_offset: int = 0) -> str:
    """The authenticator's current code for TOTP_SECRET."""
    from storefront.accounts.totp import code_at, current_step

    return code_at(TOTP_SECRET, current_step() + step_offset)
