"""Language and number formatting: the storefront's locale, or the buyer's pick among the
languages the storefront offers."""

from __future__ import annotations

from flask import Flask, g, request, session
from flask_babel import get_locale, lazy_gettext

from storefront.catalog.models import ApplicationType, BillingTerm, OfferCategory
from storefront.extensions import babel
from storefront.money import Money

LANGUAGE_NAMES = {
    "en": "English",
    "de": "Deutsch",
    "fr": "Français",
    "es": "Español",
    "ja": "日本語",
}

TERM_LABELS = {
    BillingTerm.ONE_TIME: lazy_gettext("one-time"),
    BillingTerm.MONTHLY: lazy_gettext("per month"),
    BillingTerm.YEARLY: lazy_gettext("per year"),
    BillingTerm.TWO_YEARS: lazy_gettext("per 2 years"),
    BillingTerm.THREE_YEARS: lazy_gettext("per 3 years"),
}

APPLICATION_TYPE_LABELS = {
    ApplicationType.WEBSPACE: lazy_gettext("Webspace"),
    ApplicationType.DEDICATED: lazy_gettext("Dedicated"),
    ApplicationType.CONNECTOR: lazy_gettext("Connector (SaaS)"),
}

CATEGORY_LABELS = {
    OfferCategory.PRODUCTIVITY: lazy_gettext("Productivity"),
    OfferCategory.EMAIL: lazy_gettext("E-mail"),
    OfferCategory.SECURITY: lazy_gettext("Security"),
    OfferCategory.BACKUP: lazy_gettext("Backup"),
    OfferCategory.WEBSITES: lazy_gettext("Websites"),
    OfferCategory.ECOMMERCE: lazy_gettext("E-commerce"),
    OfferCategory.COMMUNICATION: lazy_gettext("Communication"),
    OfferCategory.DEVELOPMENT: lazy_gettext("Development"),
}


def select_locale() -> str:
    storefront = g.get("storefront")
    if storefront is None:
        return "en"
    for chosen in (request.args.get("lang"), session.get("lang")):
        if chosen and chosen in storefront.languages:
            return str(chosen)
    return str(storefront.locale)


def format_money(money: Money) -> str:
    return money.format(str(get_locale()))


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.filters["money"] = format_money
    app.jinja_env.globals.update(
        TERM_LABELS=TERM_LABELS,
        APPLICATION_TYPE_LABELS=APPLICATION_TYPE_LABELS,
        CATEGORY_LABELS=CATEGORY_LABELS,
        LANGUAGE_NAMES=LANGUAGE_NAMES,
        get_locale=get_locale,
    )
