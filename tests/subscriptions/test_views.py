"""The buyer's side over HTTP: checkout saves the card for renewals, the account shows the
subscription and its license keys, cancel at period end (and undo), and paying a past-due
renewal with a new card, 3-D Secure included."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient

from storefront.extensions import db
from storefront.payments import gateway
from storefront.subscriptions.models import LicenseStatus, SubscriptionStatus
from storefront.subscriptions.services import Outcome, renew_due
from tests.payments.test_checkout_views import HOST, add, pay, sign_in
from tests.shopping import CARD_3DS, CARD_DECLINED, CARD_OK, Shop, authenticate_3ds
from tests.subscriptions.buying import (
    buy,
    card_token,
    ledger_transactions,
    only_subscription,
    period_end,
    replace_card,
)
from tests.subscriptions.test_renewals import keys_status


def token_and_card(localstripe_url: str, number: str) -> tuple[str, str]:
    import stripe

    client = stripe.StripeClient("sk_test_storefront", base_addresses={"api": localstripe_url})
    token = client.v1.tokens.create(
        params={"card": {"number": number, "exp_month": "12", "exp_year": "34", "cvc": "123"}}
    )
    return str(token.id), str(token.card.id)


def test_checkout_saves_the_card_and_the_account_shows_subscription_and_keys(
    app: Flask, client: FlaskClient, shop: Shop, localstripe_url: str
) -> None:
    csrf = sign_in(client)
    assert add(client, shop.mail.plans[0].id, 2).status_code == 302
    token, card_id = token_and_card(localstripe_url, CARD_OK)
    response = pay(client, csrf, card_id, card_token=token)
    assert response.status_code == 200, response.text
    assert response.json["status"] == "succeeded"

    subscription = only_subscription()
    assert subscription.status == SubscriptionStatus.ACTIVE
    assert subscription.customer_reference and subscription.customer_reference.startswith("cus_")
    assert (subscription.card_brand, subscription.card_last4) == ("Visa", "4242")

    page = client.get("/account/subscriptions/", headers=HOST).text
    assert "4242" in page and shop.mail.name in page
    from sqlalchemy import select

    from storefront.subscriptions.models import LicenseKey
    from storefront.tenants.scope import all_tenants

    with all_tenants():
        (key,) = db.session.scalars(select(LicenseKey)).all()
    assert key.seats == 2 and len(key.key) == 29
    assert key.key in page
    order_number = response.json["redirect"].rsplit("/", 1)[-1]
    assert key.key in client.get(f"/account/orders/{order_number}", headers=HOST).text
    receipts = [p.read_text() for p in (Path(app.instance_path) / "outbox").glob("*.eml")]
    assert any(key.key in mail for mail in receipts)

    # renewals charge the saved card off-session
    assert renew_due(period_end(subscription), gateway.provider())[Outcome.RENEWED] == 1


def test_checkout_without_a_token_still_pays_and_starts_without_a_card(
    client: FlaskClient, shop: Shop, localstripe_url: str
) -> None:
    from tests.shopping import card

    csrf = sign_in(client)
    add(client, shop.mail.plans[0].id, 1)
    response = pay(client, csrf, card(localstripe_url, CARD_OK))
    assert response.json["status"] == "succeeded"
    subscription = only_subscription()
    assert subscription.payment_method is None
    summary = renew_due(period_end(subscription), gateway.provider())
    assert summary[Outcome.FAILED] == 1
    assert only_subscription().status == SubscriptionStatus.PAST_DUE


def test_a_card_refused_when_saved_is_reported_on_the_card_field(
    client: FlaskClient, shop: Shop, localstripe_url: str
) -> None:
    csrf = sign_in(client)
    add(client, shop.mail.plans[0].id, 1)
    token, card_id = token_and_card(localstripe_url, "4000000000000002")
    response = pay(client, csrf, card_id, card_token=token)
    assert response.status_code == 402
    assert response.json["error"]["field"] == "card"
    assert ledger_transactions() == []


def test_cancel_at_period_end_and_undo(
    client: FlaskClient, shop: Shop, localstripe_url: str
) -> None:
    buy(shop, localstripe_url, CARD_OK, mail_seats=1, backup_seats=0)
    csrf = sign_in(client)
    subscription = only_subscription()
    url = f"/account/subscriptions/{subscription.id}/cancel"
    response = client.post(url, data={"action": "cancel", "csrf_token": csrf}, headers=HOST)
    assert response.status_code == 302
    assert only_subscription().cancel_at_period_end is True
    client.post(url, data={"action": "resume", "csrf_token": csrf}, headers=HOST)
    assert only_subscription().cancel_at_period_end is False
    client.post(url, data={"action": "cancel", "csrf_token": csrf}, headers=HOST)
    assert client.post(url, data={"action": "cancel"}, headers=HOST).status_code == 400  # CSRF

    assert renew_due(period_end(subscription), gateway.provider())[Outcome.CANCELLED] == 1
    assert only_subscription().status == SubscriptionStatus.CANCELLED
    assert len(ledger_transactions()) == 1
    assert keys_status() == {LicenseStatus.SUSPENDED}


def test_another_buyers_subscription_is_not_found(
    client: FlaskClient, shop: Shop, localstripe_url: str
) -> None:
    from storefront.accounts.models import Role
    from tests import factories

    buy(shop, localstripe_url, CARD_OK, mail_seats=1, backup_seats=0)
    factories.user(Role.BUYER, email="other@example.com", storefront_id=shop.storefront.id)
    db.session.commit()
    from tests.factories import PASSWORD
    from tests.payments.test_checkout_views import token_of

    token = token_of(client.get("/account/login", headers=HOST).text)
    client.post(
        "/account/login",
        data={"email": "other@example.com", "password": PASSWORD, "csrf_token": token},
        headers=HOST,
    )
    subscription = only_subscription()
    assert (
        client.get(f"/account/subscriptions/{subscription.id}/card", headers=HOST).status_code
        == 404
    )
    csrf = token_of(client.get("/account/", headers=HOST).text)
    response = client.post(
        f"/account/subscriptions/{subscription.id}/cancel",
        data={"action": "cancel", "csrf_token": csrf},
        headers=HOST,
    )
    assert response.status_code == 404
    assert only_subscription().cancel_at_period_end is False


def test_a_past_due_subscription_is_paid_with_a_new_card_after_3d_secure(
    client: FlaskClient, shop: Shop, localstripe_url: str
) -> None:
    buy(shop, localstripe_url, CARD_OK, mail_seats=1, backup_seats=0)
    replace_card(shop, localstripe_url, only_subscription(), CARD_DECLINED)
    subscription = only_subscription()
    assert renew_due(period_end(subscription), gateway.provider())[Outcome.FAILED] == 1
    csrf = sign_in(client)
    page = client.get(f"/account/subscriptions/{subscription.id}/card", headers=HOST)
    assert page.status_code == 200 and 'data-testid="overdue"' in page.text

    url = f"/account/subscriptions/{subscription.id}/card"
    headers = {**HOST, "X-CSRFToken": csrf}
    response = client.post(
        url, json={"card_token": card_token(localstripe_url, CARD_3DS)}, headers=headers
    )
    assert response.json["status"] == "requires_action", response.text
    assert only_subscription().status == SubscriptionStatus.PAST_DUE
    from sqlalchemy import select

    from storefront.payments.models import Payment
    from storefront.tenants.scope import all_tenants

    with all_tenants():
        reference = db.session.scalars(
            select(Payment.provider_reference).order_by(Payment.id.desc())
        ).first()
    assert reference
    authenticate_3ds(localstripe_url, reference, response.json["client_secret"], success=True)
    confirmed = client.post(response.json["confirm_url"], json={}, headers=headers)
    assert confirmed.json["status"] == "succeeded", confirmed.text
    subscription = only_subscription()
    assert subscription.status == SubscriptionStatus.ACTIVE and subscription.period == 2
    assert subscription.card_last4 == "3155"
    assert keys_status() == {LicenseStatus.ACTIVE}
    assert len(ledger_transactions()) == 2


def test_an_off_session_renewal_that_needs_authentication_is_past_due(
    shop: Shop, localstripe_url: str
) -> None:
    buy(shop, localstripe_url, CARD_OK, mail_seats=1, backup_seats=0)
    replace_card(shop, localstripe_url, only_subscription(), CARD_3DS)
    summary = renew_due(period_end(only_subscription()), gateway.provider())
    assert summary[Outcome.FAILED] == 1
    assert only_subscription().status == SubscriptionStatus.PAST_DUE


def test_replacing_the_card_of_an_active_subscription_charges_nothing(
    client: FlaskClient, shop: Shop, localstripe_url: str
) -> None:
    buy(shop, localstripe_url, CARD_OK, mail_seats=1, backup_seats=0)
    csrf = sign_in(client)
    subscription = only_subscription()
    customer = subscription.customer_reference
    response = client.post(
        f"/account/subscriptions/{subscription.id}/card",
        json={"card_token": card_token(localstripe_url, "5555555555554444")},
        headers={**HOST, "X-CSRFToken": csrf},
    )
    assert response.json["status"] == "succeeded", response.text
    subscription = only_subscription()
    assert subscription.card_last4 == "4444" and subscription.customer_reference == customer
    assert len(ledger_transactions()) == 1
