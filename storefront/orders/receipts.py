"""The buyer's receipt by e-mail, in the order's language and the storefront's branding.

It is sent after payment from wherever that is noticed (the checkout request, a provider
webhook on the marketplace host, a job), so it needs only an app context: everything the
templates show is passed in, and links point at the storefront's own host, never at the
host of the request that happens to be running.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.utils import formataddr, parseaddr

from flask import current_app, render_template
from flask_babel import force_locale, gettext
from sqlalchemy import select

from storefront.extensions import db
from storefront.mail import send_mail
from storefront.orders.history import order_lines
from storefront.orders.models import Order
from storefront.shop.rendering import storefront_theme
from storefront.tenants.branding import InvalidBranding, validate_colour
from storefront.tenants.models import Storefront, StorefrontDomain
from storefront.tenants.scope import tenant_scope

# The defaults `css_custom_properties` falls back to for a colour that fails validation.
_DEFAULT_PRIMARY = "#1f4fd1"
_DEFAULT_ACCENT = "#f59e0b"


@dataclass(frozen=True, slots=True)
class MailBranding:
    """The storefront's validated branding tokens, for inline styles in HTML mail (where
    stylesheets and CSS custom properties are unreliable)."""

    name: str
    primary_color: str
    accent_color: str

    @classmethod
    def of(cls, storefront: Storefront) -> MailBranding:
        return cls(
            name=_one_line(storefront.name),
            primary_color=_colour_or(storefront.primary_color, _DEFAULT_PRIMARY),
            accent_color=_colour_or(storefront.accent_color, _DEFAULT_ACCENT),
        )


def send_receipt(order: Order, storefront: Storefront) -> None:
    """E-mail the receipt for `order` to its billing address (MailError if it cannot go)."""
    if order.storefront_id != storefront.id:
        raise ValueError(f"order {order.number} is not an order of storefront {storefront.slug}")
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
        sender=formataddr((branding.name, _sender_address())),
        reply_to=storefront.support_email or None,
    )


def storefront_url(storefront: Storefront, endpoint: str, **values: str) -> str:
    """An absolute URL on the storefront's own host: its first verified custom domain, else
    `<slug>.<MARKETPLACE_DOMAIN>`."""
    config = current_app.config
    adapter = current_app.url_map.bind(
        storefront_host(storefront),
        script_name=config["APPLICATION_ROOT"],
        url_scheme=config["PREFERRED_URL_SCHEME"],
    )
    url: str = adapter.build(endpoint, values, force_external=True)
    return url


def storefront_host(storefront: Storefront) -> str:
    with tenant_scope(storefront.id):
        custom = db.session.scalar(
            select(StorefrontDomain.hostname)
            .where(StorefrontDomain.verified_at.is_not(None))
            .order_by(StorefrontDomain.verified_at, StorefrontDomain.id)
            .limit(1)
        )
    host = custom or f"{storefront.slug}.{current_app.config['MARKETPLACE_DOMAIN']}"
    port = current_app.config.get("PUBLIC_PORT")  # only where stores are not on 80/443
    return f"{host}:{port}" if port else host


def sender_for(storefront: Storefront) -> str:
    """The From of mail sent on behalf of a storefront: its name, the marketplace's address."""
    return formataddr((_one_line(storefront.name), _sender_address()))


def _sender_address() -> str:
    configured = current_app.config.get("MAIL_DEFAULT_SENDER")
    if configured:
        return parseaddr(configured)[1]
    return f"noreply@{current_app.config['MARKETPLACE_DOMAIN']}"


def _colour_or(value: str, default: str) -> str:
    try:
        return validate_colour(value)
    except InvalidBranding:
        return default


def _one_line(value: str) -> str:
    """A header-safe display name: no line breaks or runs of whitespace."""
    return " ".join(value.split())
