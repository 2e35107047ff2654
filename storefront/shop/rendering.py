"""Rendering a page in the storefront's theme and branding."""

from __future__ import annotations

from typing import Any

from flask import current_app, render_template, session, url_for

from storefront.i18n import page_translations
from storefront.orders.cart import Cart
from storefront.tenants import per_version
from storefront.tenants.branding import css_custom_properties
from storefront.tenants.models import Storefront
from storefront.themes import DEFAULT_THEME


def storefront_theme(storefront: Storefront) -> str:
    installed = current_app.config["INSTALLED_THEMES"]
    return storefront.theme if storefront.theme in installed else DEFAULT_THEME


def render_storefront(storefront: Storefront, template: str, **context: Any) -> str:
    theme = storefront_theme(storefront)
    logo_url = (
        url_for("shop.media", filename=storefront.logo_path) if storefront.logo_path else None
    )
    return render_template(
        f"@{theme}/{template}",
        theme=theme,
        storefront=storefront,
        brand_css=per_version(storefront, "brand_css", css_custom_properties),
        logo_url=logo_url,
        cart_count=len(Cart(session)),
        **page_translations(),
        **context,
    )
