"""The localstripe runner lists each kind of object from its own index: what it lists must be
what localstripe's scan of the whole store gave, after creations and deletions alike."""

from __future__ import annotations

import uuid

import stripe

from storefront.money import Money
from storefront.payments.stripe_provider import StripeProvider


def _card_token(client: stripe.StripeClient) -> str:
    card = {"number": "4242424242424242", "exp_month": "12", "exp_year": "34", "cvc": "123"}
    return str(client.v1.tokens.create(params={"card": card}).id)


def test_listings_show_each_kind_in_order_with_refunds_by_their_charge(
    localstripe_url: str,
) -> None:
    client = stripe.StripeClient("sk_test_storefront", base_addresses={"api": localstripe_url})
    provider = StripeProvider("sk_test_storefront", localstripe_url, "whsec_test")
    email = f"{uuid.uuid4().hex}@example.com"
    saved = provider.save_card(customer=None, token=_card_token(client), email=email)
    intents = [
        provider.charge(
            amount=Money(1000 + n, "USD"),
            payment_method=saved.payment_method,
            idempotency_key=f"{email}-{n}",
            metadata={"n": str(n)},
            customer=saved.customer,
            off_session=True,
        ).reference
        for n in range(3)
    ]
    refund = provider.refund(
        reference=str(intents[1]), amount=Money(500, "USD"), idempotency_key=f"{email}-refund"
    )

    listed = [
        intent.id
        for intent in client.v1.payment_intents.list(params={"limit": 100}).auto_paging_iter()
    ]
    assert [i for i in listed if i in intents] == intents  # this kind only, in creation order
    assert [item.reference for item in provider.refunds_of(str(intents[1]))] == [refund.reference]
    assert provider.refunds_of(str(intents[0])) == []
    assert provider.refunds_of(str(intents[2])) == []


def test_a_deleted_object_is_no_longer_listed(localstripe_url: str) -> None:
    client = stripe.StripeClient("sk_test_storefront", base_addresses={"api": localstripe_url})
    kept = client.v1.customers.create(params={"email": "kept@example.com"})
    gone = client.v1.customers.create(params={"email": "gone@example.com"})
    client.v1.customers.delete(gone.id)

    listed = {
        customer.id
        for customer in client.v1.customers.list(params={"limit": 100}).auto_paging_iter()
    }
    assert kept.id in listed
    assert gone.id not in listed
