"""Buyer accounts on a storefront: sign-up, sign-in, realms, CSRF, and the buyer's orders."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from flask import Flask, g, session
from flask.testing import FlaskClient
from sqlalchemy import func, select
from werkzeug.test import TestResponse

from storefront.accounts import _load_user
from storefront.accounts.models import Role, User
from storefront.accounts.sessions import open_session
from storefront.catalog.models import BillingTerm
from storefront.extensions import db
from storefront.orders.models import Order, OrderStatus
from storefront.tenants.models import Storefront
from storefront.tenants.scope import all_tenants
from tests import factories
from tests.factories import PASSWORD
from tests.orders import rows

pytestmark = pytest.mark.usefixtures("app_context")

NEW_PASSWORD = "a long enough passphrase"


def host(slug: str) -> dict[str, str]:
    return {"Host": f"{slug}.localhost"}


def csrf_token(client: FlaskClient, slug: str, path: str = "/account/login") -> str:
    html = client.get(path, headers=host(slug)).text
    match = re.search(r'name="csrf_token"[^>]*?value="([^"]+)"', html)
    assert match, html
    return match.group(1)


def sign_up(
    client: FlaskClient, slug: str, path: str = "/account/signup", **fields: str
) -> TestResponse:
    data = {
        "name": "Hanna Buyer",
        "email": "buyer@example.com",
        "password": NEW_PASSWORD,
        "confirm_password": NEW_PASSWORD,
        "csrf_token": csrf_token(client, slug, "/account/signup"),
    }
    data.update(fields)
    return client.post(path, data=data, headers=host(slug))


def sign_in(
    client: FlaskClient,
    slug: str,
    email: str = "buyer@example.com",
    password: str = PASSWORD,
    path: str = "/account/login",
) -> TestResponse:
    data = {"email": email, "password": password, "csrf_token": csrf_token(client, slug)}
    return client.post(path, data=data, headers=host(slug))


def buyers(email: str = "buyer@example.com") -> list[User]:
    with all_tenants():
        return list(db.session.scalars(select(User).where(User.email == email)))


def user_count() -> int:
    return db.session.scalar(select(func.count(User.id))) or 0


@pytest.fixture
def acme() -> Storefront:
    store = factories.storefront(slug="acme", name="Acme Hosting")
    db.session.commit()
    return store


@pytest.fixture
def buyer(acme: Storefront) -> User:
    user = factories.user(
        Role.BUYER, email="buyer@example.com", storefront_id=acme.id, name="Hanna Buyer"
    )
    db.session.commit()
    return user


# --- sign-up ---------------------------------------------------------------------------


def test_sign_up_creates_a_hashed_buyer_of_this_store_and_signs_in(
    client: FlaskClient, acme: Storefront
) -> None:
    response = sign_up(client, "acme", email="Buyer@Example.com ")
    assert response.status_code == 302
    assert response.headers["Location"] == "/account/"
    [user] = buyers()
    assert user.role == Role.BUYER and user.storefront_id == acme.id
    assert user.name == "Hanna Buyer"
    assert user.password_hash.startswith("$argon2id$") and NEW_PASSWORD not in user.password_hash
    page = client.get("/account/", headers=host("acme"))
    assert page.status_code == 200 and "buyer@example.com" in page.text


def test_the_same_email_signs_up_separately_on_two_stores(
    client: FlaskClient, acme: Storefront
) -> None:
    other = factories.storefront(slug="other")
    db.session.commit()
    assert sign_up(client, "acme").status_code == 302
    assert (
        sign_up(
            client, "other", password="another passphrase!", confirm_password="another passphrase!"
        ).status_code
        == 302
    )
    accounts = buyers()
    assert {user.storefront_id for user in accounts} == {acme.id, other.id}
    assert accounts[0].password_hash != accounts[1].password_hash


def test_an_email_already_registered_in_this_store_is_refused_next_to_the_field(
    client: FlaskClient, buyer: User
) -> None:
    response = sign_up(client, "acme", email="BUYER@example.com")
    assert response.status_code == 400
    assert re.search(r'id="email-error">[^<]*already has an account', response.text)
    assert len(buyers()) == 1
    assert client.get("/account/", headers=host("acme")).status_code == 302  # not signed in


@pytest.mark.parametrize(
    ("fields", "field_with_error", "message"),
    [
        ({"email": "not-an-address"}, "email", "Enter an e-mail address"),
        ({"email": "buyer@"}, "email", "Enter an e-mail address"),
        ({"name": ""}, "name", "This field is required."),
        (
            {"password": "too short", "confirm_password": "too short"},
            "password",
            "Use 12 to 128 characters.",
        ),
        (
            {"password": "x" * 129, "confirm_password": "x" * 129},
            "password",
            "Use 12 to 128 characters.",
        ),
        ({"confirm_password": "a different passphrase"}, "confirm_password", "not the same"),
    ],
)
def test_bad_sign_up_input_is_refused_next_to_the_field(
    client: FlaskClient,
    acme: Storefront,
    fields: dict[str, str],
    field_with_error: str,
    message: str,
) -> None:
    response = sign_up(client, "acme", **fields)
    assert response.status_code == 400
    error = re.search(rf'<p class="error" id="{field_with_error}-error">([^<]*)</p>', response.text)
    assert error and message in error.group(1)
    assert f'aria-describedby="{field_with_error}-error"' in response.text
    assert user_count() == 0


@pytest.mark.parametrize("address", ["someone@example.com", "owner@shop.test", "名前@例え.jp"])
def test_any_valid_address_can_sign_up(client: FlaskClient, acme: Storefront, address: str) -> None:
    assert sign_up(client, "acme", email=address).status_code == 302
    assert user_count() == 1


def test_sign_up_and_sign_in_need_the_csrf_token(client: FlaskClient, buyer: User) -> None:
    signup = client.post(
        "/account/signup",
        data={
            "name": "Mallory",
            "email": "mallory@example.com",
            "password": NEW_PASSWORD,
            "confirm_password": NEW_PASSWORD,
        },
        headers=host("acme"),
    )
    assert signup.status_code == 400
    login = client.post(
        "/account/login",
        data={"email": "buyer@example.com", "password": PASSWORD},
        headers=host("acme"),
    )
    assert login.status_code == 400
    assert user_count() == 1
    assert client.get("/account/", headers=host("acme")).status_code == 302


# --- sign-in and out -------------------------------------------------------------------


def test_buyer_signs_in_and_out(client: FlaskClient, buyer: User) -> None:
    response = sign_in(client, "acme")
    assert response.status_code == 302 and response.headers["Location"] == "/account/"
    page = client.get("/", headers=host("acme")).text
    assert 'href="/account/"' in page and 'action="/account/logout"' in page
    assert client.get("/account/logout", headers=host("acme")).status_code == 405
    assert client.post("/account/logout", headers=host("acme")).status_code == 400  # no CSRF
    assert client.get("/account/", headers=host("acme")).status_code == 200
    token = csrf_token(client, "acme", "/account/")
    out = client.post("/account/logout", data={"csrf_token": token}, headers=host("acme"))
    assert out.status_code == 302
    assert client.get("/account/", headers=host("acme")).status_code == 302
    assert 'href="/account/login"' in client.get("/", headers=host("acme")).text


def test_wrong_password_is_refused_next_to_the_field(client: FlaskClient, buyer: User) -> None:
    response = sign_in(client, "acme", password="not the password at all")
    assert response.status_code == 400
    assert 'id="password-error"' in response.text
    assert client.get("/account/", headers=host("acme")).status_code == 302


def test_reseller_admins_do_not_sign_in_as_buyers(client: FlaskClient, acme: Storefront) -> None:
    factories.user(Role.RESELLER_ADMIN, email="owner@acme.test", storefront_id=acme.id)
    db.session.commit()
    assert sign_in(client, "acme", email="owner@acme.test").status_code == 400


def test_a_buyer_of_one_store_cannot_sign_in_on_another(client: FlaskClient, buyer: User) -> None:
    factories.storefront(slug="other")
    db.session.commit()
    assert sign_in(client, "other").status_code == 400
    assert sign_in(client, "acme").status_code == 302


def test_a_session_from_one_store_is_refused_on_another(
    app: Flask, client: FlaskClient, buyer: User
) -> None:
    other = factories.storefront(slug="other")
    db.session.commit()
    assert sign_in(client, "acme").status_code == 302
    session_cookie = client.get_cookie("session", domain="acme.localhost")
    assert session_cookie is not None
    # The browser would never send it there; replay it on purpose.
    client.set_cookie("session", session_cookie.value, domain="other.localhost")
    response = client.get("/account/", headers=host("other"))
    assert response.status_code == 302 and "/account/login" in response.headers["Location"]
    with app.test_request_context(headers=host("other")):
        session["sid"] = open_session(buyer)  # even with a valid server-side session
        db.session.commit()
        g.storefront = other
        assert _load_user(str(buyer.id)) is None
        g.storefront = db.session.get(Storefront, buyer.storefront_id)
        assert _load_user(str(buyer.id)) is not None


def test_sign_in_starts_a_fresh_session_but_keeps_language_and_cart(
    client: FlaskClient, buyer: User
) -> None:
    with client.session_transaction(base_url="http://acme.localhost") as session:
        session["lang"] = "en"
        session["cart"] = {"7": 2}
        session["planted"] = "by someone else"
    sign_in(client, "acme")
    with client.session_transaction(base_url="http://acme.localhost") as session:
        assert session["lang"] == "en" and session["cart"] == {"7": 2}
        assert "planted" not in session
        assert session["_user_id"] == str(buyer.id)


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/offers/nimbus-mail?plan=3", "/offers/nimbus-mail?plan=3"),
        ("//evil.test/x", "/account/"),
        ("https://evil.test/", "/account/"),
        ("/\\evil.test", "/account/"),
        ("/\t/evil.test", "/account/"),
    ],
)
def test_next_only_leads_to_a_page_of_this_store(
    client: FlaskClient, buyer: User, target: str, expected: str
) -> None:
    from urllib.parse import quote

    response = sign_in(client, "acme", path=f"/account/login?next={quote(target)}")
    assert response.status_code == 302 and response.headers["Location"] == expected


def test_pages_that_need_a_buyer_send_to_sign_in_and_back(client: FlaskClient, buyer: User) -> None:
    response = client.get("/account/", headers=host("acme"))
    assert response.status_code == 302
    assert response.headers["Location"] == "/account/login?next=%2Faccount%2F"
    checkout = client.get("/checkout", headers=host("acme"))
    assert checkout.status_code == 302
    assert checkout.headers["Location"].startswith("/account/login?next=%2Fcheckout")
    login_page = client.get(response.headers["Location"], headers=host("acme")).text
    assert "Please sign in to see this page." in login_page
    assert 'href="/account/signup?next=/account/"' in login_page
    signed_in = sign_in(client, "acme", path=response.headers["Location"])
    assert signed_in.headers["Location"] == "/account/"


# --- where accounts exist --------------------------------------------------------------


@pytest.mark.parametrize("path", ["/account/", "/account/login", "/account/signup"])
def test_a_closed_store_has_no_accounts(client: FlaskClient, path: str) -> None:
    factories.storefront(slug="berlin", is_opted_in=False)
    db.session.commit()
    response = client.get(path, headers=host("berlin"))
    assert response.status_code == 404 and 'data-testid="store-closed"' in response.text


@pytest.mark.parametrize("path", ["/account/", "/account/login", "/account/signup"])
def test_the_marketplace_host_has_no_buyer_accounts(client: FlaskClient, path: str) -> None:
    assert client.get(path, headers={"Host": "localhost"}).status_code == 404


@pytest.mark.parametrize("theme", ["default", "midnight"])
def test_every_theme_shows_the_account_area(client: FlaskClient, theme: str) -> None:
    factories.storefront(slug="shop", theme=theme)
    db.session.commit()
    page = client.get("/", headers=host("shop")).text
    nav = re.search(r'<nav class="account-nav".*?</nav>', page, re.S)
    assert nav and 'href="/account/login"' in nav.group(0) and "Sign in" in nav.group(0)
    sign_up(client, "shop")
    nav = re.search(
        r'<nav class="account-nav".*?</nav>', client.get("/", headers=host("shop")).text, re.S
    )
    assert nav and "My account" in nav.group(0)
    assert 'action="/account/logout"' in nav.group(0) and 'name="csrf_token"' in nav.group(0)


def test_pages_are_in_the_store_language(client: FlaskClient) -> None:
    factories.storefront(slug="sakura", locale="ja", languages=["ja", "en"], currency="JPY")
    db.session.commit()
    page = client.get("/account/login", headers=host("sakura")).text
    assert '<html lang="ja">' in page
    assert "ログイン" in page and "パスワード" in page
    response = sign_up(client, "sakura", password="short", confirm_password="short")
    assert response.status_code == 400 and "12〜128文字" in response.text


# --- orders ----------------------------------------------------------------------------


@pytest.fixture
def order_history(acme: Storefront, buyer: User) -> tuple[Order, Order]:
    """The buyer's two orders, another buyer's order in the same store, and an order in
    another store that names this buyer's id (only the tenant scope keeps it out)."""
    offer = factories.offer(
        name="Nimbus Mail",
        prices=((BillingTerm.MONTHLY, "USD", 400, 1000), (BillingTerm.YEARLY, "USD", 4000, 9900)),
    )
    older = rows.order(
        acme,
        buyer,
        [rows.Line(offer, BillingTerm.MONTHLY, 2, 1250, 400)],
        number="A-1",
        created_at=datetime(2025, 3, 1, 9, 0, tzinfo=UTC),
    )
    newer = rows.order(
        acme,
        buyer,
        [
            rows.Line(offer, BillingTerm.YEARLY, 1, 9900, 4000),
            rows.Line(offer, BillingTerm.MONTHLY, 3, 1000, 400),
        ],
        number="A-2",
        created_at=datetime(2025, 4, 2, 9, 0, tzinfo=UTC),
    )
    rows.refund(newer, 1500, refunded_at=datetime(2025, 4, 5, 9, 0, tzinfo=UTC))
    neighbour = factories.user(Role.BUYER, email="neighbour@example.com", storefront_id=acme.id)
    rows.order(acme, neighbour, [rows.Line(offer, BillingTerm.MONTHLY, 1, 1000, 400)], number="A-3")
    elsewhere = factories.storefront(slug="elsewhere")
    stray = rows.order(
        elsewhere, neighbour, [rows.Line(offer, BillingTerm.MONTHLY, 1, 1000, 400)], number="E-1"
    )
    stray.buyer_id = buyer.id
    db.session.commit()
    return older, newer


def test_order_list_shows_only_the_buyers_own_orders_newest_first(
    client: FlaskClient, order_history: tuple[Order, Order]
) -> None:
    sign_in(client, "acme")
    page = client.get("/account/", headers=host("acme")).text
    assert re.findall(r'data-order="([^"]+)"', page) == ["A-2", "A-1"]
    newer_row = re.search(r'data-order="A-2">.*?</tr>', page, re.S)
    assert newer_row
    assert "Partially refunded" in newer_row.group(0)
    assert "$129.00" in newer_row.group(0) and "$15.00" in newer_row.group(0)
    assert "Apr 2, 2025" in newer_row.group(0)
    older_row = re.search(r'data-order="A-1">.*?</tr>', page, re.S)
    assert older_row and "Paid" in older_row.group(0) and "$25.00" in older_row.group(0)


def test_order_page_shows_lines_total_and_refunds(
    client: FlaskClient, order_history: tuple[Order, Order]
) -> None:
    sign_in(client, "acme")
    response = client.get("/account/orders/A-2", headers=host("acme"))
    assert response.status_code == 200
    lines = re.findall(r'<tr data-testid="order-line">(.*?)</tr>', response.text, re.S)
    cells = [re.findall(r"<td[^>]*>([^<]*)</td>", line) for line in lines]
    assert cells == [
        ["Nimbus Mail", "yearly", "per year", "1", "$99.00", "$99.00"],
        ["Nimbus Mail", "monthly", "per month", "3", "$10.00", "$30.00"],
    ]
    assert re.search(r'data-testid="order-total">\$129.00<', response.text)
    assert re.search(r'data-testid="order-status">Partially refunded<', response.text)
    refunds = re.findall(r'<tr data-testid="refund">(.*?)</tr>', response.text, re.S)
    assert len(refunds) == 1 and "Apr 5, 2025" in refunds[0] and "$15.00" in refunds[0]


@pytest.mark.parametrize("number", ["A-3", "E-1", "NOPE"])
def test_another_buyers_or_another_stores_order_is_not_found(
    client: FlaskClient, order_history: tuple[Order, Order], number: str
) -> None:
    sign_in(client, "acme")
    assert client.get(f"/account/orders/{number}", headers=host("acme")).status_code == 404


def test_no_orders_yet(client: FlaskClient, buyer: User) -> None:
    sign_in(client, "acme")
    assert "You have no orders yet." in client.get("/account/", headers=host("acme")).text


def test_order_status_labels_cover_every_status() -> None:
    from storefront.orders.history import ORDER_STATUS_LABELS

    assert set(ORDER_STATUS_LABELS) == set(OrderStatus)
