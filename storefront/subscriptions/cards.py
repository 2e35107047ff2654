"""Buyers' cards saved at the payment provider for renewals: one provider customer per buyer,
reused for every card the buyer saves."""

from __future__ import annotations

from sqlalchemy import select

from storefront.accounts.models import User
from storefront.extensions import db
from storefront.payments.provider import PaymentProvider
from storefront.subscriptions.models import SavedCard, Subscription
from storefront.tenants.scope import tenant_scope


def save_buyer_card(
    storefront_id: int, buyer: User, token: str, provider: PaymentProvider
) -> SavedCard:
    """Attach a Stripe.js token to the buyer's provider customer (made on first use) and record
    the card; the provider's CardRefused or ProviderUnavailable pass through."""
    with tenant_scope(storefront_id):
        customer = db.session.scalar(
            select(SavedCard.customer_reference)
            .where(SavedCard.buyer_id == buyer.id)
            .order_by(SavedCard.id.desc())
            .limit(1)
        )
        saved = provider.save_card(customer=customer, token=token, email=buyer.email)
        card = db.session.scalar(
            select(SavedCard).where(SavedCard.payment_method == saved.payment_method)
        )
        if card is None:
            card = SavedCard(
                storefront_id=storefront_id,
                buyer_id=buyer.id,
                customer_reference=saved.customer,
                payment_method=saved.payment_method,
                brand=saved.brand,
                last4=saved.last4,
            )
            db.session.add(card)
            db.session.flush()
        return card


def use_card(subscription: Subscription, card: SavedCard) -> None:
    """Renew the subscription with this card from now on."""
    subscription.customer_reference = card.customer_reference
    subscription.payment_method = card.payment_method
    subscription.card_brand = card.brand
    subscription.card_last4 = card.last4
