"""Checkout fixtures: a storefront with offers, a buyer, and cards tokenised at localstripe
exactly as Stripe.js does in the browser."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
import stripe

from storefront.accounts.models import Role, User
from storefront.catalog.models import BillingTerm, Offer
from storefront.extensions import db
from storefront.orders.cart import PricedCart, price_cart
from storefront.orders.models import Order
from storefront.orders.services import BillingDetails, place_order
from storefront.tenants.models import Storefront
from tests import factories

CARD_OK = "4242424242424242"
CARD_3DS = "4000002500003155"
CARD_DECLINED = "4000000000000341"


@dataclass
class Shop:
    storefront: Storefront
    buyer: User
    mail: Offer
    backup: Offer


def card(localstripe_url: str, number: str) -> str:
    """A card id, as Stripe.js `createToken` returns it (card data never touches our server)."""
    client = stripe.StripeClient("sk_test_storefront", base_addresses={"api": localstripe_url})
    token = client.v1.tokens.create(
        params={"card": {"number": number, "exp_month": "12", "exp_year": "34", "cvc": "123"}}
    )
    return str(token.card.id)


def authenticate_3ds(
    localstripe_url: str, reference: str, client_secret: str, success: bool
) -> None:
    """What Stripe.js `confirmCardPayment` does when the buyer completes or fails 3-D Secure."""
    import json
    import urllib.request

    request = urllib.request.Request(  # noqa: S310 - loopback localstripe
        f"{localstripe_url}/v1/payment_intents/{reference}/_authenticate?success={str(success).lower()}",
        data=json.dumps({"key": "pk_test_storefront", "client_secret": client_secret}).encode(),
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        assert response.status == 200


@pytest.fixture
def shop(app_context: None) -> Shop:
    """An open JPY storefront hosted by an operator, two offers, one buyer."""
    operator = factories.operator(override_rate_bp=500)
    storefront = factories.storefront(
        slug="yen",
        currency="JPY",
        locale="ja",
        languages=["ja", "en"],
        commission_rate_bp=3000,
        operator_id=operator.id,
    )
    mail = factories.offer(name="Mail", prices=[(BillingTerm.MONTHLY, "JPY", 333, 1000)])
    backup = factories.offer(name="Backup", prices=[(BillingTerm.YEARLY, "JPY", 4999, 12345)])
    factories.listing(storefront, mail)
    factories.listing(storefront, backup)
    buyer = factories.user(Role.BUYER, email="buyer@example.com", storefront_id=storefront.id)
    db.session.commit()
    return Shop(storefront, buyer, mail, backup)


def cart_of(shop: Shop, mail_seats: int = 3, backup_seats: int = 1) -> PricedCart:
    quantities = {shop.mail.plans[0].id: mail_seats, shop.backup.plans[0].id: backup_seats}
    return price_cart(shop.storefront, {k: v for k, v in quantities.items() if v})


def order_for(shop: Shop, **seats: int) -> Order:
    order = place_order(
        shop.storefront,
        shop.buyer,
        cart_of(shop, **seats),
        BillingDetails(name="Hanako Yamada", email="buyer@example.com", country="JP"),
        locale="ja",
    )
    db.session.commit()
    return order
