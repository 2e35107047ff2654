"""E-mails to subscribers (past due, suspended, cancelled, ended, price change), in the
subscription's language and the storefront's branding, with links to the store's own host.
Sent after the commit that caused them; a mail failure is logged, never undoes the change."""

from __future__ import annotations

import logging
from enum import StrEnum

from flask import current_app, render_template
from flask_babel import force_locale, gettext

from storefront.extensions import db
from storefront.mail import send_mail
from storefront.money import Money
from storefront.orders.receipts import MailBranding
from storefront.shop.rendering import storefront_theme
from storefront.subscriptions.models import Subscription
from storefront.subscriptions.periods import aware
from storefront.tenants.links import sender_for, storefront_url
from storefront.tenants.models import Storefront
from storefront.tenants.scope import tenant_scope

log = logging.getLogger(__name__)


class Notice(StrEnum):
    PAST_DUE = "past_due"
    SUSPENDED = "suspended"
    CANCELLED = "cancelled"
    ENDED = "ended"
    PRICE_CHANGE = "price_change"


def _subject(notice: Notice, subscription: Subscription, store: str) -> str:
    name = subscription.offer_name
    if notice == Notice.PAST_DUE:
        return str(
            gettext(
                "Payment needed: your %(offer)s subscription at %(store)s", offer=name, store=store
            )
        )
    if notice == Notice.SUSPENDED:
        return str(
            gettext(
                "Your %(offer)s subscription at %(store)s is suspended", offer=name, store=store
            )
        )
    if notice == Notice.PRICE_CHANGE:
        return str(
            gettext(
                "A new price for your %(offer)s subscription at %(store)s", offer=name, store=store
            )
        )
    return str(
        gettext("Your %(offer)s subscription at %(store)s has ended", offer=name, store=store)
    )


def send_notice(subscription_id: int, storefront_id: int, notice: str) -> None:
    """E-mail the subscriber about `notice` (reads the committed subscription; a job)."""
    try:
        with tenant_scope(storefront_id):
            subscription = db.session.get(Subscription, subscription_id)
            storefront = db.session.get(Storefront, storefront_id)
            if subscription is None or storefront is None:
                return
            _send(subscription, storefront, Notice(notice))
    except Exception:
        log.exception("%s notice for subscription %s could not be sent", notice, subscription_id)


def _send(subscription: Subscription, storefront: Storefront, notice: Notice) -> None:
    branding = MailBranding.of(storefront)
    theme = storefront_theme(storefront)
    pending = subscription.pending_amount
    context = {
        "notice": notice.value,
        "subscription": subscription,
        "storefront": storefront,
        "branding": branding,
        "period_end": aware(subscription.current_period_end),
        "amount": subscription.renewal_amount,
        "new_amount": pending if pending is not None else Money.zero(subscription.currency),
        "pay_url": storefront_url(
            storefront, "subscriptions.card", subscription_id=subscription.id
        ),
        "account_url": storefront_url(storefront, "subscriptions.index"),
        "store_url": storefront_url(storefront, "shop.index"),
        "support_email": storefront.support_email,
        "locale": subscription.locale,
        "notice_days": current_app.config["PRICE_NOTICE_DAYS"],
    }
    with force_locale(subscription.locale):
        subject = _subject(notice, subscription, branding.name)
        text = render_template(f"@{theme}/emails/subscription_notice.txt", **context)
        html = render_template(f"@{theme}/emails/subscription_notice.html", **context)
    send_mail(
        subscription.billing_email,
        subject,
        text,
        html,
        sender=sender_for(storefront),
        reply_to=storefront.support_email or None,
    )
