"""Shop views: thin, they read the listing rules' results and render them."""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    g,
    jsonify,
    render_template,
    request,
    send_from_directory,
    session,
)
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException

from storefront.catalog.listings import CatalogFilter
from storefront.catalog.models import ApplicationType, OfferCategory
from storefront.operator.services import is_suspended
from storefront.shop.catalog import shop_catalog
from storefront.shop.rendering import render_storefront
from storefront.tenants import cached_storefront, current_storefront, shown_storefront
from storefront.tenants.models import Storefront

bp = Blueprint("shop", __name__)

_Facet = TypeVar("_Facet", OfferCategory, ApplicationType)


def open_storefront() -> Storefront:
    """The request's storefront, which must be open to buyers (else the "not open" page)."""
    _check_open(shown_storefront())
    storefront = current_storefront()
    assert storefront is not None
    return storefront


def shown_open_storefront() -> Storefront:
    """`open_storefront` for pages that only read it (see `shown_storefront`)."""
    return _check_open(shown_storefront())


def _check_open(storefront: Storefront | None) -> Storefront:
    if storefront is None:
        abort(404)
    cached = cached_storefront()
    if cached is not None and cached.id == storefront.id:
        suspended = cached.is_suspended
    else:
        suspended = is_suspended(storefront.id)
    if not storefront.is_opted_in or suspended:
        abort(404, description="store-closed")
    return storefront


@bp.before_app_request
def _remember_language() -> None:
    storefront = shown_storefront()
    chosen = request.args.get("lang")
    if storefront is not None and chosen and chosen in storefront.languages:
        session["lang"] = chosen


@bp.route("/")
def index() -> ResponseReturnValue:
    if shown_storefront() is None:
        return render_template("marketplace/index.html")
    storefront = shown_open_storefront()
    catalog = shop_catalog(storefront)
    catalog_filter = CatalogFilter(
        search=request.args.get("q", "")[:100],
        category=_enum_arg(OfferCategory, "category"),
        application_type=_enum_arg(ApplicationType, "type"),
    )
    return render_storefront(
        storefront,
        "catalog.html",
        offers=catalog_filter.apply(catalog.offers),
        catalog_filter=catalog_filter,
        categories=catalog.categories,
        application_types=catalog.application_types,
        total_listed=len(catalog.offers),
    )


@bp.route("/offers/<slug>")
def offer(slug: str) -> ResponseReturnValue:
    storefront = shown_open_storefront()
    listed = shop_catalog(storefront).by_slug.get(slug)
    if listed is None:
        abort(404)
    return render_storefront(storefront, "offer.html", offer=listed)


@bp.route("/media/<path:filename>")
def media(filename: str) -> ResponseReturnValue:
    """Uploaded branding files (logos), kept in the instance folder."""
    return send_from_directory(Path(current_app.instance_path) / "uploads", filename, max_age=3600)


def _enum_arg(enum_class: type[_Facet], name: str) -> _Facet | None:
    value = request.args.get(name, "")
    try:
        return enum_class(value) if value else None
    except ValueError:
        return None


def register_error_pages(app: Flask) -> None:
    @app.errorhandler(429)
    def too_many_requests(error: HTTPException) -> ResponseReturnValue:
        """A friendly page (or a JSON error for scripts); Flask-Limiter adds Retry-After."""
        if request.is_json or request.accept_mimetypes.best == "application/json":
            body = {"code": "rate_limited", "message": "Too many requests.", "field": None}
            return jsonify(error=body), 429
        storefront = g.get("storefront")
        if storefront is None:
            return render_template("errors/429.html"), 429
        return render_storefront(storefront, "429.html"), 429

    @app.errorhandler(404)
    def not_found(error: HTTPException) -> ResponseReturnValue:
        storefront = g.get("storefront")
        if storefront is None:
            return render_template("errors/404.html"), 404
        template = "closed.html" if error.description == "store-closed" else "404.html"
        return render_storefront(storefront, template), 404
