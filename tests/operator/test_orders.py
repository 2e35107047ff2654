"""Orders and refunds in the operator console."""

from __future__ import annotations

import re
import threading

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from storefront.accounts.models import Role
from storefront.extensions import db
from storefront.money import Money
from storefront.orders.models import Order, OrderStatus
from storefront.payments import gateway
from storefront.payments.services import RefundRefused, execute, prepare, refund_order
from storefront.tenants.scope import all_tenants
from tests import factories
from tests.accounts.test_operator_login import CONSOLE, csrf_token, sign_in
from tests.shopping import CARD_OK, Shop, card, order_for


def paid_order(shop: Shop, localstripe_url: str) -> Order:
    order = order_for(shop)
    payment = prepare(order, payment_method=card(localstripe_url, CARD_OK), attempt="a-1")
    execute(payment, gateway.provider())
    db.session.commit()
    return order


def refund(client: FlaskClient, order: Order, amount: str):  # type: ignore[no-untyped-def]
    path = f"/operator/orders/{order.id}"
    return client.post(
        path,
        data={"amount": amount, "reason": "goodwill", "csrf_token": csrf_token(client, path)},
        headers=CONSOLE,
    )


def test_platform_admin_refunds_part_then_is_refused_beyond_the_rest(
    client: FlaskClient, shop: Shop, localstripe_url: str
) -> None:
    order = paid_order(shop, localstripe_url)
    factories.user(Role.PLATFORM_ADMIN, email="admin@platform.test")
    db.session.commit()
    sign_in(client, "admin@platform.test")
    listing = client.get("/operator/orders", headers=CONSOLE).text
    assert order.number in listing

    assert refund(client, order, "5000").status_code == 302
    page = client.get(f"/operator/orders/{order.id}", headers=CONSOLE).text
    assert "partially refunded" in page and "goodwill" in page

    too_much = refund(client, order, str(order.total_minor))
    assert too_much.status_code == 400
    assert 'id="amount-error"' in too_much.text and "can still be refunded" in too_much.text
    malformed = refund(client, order, "12.5")  # JPY has no decimals
    assert malformed.status_code == 400 and 'id="amount-error"' in malformed.text

    assert refund(client, order, str(order.total_minor - 5000)).status_code == 302
    db.session.expire_all()
    with all_tenants():
        assert db.session.get(Order, order.id).status == OrderStatus.REFUNDED  # type: ignore[union-attr]


def test_operator_admin_sees_only_its_stores_orders_and_cannot_refund(
    client: FlaskClient, shop: Shop, localstripe_url: str
) -> None:
    order = paid_order(shop, localstripe_url)
    assert shop.storefront.operator_id is not None
    factories.user(
        Role.OPERATOR_ADMIN, email="ops@mine.test", operator_id=shop.storefront.operator_id
    )
    factories.user(Role.OPERATOR_ADMIN, email="ops@other.test", operator_id=factories.operator().id)
    db.session.commit()

    sign_in(client, "ops@mine.test")
    assert order.number in client.get("/operator/orders", headers=CONSOLE).text
    page = client.get(f"/operator/orders/{order.id}", headers=CONSOLE).text
    assert "Refund</button>" not in page
    assert refund(client, order, "100").status_code == 403

    other = factories_client(client)
    sign_in(other, "ops@other.test")
    assert order.number not in other.get("/operator/orders", headers=CONSOLE).text
    assert other.get(f"/operator/orders/{order.id}", headers=CONSOLE).status_code == 404


def factories_client(client: FlaskClient) -> FlaskClient:
    return client.application.test_client()


def test_concurrent_refunds_never_exceed_what_was_paid(
    app: Flask, shop: Shop, localstripe_url: str
) -> None:
    if db.engine.dialect.name != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL (SQLite serialises them)")
    order = paid_order(shop, localstripe_url)
    share = Money(order.total_minor * 6 // 10, order.currency)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def attempt() -> None:
        with app.app_context(), all_tenants():
            mine = db.session.get(Order, order.id)
            assert mine is not None
            barrier.wait()
            try:
                refund_order(mine, share, gateway.provider())
                db.session.commit()
                outcomes.append("refunded")
            except RefundRefused:
                db.session.rollback()
                outcomes.append("refused")

    threads = [threading.Thread(target=attempt) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["refunded", "refused"]
    db.session.expire_all()
    with all_tenants():
        refreshed = db.session.scalar(select(Order).where(Order.id == order.id))
    assert refreshed is not None and refreshed.refunded_minor == share.amount


def test_console_order_pages_need_a_console_account(client: FlaskClient, shop: Shop) -> None:
    assert client.get("/operator/orders", headers=CONSOLE).status_code == 302
    assert re.search("login", client.get("/operator/orders", headers=CONSOLE).headers["Location"])
