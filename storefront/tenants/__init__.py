"""Tenants: the storefront of every request, resolved from its host."""

from __future__ import annotations

from flask import Flask, abort, current_app, g, request

from storefront.tenants.models import Storefront
from storefront.tenants.resolve import UnknownHost, resolve_host
from storefront.tenants.scope import clear_request_tenant, install, set_request_tenant


def current_storefront() -> Storefront | None:
    """The storefront this request is for; None on the marketplace's own host."""
    storefront: Storefront | None = g.get("storefront")
    return storefront


def _bind_tenant() -> None:
    clear_request_tenant()
    try:
        match = resolve_host(request.host, current_app.config["MARKETPLACE_DOMAIN"])
    except UnknownHost:
        g.storefront = None
        g.unknown_host = True
        abort(404)
    g.storefront = match.storefront
    if match.storefront is not None:
        set_request_tenant(match.storefront.id)


def _unbind_tenant(_exc: BaseException | None) -> None:
    clear_request_tenant()


def init_app(app: Flask) -> None:
    from storefront.tenants.branding import footer_links

    install()
    app.jinja_env.globals["footer_links"] = footer_links
    app.before_request(_bind_tenant)
    app.teardown_request(_unbind_tenant)
