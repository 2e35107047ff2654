"""Rendering a page in the storefront's theme and branding."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import current_app, render_template, session, url_for

from storefront.i18n import page_translations
from storefront.orders.cart import Cart
from storefront.tenants import cached_storefront
from storefront.tenants.branding import FooterLink, css_custom_properties, footer_links
from storefront.tenants.cache import memoised
from storefront.tenants.models import Storefront
from storefront.themes import DEFAULT_THEME

T = TypeVar("T")


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
        brand_css=_per_version(storefront, "brand_css", css_custom_properties),
        logo_url=logo_url,
        cart_count=len(Cart(session)),
        **page_translations(),
        **context,
    )


def shown_footer_links(storefront: Storefront) -> list[FooterLink]:
    """`footer_links` for templates, worked out once per storefront version."""
    return _per_version(storefront, "footer_links", footer_links)


def _per_version(storefront: Storefront, key: str, derive: Callable[[Storefront], T]) -> T:
    """Derived from the request's cached storefront row: kept with it (a change bumps its
    version and drops both); a row a view loaded or changed is derived afresh."""
    cached = cached_storefront()
    if cached is None or cached.row is not storefront:
        return derive(storefront)
    return memoised(cached, key, lambda: derive(storefront))
