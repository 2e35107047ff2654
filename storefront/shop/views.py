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

from storefront.catalog.listings import (
    CatalogFilter,
    OfferNotListed,
    facet_counts,
    listed_offer,
    listed_offers,
)
from storefront.catalog.models import ApplicationType, OfferCategory
from storefront.shop.rendering import render_storefront
from storefront.tenants import current_storefront
from storefront.tenants.models import Storefront

bp = Blueprint("shop", __name__)

_Facet = TypeVar("_Facet", OfferCategory, ApplicationType)


def open_storefront() -> Storefront:
    """The request's storefront, which must be open to buyers (else the "not open" page)."""
    storefront = current_storefront()
    if storefront is None:
        abort(404)
    if not storefront.is_opted_in:
        abort(404, description="store-closed")
    return storefront


@bp.before_app_request
def _remember_language() -> None:
    storefront = current_storefront()
    chosen = request.args.get("lang")
    if storefront is not None and chosen and chosen in storefront.languages:
        session["lang"] = chosen


@bp.route("/")
def index() -> ResponseReturnValue:
    if current_storefront() is None:
        return render_template("marketplace/index.html")
    storefront = open_storefront()
    offers = listed_offers(storefront)
    catalog_filter = CatalogFilter(
        search=request.args.get("q", "")[:100],
        category=_enum_arg(OfferCategory, "category"),
        application_type=_enum_arg(ApplicationType, "type"),
    )
    categories, application_types = facet_counts(offers)
    return render_storefront(
        storefront,
        "catalog.html",
        offers=catalog_filter.apply(offers),
        catalog_filter=catalog_filter,
        categories=categories,
        application_types=application_types,
        total_listed=len(offers),
    )


@bp.route("/offers/<slug>")
def offer(slug: str) -> ResponseReturnValue:
    storefront = open_storefront()
    try:
        listed = listed_offer(storefront, slug)
    except OfferNotListed:
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
