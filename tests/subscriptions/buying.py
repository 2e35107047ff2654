"""Buying subscriptions with a card saved to the buyer's customer at localstripe, and reading
what the renewal engine did."""

from __future__ import annotations

from datetime import datetime

import stripe
from sqlalchemy import select

from storefront.extensions import db
from storefront.ledger.models import LedgerTransaction
from storefront.orders.models import Order
from storefront.payments import gateway
from storefront.payments.services import execute, prepare
from storefront.subscriptions.cards import save_buyer_card, use_card
from storefront.subscriptions.models import Subscription
from storefront.subscriptions.periods import aware
from storefront.tenants.scope import all_tenants, tenant_scope
from tests.shopping import Shop, order_for


def card_token(localstripe_url: str, number: str) -> str:
    """A card token, as Stripe.js `createToken` returns it (`tok_…`)."""
    client = stripe.StripeClient("sk_test_storefront", base_addresses={"api": localstripe_url})
    token = client.v1.tokens.create(
        params={"card": {"number": number, "exp_month": "12", "exp_year": "34", "cvc": "123"}}
    )
    return str(token.id)


def buy(shop: Shop, localstripe_url: str, number: str, **seats: int) -> Order:
    """Check out the shop's cart with the card saved for renewals, as the checkout does."""
    order = order_for(shop, **seats)
    card = save_buyer_card(
        shop.storefront.id, shop.buyer, card_token(localstripe_url, number), gateway.provider()
    )
    payment = prepare(order, payment_method=card.payment_method, attempt="attempt-1")
    db.session.commit()
    assert execute(payment, gateway.provider(), customer=card.customer_reference)
    db.session.commit()
    return order


def replace_card(shop: Shop, localstripe_url: str, subscription: Subscription, number: str) -> None:
    with tenant_scope(shop.storefront.id):
        card = save_buyer_card(
            shop.storefront.id, shop.buyer, card_token(localstripe_url, number), gateway.provider()
        )
        use_card(subscription, card)
        db.session.commit()


def subscriptions() -> list[Subscription]:
    db.session.expire_all()
    with all_tenants():
        return list(db.session.scalars(select(Subscription).order_by(Subscription.id)))


def only_subscription() -> Subscription:
    (subscription,) = subscriptions()
    return subscription


def period_end(subscription: Subscription) -> datetime:
    return aware(subscription.current_period_end)


def ledger_transactions() -> list[LedgerTransaction]:
    with all_tenants():
        return list(db.session.scalars(select(LedgerTransaction).order_by(LedgerTransaction.id)))


def renewal_charges_at_stripe(localstripe_url: str, customer: str) -> int:
    """Succeeded PaymentIntents of the customer at localstripe (every page: the tests before
    may have left many)."""
    client = stripe.StripeClient("sk_test_storefront", base_addresses={"api": localstripe_url})
    intents = client.v1.payment_intents.list(params={"limit": 100}).auto_paging_iter()
    return sum(1 for i in intents if i.customer == customer and i.status == "succeeded")
