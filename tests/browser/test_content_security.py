"""In Chromium: the pages break no rule of their Content-Security-Policy, and the payment page
loads exactly the scripts in its inventory (PCI DSS 6.4.3)."""

from __future__ import annotations

from flask import Flask
from playwright.sync_api import ConsoleMessage, Page, expect

from storefront.demo.data import DEMO_PASSWORD
from storefront.shop.checkout import PAYMENT_PAGE_SCRIPTS


def test_no_csp_violations_and_the_payment_page_script_inventory(
    app: Flask, page: Page, live_server: str
) -> None:
    violations: list[str] = []

    def watch(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            violations.append(message.text)

    page.on("console", watch)
    store = f"http://acme.localhost:{live_server}"
    for path in ("/", "/offers/nimbus-mail", "/cart", "/account/login"):
        page.goto(store + path)
    page.goto(f"http://sakura.localhost:{live_server}/")
    page.goto(f"http://localhost:{live_server}/operator/login")

    page.goto(store + "/offers/nimbus-mail")
    page.get_by_test_id("add-to-cart").first.click()
    page.goto(store + "/checkout")
    page.get_by_label("E-mail").fill("buyer@example.com")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_test_id("pay")).to_be_visible()
    loaded = page.evaluate("() => Array.from(document.scripts, s => s.src).filter(Boolean)")
    expected = {
        "stripe_js": app.config["STRIPE_JS_URL"],
        "checkout_js": f"{store}/static/checkout.js",
    }
    assert sorted(loaded) == sorted(expected[name] for name in PAYMENT_PAGE_SCRIPTS)
    assert violations == []
