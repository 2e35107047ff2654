"""The event types we send, and who may subscribe to which."""

from __future__ import annotations

# Sent to a storefront's endpoints (the reseller's own orders and subscriptions).
STOREFRONT_EVENTS = (
    "order.paid",
    "order.refunded",
    "subscription.created",
    "subscription.renewed",
    "subscription.past_due",
    "subscription.suspended",
    "subscription.cancelled",
    "subscription.restored",
)
# Sent to an ISV's endpoints: its own lines of orders, its offers, and provisioning of its
# connector offers (the "provisioning URL" is an endpoint subscribed to provisioning.*).
PROVISIONING_EVENTS = (
    "provisioning.created",
    "provisioning.renewed",
    "provisioning.suspended",
    "provisioning.cancelled",
    "provisioning.restored",
)
ISV_EVENTS = (
    "order.paid",
    "order.refunded",
    "offer.approved",
    "offer.rejected",
    "offer.retired",
    *PROVISIONING_EVENTS,
)
# Sent by "Send a test event" only, whatever the endpoint subscribes to.
TEST_EVENT = "webhook.test"


def subscribable(owner_is_isv: bool) -> tuple[str, ...]:
    """Event types and wildcards an owner may pick."""
    events = ISV_EVENTS if owner_is_isv else STOREFRONT_EVENTS
    wildcards = sorted({f"{name.split('.')[0]}.*" for name in events})
    return (*events, *wildcards)
