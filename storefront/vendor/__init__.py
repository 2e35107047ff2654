"""The vendor portal at /vendor/ for ISV members: offers and plans, submission, sales and the
wholesale statement."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from storefront.vendor import api_tokens as _api_tokens  # noqa: F401 - registers routes
    from storefront.vendor import webhooks as _webhooks  # noqa: F401 - registers routes
    from storefront.vendor.views import bp

    app.register_blueprint(bp)
