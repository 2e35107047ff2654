"""The payment provider interface. Stripe is the one implementation; tests and the demo run it
against localstripe, so only the API base URL, the keys and the Stripe.js URL differ."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

from storefront.money import Money


class IntentStatus(StrEnum):
    SUCCEEDED = "succeeded"
    REQUIRES_ACTION = "requires_action"  # the buyer must authenticate (3-D Secure)
    PROCESSING = "processing"
    FAILED = "failed"  # declined, authentication failed, or cancelled


class ProviderUnavailable(Exception):
    """The provider could not be reached or answered with a server error: the outcome of the
    request is unknown, and it may be retried with the same idempotency key."""


class InvalidWebhook(Exception):
    """Bad signature, stale timestamp or malformed payload."""


@dataclass(frozen=True, slots=True)
class IntentResult:
    """What the provider says about a charge (a PaymentIntent)."""

    reference: str | None
    status: IntentStatus
    amount: Money | None
    client_secret: str | None = None
    failure_message: str = ""
    metadata: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RefundResult:
    reference: str
    amount: Money
    succeeded: bool


@dataclass(frozen=True, slots=True)
class SavedCard:
    """A card saved to a customer at the provider, for renewals: ids, brand and last four
    digits as the provider reports them (never from the browser)."""

    customer: str
    payment_method: str
    brand: str
    last4: str


class CardRefused(Exception):
    """The provider would not save the card (declined when attached)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True, slots=True)
class WebhookEvent:
    event_id: str
    event_type: str
    object_id: str
    payment_intent: str | None  # the PaymentIntent the event is about, when there is one


class PaymentProvider(Protocol):
    """Charges and refunds cards. `charge` is the execute stage: it moves money."""

    def charge(
        self,
        *,
        amount: Money,
        payment_method: str,
        idempotency_key: str,
        metadata: Mapping[str, str],
        customer: str | None = None,
        off_session: bool = False,
    ) -> IntentResult: ...

    def save_card(self, *, customer: str | None, token: str, email: str) -> SavedCard:
        """Attach a Stripe.js card token to the customer (created when None); CardRefused
        when the card cannot be saved. Raises ProviderUnavailable."""
        ...

    def find_charge(self, *, customer: str, idempotency_key: str) -> IntentResult | None:
        """The customer's charge made with this idempotency key (its metadata names it), for
        reconciling a charge whose outcome we never recorded; None when there is none."""
        ...

    def retrieve(self, reference: str) -> IntentResult: ...

    def refund(self, *, reference: str, amount: Money, idempotency_key: str) -> RefundResult: ...

    def refunds_of(self, reference: str) -> list[RefundResult]: ...

    def parse_webhook(self, payload: bytes, signature: str) -> WebhookEvent: ...
