"""The operator console for platform and white-label operator admins (sign-in for now)."""

from __future__ import annotations

from flask import Flask

from storefront.operator import orders as _orders  # noqa: F401 - registers the order pages
from storefront.operator.views import bp


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
