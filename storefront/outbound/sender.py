"""Sending deliveries: claim an attempt, POST the signed body, record the answer, schedule
the retry. A claim moves `next_attempt_at` past the attempt's lease in a committed compare-
and-set, so two senders (jobs, cron runs, "retry now") never make the same attempt twice; a
sender that dies mid-attempt leaves the delivery due again once the lease has passed."""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import requests
from flask import Flask, current_app
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from storefront.extensions import db
from storefront.outbound.models import (
    DeliveryStatus,
    IsvWebhookDelivery,
    IsvWebhookEndpoint,
    OwnerKind,
    StorefrontWebhookDelivery,
    StorefrontWebhookEndpoint,
)
from storefront.outbound.signing import (
    DELIVERY_HEADER,
    EVENT_HEADER,
    SIGNATURE_HEADER,
    signature_header,
)
from storefront.outbound.urls import UnsafeUrl, check_resolved_host
from storefront.tenants.scope import all_tenants
from storefront.timeutil import utcnow

log = logging.getLogger(__name__)

# (delivery model, endpoint model) per owner: same columns, hence `Any` for mypy.
MODELS: dict[OwnerKind, tuple[Any, Any]] = {
    OwnerKind.STOREFRONT: (StorefrontWebhookDelivery, StorefrontWebhookEndpoint),
    OwnerKind.ISV: (IsvWebhookDelivery, IsvWebhookEndpoint),
}
OPEN = (DeliveryStatus.PENDING, DeliveryStatus.RETRYING)
_RETRYABLE_4XX = {408, 429}


@dataclass(frozen=True)
class Attempt:
    """One claimed attempt: everything needed to send it without the database."""

    kind: OwnerKind
    delivery_id: int
    number: int  # 1 for the first attempt
    url: str
    secret: str
    public_id: str
    event_type: str
    body: bytes


@dataclass(frozen=True)
class Outcome:
    status_code: int | None
    response: str  # the start of the answer, or why there was none
    retry: bool  # worth trying again later (5xx, 408, 429, timeout, network)

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def send_delivery(kind: str, delivery_id: int) -> None:
    """The job: make the delivery's next attempt if it is due and nobody else is making it."""
    attempt = _claim(OwnerKind(kind), delivery_id)
    if attempt is not None:
        _record(attempt, post(attempt, current_app.config["OUTBOUND_TIMEOUT"]))


def send_inline(app: Flask, queued: list[tuple[str, int]]) -> None:
    """Sends without a job queue (see `emitting.dispatch`), with the short inline timeout;
    never raises: a failure stays due for `flask deliver`. While an endpoint is failing (a
    delivery to it awaits a retry), new ones to it are left to `flask deliver` too, so a dead
    receiver costs the web process (or a batch of renewals) one timeout, not one per event."""
    with app.app_context():
        timeout = app.config["OUTBOUND_INLINE_TIMEOUT"]
        for kind, delivery_id in queued:
            try:
                attempt = _claim(OwnerKind(kind), delivery_id, unless_failing=True)
                if attempt is not None:
                    _record(attempt, post(attempt, timeout))
            except Exception:  # never fail the caller for a webhook
                log.exception("webhook delivery %s %s failed to run", kind, delivery_id)


def deliver_due(limit: int = 500) -> int:
    """Make every due attempt (the cron command); returns how many were made."""
    made = 0
    timeout = current_app.config["OUTBOUND_TIMEOUT"]
    for kind in OwnerKind:
        for attempt in _claim_due(kind, limit - made):
            _record(attempt, post(attempt, timeout))
            made += 1
    return made


def prune(older_than: timedelta) -> int:
    """Forget finished deliveries (succeeded or failed for good) older than `older_than`."""
    cutoff = utcnow() - older_than
    removed = 0
    with all_tenants(), _session() as session, session.begin():
        for delivery_model, _ in MODELS.values():
            result = session.execute(
                delete(delivery_model)
                .where(
                    delivery_model.status.in_((DeliveryStatus.SUCCEEDED, DeliveryStatus.FAILED)),
                    delivery_model.created_at < cutoff,
                )
                .execution_options(synchronize_session=False)
            )
            removed += result.rowcount  # type: ignore[attr-defined]
    return removed


def _session() -> Session:
    return Session(db.engine, expire_on_commit=False)


def _claim(kind: OwnerKind, delivery_id: int, *, unless_failing: bool = False) -> Attempt | None:
    delivery_model, _ = MODELS[kind]
    with all_tenants(), _session() as session, session.begin():
        delivery = session.get(delivery_model, delivery_id)
        if delivery is None or delivery.status not in OPEN:
            return None
        if delivery.next_attempt_at is not None and _aware(delivery.next_attempt_at) > utcnow():
            return None
        if unless_failing and session.scalar(
            select(delivery_model.id)
            .where(
                delivery_model.endpoint_id == delivery.endpoint_id,
                delivery_model.status == DeliveryStatus.RETRYING,
            )
            .limit(1)
        ):
            return None
        return _claim_row(session, kind, delivery)


def _claim_due(kind: OwnerKind, limit: int) -> list[Attempt]:
    delivery_model, _ = MODELS[kind]
    if limit <= 0:
        return []
    with all_tenants(), _session() as session, session.begin():
        # SKIP LOCKED on PostgreSQL: concurrent runners take disjoint rows; on SQLite the
        # database lock serialises them and the compare-and-set below settles the rest.
        due = session.scalars(
            select(delivery_model)
            .where(delivery_model.status.in_(OPEN), delivery_model.next_attempt_at <= utcnow())
            .order_by(delivery_model.next_attempt_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        ).all()
        claimed = [_claim_row(session, kind, delivery) for delivery in due]
    return [attempt for attempt in claimed if attempt is not None]


def _claim_row(
    session: Session, kind: OwnerKind, delivery: StorefrontWebhookDelivery | IsvWebhookDelivery
) -> Attempt | None:
    delivery_model, endpoint_model = MODELS[kind]
    endpoint: StorefrontWebhookEndpoint | IsvWebhookEndpoint | None = session.get(
        endpoint_model, delivery.endpoint_id
    )
    now = utcnow()
    if endpoint is None or not endpoint.active:
        delivery.status = DeliveryStatus.FAILED
        delivery.next_attempt_at = None
        delivery.last_response = "The endpoint is disabled."
        return None
    lease = now + timedelta(seconds=current_app.config["OUTBOUND_TIMEOUT"] + 60)
    claimed = session.execute(
        update(delivery_model)
        .where(
            delivery_model.id == delivery.id,
            delivery_model.attempts == delivery.attempts,
            delivery_model.status.in_(OPEN),
        )
        .values(attempts=delivery.attempts + 1, next_attempt_at=lease, last_attempt_at=now)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        return None
    return Attempt(
        kind=kind,
        delivery_id=delivery.id,
        number=delivery.attempts + 1,
        url=endpoint.url,
        secret=endpoint.secret,
        public_id=delivery.public_id,
        event_type=delivery.event_type,
        body=json.dumps(delivery.payload, separators=(",", ":"), sort_keys=True).encode(),
    )


def post(attempt: Attempt, timeout: float) -> Outcome:
    """POST the signed body; never follows redirects, reads at most the excerpt's length."""
    excerpt = int(current_app.config["OUTBOUND_RESPONSE_EXCERPT"])
    if current_app.config["STOREFRONT_ENV"] == "production":
        try:
            check_resolved_host(attempt.url)
        except UnsafeUrl as error:
            return Outcome(None, str(error), retry=True)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Storefront-Webhooks/1",
        SIGNATURE_HEADER: signature_header(attempt.secret, attempt.body, int(time.time())),
        EVENT_HEADER: attempt.event_type,
        DELIVERY_HEADER: attempt.public_id,
    }
    try:
        with requests.post(
            attempt.url,
            data=attempt.body,
            headers=headers,
            timeout=timeout,
            allow_redirects=False,
            stream=True,
        ) as response:
            raw = response.raw.read(excerpt, decode_content=True) or b""
            status = response.status_code
    except requests.Timeout:
        return Outcome(None, f"No answer within {timeout:g} s.", retry=True)
    except requests.RequestException as error:
        return Outcome(None, _reason(error)[:excerpt], retry=True)
    text = raw.decode("utf-8", errors="replace")
    if 300 <= status < 400:
        text = f"Redirects are not followed. {text}".strip()
    retry = status >= 500 or status in _RETRYABLE_4XX
    return Outcome(status, text[:excerpt], retry=retry)


def _reason(error: requests.RequestException) -> str:
    if isinstance(error, requests.ConnectionError):
        return f"Could not connect: {error.__class__.__name__}."
    return f"{error.__class__.__name__}: {error}"


def _record(attempt: Attempt, outcome: Outcome) -> None:
    delivery_model, _ = MODELS[attempt.kind]
    schedule: list[int] = list(current_app.config["OUTBOUND_RETRY_SCHEDULE"])
    now = utcnow()
    values: dict[str, object] = {
        "last_status_code": outcome.status_code,
        "last_response": outcome.response,
    }
    if outcome.succeeded:
        values |= {"status": DeliveryStatus.SUCCEEDED, "next_attempt_at": None, "delivered_at": now}
    elif outcome.retry and attempt.number <= len(schedule):
        wait = timedelta(seconds=schedule[attempt.number - 1])
        values |= {"status": DeliveryStatus.RETRYING, "next_attempt_at": now + wait}
    else:
        values |= {"status": DeliveryStatus.FAILED, "next_attempt_at": None}
    with all_tenants(), _session() as session, session.begin():
        # Only our own attempt's row: a "retry now" since then has started a new series.
        session.execute(
            update(delivery_model)
            .where(
                delivery_model.id == attempt.delivery_id,
                delivery_model.attempts == attempt.number,
            )
            .values(**values)
            .execution_options(synchronize_session=False)
        )


def _aware(moment: datetime) -> datetime:
    """SQLite hands timestamps back without their zone; every stored one is UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
