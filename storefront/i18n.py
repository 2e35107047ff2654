"""Language and number formatting: the storefront's locale, or the buyer's pick among the
languages the storefront offers."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from babel.support import NullTranslations
from flask import Flask, g, request, session
from flask_babel import get_locale, get_translations, lazy_gettext
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup

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


def page_translations() -> dict[str, Any]:
    """Template variables that translate with the request's catalogue looked up once per page
    instead of once per string: `gettext`/`ngettext` (what `_()` and `ngettext()` call, same
    output as Flask-Babel's) and the label tables, already translated. A storefront page
    with 50 offers translates some 250 strings."""
    return _translated_page_callables(get_translations())


@lru_cache(maxsize=32)  # one entry per catalogue (Flask-Babel keeps one per locale)
def _translated_page_callables(translations: NullTranslations) -> dict[str, Any]:
    @pass_context
    def gettext(context: Context, string: str, **variables: Any) -> str:
        text = translations.ugettext(string)
        if context.eval_ctx.autoescape:
            text = Markup(text)  # noqa: S704 - our own catalogue, trusted as Jinja's gettext does
        return text % variables  # always a format string ("%%" → "%"), as in Jinja's gettext

    @pass_context
    def ngettext(context: Context, singular: str, plural: str, num: int, **variables: Any) -> str:
        variables.setdefault("num", num)
        text = translations.ungettext(singular, plural, num)
        if context.eval_ctx.autoescape:
            text = Markup(text)  # noqa: S704 - our own catalogue, trusted as Jinja's gettext does
        return text % variables

    def translated(labels: dict[Any, Any]) -> dict[Any, str]:
        return {key: translations.ugettext(label._args[0]) for key, label in labels.items()}

    return {
        "gettext": gettext,
        "ngettext": ngettext,
        "TERM_LABELS": translated(TERM_LABELS),
        "APPLICATION_TYPE_LABELS": translated(APPLICATION_TYPE_LABELS),
        "CATEGORY_LABELS": translated(CATEGORY_LABELS),
    }


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
