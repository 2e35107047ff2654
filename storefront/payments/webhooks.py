"""Provider webhooks: verified, processed once per event id, never trusting the payload's
figures or tenant (the PaymentIntent is re-read from the provider and matched to our own
records)."""

from __future__ import annotations

import logging

from flask import Blueprint, abort, current_app, jsonify, request
from flask.typing import ResponseReturnValue
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from storefront.extensions import csrf, db
from storefront.money import Money
from storefront.payments import gateway
from storefront.payments.models import Payment, ProviderEvent
from storefront.payments.provider import (
    IntentResult,
    InvalidWebhook,
    PaymentProvider,
    WebhookEvent,
)
from storefront.payments.services import apply_result, record_provider_refunds
from storefront.tenants import current_storefront
from storefront.tenants.scope import all_tenants

log = logging.getLogger(__name__)
bp = Blueprint("stripe_webhooks", __name__)

PAYMENT_EVENTS = {
    "payment_intent.succeeded",
    "payment_intent.payment_failed",
    "payment_intent.canceled",
    "payment_intent.requires_action",
}
REFUND_EVENTS = {"charge.refunded", "charge.refund.updated"}


@bp.post("/stripe/webhook")
@csrf.exempt
def stripe_webhook() -> ResponseReturnValue:
    if current_storefront() is not None:
        abort(404)
    provider = gateway.provider()
    try:
        event = provider.parse_webhook(
            request.get_data(cache=False), request.headers.get("Stripe-Signature", "")
        )
    except InvalidWebhook as error:
        log.warning("webhook refused: %s", error)
        return jsonify(error={"code": "invalid_webhook", "message": "Invalid signature."}), 400
    with all_tenants():
        outcome = handle_event(event, provider)
    return jsonify(received=True, outcome=outcome)


def handle_event(event: WebhookEvent, provider: PaymentProvider) -> str:
    """Process one event exactly once; returns what happened (for the log and the tests)."""
    db.session.add(ProviderEvent(event_id=event.event_id, event_type=event.event_type))
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        return "duplicate"
    outcome = _dispatch(event, provider)
    db.session.commit()
    current_app.logger.info("webhook %s %s: %s", event.event_id, event.event_type, outcome)
    if outcome == "paid":
        payment = _payment_for(event)
        if payment is not None:
            gateway.after_paid(payment)
    return outcome


def _dispatch(event: WebhookEvent, provider: PaymentProvider) -> str:
    if event.event_type not in PAYMENT_EVENTS | REFUND_EVENTS or not event.payment_intent:
        return "ignored"
    payment = _payment_for(event)
    if event.event_type in REFUND_EVENTS:
        if payment is None or payment.provider_reference is None:
            return "unknown payment"
        refunds = provider.refunds_of(payment.provider_reference)
        return f"{len(record_provider_refunds(payment, refunds))} refunds recorded"
    intent = provider.retrieve(event.payment_intent)
    if payment is None:  # we never stored the reference: find it by the id we sent
        payment_id = intent.metadata.get("payment_id", "")
        payment = db.session.get(Payment, int(payment_id)) if payment_id.isdigit() else None
    if payment is None:
        return "unknown payment"
    if not _matches(payment, intent) or (
        payment.provider_reference not in (None, intent.reference)
    ):
        log.error("webhook %s: intent does not belong to payment %s", event.event_id, payment.id)
        return "mismatch"
    return "paid" if apply_result(payment, intent) else str(payment.status)


def _payment_for(event: WebhookEvent) -> Payment | None:
    if not event.payment_intent:
        return None
    return db.session.scalar(
        select(Payment).where(Payment.provider_reference == event.payment_intent)
    )


def _matches(payment: Payment, intent: IntentResult) -> bool:
    """The PaymentIntent's own metadata (re-read from the provider) must name this payment's
    order and storefront, and its amount must be this payment's: a payload claiming another
    tenant, or an intent made for another payment, is ignored and changes nothing."""
    metadata = intent.metadata
    return (
        metadata.get("order_id") == str(payment.order_id)
        and metadata.get("storefront_id") == str(payment.storefront_id)
        and intent.amount == Money(payment.amount_minor, payment.currency)
    )
