"""The buyer's receipt by e-mail, in the order's language and the storefront's branding.

It is sent after payment from wherever that is noticed (the checkout request, a provider
webhook on the marketplace host, a job), so it needs only an app context: everything the
templates show is passed in, and links point at the storefront's own host, never at the
host of the request that happens to be running.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from flask import render_template
from flask_babel import force_locale, gettext
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from storefront.extensions import db
from storefront.mail import send_mail
from storefront.orders.history import order_lines
from storefront.orders.models import Order
from storefront.shop.rendering import storefront_theme
from storefront.subscriptions.licenses import keys_for_order, keys_for_orders
from storefront.subscriptions.models import LicenseKey
from storefront.tenants.branding import brand_colours
from storefront.tenants.links import external_url, one_line, sender_for, storefront_host
from storefront.tenants.models import Storefront
from storefront.tenants.scope import all_tenants, tenant_scope

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class MailBranding:
    """The storefront's validated branding tokens, for inline styles in HTML mail (where
    stylesheets and CSS custom properties are unreliable)."""

    name: str
    primary_color: str
    accent_color: str

    @classmethod
    def of(cls, storefront: Storefront) -> MailBranding:
        primary, accent = brand_colours(storefront)
        return cls(name=one_line(storefront.name), primary_color=primary, accent_color=accent)


def send_receipts(order_ids: list[int]) -> None:
    """E-mail the receipts of these orders, each on its own: one that cannot go is logged and
    the others still go. The orders (with their lines) and their storefronts are read in one
    statement each, and each storefront's host and license keys once."""
    with all_tenants():
        orders = db.session.scalars(
            select(Order)
            .where(Order.id.in_(order_ids))
            .options(selectinload(Order.lines))
            .order_by(Order.id)
        ).all()
        storefronts = db.session.scalars(
            select(Storefront).where(Storefront.id.in_({order.storefront_id for order in orders}))
        ).all()
    for storefront in storefronts:
        paid = [order for order in orders if order.storefront_id == storefront.id]
        with tenant_scope(storefront.id):
            try:
                host = storefront_host(storefront)
                keys = keys_for_orders(paid)
            except Exception:
                db.session.rollback()
                log.exception("receipts of storefront %s could not be sent", storefront.slug)
                continue
            for order in paid:
                try:
                    send_receipt(order, storefront, host=host, license_keys=keys[order.id])
                except Exception:
                    db.session.rollback()  # a failed statement must not fail the next receipts
                    log.exception("receipt for order %s could not be sent", order.number)


def send_receipt(
    order: Order,
    storefront: Storefront,
    host: str | None = None,
    license_keys: list[LicenseKey] | None = None,
) -> None:
    """E-mail the receipt for `order` to its billing address (MailError if it cannot go);
    `host` (`storefront_host`) and `license_keys` (`keys_for_order`) when the caller has them
    already."""
    if order.storefront_id != storefront.id:
        raise ValueError(f"order {order.number} is not an order of storefront {storefront.slug}")

    branding = MailBranding.of(storefront)
    theme = storefront_theme(storefront)
    host = host or storefront_host(storefront)
    context = {
        "order": order,
        "lines": order_lines(order),
        "storefront": storefront,
        "branding": branding,
        "order_url": external_url(host, "account.order", number=order.number),
        "store_url": external_url(host, "shop.index"),
        "support_email": storefront.support_email,
        "locale": order.locale,
        "license_keys": keys_for_order(order) if license_keys is None else license_keys,
    }
    with force_locale(order.locale):
        subject = gettext(
            "Your receipt for order %(number)s from %(store)s",
            number=order.number,
            store=branding.name,
        )
        text = render_template(f"@{theme}/emails/receipt.txt", **context)
        html = render_template(f"@{theme}/emails/receipt.html", **context)
    send_mail(
        order.billing_email,
        subject,
        text,
        html,
        sender=sender_for(storefront),
        reply_to=storefront.support_email or None,
    )
