"""Branding tokens: validated colours as CSS custom properties, never raw CSS."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from storefront.extensions import db
from storefront.tenants.branding import InvalidBranding, css_custom_properties, validate_colour
from tests import factories


@pytest.mark.parametrize("value", ["#1F4FD1", "#abcdef"])
def test_hex_colours_are_accepted(value: str) -> None:
    assert validate_colour(value) == value.lower()


@pytest.mark.parametrize(
    "value", ["red", "#fff", "#12345g", "#123456;}body{x:y", "", "url(x)", "#1234567"]
)
def test_anything_but_hex_colours_is_refused(value: str) -> None:
    with pytest.raises(InvalidBranding):
        validate_colour(value)


@pytest.mark.usefixtures("app_context")
def test_a_bad_stored_colour_never_reaches_the_page(client: FlaskClient) -> None:
    store = factories.storefront(slug="brand", primary_color="#0a0b0c", accent_color="red;}*{")
    db.session.commit()
    css = css_custom_properties(store)
    assert "--brand-primary:#0a0b0c" in css
    assert "--brand-accent:#f59e0b" in css
    html = client.get("/", headers={"Host": "brand.localhost"}).text
    assert "--brand-primary:#0a0b0c" in html
    assert "red;}*{" not in html


@pytest.mark.usefixtures("app_context")
def test_store_name_and_tagline_are_escaped(client: FlaskClient) -> None:
    factories.storefront(slug="esc", name="<b>Bold</b> & Co", tagline="<img src=x onerror=y>")
    db.session.commit()
    html = client.get("/", headers={"Host": "esc.localhost"}).text
    assert "&lt;b&gt;Bold&lt;/b&gt; &amp; Co" in html
    assert "<img src=x" not in html
