"""A reseller opens its store in Chromium: opts in, picks two offers, prices one (refused
below the floor, then accepted), rebrands it; a buyer in another browser context sees
exactly that. Screenshots of every theme go to tests/artifacts/ (not committed)."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from storefront.catalog.models import Offer, PlanPrice
from storefront.demo.data import DEMO_PASSWORD
from storefront.extensions import db
from storefront.money import Money

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
PICKS = ("nimbus-drive", "fortress-shield")


def offer_choice(page: Page, slug: str):  # type: ignore[no-untyped-def]
    return page.locator(f'[data-testid="offer-choice"][data-offer="{slug}"]')


def first_plan_prices(app: Flask, slug: str) -> tuple[int, int]:
    """(plan id, margin floor in EUR cents) of the offer's first plan."""
    with app.app_context():
        offer = db.session.scalar(select(Offer).where(Offer.slug == slug))
        assert offer is not None
        plan = offer.plans[0]
        wholesale = db.session.scalar(
            select(PlanPrice.wholesale_minor).where(
                PlanPrice.plan_id == plan.id, PlanPrice.currency == "EUR"
            )
        )
        assert wholesale is not None
        return plan.id, 2 * wholesale


def test_reseller_opens_picks_prices_and_brands_the_store(
    app: Flask, browser: Browser, live_server: str
) -> None:
    base = f"http://berlin.localhost:{live_server}"
    reseller = browser.new_context().new_page()
    reseller.goto(f"{base}/reseller/login?lang=en")
    reseller.locator("#email").fill("owner@berlin.test")
    reseller.locator("#password").fill(DEMO_PASSWORD)
    reseller.locator("form.form button[type=submit]").click()
    expect(reseller.get_by_test_id("store-status")).to_contain_text("Closed")
    reseller.locator("form[action$='/reseller/opt-in'] button").click()
    expect(reseller.get_by_test_id("store-status")).to_contain_text("Open")

    reseller.goto(f"{base}/reseller/offers")
    while reseller.locator('[data-testid="offer-choice"].picked').count():
        reseller.locator('[data-testid="offer-choice"].picked [data-testid="remove"]').first.click()
    for slug in PICKS:
        offer_choice(reseller, slug).get_by_test_id("pick").click()
        reseller.goto(f"{base}/reseller/offers")
    expect(reseller.locator('[data-testid="offer-choice"].picked')).to_have_count(2)

    plan_id, floor = first_plan_prices(app, "nimbus-drive")
    offer_choice(reseller, "nimbus-drive").locator("h3 a").click()
    price_input = reseller.locator(f"#price-{plan_id}")
    price_input.fill(str(Money(floor - 1, "EUR").to_decimal()))
    reseller.locator(f'[data-plan="{plan_id}"] button[value="save"]').click()
    expect(reseller.get_by_test_id("price-error")).to_contain_text("below the floor")
    chosen = Money(floor + 150, "EUR")
    reseller.locator(f"#price-{plan_id}").fill(str(chosen.to_decimal()))
    reseller.locator(f'[data-plan="{plan_id}"] button[value="save"]').click()
    expect(reseller.get_by_test_id("price-error")).to_have_count(0)

    reseller.goto(f"{base}/reseller/branding")
    reseller.locator("#primary_color").fill("#6b21a8")
    reseller.locator("#accent_color").fill("#fde047")
    reseller.locator("#theme").select_option("paper")
    expect(reseller.frame_locator('[data-testid="preview-frame"]').locator("body")).to_have_class(
        "theme-paper"
    )
    reseller.get_by_test_id("save-branding").click()
    expect(reseller.locator(".flash")).to_be_visible()

    buyer = browser.new_context().new_page()
    buyer.goto(f"{base}/")
    expect(buyer.locator("body")).to_have_class("theme-paper")
    cards = buyer.locator('[data-testid="offer-card"]')
    expect(cards).to_have_count(2)
    assert sorted(cards.evaluate_all("els => els.map(e => e.dataset.offer)")) == sorted(PICKS)
    rule = buyer.locator(".paper-rule").evaluate("e => getComputedStyle(e).backgroundColor")
    assert rule == "rgb(107, 33, 168)"  # #6b21a8
    buyer.goto(f"{base}/offers/nimbus-drive")
    expect(buyer.locator('[data-testid="plan"]').first).to_contain_text(chosen.format("de"))

    ARTIFACTS.mkdir(exist_ok=True)
    for theme in app.config["INSTALLED_THEMES"]:
        reseller.goto(f"{base}/reseller/branding")
        reseller.locator("#theme").select_option(theme)
        reseller.get_by_test_id("save-branding").click()
        expect(reseller.locator(".flash")).to_be_visible()
        buyer.goto(f"{base}/")
        expect(buyer.locator("body")).to_have_class(f"theme-{theme}")
        buyer.screenshot(path=str(ARTIFACTS / f"theme-{theme}.png"), full_page=True)
        buyer.set_viewport_size({"width": 390, "height": 844})
        buyer.screenshot(path=str(ARTIFACTS / f"theme-{theme}-mobile.png"), full_page=True)
        buyer.set_viewport_size({"width": 1280, "height": 720})
