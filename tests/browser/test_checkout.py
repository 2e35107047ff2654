"""A buyer pays in Chromium with Stripe.js (localstripe's) on a demo storefront: a card that
pays, 3-D Secure completed and failed, and a declined card."""

from __future__ import annotations

from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import select

from storefront.demo.data import DEMO_PASSWORD
from storefront.extensions import db
from storefront.ledger.models import Account, LedgerEntry, LedgerTransaction
from storefront.orders.models import Order, OrderStatus
from storefront.tenants.scope import all_tenants


def buy_nimbus_mail_and_reach_checkout(page: Page, port: str, seats: int = 3) -> None:
    store = f"http://acme.localhost:{port}"
    page.goto(f"{store}/offers/nimbus-mail")
    page.locator("#seats-" + page.get_by_test_id("plan").first.get_attribute("data-plan-id")).fill(
        str(seats)
    )  # type: ignore[operator]
    page.get_by_test_id("add-to-cart").first.click()
    expect(page.get_by_test_id("cart-line")).to_have_count(1)
    page.get_by_test_id("go-to-checkout").click()
    page.get_by_label("E-mail").fill("buyer@example.com")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_test_id("pay")).to_be_visible()
    page.get_by_label("Name on the invoice").fill("Jane Buyer")
    page.get_by_label("Country").select_option("US")


def enter_card(page: Page, number: str) -> None:
    card = page.locator("#card-element")
    card.get_by_placeholder("number").fill(number)
    card.get_by_placeholder("exp_month").fill("12")
    card.get_by_placeholder("exp_year").fill("34")
    card.get_by_placeholder("cvc").fill("123")
    postal = card.get_by_placeholder("postal_code")
    if postal.count():
        postal.fill("10001")


def only_order(app: Flask) -> Order:
    with app.app_context(), all_tenants():
        order = db.session.scalars(select(Order)).one()
        db.session.expunge(order)
        return order


def test_card_payment_is_paid_and_split_to_the_minor_unit(
    app: Flask, page: Page, live_server: str
) -> None:
    buy_nimbus_mail_and_reach_checkout(page, live_server, seats=3)
    expect(page.get_by_test_id("checkout-total")).to_have_text("$13.50")  # Acme's own $4.50
    enter_card(page, "4242424242424242")
    page.get_by_test_id("pay").click()
    expect(page.get_by_test_id("order-paid")).to_be_visible()

    order = only_order(app)
    assert order.status == OrderStatus.PAID and order.total_minor == 1350
    with app.app_context(), all_tenants():
        transaction = db.session.scalars(select(LedgerTransaction)).one()
        entries = {
            (entry.account, entry.party_id): entry.amount_minor
            for entry in db.session.scalars(
                select(LedgerEntry).where(LedgerEntry.transaction_id == transaction.id)
            )
        }
    # 3 × $4.50 = $13.50; wholesale 3 × $2.00 = $6.00; margin $7.50; Acme's commission 30%
    assert entries[(Account.PROCESSOR_CLEARING, None)] == 1350
    assert sum(v for (a, _), v in entries.items() if a == Account.ISV_PAYABLE) == -600
    assert entries[(Account.RESELLER_PAYABLE, order.storefront_id)] == -225
    assert entries[(Account.PLATFORM_REVENUE, None)] == -525
    assert sum(entries.values()) == 0


def test_3ds_failed_then_completed(app: Flask, page: Page, live_server: str) -> None:
    buy_nimbus_mail_and_reach_checkout(page, live_server)
    enter_card(page, "4000002500003155")
    page.get_by_test_id("pay").click()
    page.get_by_role("button", name="Fail authentication").click()
    expect(page.get_by_test_id("card-error")).to_be_visible()
    assert only_order(app).status == OrderStatus.PENDING

    enter_card(page, "4000002500003155")
    page.get_by_test_id("pay").click()
    page.get_by_role("button", name="Complete authentication").click()
    expect(page.get_by_test_id("order-paid")).to_be_visible()
    assert only_order(app).status == OrderStatus.PAID


def test_declined_card_shows_the_decline(app: Flask, page: Page, live_server: str) -> None:
    buy_nimbus_mail_and_reach_checkout(page, live_server)
    enter_card(page, "4000000000000341")
    page.get_by_test_id("pay").click()
    expect(page.get_by_test_id("card-error")).to_contain_text("declined")
    expect(page.get_by_test_id("pay")).to_be_enabled()
    assert only_order(app).status == OrderStatus.PENDING
