"""The buyer's cart and checkout over HTTP: prices from the server only, JSON errors, one
charge per attempt, and the result page re-reading the PaymentIntent."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from storefront.catalog.services import set_plan_price
from storefront.extensions import db
from storefront.ledger.models import LedgerTransaction
from storefront.orders.models import Order, OrderStatus
from storefront.payments.models import Payment
from storefront.tenants.scope import all_tenants
from tests.factories import PASSWORD
from tests.shopping import CARD_3DS, CARD_DECLINED, CARD_OK, Shop, authenticate_3ds, card

HOST = {"Host": "yen.localhost"}


def token_of(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*?value="([^"]+)"', html)
    assert match, html
    return match.group(1)


def sign_in(client: FlaskClient) -> str:
    token = token_of(client.get("/account/login", headers=HOST).text)
    response = client.post(
        "/account/login",
        data={"email": "buyer@example.com", "password": PASSWORD, "csrf_token": token},
        headers=HOST,
    )
    assert response.status_code == 302, response.text
    return token_of(client.get("/account/", headers=HOST).text)


def add(client: FlaskClient, plan_id: int, quantity: int, **extra: Any) -> Any:
    # the offer page always carries add-to-cart forms, hence a CSRF token
    token = token_of(client.get("/offers/" + _offer_slug(plan_id), headers=HOST).text)
    data = {"plan_id": plan_id, "quantity": quantity, "csrf_token": token, **extra}
    return client.post("/cart/add", data=data, headers=HOST)


def _offer_slug(plan_id: int) -> str:
    from storefront.catalog.models import Offer, Plan

    slug = db.session.scalar(select(Offer.slug).join(Plan).where(Plan.id == plan_id))
    return slug or "unknown"


def shown_cart(client: FlaskClient) -> str:
    match = re.search(r'data-cart="([0-9a-f]+)"', client.get("/checkout", headers=HOST).text)
    return match.group(1) if match else ""


def pay(
    client: FlaskClient,
    token: str,
    payment_method: str,
    attempt: str = "attempt-0001",
    **extra: Any,
) -> Any:
    body = {
        "cart": shown_cart(client),
        "billing_name": "Hanako Yamada",
        "billing_email": "buyer@example.com",
        "billing_country": "JP",
        "payment_method": payment_method,
        "attempt": attempt,
        **extra,
    }
    return client.post("/checkout/pay", json=body, headers={**HOST, "X-CSRFToken": token})


@pytest.fixture
def signed_in(client: FlaskClient, shop: Shop) -> str:
    token = sign_in(client)
    assert add(client, shop.mail.plans[0].id, 2).status_code == 302
    return token


def orders() -> list[Order]:
    db.session.expire_all()
    with all_tenants():
        return list(db.session.scalars(select(Order)))


def test_cart_is_priced_by_the_server_whatever_the_browser_posts(
    client: FlaskClient, shop: Shop
) -> None:
    add(client, shop.mail.plans[0].id, 2, price="1", unit_retail_minor="1")
    page = client.get("/cart", headers=HOST).text
    assert "￥2,000" in page  # 2 × ￥1,000, the listed price
    token = token_of(client.get(f"/offers/{shop.mail.slug}", headers=HOST).text)
    missing = client.post(
        "/cart/add", data={"plan_id": 999999, "quantity": 1, "csrf_token": token}, headers=HOST
    )
    assert missing.status_code == 404  # not on sale here
    assert add(client, shop.mail.plans[0].id, 5000).status_code == 400


def test_checkout_needs_a_buyer_of_this_store(client: FlaskClient, shop: Shop) -> None:
    response = client.get("/checkout", headers=HOST)
    assert response.status_code == 302 and "/account/login" in response.headers["Location"]


def test_checkout_page_loads_stripe_js_and_our_script_only(
    app: Flask, client: FlaskClient, signed_in: str
) -> None:
    page = client.get("/checkout", headers=HOST)
    html = page.text
    policy = page.headers["Content-Security-Policy"]
    assert app.config["STRIPE_JS_URL"].split("/js.stripe.com")[0] in policy
    assert "'unsafe-inline'" not in policy and "'unsafe-eval'" not in policy
    scripts = re.findall(r'<script[^>]*src="([^"]+)"', html)
    assert scripts == [app.config["STRIPE_JS_URL"], "/static/checkout.js"]
    assert "￥2,000" in html


def test_successful_payment_marks_paid_and_clears_the_cart(
    client: FlaskClient, shop: Shop, signed_in: str, localstripe_url: str
) -> None:
    response = pay(client, signed_in, card(localstripe_url, CARD_OK), total_minor=1)
    assert response.status_code == 200, response.json
    assert response.json["status"] == "succeeded"
    (order,) = orders()
    assert order.status == OrderStatus.PAID and order.total_minor == 2000
    page = client.get(response.json["redirect"], headers=HOST)
    assert 'data-testid="order-paid"' in page.text
    assert 'data-testid="cart-empty"' in client.get("/cart", headers=HOST).text


def test_declined_card_answers_with_the_reason_and_keeps_the_cart(
    client: FlaskClient, shop: Shop, signed_in: str, localstripe_url: str
) -> None:
    response = pay(client, signed_in, card(localstripe_url, CARD_DECLINED))
    assert response.status_code == 402
    assert response.json["error"]["field"] == "card"
    assert "declined" in response.json["error"]["message"]
    assert response.json["attempt"] != "attempt-0001"
    assert "￥2,000" in client.get("/cart", headers=HOST).text
    (order,) = orders()
    assert order.status == OrderStatus.PENDING
    # another card on the same order then pays: still one order
    retry = pay(client, signed_in, card(localstripe_url, CARD_OK), attempt=response.json["attempt"])
    assert retry.json["status"] == "succeeded"
    assert [o.status for o in orders()] == [OrderStatus.PAID]


def test_3ds_then_confirm_pays_once(
    client: FlaskClient, shop: Shop, signed_in: str, localstripe_url: str
) -> None:
    response = pay(client, signed_in, card(localstripe_url, CARD_3DS))
    assert response.json["status"] == "requires_action"
    secret = response.json["client_secret"]
    authenticate_3ds(localstripe_url, secret.split("_secret_")[0], secret, True)
    confirmed = client.post(
        response.json["confirm_url"], json={}, headers={**HOST, "X-CSRFToken": signed_in}
    )
    assert confirmed.json["status"] == "succeeded"
    again = client.post(
        response.json["confirm_url"], json={}, headers={**HOST, "X-CSRFToken": signed_in}
    )
    assert again.json["status"] == "succeeded"
    with all_tenants():
        assert db.session.scalar(select(func.count(LedgerTransaction.id))) == 1


def test_double_click_is_one_payment(
    client: FlaskClient, shop: Shop, signed_in: str, localstripe_url: str
) -> None:
    method = card(localstripe_url, CARD_OK)
    first = pay(client, signed_in, method, attempt="same-attempt")
    second = pay(client, signed_in, method, attempt="same-attempt")
    assert first.json["status"] == "succeeded"
    assert second.status_code == 409  # the order is already paid: nothing is charged again
    with all_tenants():
        assert db.session.scalar(select(func.count(Payment.id))) == 1


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"billing_name": ""}, 422, "billing_name"),
        ({"billing_email": "not-an-email"}, 422, "billing_email"),
        ({"billing_country": "XX"}, 422, "billing_country"),
        ({"payment_method": "4242424242424242"}, 422, "card"),
    ],
)
def test_bad_input_is_refused_field_by_field_and_creates_nothing(
    client: FlaskClient, shop: Shop, signed_in: str, body: dict[str, str], status: int, field: str
) -> None:
    response = pay(client, signed_in, body.pop("payment_method", "card_x12345"), **body)
    assert response.status_code == status
    assert response.json["error"]["field"] == field
    assert orders() == []


NOT_A_CHOICE = "選択肢が正しくありません。"  # the shop's buyers read Japanese
REQUIRED = "このフィールドは必須です。"


@pytest.mark.parametrize(
    ("country", "message"), [("XX", NOT_A_CHOICE), ("jp", NOT_A_CHOICE), ("", REQUIRED)]
)
def test_a_country_must_be_one_of_the_list(
    client: FlaskClient, shop: Shop, signed_in: str, country: str, message: str
) -> None:
    response = pay(client, signed_in, "card_x12345", billing_country=country)
    assert response.status_code == 422
    assert response.json["error"]["field"] == "billing_country"
    assert response.json["error"]["message"] == message
    assert orders() == []


def test_malformed_json_and_missing_csrf_are_refused(
    client: FlaskClient, shop: Shop, signed_in: str
) -> None:
    malformed = client.post(
        "/checkout/pay",
        data="{not json",
        content_type="application/json",
        headers={**HOST, "X-CSRFToken": signed_in},
    )
    assert malformed.status_code == 400 and malformed.json["error"]["code"] == "malformed"
    assert client.post("/checkout/pay", json={}, headers=HOST).status_code == 400
    assert orders() == []


def test_price_change_after_the_buyer_saw_the_total_is_caught(
    client: FlaskClient, shop: Shop, signed_in: str, localstripe_url: str
) -> None:
    seen = shown_cart(client)
    set_plan_price(shop.mail.plans[0], "JPY", 600, 1200)  # the price rises meanwhile
    db.session.commit()
    response = pay(client, signed_in, card(localstripe_url, CARD_OK), cart=seen)
    assert response.status_code == 409 and response.json["error"]["code"] == "cart_changed"
    assert orders() == []


def test_plan_failing_the_margin_at_payment_is_not_charged(
    client: FlaskClient, shop: Shop, signed_in: str, localstripe_url: str
) -> None:
    from storefront.catalog.services import select_offer, set_listing_price

    listing = select_offer(shop.storefront, shop.mail)
    set_listing_price(shop.storefront, listing, shop.mail.plans[0], 1000)
    seen = shown_cart(client)
    set_plan_price(shop.mail.plans[0], "JPY", 501, 1100)  # the reseller's ￥1,000 now fails
    db.session.commit()
    response = pay(client, signed_in, card(localstripe_url, CARD_OK), cart=seen)
    assert response.status_code == 409 and response.json["error"]["code"] == "cart_changed"
    assert orders() == []


def test_payment_service_down_is_reported_and_nothing_is_charged_twice(
    app: Flask, client: FlaskClient, shop: Shop, signed_in: str, localstripe_url: str
) -> None:
    app.config["STRIPE_API_BASE"] = "http://127.0.0.1:9"
    try:
        down = pay(client, signed_in, card(localstripe_url, CARD_OK), attempt="attempt-0001")
    finally:
        app.config["STRIPE_API_BASE"] = localstripe_url
    assert down.status_code == 503
    assert down.json["error"]["code"] == "payment_service_unavailable"
    assert "請求されていません" in down.json["error"]["message"]  # in the store's language
    (order,) = orders()
    assert order.status == OrderStatus.PENDING
    retry = pay(client, signed_in, card(localstripe_url, CARD_OK), attempt="attempt-0002")
    assert retry.json["status"] == "succeeded"
    with all_tenants():
        assert db.session.scalar(select(func.count(Payment.id))) == 1


def test_result_page_of_another_buyers_order_is_404(
    client: FlaskClient, shop: Shop, signed_in: str, localstripe_url: str
) -> None:
    paid = pay(client, signed_in, card(localstripe_url, CARD_OK))
    other = client.application.test_client()
    assert other.get(paid.json["redirect"], headers=HOST).status_code == 302  # not signed in
    assert client.get("/checkout/orders/NOPE-123", headers=HOST).status_code == 404
