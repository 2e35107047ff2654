"""The few accounts console and portal tests need (argon2 is slow: create only these), and
sign-in for each surface."""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask.testing import FlaskClient

from storefront.accounts.models import Role, User
from storefront.catalog.models import BillingTerm, Isv, Offer, OfferStatus
from storefront.extensions import db
from storefront.tenants.models import Storefront, WhiteLabelOperator
from tests import factories, signin

CONSOLE = {"Host": "localhost"}


@dataclass
class People:
    platform: User
    operator_admin: User
    isv_member: User
    operator: WhiteLabelOperator
    other_operator: WhiteLabelOperator
    hosted: Storefront  # hosted by `operator`
    foreign: Storefront  # hosted by `other_operator`
    isv: Isv
    other_isv: Isv
    own_offer: Offer
    other_offer: Offer


def make_people() -> People:
    operator = factories.operator(name="CloudWave", override_rate_bp=500)
    other_operator = factories.operator(name="Elsewhere")
    hosted = factories.storefront(name="Hosted Store", operator_id=operator.id)
    foreign = factories.storefront(name="Foreign Store", operator_id=other_operator.id)
    isv = factories.isv(name="Nimbus")
    other_isv = factories.isv(name="Fortress")
    own_offer = factories.offer(vendor=isv, name="Own Offer", status=OfferStatus.DRAFT)
    other_offer = factories.offer(
        vendor=other_isv,
        name="Other Offer",
        status=OfferStatus.SUBMITTED,
        prices=[(BillingTerm.MONTHLY, "USD", 300, 900)],
    )
    people = People(
        platform=factories.user(Role.PLATFORM_ADMIN, email="admin@platform.test"),
        operator_admin=factories.user(
            Role.OPERATOR_ADMIN, email="ops@cloudwave.test", operator_id=operator.id
        ),
        isv_member=factories.user(Role.ISV_MEMBER, email="dev@nimbus.test", isv_id=isv.id),
        operator=operator,
        other_operator=other_operator,
        hosted=hosted,
        foreign=foreign,
        isv=isv,
        other_isv=other_isv,
        own_offer=own_offer,
        other_offer=other_offer,
    )
    db.session.commit()
    return people


def token(client: FlaskClient, path: str) -> str:
    html = client.get(path, headers=CONSOLE).text
    match = re.search(r'name="csrf_token"[^>]*?value="([^"]+)"', html)
    assert match, html
    return match.group(1)


def sign_in(client: FlaskClient, email: str, surface: str = "operator") -> None:
    response = signin.sign_in(client, email, surface)
    assert response.status_code == 302, response.text


def post(client: FlaskClient, path: str, data: dict[str, str], page: str | None = None):  # type: ignore[no-untyped-def]
    """A form post with the CSRF token of the page that shows the form."""
    return client.post(
        path, data={**data, "csrf_token": token(client, page or path)}, headers=CONSOLE
    )
