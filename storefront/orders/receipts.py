"""The buyer's receipt by e-mail, in the order's language and the storefront's branding.

It is sent after payment from wherever that is noticed (the checkout request, a provider
webhook on the marketplace host, a job), so it needs only an app context: everything the
templates show is passed in, and links point at the storefront's own host, never at the
host of the request that happens to be running.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import render_template
from flask_babel import force_locale, gettext

from storefront.mail import send_mail
from storefront.orders.history import order_lines
from storefront.orders.models import Order
from storefront.shop.rendering import storefront_theme
from storefront.tenants.branding import brand_colours
from storefront.tenants.links import one_line, sender_for, storefront_url
from storefront.tenants.models import Storefront


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


def send_receipt(order: Order, storefront: Storefront) -> None:
    """E-mail the receipt for `order` to its billing address (MailError if it cannot go)."""
    if order.storefront_id != storefront.id:
        raise ValueError(f"order {order.number} is not an order of storefront {storefront.slug}")
    from storefront.subscriptions.licenses import keys_for_order

    branding = MailBranding.of(storefront)
    theme = storefront_theme(storefront)
    context = {
        "order": order,
        "lines": order_lines(order),
        "storefront": storefront,
        "branding": branding,
        "order_url": storefront_url(storefront, "account.order", number=order.number),
        "store_url": storefront_url(storefront, "shop.index"),
        "support_email": storefront.support_email,
        "locale": order.locale,
        "license_keys": keys_for_order(order),
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
