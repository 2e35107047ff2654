"""Random text into every form field: never a server error, never an unescaped echo."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from storefront.accounts.models import Role
from storefront.extensions import db
from tests import factories

HOST = {"Host": "fuzz.localhost"}
CONSOLE = {"Host": "localhost"}


class Forms(HTMLParser):
    """The POST forms of a page: action and the names of their fields."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[tuple[str, list[str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "form" and (values.get("method") or "get").lower() == "post":
            self.forms.append((values.get("action") or "", []))
        elif (
            tag in {"input", "textarea", "select"}
            and self.forms
            and values.get("name")
            and values.get("type") not in {"hidden", "submit", "file"}
        ):
            self.forms[-1][1].append(str(values["name"]))


def forms_of(
    client: FlaskClient, path: str, headers: dict[str, str]
) -> list[tuple[str, list[str]]]:
    parser = Forms()
    parser.feed(client.get(path, headers=headers).text)
    return [(action or path, fields) for action, fields in parser.forms if fields]


def token(client: FlaskClient, path: str, headers: dict[str, str]) -> str:
    match = re.search(
        r'name="csrf_token"[^>]*?value="([^"]+)"', client.get(path, headers=headers).text
    )
    assert match
    return match.group(1)


HOSTILE = st.one_of(
    st.text(max_size=300),
    st.sampled_from(
        [
            "<script>alert(1)</script>",
            '"><img src=x onerror=alert(1)>',
            "javascript:alert(1)",
            "\x00\x01\x1f",
            "../../etc/passwd",
            '=HYPERLINK("http://x")',
            "ü" * 500,
            "1e999",
            "-1",
            "99999999999999999999",
            "'; DROP TABLE users; --",
        ]
    ),
)


def _is_markup(value: str) -> bool:
    """A value that would be live markup if echoed raw (a bare "<" is in every page anyway)."""
    return len(value) >= 6 and re.search(r"<[a-zA-Z/!][^<>]*>|<[a-zA-Z]+\s", value) is not None


def _fuzz(client: FlaskClient, pages: list[str], headers: dict[str, str], value: str) -> None:
    for page in pages:
        for action, fields in forms_of(client, page, headers):
            data = {field: value for field in fields}
            data["csrf_token"] = token(client, page, headers)
            response = client.post(action, data=data, headers=headers)
            assert response.status_code < 500, (action, value, response.status_code)
            if _is_markup(value) and response.mimetype == "text/html":
                assert value not in response.get_data(as_text=True), (action, value)


@pytest.mark.usefixtures("app_context")
@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(value=HOSTILE)
def test_storefront_forms_survive_hostile_input(app: Flask, value: str) -> None:
    if not _store_ready():  # Hypothesis runs the body many times within one test
        store = factories.storefront(slug="fuzz")
        offer = factories.offer()
        factories.listing(store, offer)
        factories.user(Role.BUYER, email="buyer@example.com", storefront_id=store.id)
        db.session.commit()
    client = app.test_client()
    offer_path = "/offers/" + _offer_slug()
    _fuzz(
        client,
        ["/account/signup", "/account/login", "/account/password-reset", offer_path],
        HOST,
        value,
    )


@pytest.mark.usefixtures("app_context")
@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(value=HOSTILE)
def test_console_forms_survive_hostile_input(app: Flask, value: str) -> None:
    client = app.test_client()
    _fuzz(client, ["/operator/login"], CONSOLE, value)


def _store_ready() -> bool:
    from sqlalchemy import select

    from storefront.tenants.models import Storefront

    return db.session.scalar(select(Storefront.id).where(Storefront.slug == "fuzz")) is not None


def _offer_slug() -> str:
    from sqlalchemy import select

    from storefront.catalog.models import Offer

    return db.session.scalar(select(Offer.slug).limit(1)) or "none"


@pytest.mark.usefixtures("app_context")
@settings(
    max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(value=HOSTILE)
def test_dashboard_and_console_forms_survive_hostile_input(app: Flask, value: str) -> None:
    from tests.signin import sign_in

    if not _store_ready():
        store = factories.storefront(slug="fuzz")
        factories.listing(store, factories.offer())
        factories.user(Role.RESELLER_ADMIN, email="owner@fuzz.test", storefront_id=store.id)
        isv = factories.isv()
        factories.user(Role.ISV_MEMBER, email="dev@isv.test", isv_id=isv.id)
        factories.user(Role.PLATFORM_ADMIN, email="admin@platform.test")
        db.session.commit()
    reseller = app.test_client()
    token_value = token(reseller, "/reseller/login", HOST)
    reseller.post(
        "/reseller/login",
        headers=HOST,
        data={
            "email": "owner@fuzz.test",
            "password": factories.PASSWORD,
            "csrf_token": token_value,
        },
    )
    _fuzz(
        reseller,
        ["/reseller/branding", "/reseller/domains", "/reseller/team", "/reseller/offers"],
        HOST,
        value,
    )
    vendor = app.test_client()
    sign_in(vendor, "dev@isv.test", surface="vendor")
    _fuzz(vendor, ["/vendor/offers/new"], CONSOLE, value)
    console = app.test_client()
    sign_in(console, "admin@platform.test")
    _fuzz(console, ["/operator/storefronts/new", "/operator/operators"], CONSOLE, value)
