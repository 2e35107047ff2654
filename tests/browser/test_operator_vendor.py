"""In Chromium: an ISV submits an offer, the platform admin approves it, a reseller picks it,
a buyer buys it, and the ISV's and the reseller's statements show their shares.

The reseller's pick goes through `storefront.catalog.services.select_offer` (the reseller
dashboard's pick-offer page is another issue's work)."""

from __future__ import annotations

from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import select

from storefront.accounts.totp import code_at, current_step
from storefront.catalog.models import Offer
from storefront.catalog.services import select_offer
from storefront.demo.data import DEMO_PASSWORD, DEMO_TOTP_SECRET
from storefront.extensions import db
from storefront.ledger.models import Account
from storefront.ledger.services import balances
from storefront.money import Money
from storefront.tenants.models import Storefront
from tests.browser.test_checkout import enter_card


def sign_in(page: Page, url: str, email: str) -> None:
    page.goto(url)
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    if page.url.endswith("/security/verify"):  # the demo admin's second factor
        page.get_by_label("Code").fill(code_at(DEMO_TOTP_SECRET, current_step()))
        page.get_by_role("button", name="Verify").click()


def test_offer_from_submission_to_statements(app: Flask, page: Page, live_server: str) -> None:
    market = f"http://localhost:{live_server}"
    sign_in(page, f"{market}/vendor/login", "dev@nimbus.test")
    page.get_by_role("link", name="New offer").click()
    page.get_by_label("Name").fill("Nimbus Notes")
    page.get_by_label("Summary").fill("Shared notes for teams")
    page.get_by_role("button", name="Save").click()
    page.get_by_label("Plan name").fill("Monthly")
    page.get_by_role("button", name="Add plan").click()
    page.get_by_label("Wholesale price").fill("2.00")
    page.get_by_label("Recommended retail price").fill("3.00")
    expect(page.locator("#margin-status")).to_contain_text("$4.00")  # the floor, as they type
    page.get_by_label("Recommended retail price").fill("5.00")
    expect(page.locator("#margin-status")).to_contain_text("Passes")
    page.get_by_role("button", name="Save price").click()
    page.get_by_role("button", name="Submit for approval").click()
    expect(page.get_by_test_id("offer-status")).to_have_text("submitted")

    sign_in(page, f"{market}/operator/login", "admin@platform.test")
    page.goto(f"{market}/operator/offers")
    page.get_by_role("link", name="Nimbus Notes").click()
    page.get_by_role("button", name="Approve").click()
    expect(page.get_by_text("Nimbus Notes is approved.")).to_be_visible()

    with app.app_context():
        acme = db.session.scalars(select(Storefront).where(Storefront.slug == "acme")).one()
        offer = db.session.scalars(select(Offer).where(Offer.name == "Nimbus Notes")).one()
        select_offer(acme, offer)
        db.session.commit()
        acme_id, slug, isv_id = acme.id, offer.slug, offer.isv_id
        db.session.remove()

    store = f"http://acme.localhost:{live_server}"
    page.goto(f"{store}/offers/{slug}")
    page.get_by_test_id("add-to-cart").first.click()
    page.get_by_test_id("go-to-checkout").click()
    page.get_by_label("E-mail").fill("buyer@example.com")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_test_id("pay")).to_be_visible()
    page.get_by_label("Name on the invoice").fill("Jane Buyer")
    page.get_by_label("Country").select_option("US")
    enter_card(page, "4242424242424242")
    page.get_by_test_id("pay").click()
    expect(page.get_by_test_id("order-paid")).to_be_visible()

    with app.app_context():
        [reseller] = balances(account=Account.RESELLER_PAYABLE, party_id=acme_id, currency="USD")
        reseller_share = Money(-reseller.amount_minor, "USD").format("en")
        db.session.remove()
    page.goto(
        f"{market}/operator/statements?account=reseller_payable&party_id={acme_id}&currency=USD"
    )
    expect(page.get_by_test_id("closing")).to_have_text(reseller_share)
    expect(page.get_by_test_id("statement-line")).to_have_count(1)

    sign_in(page, f"{market}/vendor/login", "dev@nimbus.test")
    page.goto(f"{market}/vendor/statement?currency=USD")
    expect(page.get_by_test_id("closing")).to_have_text("$2.00")  # one seat at wholesale
    page.goto(f"{market}/vendor/sales")
    expect(page.get_by_test_id("sales-row")).to_have_count(1)
    assert isv_id
