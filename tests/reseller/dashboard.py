"""Helpers for the reseller dashboard tests: two storefronts with admins, offers and orders,
users made without hashing a password per test (argon2 is slow on purpose)."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from flask.testing import FlaskClient

from storefront.accounts.models import Role, User
from storefront.accounts.passwords import hash_password
from storefront.catalog.models import BillingTerm, Offer
from storefront.extensions import db
from storefront.orders.models import Order, OrderLine, OrderStatus
from storefront.tenants.models import Storefront
from storefront.tenants.scope import tenant_scope
from storefront.timeutil import utcnow
from tests import factories
from tests.factories import PASSWORD

_numbers = itertools.count(1)


@lru_cache(maxsize=1)
def _password_hash() -> str:
    return hash_password(PASSWORD)


def host(store: Storefront) -> dict[str, str]:
    return {"Host": f"{store.slug}.localhost"}


def account(store: Storefront, role: Role = Role.RESELLER_ADMIN, email: str = "") -> User:
    user = User(
        email=email or f"person{next(_numbers)}@{store.slug}.test",
        name="Person",
        password_hash=_password_hash(),
        role=role,
        storefront_id=store.id,
    )
    db.session.add(user)
    db.session.flush()
    return user


def token_of(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*?value="([^"]+)"', html)
    assert match, html
    return match.group(1)


def sign_in(client: FlaskClient, store: Storefront, email: str) -> str:
    """Sign in at /reseller/login on the store's host; returns a CSRF token for posts."""
    page = client.get("/reseller/login", headers=host(store))
    response = client.post(
        "/reseller/login",
        data={"email": email, "password": PASSWORD, "csrf_token": token_of(page.text)},
        headers=host(store),
    )
    assert response.status_code == 302, response.text
    return token_of(client.get("/reseller/", headers=host(store)).text)


@dataclass
class Tenant:
    store: Storefront
    admin: User
    mail: Offer
    backup: Offer


def paid_order(
    store: Storefront,
    offer: Offer,
    quantity: int = 1,
    *,
    paid_at: datetime | None = None,
    retail: int | None = None,
    buyer: User | None = None,
    offer_name: str | None = None,
) -> Order:
    """A paid order of one line, written as checkout writes it (snapshot prices and rates)."""
    plan = offer.plans[0]
    price = next(p for p in plan.prices if p.currency == store.currency)
    unit = retail if retail is not None else price.recommended_retail_minor
    buyer = buyer or account(store, Role.BUYER)
    with tenant_scope(store.id):
        order = Order(
            storefront_id=store.id,
            number=f"SF-T{next(_numbers):06d}",
            buyer_id=buyer.id,
            status=OrderStatus.PAID,
            currency=store.currency,
            total_minor=unit * quantity,
            cart_fingerprint="test",
            commission_rate_bp=store.commission_rate_bp,
            operator_id=store.operator_id,
            operator_override_bp=store.operator.override_rate_bp if store.operator else 0,
            billing_name="Buyer",
            billing_email=buyer.email,
            billing_country="US",
            locale=store.locale,
            paid_at=paid_at or utcnow(),
        )
        db.session.add(order)
        db.session.flush()
        db.session.add(
            OrderLine(
                storefront_id=store.id,
                order_id=order.id,
                offer_id=offer.id,
                plan_id=plan.id,
                isv_id=offer.isv_id,
                offer_name=offer_name or offer.name,
                plan_name=plan.name,
                term=plan.term,
                quantity=quantity,
                unit_retail_minor=unit,
                unit_wholesale_minor=price.wholesale_minor,
            )
        )
        db.session.flush()
    return order


def make_tenant(slug: str, **store_fields: object) -> Tenant:
    store = factories.storefront(slug=slug, commission_rate_bp=3000, **store_fields)
    mail = factories.offer(
        name=f"Mail {slug}", prices=[(BillingTerm.MONTHLY, store.currency, 400, 1000)]
    )
    backup = factories.offer(
        name=f"Backup {slug}", prices=[(BillingTerm.YEARLY, store.currency, 5000, 12000)]
    )
    factories.listing(store, mail)
    return Tenant(store, account(store, email=f"owner@{slug}.test"), mail, backup)
