"""The signature on every webhook we send (Stripe's scheme): the receiver recomputes
HMAC-SHA256 over `<t>.<raw body>` with its endpoint's secret and compares in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import time

SIGNATURE_HEADER = "Storefront-Signature"
EVENT_HEADER = "Storefront-Event"
DELIVERY_HEADER = "Storefront-Delivery"


def signature_header(secret: str, body: bytes, timestamp: int) -> str:
    """`t=<unix seconds>,v1=<hex HMAC-SHA256(secret, f"{t}.{body}")>`."""
    return f"t={timestamp},v1={_mac(secret, body, timestamp)}"


def verify_signature(
    secret: str, header: str, body: bytes, tolerance: int = 300, now: float | None = None
) -> bool:
    """True when `header` signs exactly `body` with `secret`, made within `tolerance` seconds
    of now (a replayed old request fails). Several `v1=` entries may appear (secret rotation)."""
    timestamp: int | None = None
    candidates: list[str] = []
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t" and value.isdigit():
            timestamp = int(value)
        elif key == "v1":
            candidates.append(value)
    if timestamp is None or not candidates:
        return False
    if abs((time.time() if now is None else now) - timestamp) > tolerance:
        return False
    expected = _mac(secret, body, timestamp)
    return any(hmac.compare_digest(expected, candidate) for candidate in candidates)


def _mac(secret: str, body: bytes, timestamp: int) -> str:
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
