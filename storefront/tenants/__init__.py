"""Tenants: the storefront of every request, resolved from its host."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import Flask, abort, current_app, g, request

from storefront.extensions import db
from storefront.tenants.branding import FooterLink, footer_links
from storefront.tenants.cache import (
    CachedStorefront,
    memoised,
    storefront_cache,
    storefront_id_for_host,
)
from storefront.tenants.invalidation import install as install_invalidation
from storefront.tenants.models import Storefront
from storefront.tenants.resolve import UnknownHost, normalise_host
from storefront.tenants.scope import clear_request_tenant, install, set_request_tenant

T = TypeVar("T")


def current_storefront() -> Storefront | None:
    """The storefront this request is for, as a row of the request's session (views may change
    it and commit); None on the marketplace's own host."""
    storefront: Storefront | None = g.get("storefront")
    cached = cached_storefront()
    if cached is not None and storefront is cached.row:  # not attached yet
        storefront = g.storefront = cached.attach(db.session)
    return storefront


def shown_storefront() -> Storefront | None:
    """The request's storefront for reading only (pages, locale): the cached row, unless a
    view has attached it to the session already. Never change it."""
    storefront: Storefront | None = g.get("storefront")
    return storefront


def cached_storefront() -> CachedStorefront | None:
    """The request's storefront as cached (row, suspension, derived data such as its catalog)."""
    cached: CachedStorefront | None = g.get("cached_storefront")
    return cached


def per_version(storefront: Storefront, key: str, derive: Callable[[Storefront], T]) -> T:
    """`derive(storefront)`, kept with the request's cached storefront row when it is that
    row (a change bumps its version and drops both); a row a view loaded or changed is
    derived afresh."""
    cached = cached_storefront()
    if cached is None or cached.row is not storefront:
        return derive(storefront)
    return memoised(cached, key, lambda: derive(storefront))


def shown_footer_links(storefront: Storefront) -> list[FooterLink]:
    """`footer_links` for templates, worked out once per storefront version."""
    return per_version(storefront, "footer_links", footer_links)


def _bind_tenant() -> None:
    """Resolve the host through the storefront cache: on a warm cache no SQL at all."""
    clear_request_tenant()
    g.storefront = g.cached_storefront = None
    domain = current_app.config["MARKETPLACE_DOMAIN"]
    name = normalise_host(request.host)
    if name == domain.lower():
        return
    try:
        cached = storefront_cache().lookup(name, lambda host: storefront_id_for_host(host, domain))
    except UnknownHost:
        cached = None
    if cached is None:
        g.unknown_host = True
        abort(404)
    # Merged into the session only when a view asks for it (`current_storefront`): pages that
    # only read it use the cached row.
    g.cached_storefront = cached
    g.storefront = cached.row
    set_request_tenant(cached.id)


def _unbind_tenant(_exc: BaseException | None) -> None:
    clear_request_tenant()


def init_app(app: Flask) -> None:
    install()
    install_invalidation()
    app.jinja_env.globals["footer_links"] = shown_footer_links
    app.before_request(_bind_tenant)
    app.teardown_request(_unbind_tenant)
