"""The reseller dashboard at /reseller/ on the storefront's own host."""

from __future__ import annotations

from flask import Flask, current_app, render_template
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import RequestEntityTooLarge

from storefront.tenants.domains import DnsTxtResolver, TxtResolver

RESOLVER_KEY = "storefront.txt_resolver"


def txt_resolver() -> TxtResolver:
    """The resolver domain verification asks (the DNS one unless something else was set)."""
    resolver: TxtResolver = current_app.extensions[RESOLVER_KEY]
    return resolver


def _too_large(error: RequestEntityTooLarge) -> ResponseReturnValue:
    return render_template("reseller/413.html"), 413


def init_app(app: Flask) -> None:
    from storefront.reseller import api_tokens as _api_tokens  # noqa: F401 - registers routes
    from storefront.reseller import sales_views, settings_views  # noqa: F401 - registers routes
    from storefront.reseller import webhooks_views as _webhooks  # noqa: F401 - registers routes
    from storefront.reseller.views import bp

    app.extensions.setdefault(RESOLVER_KEY, DnsTxtResolver())
    app.register_blueprint(bp)
    app.register_error_handler(RequestEntityTooLarge, _too_large)
