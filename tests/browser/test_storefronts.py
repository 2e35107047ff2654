"""A buyer opens demo storefronts in Chromium: each has its own branding and offers; a store
that has not opted in is closed."""

from __future__ import annotations

from playwright.sync_api import Page, expect


def offer_names(page: Page) -> list[str]:
    return page.locator('[data-testid="offer-card"] .offer-name').all_inner_texts()


def test_two_storefronts_differ_and_the_third_is_closed(page: Page, live_server: str) -> None:
    page.goto(f"http://acme.localhost:{live_server}/")
    expect(page.get_by_test_id("store-name")).to_have_text("Acme Hosting")
    expect(page.locator("body")).to_have_class("theme-default")
    acme_offers = offer_names(page)
    acme_header = page.locator(".store-header").evaluate("e => getComputedStyle(e).backgroundColor")
    assert page.locator(".store-logo").evaluate("img => img.naturalWidth") > 0
    assert "Fortress Site Scanner" not in acme_offers
    expect(page.locator(".offer-price").first).to_contain_text("$")

    page.goto(f"http://sakura.localhost:{live_server}/")
    expect(page.get_by_test_id("store-name")).to_have_text("さくらクラウド")
    expect(page.locator("body")).to_have_class("theme-midnight")
    expect(page.locator("html")).to_have_attribute("lang", "ja")
    sakura_offers = offer_names(page)
    sakura_side = page.locator(".midnight-side").evaluate(
        "e => getComputedStyle(e).backgroundImage"
    )
    assert "Fortress Site Scanner" in sakura_offers
    assert set(acme_offers) != set(sakura_offers)
    assert acme_header == "rgb(31, 79, 209)"  # Acme's primary colour #1f4fd1
    assert "rgb(176, 25, 90)" in sakura_side  # Sakura's primary colour #b0195a
    expect(page.locator(".offer-price").first).to_contain_text("￥")

    response = page.goto(f"http://berlin.localhost:{live_server}/")
    assert response is not None and response.status == 404
    expect(page.get_by_test_id("store-closed")).to_be_visible()
    expect(page.locator('[data-testid="offer-card"]')).to_have_count(0)


def test_buyer_searches_filters_and_opens_an_offer(page: Page, live_server: str) -> None:
    page.goto(f"http://acme.localhost:{live_server}/")
    page.get_by_placeholder("Search by name").fill("quill")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url("**q=quill**")  # the results page, not the one being left
    assert sorted(offer_names(page)) == ["Quill Git Server", "QuillPress", "QuillShop"]

    page.goto(f"http://acme.localhost:{live_server}/")
    page.locator("#type").select_option("dedicated")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url("**type=dedicated**")
    assert sorted(offer_names(page)) == [
        "Fortress VPN Gateway",
        "Nimbus Backup",
        "Quill Git Server",
    ]

    page.get_by_text("Nimbus Backup").click()
    expect(page.get_by_test_id("offer-title")).to_have_text("Nimbus Backup")
    expect(page.get_by_test_id("application-type")).to_have_text("Dedicated")
    expect(page.locator('[data-testid="plan"]')).to_have_count(2)
    expect(page.locator('[data-testid="plan"]').first).to_contain_text("$25.00")

    page.goto(f"http://acme.localhost:{live_server}/offers/nimbus-backup?lang=de")
    expect(page.locator('[data-testid="plan"]').first).to_contain_text("25,00")
    expect(page.locator("html")).to_have_attribute("lang", "de")
