"""The buyer's storefront: catalog, search and offer pages, in the reseller's branding."""

from __future__ import annotations

from flask import Flask

from storefront.shop import checkout
from storefront.shop.views import bp, register_error_pages


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.register_blueprint(checkout.bp)
    register_error_pages(app)
