"""The operator console for platform and white-label operator admins: tenants, offer approval,
money (balances, statements, payouts), the audit log, and the order pages."""

from __future__ import annotations

from flask import Flask

from storefront.money import Money
from storefront.operator import api_tokens as _api_tokens  # noqa: F401 - registers token pages
from storefront.operator import audit as _audit  # noqa: F401 - registers the audit log
from storefront.operator import domains as _domains  # noqa: F401 - registers the domain pages
from storefront.operator import money as _money  # noqa: F401 - registers the money pages
from storefront.operator import offers as _offers  # noqa: F401 - registers the offer queue
from storefront.operator import orders as _orders  # noqa: F401 - registers the order pages
from storefront.operator import tenants as _tenants  # noqa: F401 - registers tenant pages
from storefront.operator.views import bp


def format_money(amount_minor: int, currency: str, locale: str = "en") -> str:
    """`{{ money(minor, "JPY") }}` in console and vendor templates."""
    return Money(int(amount_minor), currency).format(locale)


def init_app(app: Flask) -> None:
    app.add_template_global(format_money, "money")
    app.register_blueprint(bp)
