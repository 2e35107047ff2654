"""The buyer's storefront: catalog, search and offer pages, in the reseller's branding."""

from __future__ import annotations

from flask import Flask, request

from storefront.extensions import limiter
from storefront.shop import checkout
from storefront.shop.views import bp, register_error_pages

# Pages that carry no rate limit: Flask-Limiter skips them outright instead of working out, on
# every request, that no limit applies (a large part of a light page's time).
UNLIMITED_ENDPOINTS = frozenset({"shop.index", "shop.offer", "shop.media", "theme_static"})


def _unlimited() -> bool:
    return request.endpoint in UNLIMITED_ENDPOINTS


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.register_blueprint(checkout.bp)
    register_error_pages(app)
    if _unlimited not in limiter._request_filters:  # one limiter object for every app
        limiter.request_filter(_unlimited)
