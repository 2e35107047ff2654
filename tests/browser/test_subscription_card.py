"""A subscriber in Chromium: the card saved at checkout, a declined renewal, then paying the
overdue renewal with a new card through 3-D Secure from the account page."""

from __future__ import annotations

from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import select

from storefront.extensions import db
from storefront.payments import gateway
from storefront.subscriptions.models import Subscription, SubscriptionStatus
from storefront.subscriptions.periods import aware
from storefront.subscriptions.services import renew_due
from storefront.tenants.scope import all_tenants
from tests.browser.test_checkout import buy_nimbus_mail_and_reach_checkout, enter_card


def only_subscription(app: Flask) -> Subscription:
    with app.app_context(), all_tenants():
        subscription = db.session.scalars(select(Subscription)).one()
        db.session.expunge(subscription)
        return subscription


def test_a_subscriber_replaces_the_card_and_pays_an_overdue_renewal(
    app: Flask, page: Page, live_server: str
) -> None:
    store = f"http://acme.localhost:{live_server}"
    buy_nimbus_mail_and_reach_checkout(page, live_server, seats=1)
    enter_card(page, "4242424242424242")
    page.get_by_test_id("pay").click()
    expect(page.get_by_test_id("order-paid")).to_be_visible()

    page.goto(f"{store}/account/subscriptions/")
    expect(page.get_by_test_id("subscription-card")).to_contain_text("4242")
    expect(page.get_by_test_id("license-key")).to_have_count(1)

    page.get_by_role("link", name="Replace card").click()
    enter_card(page, "4000000000000341")  # saved fine, declined when charged
    page.get_by_test_id("save-card").click()
    expect(page.get_by_test_id("subscription-card")).to_contain_text("0341")

    with app.app_context(), all_tenants():
        due = aware(only_subscription(app).current_period_end)
        assert renew_due(due, gateway.provider()).processed == 1
    assert only_subscription(app).status == SubscriptionStatus.PAST_DUE

    page.goto(f"{store}/account/subscriptions/")
    page.get_by_test_id("pay-overdue").click()
    expect(page.get_by_test_id("overdue")).to_be_visible()
    enter_card(page, "4000002500003155")
    page.get_by_test_id("save-card").click()
    page.get_by_role("button", name="Complete authentication").click()
    expect(page.get_by_test_id("subscription-status")).to_have_text("Active")
    subscription = only_subscription(app)
    assert subscription.status == SubscriptionStatus.ACTIVE and subscription.period == 2
    assert subscription.card_last4 == "3155"
