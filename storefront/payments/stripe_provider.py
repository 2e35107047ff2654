"""Stripe, through the official library, against api.stripe.com or localstripe."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import stripe
from flask import Flask

from storefront.money import Money
from storefront.payments.http_client import Urllib3Client
from storefront.payments.provider import (
    CardRefused,
    IntentResult,
    IntentStatus,
    InvalidWebhook,
    ProviderUnavailable,
    RefundResult,
    SavedCard,
    WebhookEvent,
)

log = logging.getLogger(__name__)

_STATUS = {
    "succeeded": IntentStatus.SUCCEEDED,
    "requires_action": IntentStatus.REQUIRES_ACTION,
    "requires_source_action": IntentStatus.REQUIRES_ACTION,
    "processing": IntentStatus.PROCESSING,
    "requires_capture": IntentStatus.PROCESSING,
}
WEBHOOK_TOLERANCE_SECONDS = 300
STRIPE_API = "https://api.stripe.com"


class StripeProvider:
    def __init__(
        self,
        secret_key: str,
        api_base: str | None,
        webhook_secret: str,
        *,
        max_network_retries: int = 2,
        timeout_seconds: float = 20,
    ) -> None:
        base = {"api": api_base.rstrip("/")} if api_base else None
        self._client = stripe.StripeClient(
            secret_key,
            base_addresses=base,  # type: ignore[arg-type]
            max_network_retries=max_network_retries,
            http_client=Urllib3Client(api_base or STRIPE_API, timeout_seconds),
        )
        self._webhook_secret = webhook_secret

    @classmethod
    def from_config(cls, app: Flask) -> StripeProvider:
        return cls(
            app.config["STRIPE_SECRET_KEY"],
            app.config.get("STRIPE_API_BASE") or None,
            app.config["STRIPE_WEBHOOK_SECRET"],
        )

    def charge(
        self,
        *,
        amount: Money,
        payment_method: str,
        idempotency_key: str,
        metadata: Mapping[str, str],
        customer: str | None = None,
        off_session: bool = False,
    ) -> IntentResult:
        params: dict[str, Any] = {
            "amount": amount.amount,
            "currency": amount.currency.lower(),
            "payment_method": payment_method,
            "confirm": True,
            "metadata": dict(metadata),
        }
        if customer:
            params["customer"] = customer
            params["metadata"]["idempotency_key"] = idempotency_key
        if off_session:
            params["off_session"] = True
        try:  # the library's raw request: the answer read as JSON, not built into objects
            intent = self._client.raw_request(
                "post", "/v1/payment_intents", idempotency_key=idempotency_key, **params
            ).data
        except stripe.CardError as error:
            return _declined(error)
        except stripe.InvalidRequestError as error:  # e.g. a card id that cannot be used
            log.warning("charge refused by the provider: %s", error)
            return IntentResult(
                reference=None,
                status=IntentStatus.FAILED,
                amount=None,
                failure_message=error.user_message
                or "This card cannot be used. Please try another.",
            )
        except (stripe.APIConnectionError, stripe.RateLimitError) as error:
            raise ProviderUnavailable(str(error)) from error
        except stripe.APIError as error:
            raise ProviderUnavailable(str(error)) from error
        return _intent(intent)

    def save_card(self, *, customer: str | None, token: str, email: str) -> SavedCard:
        try:
            if customer is None:
                customer = str(self._client.v1.customers.create(params={"email": email}).id)
            card = self._client.v1.customers.payment_sources.create(
                customer, params={"source": token}
            )
        except stripe.CardError as error:
            raise CardRefused(error.user_message or "Your card was declined.") from error
        except stripe.InvalidRequestError as error:
            raise CardRefused(
                error.user_message or "This card cannot be used. Please try another."
            ) from error
        except (stripe.APIConnectionError, stripe.RateLimitError, stripe.APIError) as error:
            raise ProviderUnavailable(str(error)) from error
        return SavedCard(
            customer=customer,
            payment_method=str(card.id),
            brand=str(getattr(card, "brand", "") or "")[:20],
            last4=str(getattr(card, "last4", "") or "")[-4:],
        )

    def find_charge(self, *, customer: str, idempotency_key: str) -> IntentResult | None:
        try:
            try:
                listing = self._client.v1.payment_intents.list(
                    params={"customer": customer, "limit": 100}
                )
            except stripe.InvalidRequestError:  # localstripe lists without a customer filter
                listing = self._client.v1.payment_intents.list(params={"limit": 100})
        except (stripe.APIConnectionError, stripe.RateLimitError, stripe.APIError) as error:
            raise ProviderUnavailable(str(error)) from error
        for intent in listing.data:
            if getattr(intent, "customer", None) != customer:
                continue
            if _as_dict(intent.metadata).get("idempotency_key") == idempotency_key:
                return _intent(intent)
        return None

    def retrieve(self, reference: str) -> IntentResult:
        try:
            return _intent(self._client.v1.payment_intents.retrieve(reference))
        except (stripe.APIConnectionError, stripe.RateLimitError, stripe.APIError) as error:
            raise ProviderUnavailable(str(error)) from error

    def refund(self, *, reference: str, amount: Money, idempotency_key: str) -> RefundResult:
        try:
            refund = self._client.v1.refunds.create(
                params={"payment_intent": reference, "amount": amount.amount},
                options={"idempotency_key": idempotency_key},
            )
        except (stripe.APIConnectionError, stripe.RateLimitError, stripe.APIError) as error:
            raise ProviderUnavailable(str(error)) from error
        return _refund(refund)

    def refunds_of(self, reference: str) -> list[RefundResult]:
        try:
            listing = self._client.v1.refunds.list(params={"payment_intent": reference})
        except (stripe.APIConnectionError, stripe.RateLimitError, stripe.APIError) as error:
            raise ProviderUnavailable(str(error)) from error
        return [_refund(refund) for refund in listing.data]

    def parse_webhook(self, payload: bytes, signature: str) -> WebhookEvent:
        try:
            event = stripe.Webhook.construct_event(
                payload, signature, self._webhook_secret, tolerance=WEBHOOK_TOLERANCE_SECONDS
            )
        except (ValueError, stripe.SignatureVerificationError) as error:
            raise InvalidWebhook(str(error)) from error
        obj = event.data.object
        object_id = str(getattr(obj, "id", ""))
        if event.type.startswith("payment_intent."):
            payment_intent: str | None = object_id
        else:
            payment_intent = getattr(obj, "payment_intent", None)
        return WebhookEvent(
            event_id=event.id,
            event_type=event.type,
            object_id=object_id,
            payment_intent=str(payment_intent) if payment_intent else None,
        )


def _intent(found: Any) -> IntentResult:
    """A PaymentIntent, as the library's object or as the JSON of a raw request."""
    intent: dict[str, Any] = _as_dict(found)
    status = _STATUS.get(intent["status"], IntentStatus.FAILED)
    error = intent.get("last_payment_error") or {}
    secret = intent.get("client_secret") if status == IntentStatus.REQUIRES_ACTION else None
    return IntentResult(
        reference=intent["id"],
        status=status,
        amount=Money(int(intent["amount"]), str(intent["currency"]).upper()),
        client_secret=secret,
        failure_message=str(error.get("message") or ""),
        metadata={str(k): str(v) for k, v in (intent.get("metadata") or {}).items()},
    )


def _as_dict(value: Any) -> dict[str, Any]:
    """stripe objects are not dicts (stripe ≥ 15): convert (all the way down) before reading
    them as one."""
    if value is None:
        return {}
    return dict(value.to_dict()) if hasattr(value, "to_dict") else dict(value)


def _declined(error: stripe.CardError) -> IntentResult:
    body = error.json_body or {}
    details = body.get("error", {}) if isinstance(body, dict) else {}
    intent = details.get("payment_intent") or {}
    return IntentResult(
        reference=intent.get("id") if isinstance(intent, dict) else None,
        status=IntentStatus.FAILED,
        amount=None,
        failure_message=error.user_message or "Your card was declined.",
    )


def _refund(refund: Any) -> RefundResult:
    return RefundResult(
        reference=refund.id,
        amount=Money(int(refund.amount), str(refund.currency).upper()),
        succeeded=refund.status in ("succeeded", "pending"),
    )
