"""The limit: a minimal Flask app that renders the same pages as the storefront (same theme
templates, same translations, Babel `format_currency` for every price on every request, the same
security headers) from an in-memory list, with no database, no tenant lookup and no cache.

    BENCH_PAGE_DATA=<pickle written by bench/pages.py> gunicorn bench.limit_app:app
"""

from __future__ import annotations

import os
import pickle
import secrets
from pathlib import Path
from typing import Any

from babel.numbers import format_currency
from babel.support import Translations
from flask import Blueprint, Flask, abort, g, request, session
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

from storefront.catalog.listings import CatalogFilter
from storefront.catalog.models import ApplicationType, OfferCategory
from storefront.money import Money
from storefront.themes import ThemeLoader

ROOT = Path(__file__).resolve().parent.parent
with open(os.environ["BENCH_PAGE_DATA"], "rb") as handle:
    PAGE: dict[str, Any] = pickle.load(handle)  # noqa: S301 - written by bench/pages.py

STORE = PAGE["storefront"]  # a SimpleNamespace with the branding fields
OFFERS = PAGE["offers"]  # list[ListedOffer]
BY_SLUG = {offer.slug: offer for offer in OFFERS}
LOCALE = STORE.locale
TRANSLATIONS = Translations.load(str(ROOT / "translations"), [LOCALE])
LABELS = PAGE["labels"]  # the label dicts' English source strings

app = Flask(__name__, static_folder=None)
app.config["SECRET_KEY"] = "bench"  # noqa: S105 - bench only
app.config["REDIS_URL"] = os.environ.get("REDIS_URL")  # same server settings: gunicorn.conf.py
app.jinja_loader = ThemeLoader(ROOT / "themes")  # type: ignore[assignment]
app.jinja_env.add_extension("jinja2.ext.i18n")
app.jinja_env.install_gettext_translations(TRANSLATIONS, newstyle=True)  # type: ignore[attr-defined]


def _labels(name: str) -> dict[Any, str]:
    return {key: TRANSLATIONS.gettext(text) for key, text in LABELS[name].items()}


class Anonymous:
    is_authenticated = False


def csp_nonce() -> str:
    if "nonce" not in g:
        g.nonce = secrets.token_urlsafe(16)
    return str(g.nonce)


def money(value: Money) -> str:
    return format_currency(value.to_decimal(), value.currency, locale=LOCALE)


app.jinja_env.filters["money"] = money
app.jinja_env.globals.update(
    TERM_LABELS=_labels("TERM_LABELS"),
    APPLICATION_TYPE_LABELS=_labels("APPLICATION_TYPE_LABELS"),
    CATEGORY_LABELS=_labels("CATEGORY_LABELS"),
    LANGUAGE_NAMES=PAGE["language_names"],
    get_locale=lambda: LOCALE,
    csp_nonce=csp_nonce,
    csrf_token=generate_csrf,
    current_user=Anonymous(),
    footer_links=lambda storefront: PAGE["footer_links"],
)

shop = Blueprint("shop", __name__)
checkout = Blueprint("checkout", __name__)
account = Blueprint("account", __name__, url_prefix="/account")


def render(template: str, **context: Any) -> str:
    theme = STORE.theme
    return app.jinja_env.get_template(f"@{theme}/{template}").render(
        theme=theme,
        storefront=STORE,
        brand_css=Markup(PAGE["brand_css"]),  # noqa: S704 - our own bench data
        logo_url=None,
        cart_count=len(session.get("cart", {})),
        request=request,
        **context,
    )


def _enum(enum_class: Any, name: str) -> Any:
    value = request.args.get(name, "")
    try:
        return enum_class(value) if value else None
    except ValueError:
        return None


@shop.route("/")
def index() -> str:
    catalog_filter = CatalogFilter(
        search=request.args.get("q", "")[:100],
        category=_enum(OfferCategory, "category"),
        application_type=_enum(ApplicationType, "type"),
    )
    return render(
        "catalog.html",
        offers=catalog_filter.apply(OFFERS),
        catalog_filter=catalog_filter,
        categories=PAGE["categories"],
        application_types=PAGE["application_types"],
        total_listed=len(OFFERS),
    )


@shop.route("/offers/<slug>")
def offer(slug: str) -> str:
    listed = BY_SLUG.get(slug)
    if listed is None:
        abort(404)
    return render("offer.html", offer=listed)


@checkout.route("/cart")
def cart() -> str:
    return ""


@checkout.post("/cart/add")
def add_to_cart() -> str:
    return ""


@account.route("/login")
def login() -> str:
    return ""


def account_index() -> str:
    return ""


account.add_url_rule("/", endpoint="index", view_func=account_index)


@account.post("/logout")
def logout() -> str:
    return ""


@app.route("/theme-static/<theme>/<path:filename>", endpoint="theme_static")
def theme_static(theme: str, filename: str) -> str:
    return ""


@app.after_request
def headers(response: Any) -> Any:
    nonce = csp_nonce()
    response.headers["Content-Security-Policy"] = PAGE["csp"].replace("{nonce}", nonce)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
    return response


app.register_blueprint(shop)
app.register_blueprint(checkout)
app.register_blueprint(account)
