"""The vendor portal at /vendor/ for ISV members: offers and plans, submission, sales and the
wholesale statement."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from storefront.vendor.views import bp

    app.register_blueprint(bp)
